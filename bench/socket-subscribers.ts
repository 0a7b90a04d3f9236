/**
 * The receiving side of bench/socket.ts, in a worker thread so it does not share an event loop
 * with the servers: WebSocket feed clients (`ws`) and raw Redis subscribers (ioredis), each
 * noting when every event reached it. Loaded with Node's own type stripping: erasable syntax only.
 */

import { parentPort } from "node:worker_threads";
import { Redis as IORedis } from "ioredis";
import WebSocket from "ws";

const CONNECT_BATCH = 50;
const ROUND_TIMEOUT_MS = 5_000;
const now = () => performance.timeOrigin + performance.now();

const port = parentPort;
if (!port) throw new Error("the subscriber side runs in a worker");
type Path = "socket" | "raw";
const receipts: Record<Path, Map<string, number[]>> = { socket: new Map(), raw: new Map() };
const waiting: Array<{ path: Path; id: string; count: number; done: () => void }> = [];
const sockets: WebSocket[] = [];
const raws: IORedis[] = [];

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

/** One feed client: connects, subscribes to the recipient feed, resolves once confirmed. */
const openSocket = (url: string) =>
  new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url);
    sockets.push(ws);
    ws.on("open", () => ws.send(JSON.stringify({ action: "subscribe", feeds: ["recipient"] })));
    ws.on("message", (data) => {
      const message = JSON.parse(String(data));
      if (message.type === "event") receive("socket", message.event.event_id);
      else if (message.type === "subscribed") resolve();
    });
    ws.on("unexpected-response", (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.on("error", reject);
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
  | { type: "connect-socket"; url: string; count: number }
  | { type: "connect-raw"; port: number; pattern: string; count: number }
  | { type: "collect"; path: Path; id: string; count: number }
  | { type: "close" };

port.on("message", async (message: ToWorker) => {
  if (message.type === "connect-socket") {
    await inBatches(message.count, () => openSocket(message.url));
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
    await Promise.all(raws.map((client) => client.quit()));
    port.postMessage({ type: "closed" });
  }
});
