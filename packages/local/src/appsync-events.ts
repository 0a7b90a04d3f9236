import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Handler } from "aws-lambda";
import { type WebSocket, WebSocketServer } from "ws";
import { invoke, LOCAL_ACCOUNT_ID } from "./lambda";
import { close, HOST, listen, readBody } from "./net";

/**
 * An AWS AppSync Events API on the `ws` package, as big as Herald's use of it:
 *
 * - `POST /event` publishes (`{ channel, events: [JSON strings] }`, 1 to 5 events of at most
 *   240 KB) when the request carries a SigV4 signature for service `appsync` in this region
 *   (its shape is checked, not its bytes: the local credentials are not secret), the only
 *   publish auth mode Herald configures (AWS_IAM);
 * - `/event/realtime` is the real-time WebSocket endpoint: subprotocols `aws-appsync-event-ws`
 *   and `header-<base64url JSON authorization>`; `connection_init` → `connection_ack` (with
 *   `connectionTimeoutMs`), `ka` keep-alives from the server, `subscribe` →
 *   `subscribe_success`/`subscribe_error`, `data` for each event, `unsubscribe` →
 *   `unsubscribe_success`; a `publish` over the socket is refused (Lambda tokens may not publish);
 * - connect and each subscribe are authorised by invoking the Lambda authorizer with AppSync's
 *   request (`authorizationToken`, `requestContext.operation` `EVENT_CONNECT`/`EVENT_SUBSCRIBE`,
 *   `channel`, `channelNamespaceName`), answering `isAuthorized`.
 *
 * Channels: `/<namespace>/…`, at most 5 segments of `[A-Za-z0-9-]{1,50}`, the namespace one of
 * those configured; a subscription may end in `/*` (every channel below). Authorizer answers
 * are not cached (AppSync may cache them for `ttlOverride` seconds).
 */

export interface AppSyncEventsOptions {
  port?: number;
  region: string;
  /** Channel namespaces (the first segment of every channel). */
  namespaces: string[];
  authorizer: { functionName: string; handler: () => Promise<unknown> };
  /** How often the server sends `ka` (AppSync: about a minute). */
  keepAliveMs?: number;
  /** Told to clients in `connection_ack`: close when no `ka` came for this long. */
  connectionTimeoutMs?: number;
  onError?: (error: unknown) => void;
}

export interface LocalAppSyncEvents {
  /** The HTTP publish endpoint, `http://127.0.0.1:<port>/event`. */
  httpUrl: string;
  /** The real-time endpoint, `ws://127.0.0.1:<port>/event/realtime`. */
  realtimeUrl: string;
  /** Open connection ids. */
  connections(): string[];
  /** Subscriptions held across all connections. */
  subscriptions(): number;
  /** Drop a connection without a close handshake, as a lost network does. */
  drop(connectionId: string): void;
  /** Requests and deliveries so far (a delivery is one `data` message to one subscription). */
  counts(): { publishes: number; events: number; deliveries: number; authorizations: number };
  stop(): Promise<void>;
}

export const PROTOCOL = "aws-appsync-event-ws";
/** AppSync's limit on one event. */
const MAX_EVENT_BYTES = 240 * 1024;
const MAX_EVENTS = 5;
const MAX_SEGMENTS = 5;
/** Subscriptions one connection may hold (AppSync's default quota). */
const MAX_SUBSCRIPTIONS = 100;
const SEGMENT = /^[A-Za-z0-9-]{1,50}$/;
const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;
const API_ID = "localevents";

type Errors = Array<{ errorType: string; message: string }>;

interface Subscription {
  id: string;
  channel: string;
  connection: Connection;
}

interface Connection {
  id: string;
  socket: WebSocket;
  subscriptions: Map<string, Subscription>;
  keepAlive?: NodeJS.Timeout;
  /** Messages are handled one after another, in the order they came. */
  queue: Promise<void>;
}

export async function startAppSyncEvents(
  options: AppSyncEventsOptions,
): Promise<LocalAppSyncEvents> {
  const onError =
    options.onError ?? ((error: unknown) => process.stderr.write(`appsync: ${String(error)}\n`));
  const keepAliveMs = options.keepAliveMs ?? 60_000;
  const connectionTimeoutMs = options.connectionTimeoutMs ?? 300_000;
  const namespaces = new Set(options.namespaces);
  const open = new Map<string, Connection>();
  /** Exact channel → subscriptions; `/a/b/*` → subscriptions under `/a/b/`. */
  const exact = new Map<string, Set<Subscription>>();
  const wildcard = new Map<string, Set<Subscription>>();
  const running = new Set<Promise<unknown>>();
  const counts = { publishes: 0, events: 0, deliveries: 0, authorizations: 0 };
  let host = HOST;

  const index = (sub: Subscription) => (sub.channel.endsWith("/*") ? wildcard : exact);
  const add = (sub: Subscription) => {
    const map = index(sub);
    const set = map.get(sub.channel) ?? new Set();
    set.add(sub);
    map.set(sub.channel, set);
    sub.connection.subscriptions.set(sub.id, sub);
  };
  const remove = (sub: Subscription) => {
    const map = index(sub);
    map.get(sub.channel)?.delete(sub);
    if (map.get(sub.channel)?.size === 0) map.delete(sub.channel);
    sub.connection.subscriptions.delete(sub.id);
  };

  /** Run the authorizer; true when it says so. A failure of the authorizer is a refusal. */
  const authorized = async (
    token: unknown,
    operation: "EVENT_CONNECT" | "EVENT_SUBSCRIBE",
    headers: Record<string, string>,
    channel?: string,
  ): Promise<boolean> => {
    if (typeof token !== "string" || token === "") return false;
    counts.authorizations++;
    const request = {
      authorizationToken: token,
      requestContext: {
        apiId: API_ID,
        accountId: LOCAL_ACCOUNT_ID,
        requestId: randomUUID(),
        operation,
        ...(channel
          ? { channelNamespaceName: channel.split("/")[1], channel }
          : { channelNamespaceName: undefined, channel: undefined }),
      },
      requestHeaders: headers,
    };
    const task = (async () => {
      const handler = (await options.authorizer.handler()) as Handler;
      return invoke(handler, request, {
        functionName: options.authorizer.functionName,
        timeoutMs: 10_000,
      });
    })();
    running.add(task);
    try {
      const result = (await task) as { isAuthorized?: unknown } | undefined;
      return result?.isAuthorized === true;
    } catch (error) {
      onError(error);
      return false;
    } finally {
      running.delete(task);
    }
  };

  /** Deliver each event to every subscription its channel matches. */
  const fanOut = (channel: string, events: string[]) => {
    const targets = new Set(exact.get(channel));
    const segments = channel.split("/").slice(1);
    for (let depth = 1; depth < segments.length; depth++) {
      const prefix = `/${segments.slice(0, depth).join("/")}/*`;
      for (const sub of wildcard.get(prefix) ?? []) targets.add(sub);
    }
    for (const event of events) {
      // One frame per subscription id (ids repeat across connections), built once.
      const frames = new Map<string, Buffer>();
      for (const sub of targets) {
        if (sub.connection.socket.readyState !== sub.connection.socket.OPEN) continue;
        let frame = frames.get(sub.id);
        if (frame === undefined) {
          frame = Buffer.from(JSON.stringify({ type: "data", id: sub.id, event }));
          frames.set(sub.id, frame);
        }
        sub.connection.socket.send(frame, { binary: false });
        counts.deliveries++;
      }
    }
  };

  const publishHttp = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/event") return reply(res, 404, "NotFoundException", "No such route");
    if (req.method !== "POST") {
      return reply(res, 405, "MethodNotAllowedException", `${req.method} is not allowed`);
    }
    const refused = signatureProblem(req.headers, options.region);
    if (refused) return reply(res, 401, "UnauthorizedException", refused);
    const body = await readBody(req, MAX_EVENTS * MAX_EVENT_BYTES + 4096);
    let parsed: { channel?: unknown; events?: unknown };
    try {
      parsed = JSON.parse(body?.toString("utf8") ?? "") as typeof parsed;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return reply(res, 400, "BadRequestException", "The body is not JSON");
    }
    const problem = publishProblem(parsed.channel, parsed.events, namespaces);
    if (problem) return reply(res, 400, "BadRequestException", problem);
    const channel = parsed.channel as string;
    const events = parsed.events as string[];
    counts.publishes++;
    counts.events += events.length;
    // AppSync answers the publisher, then broadcasts; publishes still go out in arrival order.
    setImmediate(() => fanOut(channel, events));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        failed: [],
        successful: events.map((_, i) => ({ identifier: randomUUID(), index: i })),
      }),
    );
  };

  const server = createServer((req, res) => {
    publishHttp(req, res).catch((error: unknown) => {
      onError(error);
      if (!res.headersSent) reply(res, 500, "InternalFailureException", "Internal error");
    });
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_EVENTS * MAX_EVENT_BYTES + 4096,
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });

  server.on("upgrade", (req, socket, head) => {
    const path = (req.url ?? "").split("?")[0];
    const protocols = String(req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim());
    if (path !== "/event/realtime" || !protocols.includes(PROTOCOL)) {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      return;
    }
    const auth = authorizationOf(protocols);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection: Connection = {
        id: randomUUID(),
        socket: ws,
        subscriptions: new Map(),
        queue: Promise.resolve(),
      };
      const send = (message: Record<string, unknown>) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      };
      // The handshake's authorization is checked before anything else is read.
      const admitted = authorized(auth?.Authorization, "EVENT_CONNECT", auth ?? {}).then((ok) => {
        if (ok) {
          open.set(connection.id, connection);
          connection.keepAlive = setInterval(() => send({ type: "ka" }), keepAliveMs);
          return true;
        }
        send({
          type: "connection_error",
          errors: [{ errorType: "UnauthorizedException", message: "You are not authorized." }],
        });
        ws.close(1008, "Unauthorized");
        return false;
      });
      connection.queue = admitted.then(() => undefined);
      ws.on("message", (data, isBinary) => {
        if (isBinary) return;
        connection.queue = connection.queue
          .then(async () => {
            if (!(await admitted)) return;
            await handle(connection, String(data), send);
          })
          .catch(onError);
      });
      ws.on("close", () => forget(connection));
      ws.on("error", (error) => onError(error));
    });
  });

  const forget = (connection: Connection) => {
    clearInterval(connection.keepAlive);
    for (const sub of [...connection.subscriptions.values()]) remove(sub);
    open.delete(connection.id);
  };

  const handle = async (
    connection: Connection,
    data: string,
    send: (message: Record<string, unknown>) => void,
  ) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(data) as Record<string, unknown>;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return send({ type: "error", errors: errors("BadRequestException", "Not JSON") });
    }
    const id = typeof message.id === "string" ? message.id : undefined;
    switch (message.type) {
      case "connection_init":
        return send({ type: "connection_ack", connectionTimeoutMs });
      case "subscribe": {
        const channel = message.channel;
        const problem =
          !id || id.length > 128
            ? "A subscription needs an id"
            : connection.subscriptions.has(id)
              ? "That subscription id is in use"
              : connection.subscriptions.size >= MAX_SUBSCRIPTIONS
                ? `At most ${MAX_SUBSCRIPTIONS} subscriptions per connection`
                : channelProblem(channel, namespaces, true);
        if (problem) {
          return send({
            type: "subscribe_error",
            id,
            errors: errors("BadRequestException", problem),
          });
        }
        const authorization = (message.authorization ?? {}) as Record<string, string>;
        const ok = await authorized(
          authorization.Authorization,
          "EVENT_SUBSCRIBE",
          authorization,
          channel as string,
        );
        if (!ok) {
          return send({
            type: "subscribe_error",
            id,
            errors: errors("UnauthorizedException", "You are not authorized."),
          });
        }
        if (connection.socket.readyState !== connection.socket.OPEN) return;
        add({ id: id as string, channel: channel as string, connection });
        return send({ type: "subscribe_success", id });
      }
      case "unsubscribe": {
        const sub = id ? connection.subscriptions.get(id) : undefined;
        if (!sub) {
          return send({
            type: "unsubscribe_error",
            id,
            errors: errors("UnknownOperationError", "No subscription with that id"),
          });
        }
        remove(sub);
        return send({ type: "unsubscribe_success", id });
      }
      case "publish":
        // Herald's namespaces accept publishes over IAM only; a browser's token is not IAM.
        return send({
          type: "publish_error",
          id,
          errors: errors("UnauthorizedException", "You are not authorized to publish."),
        });
      default:
        return send({
          type: "error",
          id,
          errors: errors("UnsupportedOperation", `Unknown message type ${String(message.type)}`),
        });
    }
  };

  const port = await listen(server, options.port ?? 0);
  host = `${HOST}:${port}`;

  return {
    httpUrl: `http://${host}/event`,
    realtimeUrl: `ws://${host}/event/realtime`,
    connections: () => [...open.keys()],
    subscriptions: () => [...open.values()].reduce((n, c) => n + c.subscriptions.size, 0),
    drop: (connectionId) => {
      const connection = open.get(connectionId);
      if (!connection) return;
      forget(connection);
      connection.socket.terminate();
    },
    counts: () => ({ ...counts }),
    stop: async () => {
      for (const connection of [...open.values()]) {
        forget(connection);
        connection.socket.terminate();
      }
      await Promise.allSettled([...running]);
      wss.close();
      await close(server);
    },
  };
}

const errors = (errorType: string, message: string): Errors => [{ errorType, message }];

/** The authorization object a client put in its `header-<base64url JSON>` subprotocol. */
function authorizationOf(protocols: string[]): Record<string, string> | undefined {
  const header = protocols.find((p) => p.startsWith("header-"));
  if (!header) return undefined;
  try {
    const value = JSON.parse(Buffer.from(header.slice("header-".length), "base64url").toString());
    return typeof value === "object" && value !== null
      ? (value as Record<string, string>)
      : undefined;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return undefined;
  }
}

/** Why a request's SigV4 signature is not one AppSync would consider, or undefined. */
export function signatureProblem(
  headers: IncomingMessage["headers"],
  region: string,
): string | undefined {
  const match = SIGV4.exec(String(headers.authorization ?? ""));
  if (!match) return "Publishing requires a SigV4-signed request (AWS_IAM)";
  const [, , signedRegion, service] = match;
  if (service !== "appsync") return `Signed for service ${service}, not appsync`;
  if (signedRegion !== region) return `Signed for region ${signedRegion}, not ${region}`;
  if (!headers["x-amz-date"]) return "The signed request has no X-Amz-Date";
  return undefined;
}

/** Why a channel is not one this API takes, or undefined. */
export function channelProblem(
  channel: unknown,
  namespaces: Set<string>,
  subscribing: boolean,
): string | undefined {
  if (typeof channel !== "string" || !channel.startsWith("/")) {
    return "A channel is a path: /<namespace>/…";
  }
  const segments = channel.slice(1).split("/");
  if (segments.length > MAX_SEGMENTS) return `A channel has at most ${MAX_SEGMENTS} segments`;
  if (!namespaces.has(segments[0] ?? "")) return `No channel namespace ${segments[0]}`;
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    if (segment === "*" && subscribing && last && i > 0) continue;
    if (!SEGMENT.test(segment)) return `Channel segment "${segment}" is not [A-Za-z0-9-]{1,50}`;
  }
  return undefined;
}

function publishProblem(
  channel: unknown,
  events: unknown,
  namespaces: Set<string>,
): string | undefined {
  const problem = channelProblem(channel, namespaces, false);
  if (problem) return problem;
  if (!Array.isArray(events) || events.length < 1 || events.length > MAX_EVENTS) {
    return `A publish carries 1 to ${MAX_EVENTS} events`;
  }
  for (const event of events) {
    if (typeof event !== "string") return "Each event is a JSON string";
    if (Buffer.byteLength(event) > MAX_EVENT_BYTES) return "An event is larger than 240 KB";
    try {
      JSON.parse(event);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return "Each event is a JSON string";
    }
  }
  return undefined;
}

function reply(res: ServerResponse, status: number, errorType: string, message: string) {
  res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": errorType });
  res.end(JSON.stringify({ errors: [{ errorType, message }] }));
}
