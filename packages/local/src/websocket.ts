import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { Handler } from "aws-lambda";
import { type WebSocket, WebSocketServer } from "ws";
import { invoke, LOCAL_ACCOUNT_ID } from "./lambda";
import { close, HOST, listen, readBody } from "./net";

/**
 * An API Gateway WebSocket API on the `ws` package, as big as Herald's use of it: the handshake
 * runs the `$connect` route (a non-2xx answer refuses it with that status), each text message
 * goes to the route its `action` names (`$request.body.action`) or `$default`, a close runs
 * `$disconnect`; the handlers get API Gateway's WebSocket events. The same port serves the
 * `@connections` Management API the SDK calls (`POST` a message, `DELETE` to close, `GET`),
 * answering 410 `GoneException` for a connection that is not open, as API Gateway does.
 */

export interface WebSocketRoute {
  /** `$connect`, `$disconnect`, `$default` or an `action` value. */
  route: string;
  functionName: string;
  handler: () => Promise<unknown>;
}

export interface WebSocketApiOptions {
  port?: number;
  /** The stage in the URL path (default `local`). */
  stage?: string;
  routes: WebSocketRoute[];
  /** The route handlers' timeout (default 30 s). */
  timeoutMs?: number;
  onError?: (error: unknown) => void;
}

export interface LocalWebSocketApi {
  /** Where clients connect: `ws://127.0.0.1:<port>/<stage>`. */
  url: string;
  /** The `@connections` endpoint, as SST's `managementEndpoint`: `http://127.0.0.1:<port>/<stage>`. */
  managementEndpoint: string;
  /** Ids of the open connections. */
  connections(): string[];
  /** Drop a connection without a close handshake or `$disconnect`, as a vanished client does. */
  drop(connectionId: string): void;
  stop(): Promise<void>;
}

/** API Gateway's limit on a message, either way. */
const MAX_MESSAGE_BYTES = 128 * 1024;
const API_ID = "localws";

interface Open {
  socket: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  /** Messages run one after another per connection, in the order they came. */
  queue: Promise<void>;
  /** Set when `$disconnect` should not run (dropped without a trace). */
  silent?: boolean;
}

export async function startWebSocketApi(options: WebSocketApiOptions): Promise<LocalWebSocketApi> {
  const stage = options.stage ?? "local";
  const timeoutMs = options.timeoutMs ?? 30_000;
  const onError =
    options.onError ?? ((error: unknown) => process.stderr.write(`websocket: ${String(error)}\n`));
  const routes = new Map(options.routes.map((route) => [route.route, route]));
  const open = new Map<string, Open>();
  const running = new Set<Promise<unknown>>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  let domainName = HOST;

  const context = (connectionId: string, routeKey: string, eventType: string, extra = {}) => {
    const now = Date.now();
    return {
      routeKey,
      eventType,
      messageDirection: "IN",
      stage,
      connectionId,
      connectedAt: open.get(connectionId)?.connectedAt ?? now,
      requestId: randomUUID(),
      extendedRequestId: randomUUID(),
      requestTimeEpoch: now,
      requestTime: new Date(now).toUTCString(),
      domainName,
      apiId: API_ID,
      accountId: LOCAL_ACCOUNT_ID,
      identity: { sourceIp: open.get(connectionId)?.sourceIp ?? HOST },
      ...extra,
    };
  };

  const run = async (routeKey: string, event: unknown): Promise<unknown> => {
    const route = routes.get(routeKey);
    if (!route) return { statusCode: 200 };
    const task = (async () => {
      const handler = (await route.handler()) as Handler;
      return invoke(handler, event, { functionName: route.functionName, timeoutMs });
    })();
    running.add(task);
    try {
      return await task;
    } finally {
      running.delete(task);
    }
  };

  const disconnect = (connectionId: string, code: number, reason: string) => {
    const connection = open.get(connectionId);
    if (!connection) return;
    open.delete(connectionId);
    if (connection.silent) return;
    const event = {
      headers: {},
      isBase64Encoded: false,
      requestContext: context(connectionId, "$disconnect", "DISCONNECT", {
        disconnectStatusCode: code,
        disconnectReason: reason,
      }),
    };
    connection.queue = connection.queue
      .then(() => run("$disconnect", event))
      .then(() => undefined, onError);
  };

  const message = (connectionId: string, data: string) => {
    const connection = open.get(connectionId);
    if (!connection) return;
    connection.lastActiveAt = Date.now();
    let action: unknown;
    try {
      action = (JSON.parse(data) as { action?: unknown } | null)?.action;
    } catch {
      // Not JSON: API Gateway routes it to $default, as here.
      action = undefined;
    }
    const routeKey = typeof action === "string" && routes.has(action) ? action : "$default";
    const event = {
      body: data,
      isBase64Encoded: false,
      requestContext: context(connectionId, routeKey, "MESSAGE", { messageId: randomUUID() }),
    };
    connection.queue = connection.queue
      .then(() => run(routeKey, event))
      .then(() => undefined, onError);
  };

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? HOST}`);
    if (url.pathname.replace(/\/$/, "") !== `/${stage}`) return refuse(socket, 403);
    const connectionId = randomBytes(12).toString("base64");
    const sourceIp = req.socket.remoteAddress ?? HOST;
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(",") : (value ?? ""),
      ]),
    );
    const query = url.searchParams.size ? Object.fromEntries(url.searchParams) : undefined;
    const event = {
      headers,
      multiValueHeaders: Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [name, [value]]),
      ),
      queryStringParameters: query,
      multiValueQueryStringParameters: query
        ? Object.fromEntries(
            [...url.searchParams.keys()].map((k) => [k, url.searchParams.getAll(k)]),
          )
        : undefined,
      isBase64Encoded: false,
      requestContext: context(connectionId, "$connect", "CONNECT"),
    };
    let status = 500;
    try {
      const result = (await run("$connect", event)) as { statusCode?: number } | undefined;
      status = result?.statusCode ?? 200;
    } catch (error) {
      onError(error);
    }
    if (status < 200 || status > 299) return refuse(socket, status);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const now = Date.now();
      open.set(connectionId, {
        socket: ws,
        connectedAt: now,
        lastActiveAt: now,
        sourceIp,
        queue: Promise.resolve(),
      });
      ws.on("message", (data, isBinary) => {
        if (!isBinary) message(connectionId, data.toString());
      });
      ws.on("close", (code, reason) => disconnect(connectionId, code, reason.toString()));
      ws.on("error", (error) => onError(error));
    });
  };

  const manage = async (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/(?:[^/]+\/)?@connections\/([^/?]+)$/.exec(
      (req.url ?? "").split("?")[0] ?? "",
    );
    if (!match?.[1]) return reply(res, 404, "NotFoundException", "No such route");
    const connectionId = decodeURIComponent(match[1]);
    const connection = open.get(connectionId);
    const body = await readBody(req, MAX_MESSAGE_BYTES);
    if (!connection || connection.socket.readyState !== connection.socket.OPEN) {
      return reply(res, 410, "GoneException", `Connection ${connectionId} is gone`);
    }
    switch (req.method) {
      case "POST":
        if (!body) return reply(res, 413, "PayloadTooLargeException", "Message too large");
        connection.socket.send(body.toString("utf8"));
        return reply(res, 200);
      case "DELETE":
        connection.socket.close(1000, "Going away");
        return reply(res, 204);
      case "GET":
        return reply(res, 200, undefined, undefined, {
          connectedAt: new Date(connection.connectedAt).toISOString(),
          lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
          identity: { sourceIp: connection.sourceIp },
        });
      default:
        return reply(res, 405, "MethodNotAllowedException", `${req.method} is not allowed`);
    }
  };

  const server = createServer((req, res) => {
    manage(req, res).catch((error: unknown) => {
      onError(error);
      if (!res.headersSent) reply(res, 500, "InternalServerErrorException", "Internal error");
    });
  });
  server.on("upgrade", (req, socket, head) => {
    upgrade(req, socket, head).catch((error: unknown) => {
      onError(error);
      socket.destroy();
    });
  });
  const port = await listen(server, options.port ?? 0);
  domainName = `${HOST}:${port}`;

  return {
    url: `ws://${HOST}:${port}/${stage}`,
    managementEndpoint: `http://${HOST}:${port}/${stage}`,
    connections: () => [...open.keys()],
    drop: (connectionId) => {
      const connection = open.get(connectionId);
      if (!connection) return;
      connection.silent = true;
      open.delete(connectionId);
      connection.socket.terminate();
    },
    stop: async () => {
      const all = [...open.values()];
      await Promise.all(
        all.map(
          (connection) =>
            new Promise<void>((resolve) => {
              if (connection.socket.readyState === connection.socket.CLOSED) return resolve();
              connection.socket.once("close", () => resolve());
              connection.socket.terminate();
            }),
        ),
      );
      await Promise.allSettled(all.map((connection) => connection.queue));
      await Promise.allSettled([...running]);
      wss.close();
      await close(server);
    },
  };
}

function refuse(socket: Duplex, status: number) {
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nConnection: close\r\n\r\n`);
}

function reply(
  res: ServerResponse,
  status: number,
  errorType?: string,
  message?: string,
  body?: unknown,
) {
  if (errorType) {
    res.writeHead(status, {
      "content-type": "application/json",
      "x-amzn-errortype": errorType,
    });
    res.end(JSON.stringify({ message }));
    return;
  }
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
