/**
 * The receiving side of bench/realtime.ts, in a worker thread so it does not share an event loop
 * with the servers: WebSocket feed clients on AppSync Events (`ws`), SSE feed clients (the
 * feed's Function URL) and raw Redis subscribers (ioredis), each noting when every event reached
 * it. Loaded with Node's own type stripping: erasable syntax only.
 */

import { Agent, request } from "node:http";
import { parentPort } from "node:worker_threads";
import { Redis as IORedis } from "ioredis";
import WebSocket from "ws";

const CONNECT_BATCH = 50;
const ROUND_TIMEOUT_MS = 5_000;
const now = () => performance.timeOrigin + performance.now();

const port = parentPort;
if (!port) throw new Error("the subscriber side runs in a worker");
type Path = "socket" | "sse" | "raw";
const receipts: Record<Path, Map<string, number[]>> = {
  socket: new Map(),
  sse: new Map(),
  raw: new Map(),
};
const waiting: Array<{ path: Path; id: string; count: number; done: () => void }> = [];
const sockets: WebSocket[] = [];
const streams: Array<{ destroy(): void }> = [];
const raws: IORedis[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

const receive = (path: Path, id: string) => {
  const at = now();
  const list = receipts[path].get(id) ?? [];
  list.push(at);
  receipts[path].set(id, list);
  const index = waiting.findIndex((w) => w.path === path && w.id === id);
  const waiter = waiting[index];
  if (waiter && list.length >= waiter.count) {
    waiting.splice(index, 1);
    waiter.done();
  }
};

interface SocketTarget {
  url: string;
  host: string;
  token: string;
  channel: string;
}

/** One AppSync Events client: connects, subscribes to the recipient's channel, resolves once confirmed. */
const openSocket = (target: SocketTarget) =>
  new Promise<void>((resolve, reject) => {
    const authorization = { host: target.host, Authorization: target.token };
    const header = `header-${Buffer.from(JSON.stringify(authorization)).toString("base64url")}`;
    const ws = new WebSocket(target.url, ["aws-appsync-event-ws", header]);
    sockets.push(ws);
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init" })));
    ws.on("message", (data) => {
      const message = JSON.parse(String(data));
      if (message.type === "connection_ack") {
        ws.send(
          JSON.stringify({
            type: "subscribe",
            id: "feed",
            channel: `${target.channel}/*`,
            authorization,
          }),
        );
      } else if (message.type === "data") receive("socket", JSON.parse(message.event).event_id);
      else if (message.type === "subscribe_success") resolve();
      else if (message.type.endsWith("error")) reject(new Error(String(data)));
    });
    ws.on("error", reject);
  });

/** One SSE feed client: resolves once the feed has said it is connected. */
const openSse = (url: string) =>
  new Promise<void>((resolve, reject) => {
    const req = request(url, { agent, headers: { accept: "text/event-stream" } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`feed answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding("utf8");
      let buffer = "";
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf("\n");
        while (end !== -1) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 1);
          if (line.startsWith("id: ")) receive("sse", line.slice(4));
          else if (line === ": connected") resolve();
          end = buffer.indexOf("\n");
        }
      });
    });
    req.on("error", reject);
    req.on("socket", (socket) => streams.push(socket));
    req.end();
  });

const openRaw = async (redisPort: number, pattern: string) => {
  const client = new IORedis({ port: redisPort, host: "127.0.0.1", lazyConnect: true });
  raws.push(client);
  client.on("pmessage", (_pattern: string, _channel: string, message: string) => {
    receive("raw", JSON.parse(message).event_id);
  });
  await client.connect();
  await client.psubscribe(pattern);
};

const inBatches = async (count: number, open: () => Promise<void>) => {
  for (let done = 0; done < count; done += CONNECT_BATCH) {
    const batch = Math.min(CONNECT_BATCH, count - done);
    await Promise.all(Array.from({ length: batch }, open));
  }
};

type ToWorker =
  | { type: "connect-socket"; target: SocketTarget; count: number }
  | { type: "connect-sse"; url: string; count: number }
  | { type: "connect-raw"; port: number; pattern: string; count: number }
  | { type: "collect"; path: Path; id: string; count: number }
  | { type: "close" };

port.on("message", async (message: ToWorker) => {
  if (message.type === "connect-socket") {
    await inBatches(message.count, () => openSocket(message.target));
    port.postMessage({ type: "ready" });
  } else if (message.type === "connect-sse") {
    await inBatches(message.count, () => openSse(message.url));
    port.postMessage({ type: "ready" });
  } else if (message.type === "connect-raw") {
    await inBatches(message.count, () => openRaw(message.port, message.pattern));
    port.postMessage({ type: "ready" });
  } else if (message.type === "collect") {
    const { path, id, count } = message;
    const reply = () => {
      clearTimeout(timer);
      port.postMessage({ type: "receipts", path, id, at: receipts[path].get(id) ?? [] });
      receipts[path].delete(id);
    };
    const timer = setTimeout(() => {
      const index = waiting.findIndex((w) => w.path === path && w.id === id);
      if (index !== -1) waiting.splice(index, 1);
      reply();
    }, ROUND_TIMEOUT_MS);
    if ((receipts[path].get(id)?.length ?? 0) >= count) reply();
    else waiting.push({ path, id, count, done: reply });
  } else {
    for (const ws of sockets) ws.terminate();
    for (const stream of streams) stream.destroy();
    await Promise.all(raws.map((client) => client.quit()));
    agent.destroy();
    port.postMessage({ type: "closed" });
  }
});
