import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo, createConnection, createServer as createNetServer } from "node:net";
import { delimiter, join } from "node:path";
import { Redis as IORedis } from "ioredis";
import { close, HOST, listen, readBody } from "./net";
import { createEmbeddedBackend } from "./redis-embedded";

/**
 * Herald's local stand-in for Upstash Redis: an HTTP server speaking the Upstash REST dialect
 * (`POST /` with `["SET","k","v"]`, `/pipeline`, `/multi-exec`, `Upstash-Encoding: base64`,
 * server-sent events on `/subscribe/<channel>` and `/psubscribe/<pattern>`, and the URL-path form
 * `GET /get/key`), so `@upstash/redis` runs against it unchanged. Commands go to a real
 * `redis-server` child process when one is installed, else to an in-process one (ioredis-mock,
 * redis-embedded.ts); `HERALD_LOCAL_REDIS=embedded` forces the latter.
 */

export interface RedisEmulator {
  /** `http://127.0.0.1:PORT`, what `@upstash/redis` gets as `url`. */
  url: string;
  /** Bearer token required on every request (401 otherwise). */
  token: string;
  backend: "redis-server" | "embedded";
  /** Closes the HTTP server, open SSE streams and subscriber connections; stops redis-server. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default: a random token. */
  token?: string;
  /**
   * "auto": redis-server when it is on PATH, else the embedded engine. Default: the
   * `HERALD_LOCAL_REDIS` environment variable (one of these three), else "auto".
   */
  backend?: BackendChoice;
  /** Connection-level errors of the redis-server backend; default stderr. */
  onError?: (error: unknown) => void;
}

/** A Redis reply in RESP2 shapes; `Uint8Array` is a bulk string, `Error` a nested error reply. */
export type Reply = null | number | string | Uint8Array | Error | readonly Reply[];
/** One command's outcome, as the REST API reports it. */
export type Outcome = { result: Reply } | { error: string };
export type TransactionOutcome = { results: Outcome[] } | { error: string };
/** A command as received: name first, every argument a string. */
export type CommandArgs = readonly [name: string, ...args: string[]];
export type SubscribeKind = "subscribe" | "psubscribe";

export interface PubSubMessage {
  channel: string;
  message: string;
  /** Set for messages received through a pattern subscription. */
  pattern?: string;
}

export interface PubSubSink {
  message(event: PubSubMessage): void;
  /** The backend ended the subscription (e.g. its connection closed). */
  end(): void;
}

export interface Subscription {
  /** Subscriptions held by this subscriber, as Redis reports it in the subscribe reply. */
  count: number;
  /** Unsubscribe and release the connection; never rejects. */
  close(): Promise<void>;
}

/** What the HTTP layer needs from a Redis engine. */
export interface Backend {
  readonly name: RedisEmulator["backend"];
  command(command: CommandArgs): Promise<Outcome>;
  pipeline(commands: readonly CommandArgs[]): Promise<Outcome[]>;
  transaction(commands: readonly CommandArgs[]): Promise<TransactionOutcome>;
  subscribe(kind: SubscribeKind, target: string, sink: PubSubSink): Promise<Subscription>;
  close(): Promise<void>;
}

export type BackendChoice = "auto" | "redis-server" | "embedded";
const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "redis-server", "embedded"];

/** `HERALD_LOCAL_REDIS` (auto, redis-server or embedded) forces a backend, e.g. the fallback. */
export function backendFromEnv(value = process.env.HERALD_LOCAL_REDIS): BackendChoice {
  if (!value) return "auto";
  if (!BACKEND_CHOICES.includes(value as BackendChoice)) {
    throw new RedisEmulatorError(
      `HERALD_LOCAL_REDIS must be one of ${BACKEND_CHOICES.join(", ")}, not "${value}"`,
    );
  }
  return value as BackendChoice;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const STARTUP_TIMEOUT_MS = 10_000;
const EXIT_TIMEOUT_MS = 5_000;

/** Commands that would change the state of a shared connection, or that REST cannot carry. */
const CONNECTION_COMMANDS = new Set([
  "auth",
  "discard",
  "exec",
  "hello",
  "monitor",
  "multi",
  "psubscribe",
  "psync",
  "punsubscribe",
  "quit",
  "replicaof",
  "reset",
  "select",
  "shutdown",
  "slaveof",
  "ssubscribe",
  "subscribe",
  "sunsubscribe",
  "sync",
  "unsubscribe",
  "unwatch",
  "watch",
]);

/** Commands that may block their connection; they run on a connection of their own. */
const BLOCKING_COMMANDS = new Set([
  "blmove",
  "blmpop",
  "blpop",
  "brpop",
  "brpoplpush",
  "bzmpop",
  "bzpopmax",
  "bzpopmin",
  "wait",
  "waitaof",
  "xread",
  "xreadgroup",
]);

export class RedisEmulatorError extends Error {
  override name = "RedisEmulatorError";
}

/** A request the REST API rejects with 400 and `{"error": message}`. */
class BadRequestError extends Error {
  override name = "BadRequestError";
}

/** The absolute path of `redis-server` on PATH, if there is one. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, "redis-server");
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch (error) {
    if (error instanceof Error && "code" in error) return false;
    throw error;
  }
}

export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisEmulator> {
  const token = opts.token ?? randomBytes(16).toString("hex");
  const onError =
    opts.onError ?? ((error: unknown) => process.stderr.write(`local redis: ${String(error)}\n`));
  const backend = await startBackend(opts.backend ?? backendFromEnv(), onError);
  const streams = new Map<ServerResponse, Promise<void>>();
  const server = createServer((req, res) => {
    handleRequest({ backend, token, streams }, req, res).catch((error: unknown) =>
      sendError(res, error),
    );
  });
  let port: number;
  try {
    port = await listen(server, opts.port ?? 0);
  } catch (error) {
    await backend.close();
    throw error;
  }
  return {
    url: `http://${HOST}:${port}`,
    token,
    backend: backend.name,
    stop: async () => {
      // Ending (not destroying) lets subscribers see a clean end of stream.
      for (const response of streams.keys()) response.end();
      await Promise.all(streams.values());
      await close(server);
      await backend.close();
    },
  };
}

async function startBackend(
  choice: BackendChoice,
  onError: (error: unknown) => void,
): Promise<Backend> {
  if (choice === "embedded") return createEmbeddedBackend();
  const binary = findRedisServer();
  if (binary) return startRedisServerBackend(binary, onError);
  if (choice === "redis-server") {
    throw new RedisEmulatorError("redis-server is not installed (not found on PATH)");
  }
  return createEmbeddedBackend();
}

// ---------------------------------------------------------------------------------------------
// HTTP: the Upstash REST dialect
// ---------------------------------------------------------------------------------------------

interface ShimContext {
  backend: Backend;
  token: string;
  /** Open SSE responses, each with the promise that settles once its subscription is closed. */
  streams: Map<ServerResponse, Promise<void>>;
}

async function handleRequest(context: ShimContext, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (!isAuthorized(req, url, context.token)) {
    req.resume();
    sendJson(res, 401, { error: "Unauthorized" });
    return;
  }
  const raw = await readBody(req, MAX_BODY_BYTES);
  if (!raw) throw new BadRequestError(`ERR request body larger than ${MAX_BODY_BYTES} bytes`);
  const body = raw.toString("utf8");
  const base64 = req.headers["upstash-encoding"]?.toString().toLowerCase() === "base64";
  const path = url.pathname;
  if (path === "/" && req.method !== "GET") {
    await serveCommand(context, parseCommand(parseJson(body)), res, base64);
  } else if (path === "/pipeline") {
    await servePipeline(context, parseCommandList(parseJson(body)), res, base64);
  } else if (path === "/multi-exec") {
    await serveTransaction(context, parseCommandList(parseJson(body)), res, base64);
  } else if (path.startsWith("/subscribe/") || path.startsWith("/psubscribe/")) {
    const [, kind = "", ...rest] = path.split("/");
    await serveSubscription(context, res, kind as SubscribeKind, decodeSegment(rest.join("/")));
  } else {
    await serveCommand(context, commandFromPath(url, body), res, base64);
  }
}

function isAuthorized(req: IncomingMessage, url: URL, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header);
  return (match?.[1] ?? url.searchParams.get("_token")) === token;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new BadRequestError("ERR failed to parse command: the body is not valid JSON", {
      cause: error,
    });
  }
}

function parseCommand(value: unknown): CommandArgs {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequestError("ERR failed to parse command: expected a non-empty JSON array");
  }
  const args = value.map((item: unknown) => {
    if (typeof item === "string") return item;
    if (typeof item === "number" || typeof item === "boolean") return String(item);
    throw new BadRequestError("ERR failed to parse command: arguments must be strings or numbers");
  });
  return args as unknown as CommandArgs;
}

function parseCommandList(value: unknown): CommandArgs[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequestError("ERR failed to parse commands: expected a non-empty JSON array");
  }
  return value.map(parseCommand);
}

/** Upstash's URL form: `/set/key/value?EX=100`; a POST body becomes the last argument. */
function commandFromPath(url: URL, body: string): CommandArgs {
  const segments = url.pathname.slice(1).split("/").map(decodeSegment);
  if (segments.at(-1) === "" && segments.length > 1) segments.pop();
  if (body.length > 0) segments.push(body);
  for (const [name, value] of url.searchParams) {
    if (name === "_token") continue;
    segments.push(name);
    if (value !== "") segments.push(value);
  }
  if (!segments[0]) throw new BadRequestError("ERR empty command");
  return segments as unknown as CommandArgs;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    throw new BadRequestError(`ERR malformed URL segment: ${segment}`, { cause: error });
  }
}

/** Why the REST API refuses this command, if it does. */
function refusal(command: CommandArgs): string | undefined {
  const name = command[0].toLowerCase();
  if (!CONNECTION_COMMANDS.has(name)) return undefined;
  return `ERR command '${command[0]}' is not available over the REST API (use /pipeline, /multi-exec or /subscribe)`;
}

async function serveCommand(
  context: ShimContext,
  command: CommandArgs,
  res: ServerResponse,
  base64: boolean,
) {
  const refused = refusal(command);
  const outcome = refused ? { error: refused } : await context.backend.command(command);
  if ("error" in outcome) sendJson(res, 400, outcome);
  else sendJson(res, 200, { result: encodeReply(outcome.result, base64) });
}

async function servePipeline(
  context: ShimContext,
  commands: CommandArgs[],
  res: ServerResponse,
  base64: boolean,
) {
  const allowed = commands.filter((command) => !refusal(command));
  const outcomes = await context.backend.pipeline(allowed);
  let next = 0;
  const merged = commands.map((command) => {
    const refused = refusal(command);
    return refused ? { error: refused } : (outcomes[next++] ?? { error: "ERR no reply" });
  });
  sendJson(res, 200, encodeOutcomes(merged, base64));
}

async function serveTransaction(
  context: ShimContext,
  commands: CommandArgs[],
  res: ServerResponse,
  base64: boolean,
) {
  const refused = commands.map(refusal).find((reason) => reason !== undefined);
  const outcome = refused
    ? { error: `EXECABORT Transaction discarded because of previous errors: ${refused}` }
    : await context.backend.transaction(commands);
  if ("error" in outcome) sendJson(res, 400, outcome);
  else sendJson(res, 200, encodeOutcomes(outcome.results, base64));
}

/**
 * `@upstash/redis` subscribes with `POST /subscribe/<channel>` (or `/psubscribe/<pattern>`) and
 * `Accept: text/event-stream`, reads `data: ` lines (`subscribe,chan,1`, `message,chan,payload`,
 * `pmessage,pattern,chan,payload`) and aborts the request to unsubscribe.
 */
async function serveSubscription(
  context: ShimContext,
  res: ServerResponse,
  kind: SubscribeKind,
  target: string,
) {
  if (!target) throw new BadRequestError(`ERR wrong number of arguments for '${kind}' command`);
  let disconnected = false;
  res.once("close", () => {
    disconnected = true;
  });
  const pending: string[] = [];
  let started = false;
  const write = (data: string) => {
    if (started) res.write(data);
    else pending.push(data);
  };
  const subscription = await context.backend.subscribe(kind, target, {
    message: (event) => write(sseEvent(formatPubSubMessage(event))),
    end: () => {
      if (!res.destroyed && !res.writableEnded) res.end();
    },
  });
  if (disconnected) {
    await subscription.close();
    return;
  }
  const closed = new Promise<void>((resolve) => {
    res.once("close", () => {
      subscription.close().then(resolve, resolve);
    });
  });
  context.streams.set(res, closed);
  closed.then(() => context.streams.delete(res));
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  res.write(sseEvent(`${kind},${target},${subscription.count}`));
  started = true;
  for (const data of pending.splice(0)) res.write(data);
}

function formatPubSubMessage(event: PubSubMessage): string {
  return event.pattern === undefined
    ? `message,${event.channel},${event.message}`
    : `pmessage,${event.pattern},${event.channel},${event.message}`;
}

/** One SSE event; a payload with line breaks becomes several `data:` lines, per the SSE spec. */
function sseEvent(data: string): string {
  return `${data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join("")}\n`;
}

function encodeOutcomes(outcomes: readonly Outcome[], base64: boolean) {
  return outcomes.map((outcome) =>
    "error" in outcome ? outcome : { result: encodeReply(outcome.result, base64) },
  );
}

/** Reply → JSON; with `Upstash-Encoding: base64` every string (also nested) is base64. */
function encodeReply(reply: Reply, base64: boolean): unknown {
  if (reply === null || typeof reply === "number") return reply;
  if (typeof reply === "string") return base64 ? Buffer.from(reply).toString("base64") : reply;
  if (reply instanceof Uint8Array) {
    const bytes = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
    return bytes.toString(base64 ? "base64" : "utf8");
  }
  if (reply instanceof Error) return encodeReply(reply.message, base64);
  return reply.map((item) => encodeReply(item, base64));
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: unknown) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof BadRequestError) {
    sendJson(res, 400, { error: error.message });
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  sendJson(res, 500, { error: `ERR internal error: ${message}` });
}

// ---------------------------------------------------------------------------------------------
// redis-server backend
// ---------------------------------------------------------------------------------------------

interface RedisProcess {
  child: ChildProcess;
  port: number;
  /** The last lines redis-server printed, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

async function startRedisServerBackend(
  binary: string,
  onError: (error: unknown) => void,
): Promise<Backend> {
  const server = await spawnRedisServer(binary);
  const connections = new Set<IORedis>();
  const open = () => {
    const connection = connect(server.port);
    connections.add(connection);
    connection.once("end", () => connections.delete(connection));
    connection.on("error", onError);
    return connection;
  };
  const main = open();
  const idle: IORedis[] = [];
  const takeIdle = () => {
    for (let connection = idle.pop(); connection; connection = idle.pop()) {
      if (connection.status !== "end") return connection;
    }
    return undefined;
  };
  /** Run `work` on a connection of its own (MULTI/EXEC, blocking commands), then pool it. */
  const dedicated = async <T>(work: (connection: IORedis) => Promise<T>): Promise<T> => {
    const connection = takeIdle() ?? open();
    try {
      const result = await work(connection);
      idle.push(connection);
      return result;
    } catch (error) {
      connection.disconnect();
      throw error;
    }
  };
  const command = (args: CommandArgs) =>
    BLOCKING_COMMANDS.has(args[0].toLowerCase())
      ? dedicated((connection) => runCommand(connection, args))
      : runCommand(main, args);
  return {
    name: "redis-server",
    command,
    // Issued in one go on the shared connection, so they travel as one RESP pipeline in order.
    pipeline: (commands) => Promise.all(commands.map(command)),
    transaction: (commands) => dedicated((connection) => runTransaction(connection, commands)),
    subscribe: (kind, target, sink) => subscribeOnServer(open(), kind, target, sink),
    close: async () => {
      for (const connection of connections) connection.disconnect();
      await server.stop();
    },
  };
}

function connect(port: number): IORedis {
  // No reconnects: a local redis-server that went away is a failure to report, not to hide.
  return new IORedis({ host: HOST, port, retryStrategy: () => null, enableAutoPipelining: false });
}

/** ioredis rejects with a `ReplyError` when Redis answered with an error reply. */
function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === "ReplyError";
}

/**
 * Upstash accepts script flags that the redis-server 7.0 Debian ships does not know
 * (`#!lua flags=allow-key-locking`, used by @upstash/ratelimit). Strip those flags on the way in
 * and remember which stripped script each original SHA stands for, so EVALSHA works too.
 */
const UNSUPPORTED_SCRIPT_FLAGS = new Set(["allow-key-locking"]);
const scriptShas = new Map<string, string>();

function stripScriptFlags(script: string): string {
  const shebang = /^#!lua flags=([^\n]*)\n/.exec(script);
  if (!shebang?.[1]) return script;
  const kept = shebang[1].split(",").filter((flag) => !UNSUPPORTED_SCRIPT_FLAGS.has(flag.trim()));
  if (kept.length === shebang[1].split(",").length) return script;
  const rewritten = `${kept.length ? `#!lua flags=${kept.join(",")}` : "#!lua"}\n${script.slice(shebang[0].length)}`;
  scriptShas.set(sha1(script), sha1(rewritten));
  return rewritten;
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

export function compatible([name, ...args]: CommandArgs): CommandArgs {
  const upper = name.toUpperCase();
  const [first = "", ...rest] = args;
  if ((upper === "EVAL" || upper === "EVAL_RO") && first) {
    return [name, stripScriptFlags(first), ...rest];
  }
  if ((upper === "EVALSHA" || upper === "EVALSHA_RO") && first) {
    return [name, scriptShas.get(first.toLowerCase()) ?? first, ...rest];
  }
  if (upper === "SCRIPT" && first.toUpperCase() === "LOAD" && rest[0]) {
    stripScriptFlags(rest[0]);
    return [name, first, stripScriptFlags(rest[0])];
  }
  return [name, ...args];
}

async function runCommand(connection: IORedis, command: CommandArgs): Promise<Outcome> {
  const [name, ...args] = compatible(command);
  try {
    // Upper case keeps ioredis from applying its own reply transformers (e.g. HGETALL → object).
    return { result: toReply(await connection.callBuffer(name.toUpperCase(), ...args)) };
  } catch (error) {
    if (isReplyError(error)) return { error: error.message };
    throw error;
  }
}

/** A real MULTI … EXEC on a connection nobody else uses meanwhile. */
async function runTransaction(
  connection: IORedis,
  commands: readonly CommandArgs[],
): Promise<TransactionOutcome> {
  const multi = connection.callBuffer("MULTI");
  const queued = commands
    .map(compatible)
    .map(([name, ...args]) => connection.callBuffer(name.toUpperCase(), ...args));
  const exec = connection.callBuffer("EXEC");
  const settled = await Promise.allSettled([multi, ...queued, exec]);
  for (const step of settled) {
    if (step.status === "rejected" && !isReplyError(step.reason)) throw step.reason;
  }
  const queueError = settled.slice(0, -1).find((step) => step.status === "rejected");
  if (queueError?.status === "rejected") {
    const reason = (queueError.reason as Error).message;
    return { error: `EXECABORT Transaction discarded because of previous errors: ${reason}` };
  }
  const execResult = settled.at(-1);
  if (execResult?.status !== "fulfilled") {
    const reason = execResult?.status === "rejected" ? (execResult.reason as Error).message : "";
    return { error: reason || "EXECABORT Transaction discarded" };
  }
  const replies = toReply(execResult.value);
  if (!Array.isArray(replies)) return { error: "EXECABORT Transaction aborted" };
  return {
    results: (replies as readonly Reply[]).map((reply) =>
      reply instanceof Error ? { error: reply.message } : { result: reply },
    ),
  };
}

/** ioredis' buffer replies → `Reply`. */
function toReply(value: unknown): Reply {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "string") return value;
  if (value instanceof Uint8Array || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map(toReply);
  if (typeof value === "bigint") return Number(value);
  return String(value);
}

async function subscribeOnServer(
  connection: IORedis,
  kind: SubscribeKind,
  target: string,
  sink: PubSubSink,
): Promise<Subscription> {
  connection.on("messageBuffer", (channel: Buffer, message: Buffer) =>
    sink.message({ channel: channel.toString(), message: message.toString() }),
  );
  connection.on("pmessageBuffer", (pattern: string, channel: Buffer, message: Buffer) =>
    sink.message({ pattern, channel: channel.toString(), message: message.toString() }),
  );
  connection.once("end", () => sink.end());
  let count: number;
  try {
    const reply =
      kind === "subscribe"
        ? await connection.subscribe(target)
        : await connection.psubscribe(target);
    count = Number(reply);
  } catch (error) {
    connection.disconnect();
    throw error;
  }
  return { count, close: () => closeSubscriber(connection, kind, target) };
}

async function closeSubscriber(connection: IORedis, kind: SubscribeKind, target: string) {
  if (connection.status === "end") return;
  const unsubscribed =
    kind === "subscribe" ? connection.unsubscribe(target) : connection.punsubscribe(target);
  // A connection that cannot unsubscribe politely (already broken) is closed hard instead.
  await unsubscribed
    .then(() => connection.quit())
    .then(
      () => undefined,
      () => connection.disconnect(),
    );
}

async function spawnRedisServer(binary: string): Promise<RedisProcess> {
  const port = await freePort();
  const child = spawn(
    binary,
    ["--port", String(port), "--bind", HOST, "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const record = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", record);
  child.stderr?.on("data", record);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.off("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null || spawnError) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), EXIT_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  const server = { child, port, output: () => output, stop };
  try {
    await waitForPing(server, () => spawnError);
  } catch (error) {
    await stop();
    throw error;
  }
  return server;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPing(server: RedisProcess, spawnError: () => Error | undefined) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const failed = spawnError();
    if (failed) throw new RedisEmulatorError(`redis-server failed to start`, { cause: failed });
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new RedisEmulatorError(`redis-server exited during startup:\n${server.output()}`);
    }
    if (await pingOnce(server.port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new RedisEmulatorError(`redis-server did not answer PING within ${STARTUP_TIMEOUT_MS} ms`);
}

/** True when something on `port` answers `PING` with `+PONG`. */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    let received = "";
    const finish = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      received += chunk.toString();
      if (received.includes("\r\n")) finish(received.startsWith("+PONG"));
    });
    socket.once("error", () => finish(false));
    socket.once("close", () => finish(false));
  });
}
