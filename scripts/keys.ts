import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { describe, EXIT, loadEnvironment, type Output } from "./lib/cli";

export { EXIT };

/**
 * `npm run keys -- create --tenant acme` and `npm run keys -- revoke <secret>`: issue and revoke
 * API keys through the core Tenant verbs. In AWS, run it inside the stage's linked resources:
 *
 *   npx sst shell --stage <stage> -- npm run keys -- create --tenant acme
 *
 * Locally, with `npm run dev` running, it finds the local cloud through `.herald/local.json`.
 */

export const USAGE = `Usage:
  npm run keys -- create --tenant <tenant-id>   issue a key; prints the secret once
      --test                                    a test key (hrld_test_…): its notifications
                                                are simulated and never reach a provider
  npm run keys -- revoke <secret>               revoke a key; requests with it get 403
  npm run keys -- help

Against AWS, run it inside a stage's linked resources:
  npx sst shell --stage <stage> -- npm run keys -- create --tenant acme
Locally, start \`npm run dev\` first; this reads .herald/local.json.

Exit codes: 0 done, 1 refused or failed, 2 bad usage.
`;

/** Arguments that do not form a command. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Command =
  | { name: "help" }
  | { name: "create"; tenant: string; test: boolean }
  | { name: "revoke"; secret: string };

function parseCommand(argv: string[]): Command {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (values.help || name === "help") return { name: "help" };
  if (name === "create") {
    if (rest.length > 0) throw new UsageError(`create takes no arguments, got: ${rest.join(" ")}`);
    if (!values.tenant) throw new UsageError("create needs --tenant <tenant-id>");
    return { name, tenant: values.tenant, test: values.test === true };
  }
  if (name === "revoke") {
    if (values.tenant || values.test) {
      throw new UsageError("revoke takes the secret only, not --tenant or --test");
    }
    if (rest.length !== 1 || !rest[0]) throw new UsageError("revoke needs exactly one <secret>");
    return { name, secret: rest[0] };
  }
  throw new UsageError(name ? `Unknown command "${name}"` : "No command given");
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      tenant: { type: "string", short: "t" },
      test: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
}

async function create(tenant: string, test: boolean, out: Output): Promise<number> {
  // Imported only now, so the environment above is in place before any client reads it.
  const Tenant = await import("@herald/core/tenant");
  const parsed = Tenant.TenantId.safeParse(tenant);
  if (!parsed.success) {
    out.stderr.write(`Invalid tenant id "${tenant}": ${parsed.error.issues[0]?.message}\n`);
    return EXIT.usage;
  }
  const key = await Tenant.createKey({ tenantId: parsed.data, test });
  out.stderr.write(
    `Created ${test ? "test " : ""}key ${key.keyId} for tenant ${key.tenantId}. The secret is shown once:\n`,
  );
  out.stdout.write(`${key.secret}\n`);
  return EXIT.ok;
}

async function revoke(secret: string, out: Output): Promise<number> {
  const Tenant = await import("@herald/core/tenant");
  if (await Tenant.revokeKey(secret)) {
    out.stderr.write("Revoked: requests with this key are refused from now on.\n");
    return EXIT.ok;
  }
  out.stderr.write("No such active key: it is unknown or already revoked.\n");
  return EXIT.failed;
}

/**
 * The whole command, for the script and for tests: returns the exit code. The secret is the
 * only thing written to stdout, so `npm run -s keys -- create --tenant acme` can be piped.
 */
export async function runKeys(
  argv: string[],
  out: Output,
  envFile = resolve(".herald/local.json"),
): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    out.stderr.write(`${error.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (command.name === "help") {
    out.stdout.write(USAGE);
    return EXIT.ok;
  }
  try {
    out.stderr.write(`${loadEnvironment(envFile)}\n`);
    return command.name === "create"
      ? await create(command.tenant, command.test, out)
      : await revoke(command.secret, out);
  } catch (error) {
    out.stderr.write(`${describe(error)}\n`);
    return EXIT.failed;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runKeys(process.argv.slice(2), process);
}
