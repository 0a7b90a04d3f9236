import { mkdirSync, writeFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { LocalCloud } from "@herald/local/cloud";
import { startLocalCloud } from "@herald/local/cloud";
import { Redis as IORedis } from "ioredis";
import WebSocket from "ws";
import { PRICES } from "./prices";

/**
 * The WebSocket feed (`npm run bench socket`): what a connected recipient costs per hour on the
 * old feed (a streaming Lambda held open) and the new one (API Gateway WebSocket), what one
 * delivered real-time event costs, and fan-out latency from `Realtime.publish` to 1,000
 * connected WebSocket subscribers against raw Redis pub/sub to 1,000 ioredis subscribers, in the
 * same run. The local cloud stands in for API Gateway (packages/local/src/websocket.ts).
 */

const SUBSCRIBERS = Number(process.env.HERALD_BENCH_SUBSCRIBERS ?? 1000);
const ROUNDS = 20;
const WARMUP = 3;
const BUDGET_MS = 120_000;
const RESULTS = new URL("./results/socket.json", import.meta.url);

/** List prices (us-east-1, 2026-11) of the two WebSocket services the issue compares. */
export const SOCKET_PRICES = {
  /** API Gateway WebSocket: per message (each 32 KB, either direction) and connection-minute. */
  apiGatewayMessage: 1.0 / 1e6,
  apiGatewayConnectionMinute: 0.25 / 1e6,
  /** AppSync Events: per connection-minute. */
  appSyncConnectionMinute: 0.08 / 1e6,
} as const;

/** Memory of the functions involved (stacks/realtime.ts; workers publish at SST's 1024 MB). */
const MEMORY_GB = { feed: 0.25, socket: 0.25, publisher: 1 } as const;
/** The client pings after this much silence (API Gateway closes a connection idle 10 min). */
const KEEPALIVE_MINUTES = 9;
/** A subscription item is about this big (keys, connection id, recipient, expiry). */
const SUBSCRIPTION_ITEM_BYTES = 200;

const now = () => performance.timeOrigin + performance.now();
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function stats(rounds: number[][], expected: number) {
  const all = rounds.flat().sort((a, b) => a - b);
  return {
    samples: all.length,
    lost: expected * rounds.length - all.length,
    p50: round2(percentile(all, 50)),
    p90: round2(percentile(all, 90)),
    p99: round2(percentile(all, 99)),
    lastP50: round2(median(rounds.map((round) => Math.max(...round)))),
  };
}

/** One client's handshake and ping round trips: upper bounds of the handlers' durations. */
async function roundTrips(url: string, samples: number) {
  const connects: number[] = [];
  const pings: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = now();
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    connects.push(now() - started);
    const pinged = now();
    ws.send(JSON.stringify({ action: "ping", id: String(i) }));
    await new Promise<void>((resolve) => ws.once("message", () => resolve()));
    pings.push(now() - pinged);
    ws.close();
  }
  return { connectMs: median(connects), pingMs: median(pings) };
}

class Channel {
  private readonly pending: Array<(message: any) => boolean> = [];
  constructor(readonly worker: Worker) {
    worker.on("message", (message) => {
      const index = this.pending.findIndex((accept) => accept(message));
      if (index !== -1) this.pending.splice(index, 1);
    });
  }
  ask(message: unknown, match: (reply: any) => boolean): Promise<any> {
    return new Promise((resolve) => {
      this.pending.push((reply) => {
        if (!match(reply)) return false;
        resolve(reply);
        return true;
      });
      this.worker.postMessage(message);
    });
  }
}

function notification(recipientId: string, label: string) {
  const stamp = new Date().toISOString();
  return {
    id: `ntf_SOCKET${label.toUpperCase().replace(/[^A-Z0-9]/g, "")}`,
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

async function latency(cloud: LocalCloud) {
  const Realtime = await import("@herald/core/realtime");
  const { redis } = await import("@herald/core/aws/redis");
  const tenantId = "bench-socket";
  const recipientId = "bench-recipient";
  const { token } = Realtime.issueToken({ tenantId, recipientId, ttlSeconds: 3600 });
  const url = `${cloud.socketUrl}?token=${token}`;
  const trips = await roundTrips(url, 15);
  const raw = cloud.redis.backend === "redis-server";
  const [, redisPort] = raw
    ? ((await redis().exec<[string, string]>(["CONFIG", "GET", "port"])) ?? [])
    : [];
  const publisher = raw ? new IORedis({ port: Number(redisPort), host: "127.0.0.1" }) : undefined;
  const worker = new Worker(new URL("./socket-subscribers.ts", import.meta.url));
  const channel = new Channel(worker);
  process.stdout.write(`connecting ${SUBSCRIBERS} WebSocket clients and raw subscribers…\n`);
  await channel.ask({ type: "connect-socket", url, count: SUBSCRIBERS }, (r) => r.type === "ready");
  if (raw) {
    await channel.ask(
      {
        type: "connect-raw",
        port: Number(redisPort),
        pattern: Realtime.patterns.recipient(tenantId, recipientId),
        count: SUBSCRIBERS,
      },
      (r) => r.type === "ready",
    );
  }
  const rounds: Record<"socket" | "raw", number[][]> = { socket: [], raw: [] };
  const fanOutMs: number[] = [];
  const deadline = Date.now() + BUDGET_MS;
  for (let round = 0; round < WARMUP + ROUNDS && Date.now() < deadline; round++) {
    for (const path of raw ? (["socket", "raw"] as const) : (["socket"] as const)) {
      const info = notification(recipientId, `${path}-${round}-${Date.now()}`);
      const event = Realtime.eventOf(tenantId, info);
      const sentAt = now();
      if (path === "socket") {
        // What a worker does after a status write: Redis once, then the connections.
        await Realtime.publish(tenantId, info);
        if (round >= WARMUP) fanOutMs.push(now() - sentAt);
      } else {
        await publisher?.publish(
          Realtime.channelOf(tenantId, recipientId, info.id),
          JSON.stringify(event),
        );
      }
      const reply = await channel.ask(
        { type: "collect", path, id: event.event_id, count: SUBSCRIBERS },
        (r) => r.type === "receipts" && r.path === path && r.id === event.event_id,
      );
      if (round >= WARMUP) rounds[path].push((reply.at as number[]).map((at) => at - sentAt));
    }
  }
  await channel.ask({ type: "close" }, (r) => r.type === "closed");
  await worker.terminate();
  publisher?.disconnect();
  return {
    trips,
    fanOutMs: round2(median(fanOutMs)),
    socket: stats(rounds.socket, SUBSCRIBERS),
    raw: raw ? stats(rounds.raw, SUBSCRIBERS) : undefined,
  };
}

/** USD per connected recipient-hour and per delivered event, from list prices and this run. */
function costs(trips: { connectMs: number; pingMs: number }, fanOutMs: number) {
  const lambda = (gb: number, ms: number) =>
    PRICES.lambdaRequest + gb * (Math.ceil(ms) / 1000) * PRICES.lambdaGbSecond;
  const S = SOCKET_PRICES;
  // Old: one feed Lambda per connection for the whole hour; it closes and is reconnected every
  // 15 minutes (4 invocations, each a PSUBSCRIBE and PUNSUBSCRIBE on Upstash).
  const oldFeed = (gb: number) =>
    gb * 3600 * PRICES.lambdaGbSecond + 4 * (PRICES.lambdaRequest + 2 * PRICES.redisCommand);
  // New: connection-minutes; keep-alive pings on an idle connection (message in, ping Lambda
  // with one strongly consistent GetItem, pong out); and one connection per hour (tokens last
  // at most an hour): $connect (PutItem), subscribe (GetItem, PutItem, UpdateItem, reply),
  // $disconnect (GetItem, two DeleteItems).
  const keepalives = 60 / KEEPALIVE_MINUTES;
  const keepalive =
    2 * S.apiGatewayMessage + lambda(MEMORY_GB.socket, trips.pingMs) + PRICES.dynamoReadUnit;
  const connection =
    lambda(MEMORY_GB.socket, trips.connectMs) +
    PRICES.dynamoWriteUnit +
    2 * S.apiGatewayMessage +
    lambda(MEMORY_GB.socket, trips.pingMs) +
    PRICES.dynamoReadUnit +
    2 * PRICES.dynamoWriteUnit +
    lambda(MEMORY_GB.socket, trips.pingMs) +
    PRICES.dynamoReadUnit / 2 +
    2 * PRICES.dynamoWriteUnit;
  const minutes = 60 * S.apiGatewayConnectionMinute;
  const perHour = {
    oldAt1024Mb: oldFeed(1),
    oldAt256Mb: oldFeed(MEMORY_GB.feed),
    newConnectionMinutesOnly: minutes,
    newIdleWithKeepalive: minutes + keepalives * keepalive + connection,
    appSyncEventsConnectionMinutesOnly: 60 * S.appSyncConnectionMinute,
  };
  // One event to N subscribers: one PUBLISH, two subscriber queries (eventually consistent,
  // 4 KB per half read unit), the publisher's extra time (measured, 1,000 subscribers), and
  // one message per subscriber. No Lambda invocation of its own.
  const perEvent = (subscribers: number) => {
    const queryUnits =
      2 * Math.max(0.5, Math.ceil((subscribers * SUBSCRIPTION_ITEM_BYTES) / 4096) / 2);
    const publisherMs = (fanOutMs * subscribers) / SUBSCRIBERS;
    const fixed =
      PRICES.redisCommand +
      queryUnits * PRICES.dynamoReadUnit +
      MEMORY_GB.publisher * (publisherMs / 1000) * PRICES.lambdaGbSecond;
    return {
      subscribers,
      requestsPerSubscriber: {
        postToConnection: 1,
        dynamoQuery: round2(2 / subscribers),
        redisPublish: round2(1 / subscribers),
        lambdaInvocations: 0,
      },
      usdPerDeliveredEvent: (fixed + subscribers * S.apiGatewayMessage) / subscribers,
    };
  };
  return { perHour, perEvent: [perEvent(1), perEvent(10), perEvent(SUBSCRIBERS)] };
}

export async function measureSocket() {
  const cloud = await startLocalCloud({ env: { AWS_LAMBDA_LOG_LEVEL: "silent" } });
  try {
    const measured = await latency(cloud);
    const cost = costs(measured.trips, measured.fanOutMs);
    const result = {
      benchmark: "WebSocket feed: cost and fan-out latency",
      date: new Date().toISOString(),
      prices: { ...SOCKET_PRICES, asOf: PRICES.asOf },
      subscribers: SUBSCRIBERS,
      ...measured,
      cost,
    };
    mkdirSync(new URL("./", RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
    print(result);
  } finally {
    await cloud.stop();
  }
}

function print(result: any) {
  const usd = (n: number) => `$${n.toPrecision(3)}`;
  const out = (line = "") => process.stdout.write(`${line}\n`);
  const h = result.cost.perHour;
  out("\nWebSocket feed — USD per connected recipient-hour (goal ≤ $0.00002)");
  out(`  old: SSE Lambda held open, 1024 MB (the issue's figure)   ${usd(h.oldAt1024Mb)}`);
  out(`  old: SSE Lambda held open, 256 MB (stacks today)          ${usd(h.oldAt256Mb)}`);
  out(
    `  new: API Gateway WebSocket, connection-minutes alone       ${usd(h.newConnectionMinutesOnly)}`,
  );
  out(
    `  new: idle, with keep-alive pings and an hourly reconnect   ${usd(h.newIdleWithKeepalive)}`,
  );
  out(
    `  (AppSync Events connection-minutes alone, for comparison   ${usd(h.appSyncEventsConnectionMinutesOnly)})`,
  );
  out("\nUSD per delivered real-time event (requests per event per subscriber)");
  for (const e of result.cost.perEvent) {
    const r = e.requestsPerSubscriber;
    out(
      `  ${String(e.subscribers).padStart(5)} subscribers: ${usd(e.usdPerDeliveredEvent)}  (PostToConnection ${r.postToConnection}, Query ${r.dynamoQuery}, PUBLISH ${r.redisPublish}, Lambda ${r.lambdaInvocations})`,
    );
  }
  out(`\nfan-out latency, publish → ${result.subscribers} subscribers (ms; goal p50 ≤ 2× raw)`);
  out("  path                                   p50      p90      p99   last p50  lost");
  const row = (name: string, s: any) =>
    out(
      `  ${name.padEnd(36)} ${String(s.p50).padStart(7)}  ${String(s.p90).padStart(7)}  ${String(s.p99).padStart(7)}  ${String(s.lastP50).padStart(8)}  ${s.lost}`,
    );
  row("WebSocket feed (publish → @connections)", result.socket);
  if (result.raw) {
    row("raw redis pub/sub (ioredis)", result.raw);
    out(`  ratio p50: ${round2(result.socket.p50 / result.raw.p50)}×`);
  } else out("  raw redis pub/sub: n/a (no redis-server; the embedded stand-in runs)");
  out(
    `  publisher busy per event: ${result.fanOutMs} ms; handshake ${round2(result.trips.connectMs)} ms, ping ${round2(result.trips.pingMs)} ms`,
  );
  out(`\nwritten to ${RESULTS.pathname}`);
}
