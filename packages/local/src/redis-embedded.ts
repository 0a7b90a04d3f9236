import { createHash, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { exists as isRedisCommand } from "@ioredis/commands";
import RedisMock from "ioredis-mock";
import type {
  Backend,
  CommandArgs,
  Outcome,
  Reply,
  SubscribeKind,
  TransactionOutcome,
} from "./redis";

/**
 * The fallback for when no `redis-server` is installed: `ioredis-mock` (an in-memory Redis
 * with Lua through fengari and pub/sub) behind the same Backend the HTTP shim drives. What the
 * mock lacks for Upstash is added here: `SCRIPT LOAD/EXISTS/FLUSH`, script shebang lines
 * (`#!lua flags=…`, which @upstash/ratelimit sends), Redis' arity errors and EXECABORT, and
 * flat HGETALL replies. Commands run synchronously in the mock, so a transaction issued in one
 * go is atomic, as is every script.
 */

type Mock = InstanceType<typeof RedisMock>;
type Method = (...args: string[]) => Promise<unknown>;

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
/** Redis' command table (arity: n exactly n words, -n at least n), as ioredis ships it. */
// A JSON import attribute would do, but tsx (npm run dev) turns this file into invalid ESM.
const ARITY = createRequire(import.meta.url)("@ioredis/commands/built/commands.json") as Record<
  string,
  { arity: number }
>;

export function createEmbeddedBackend(): Backend {
  // ioredis-mock shares one keyspace among instances with the same host and port: a host of
  // its own keeps every emulator apart.
  const main = new RedisMock({ host: `embedded-${randomUUID()}`, lazyConnect: false });
  const subscribers = new Set<Mock>();
  const run = (command: CommandArgs) => execute(main, command);
  return {
    name: "embedded",
    command: run,
    pipeline: (commands) => Promise.all(commands.map(run)),
    transaction: (commands) => transaction(main, commands),
    subscribe: async (kind, target, sink) => {
      const subscriber = main.duplicate();
      subscribers.add(subscriber);
      subscriber.on("message", (channel: string, message: string) =>
        sink.message({ channel, message }),
      );
      subscriber.on("pmessage", (pattern: string, channel: string, message: string) =>
        sink.message({ pattern, channel, message }),
      );
      subscriber.once("end", () => sink.end());
      const count = Number(await subscriber[kind](target));
      return {
        count,
        close: async () => {
          if (!subscribers.delete(subscriber)) return;
          await unsubscribe(subscriber, kind, target);
          subscriber.disconnect();
        },
      };
    },
    close: async () => {
      for (const subscriber of subscribers) subscriber.disconnect();
      subscribers.clear();
      await main.flushall();
      main.disconnect();
    },
  };
}

function unsubscribe(subscriber: Mock, kind: SubscribeKind, target: string) {
  return kind === "subscribe" ? subscriber.unsubscribe(target) : subscriber.punsubscribe(target);
}

/** Queue every command at once (the mock runs each as it is called), then collect outcomes. */
async function transaction(
  mock: Mock,
  commands: readonly CommandArgs[],
): Promise<TransactionOutcome> {
  for (const command of commands) {
    const problem = queueError(command);
    if (problem) {
      return { error: `EXECABORT Transaction discarded because of previous errors: ${problem}` };
    }
  }
  return { results: await Promise.all(commands.map((command) => execute(mock, command))) };
}

/** The error Redis gives on receiving this command (unknown name, wrong arity), if any. */
function queueError([name, ...args]: CommandArgs): string | undefined {
  const lower = name.toLowerCase();
  if (!isRedisCommand(lower)) return unknownCommand(name, args);
  const arity = ARITY[lower]?.arity ?? 0;
  const count = args.length + 1;
  if (arity > 0 ? count !== arity : count < -arity) {
    return `ERR wrong number of arguments for '${lower}' command`;
  }
  return undefined;
}

function unknownCommand(name: string, args: readonly string[]): string {
  const shown = args
    .slice(0, 20)
    .map((arg) => `'${arg}' `)
    .join("");
  return `ERR unknown command '${name}', with args beginning with: ${shown}`;
}

function execute(mock: Mock, command: CommandArgs): Promise<Outcome> {
  const problem = queueError(command);
  if (problem) return Promise.resolve({ error: problem });
  const [name, ...args] = command;
  const lower = name.toLowerCase();
  const scripted = lower === "script" ? script(mock, args) : undefined;
  if (scripted) return Promise.resolve(scripted);
  const method = (mock as unknown as Record<string, Method | undefined>)[lower];
  if (typeof method !== "function") return Promise.resolve({ error: unknownCommand(name, args) });
  let reply: Promise<unknown>;
  try {
    reply = method.apply(mock, mockArgs(mock, lower, args));
  } catch (error) {
    return Promise.resolve({ error: errorText(error) });
  }
  return reply.then(
    (value) => ({ result: toReply(value) }),
    (error: unknown) => ({ error: errorText(error) }),
  );
}

/** The mock's error texts, as Redis words them. */
function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/^(ERR )?Key .* does not contain a /.test(message)) return WRONGTYPE;
  return /^[A-Z]+ /.test(message) ? message : `ERR ${message}`;
}

/** The mock's script cache, keyed by SHA1. */
function scripts(mock: Mock): Record<string, string> {
  return (mock as unknown as { shaScripts: Record<string, string> }).shaScripts;
}

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

/**
 * Cache `source` under its SHA1, as Redis does, minus a `#!lua` line fengari cannot parse;
 * the stripped body is what runs.
 */
function remember(mock: Mock, source: string): { sha: string; body: string } {
  const body = source.replace(/^#!lua[^\n]*\n/, "");
  const sha = sha1(source);
  scripts(mock)[sha] = body;
  return { sha, body };
}

/** Arguments as the mock understands them: SET options in upper case, scripts unflagged. */
function mockArgs(mock: Mock, name: string, args: string[]): string[] {
  if (name === "set") return [...args.slice(0, 2), ...args.slice(2).map((a) => a.toUpperCase())];
  if ((name === "eval" || name === "eval_ro") && args[0] !== undefined) {
    return [remember(mock, args[0]).body, ...args.slice(1)];
  }
  if (name === "evalsha" || name === "evalsha_ro") {
    return [args[0]?.toLowerCase() ?? "", ...args.slice(1)];
  }
  return args;
}

/** SCRIPT LOAD, EXISTS and FLUSH, which the mock does not have. */
function script(mock: Mock, [sub = "", ...args]: string[]): Outcome | undefined {
  switch (sub.toUpperCase()) {
    case "LOAD":
      if (args.length !== 1) return { error: "ERR wrong number of arguments for 'script|load'" };
      return { result: remember(mock, args[0] as string).sha };
    case "EXISTS":
      return { result: args.map((sha) => (scripts(mock)[sha.toLowerCase()] ? 1 : 0)) };
    case "FLUSH":
      for (const sha of Object.keys(scripts(mock))) delete scripts(mock)[sha];
      return { result: "OK" };
    default:
      return undefined;
  }
}

/** The mock's replies → RESP shapes; an object (HGETALL through ioredis) becomes a flat list. */
function toReply(value: unknown): Reply {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "string") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Uint8Array || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map(toReply);
  if (typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, toReply(v)]);
  return String(value);
}
