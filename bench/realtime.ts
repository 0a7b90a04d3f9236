/**
 * Real-time fan-out latency: one publish reaching 1,000 subscribers, through Herald's feed path
 *
 *   Realtime.publish → Upstash REST shim → redis-server → shim SSE (one per feed)
 *     → feed handler (local Function URL, response streaming) → SSE client
 *
 * versus raw Redis pub/sub (ioredis PUBLISH → redis-server → 1,000 ioredis subscribers) on the
 * same redis-server, in the same run. Subscribers live in a worker thread, so the receiving end
 * does not share an event loop with the server side; latency is publish call → receipt, in
 * wall-clock milliseconds shared by both threads. Loopback only; bounded in time.
 *
 *   npx tsx bench/realtime.ts [subscribers=1000] [rounds=30]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { availableParallelism, cpus } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { Redis as IORedis } from "ioredis";

const SUBSCRIBERS = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 30);
const WARMUP = 3;
const ROUND_TIMEOUT_MS = 5_000;
/** The whole run stops measuring after this long, whatever is left. */
const BUDGET_MS = 120_000;
const CONNECT_BATCH = 50;
const RESULTS = new URL("./results/realtime.json", import.meta.url);

type Path = "herald" | "raw";
type ToWorker =
  | { type: "connect-sse"; url: string; count: number }
  | { type: "connect-raw"; port: number; pattern: string; count: number }
  | { type: "collect"; path: Path; id: string; count: number }
  | { type: "close" };
type FromWorker =
  | { type: "ready"; path: Path; connected: number }
  | { type: "receipts"; path: Path; id: string; at: number[] }
  | { type: "closed" };

/** Milliseconds since the epoch, with sub-millisecond precision, comparable across threads. */
const now = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------
// Subscribers (worker thread)

function subscriberSide() {
  const port = parentPort;
  if (!port) throw new Error("the subscriber side runs in a worker");
  const receipts: Record<Path, Map<string, number[]>> = { herald: new Map(), raw: new Map() };
  const waiting: Array<{ path: Path; id: string; count: number; done: () => void }> = [];
  const sockets: Array<{ destroy(): void }> = [];
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
  const send = (message: FromWorker) => port.postMessage(message);

  /** One SSE client: resolves once the feed has said it is connected. */
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
            if (line.startsWith("id: ")) receive("herald", line.slice(4));
            else if (line === ": connected") resolve();
            end = buffer.indexOf("\n");
          }
        });
      });
      req.on("error", reject);
      req.on("socket", (socket) => sockets.push(socket));
      req.end();
    });

  const openRaw = async (redisPort: number, pattern: string) => {
    const client = new IORedis({ port: redisPort, host: "127.0.0.1", lazyConnect: true });
    raws.push(client);
    client.on("pmessage", (_pattern: string, _channel: string, message: string) => {
      // The event JSON starts with {"event_id":"…", as Realtime.eventOf builds it.
      const start = 13;
      receive("raw", message.slice(start, message.indexOf('"', start)));
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

  port.on("message", async (message: ToWorker) => {
    if (message.type === "connect-sse") {
      await inBatches(message.count, () => openSse(message.url));
      send({ type: "ready", path: "herald", connected: message.count });
    } else if (message.type === "connect-raw") {
      await inBatches(message.count, () => openRaw(message.port, message.pattern));
      send({ type: "ready", path: "raw", connected: message.count });
    } else if (message.type === "collect") {
      const { path, id, count } = message;
      const reply = () => {
        clearTimeout(timer);
        send({ type: "receipts", path, id, at: receipts[path].get(id) ?? [] });
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
      for (const socket of sockets) socket.destroy();
      await Promise.all(raws.map((client) => client.quit()));
      agent.destroy();
      send({ type: "closed" });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Publisher and servers (main thread)

interface Stats {
  samples: number;
  lost: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Median over rounds of the time until the last subscriber had the message. */
  lastP50: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

function stats(rounds: number[][], expected: number): Stats {
  const all = rounds.flat().sort((a, b) => a - b);
  const lasts = rounds.map((round) => Math.max(...round)).sort((a, b) => a - b);
  const round2 = (n: number) => Math.round(n * 100) / 100;
  return {
    samples: all.length,
    lost: expected * rounds.length - all.length,
    p50: round2(percentile(all, 50)),
    p90: round2(percentile(all, 90)),
    p99: round2(percentile(all, 99)),
    max: round2(all.at(-1) ?? Number.NaN),
    lastP50: round2(percentile(lasts, 50)),
  };
}

class Channel {
  private readonly pending: Array<(message: FromWorker) => boolean> = [];
  private readonly worker: Worker;

  constructor(worker: Worker) {
    this.worker = worker;
    worker.on("message", (message: FromWorker) => {
      const index = this.pending.findIndex((accept) => accept(message));
      if (index !== -1) this.pending.splice(index, 1);
    });
  }

  ask<T extends FromWorker>(message: ToWorker, match: (reply: FromWorker) => reply is T) {
    return new Promise<T>((resolve) => {
      this.pending.push((reply) => {
        if (!match(reply)) return false;
        resolve(reply);
        return true;
      });
      this.worker.postMessage(message);
    });
  }
}

async function main() {
  const started = Date.now();
  const { startRedis } = await import("../packages/local/src/redis");
  const { startFunctionUrl } = await import("../packages/local/src/function-url");
  const upstash = await startRedis();
  if (upstash.backend !== "redis-server") {
    throw new Error(
      "this benchmark compares against redis-server; install it (apt install redis-server)",
    );
  }
  // The links the feed handler reads, as the local cloud sets them.
  Object.assign(process.env, {
    AWS_LAMBDA_LOG_LEVEL: "warn",
    SST_RESOURCE_App: JSON.stringify({ name: "herald", stage: "bench" }),
    SST_RESOURCE_Upstash: JSON.stringify({ url: upstash.url, token: upstash.token }),
    SST_RESOURCE_Realtime: JSON.stringify({ tokenKey: "bench-token-key-0123456789abcdef" }),
    SST_RESOURCE_Table: JSON.stringify({ name: "unused" }),
  });
  const Realtime = await import("../packages/core/src/realtime");
  const { redis } = await import("../packages/core/src/aws/redis");
  const feed = await startFunctionUrl({
    handler: async () => (await import("../functions/stream")).handler,
  });
  const [, redisPort] = (await redis().exec<[string, string]>(["CONFIG", "GET", "port"])) ?? [];
  const publisher = new IORedis({ port: Number(redisPort), host: "127.0.0.1" });

  const tenantId = "bench";
  const recipientId = "bench-recipient";
  const { token } = Realtime.issueToken({ tenantId, recipientId, ttlSeconds: 3600 });
  const pattern = Realtime.patterns.recipient(tenantId, recipientId);
  // The worker loads this same file with Node's own type stripping (so: no TS-only syntax here).
  const worker = new Worker(new URL(import.meta.url), { workerData: { role: "subscribers" } });
  const channel = new Channel(worker);
  const isReady = (reply: FromWorker): reply is Extract<FromWorker, { type: "ready" }> =>
    reply.type === "ready";

  process.stdout.write(
    `connecting ${SUBSCRIBERS} feed clients and ${SUBSCRIBERS} raw subscribers…\n`,
  );
  await channel.ask(
    { type: "connect-sse", url: `${feed.url}/?token=${token}`, count: SUBSCRIBERS },
    isReady,
  );
  await channel.ask(
    { type: "connect-raw", port: Number(redisPort), pattern, count: SUBSCRIBERS },
    isReady,
  );
  const setupMs = Date.now() - started;

  const rounds: Record<Path, number[][]> = { herald: [], raw: [] };
  const deadline = Date.now() + BUDGET_MS;
  let measured = 0;
  for (let round = 0; round < WARMUP + ROUNDS && Date.now() < deadline; round++) {
    for (const path of ["herald", "raw"] as const) {
      const info = notification(recipientId, `${path}-${round}`);
      const event = Realtime.eventOf(tenantId, info);
      const sentAt = now();
      if (path === "herald") await Realtime.publish(tenantId, info);
      else
        await publisher.publish(
          Realtime.channelOf(tenantId, recipientId, info.id),
          JSON.stringify(event),
        );
      const reply = await channel.ask(
        { type: "collect", path, id: event.event_id, count: SUBSCRIBERS },
        (r): r is Extract<FromWorker, { type: "receipts" }> =>
          r.type === "receipts" && r.path === path && r.id === event.event_id,
      );
      if (round >= WARMUP) rounds[path].push(reply.at.map((at) => at - sentAt));
    }
    if (round >= WARMUP) measured += 1;
  }

  await channel.ask({ type: "close" }, (r): r is FromWorker => r.type === "closed");
  await worker.terminate();
  publisher.disconnect();
  await feed.stop();
  await upstash.stop();

  const herald = stats(rounds.herald, SUBSCRIBERS);
  const raw = stats(rounds.raw, SUBSCRIBERS);
  const result = {
    benchmark: "publish → subscribers latency (ms)",
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    cpu: cpus()[0]?.model,
    subscribers: SUBSCRIBERS,
    rounds: measured,
    setupMs,
    herald,
    raw,
  };
  mkdirSync(new URL("./", RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  printTable(result.subscribers, measured, { herald, raw });
}

function notification(recipientId: string, label: string) {
  const stamp = new Date().toISOString();
  return {
    id: `ntf_BENCH${label.toUpperCase().replace(/[^A-Z0-9]/g, "")}`,
    channel: "in_app" as const,
    status: "delivered" as const,
    recipient: { id: recipientId },
    content: { title: "Benchmark", body: "x".repeat(200) },
    timezone: "UTC",
    scheduled_at: stamp,
    local_scheduled_time: stamp,
    appropriate_delivery: true,
    window_adjusted: false,
    estimated_delivery_time: stamp,
    attempts: 1,
    created_at: stamp,
    updated_at: stamp,
    delivered_at: stamp,
  };
}

function printTable(subscribers: number, rounds: number, results: Record<Path, Stats>) {
  const rows = [
    ["path", "p50 ms", "p90 ms", "p99 ms", "max ms", "last p50 ms", "samples", "lost"],
    ...(["herald", "raw"] as const).map((path) => {
      const s = results[path];
      const name =
        path === "herald" ? "Herald feed (Upstash shim + SSE)" : "raw redis pub/sub (ioredis)";
      return [name, s.p50, s.p90, s.p99, s.max, s.lastP50, s.samples, s.lost].map(String);
    }),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ");
  process.stdout.write(`\npublish → ${subscribers} subscribers, ${rounds} rounds\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
  process.stdout.write(`\nwritten to ${RESULTS.pathname}\n`);
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
} else if ((workerData as { role?: string })?.role === "subscribers") {
  subscriberSide();
}
