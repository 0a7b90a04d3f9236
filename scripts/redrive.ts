import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { describe, EXIT, loadEnvironment, type Output } from "./lib/cli";

/**
 * `npm run redrive -- --tenant acme [--channel email]`: send again every notification of a
 * tenant whose retries ran out (its retry schedule was spent, or its message dead-lettered).
 * Permanent failures, and anything a provider accepted, are left alone. The per-notification form is `POST /v1/notifications/{id}/retry`.
 *
 *   npx sst shell --stage <stage> -- npm run redrive -- --tenant acme
 */
export const USAGE = `Usage:
  npm run redrive -- --tenant <tenant-id> [--channel <channel>]

Against AWS: npx sst shell --stage <stage> -- npm run redrive -- --tenant acme
Locally, start \`npm run dev\` first; this reads .herald/local.json.
`;

export interface Redriven {
  retried: string[];
  /** Failed for good (the provider refused): not retried. */
  skipped: string[];
}

export async function redrive(tenantId: string, channel?: string): Promise<Redriven> {
  const Notification = await import("@herald/core/notification");
  const { InvalidTransitionError } = await import("@herald/core/error");
  const result: Redriven = { retried: [], skipped: [] };
  let cursor: string | undefined;
  do {
    const page = await Notification.list({
      tenantId,
      query: {
        status: "failed",
        ...(channel ? { channel: Notification.Channel.parse(channel) } : {}),
        limit: 100,
        cursor,
      },
    });
    for (const notification of page.items) {
      try {
        await Notification.retry({ tenantId, id: notification.id });
        result.retried.push(notification.id);
      } catch (error) {
        if (!(error instanceof InvalidTransitionError)) throw error;
        result.skipped.push(notification.id);
      }
    }
    cursor = page.next_cursor;
  } while (cursor);
  return result;
}

export async function runRedrive(
  argv: string[],
  out: Output,
  envFile = resolve(".herald/local.json"),
): Promise<number> {
  let values: { tenant?: string; channel?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { tenant: { type: "string" }, channel: { type: "string" } },
    }));
  } catch (error) {
    out.stderr.write(`${describe(error)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (!values.tenant) {
    out.stderr.write(USAGE);
    return EXIT.usage;
  }
  try {
    out.stderr.write(`${loadEnvironment(envFile)}\n`);
    const { retried, skipped } = await redrive(values.tenant, values.channel);
    out.stdout.write(
      `Retried ${retried.length} notification(s); left ${skipped.length} permanent failure(s).\n`,
    );
    return EXIT.ok;
  } catch (error) {
    out.stderr.write(`${describe(error)}\n`);
    return EXIT.failed;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runRedrive(process.argv.slice(2), process);
}
