import { readFileSync } from "node:fs";

/** What Herald's command-line scripts share: exit codes, output, and finding an environment. */

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Where a CLI writes; `process` itself fits. */
export interface Output {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Neither linked resources nor a running local cloud: nowhere to work on. */
export class NoEnvironmentError extends Error {
  constructor(file: string, options?: ErrorOptions) {
    super(
      `No Herald environment: SST_RESOURCE_Table is not set and ${file} could not be read. ` +
        "Start `npm run dev`, or run this inside `npx sst shell --stage <stage> -- ...`.",
      options,
    );
    this.name = "NoEnvironmentError";
  }
}

/**
 * Linked resources from the environment (`sst shell`), or else the local cloud's environment
 * that `npm run dev` wrote. Returns a line saying which.
 */
export function loadEnvironment(file: string): string {
  const table = () => {
    const link = JSON.parse(process.env.SST_RESOURCE_Table ?? "{}") as { name?: string };
    return link.name ?? "?";
  };
  if (process.env.SST_RESOURCE_Table) {
    return `Using linked resources from the environment (table ${table()}).`;
  }
  let env: Record<string, string>;
  try {
    env = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  } catch (error) {
    throw new NoEnvironmentError(file, { cause: error });
  }
  for (const [name, value] of Object.entries(env)) process.env[name] ??= String(value);
  return `Using the local cloud from ${file} (table ${table()}).`;
}

/** An error and its causes, one line each. */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause ? `${error.message}\n  cause: ${describe(error.cause)}` : error.message;
}
