import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { Worker } from "node:worker_threads";
import type { LocalCloud } from "@herald/local/cloud";
import { startLocalCloud } from "@herald/local/cloud";
import { Redis as IORedis } from "ioredis";
import WebSocket from "ws";
import { PRICES } from "./prices";

/**
 * The real-time feeds (`npm run bench -- socket`): what a connected recipient costs per hour on
 * the SSE feed (a streaming Lambda held open), on the removed API Gateway WebSocket feed (its
 * last computed figure) and on AppSync Events; what one delivered real-time event costs; and
 * fan-out latency from `Realtime.publish` to 1,000 connected subscribers on each path — the
 * WebSocket feed (AppSync Events emulator), the SSE feed (what `waitFor` holds), and raw Redis
 * pub/sub (ioredis PUBLISH → 1,000 ioredis subscribers) — in the same run. Subscribers live in a
 * worker thread (bench/realtime-subscribers.ts); latency is publish call → receipt.
 */

const SUBSCRIBERS = Number(process.env.HERALD_BENCH_SUBSCRIBERS ?? 1000);
const ROUNDS = 20;
const WARMUP = 3;
const BUDGET_MS = 150_000;
const RESULTS = new URL("./results/realtime.json", import.meta.url);
const RAW_RECIPIENT = "bench-raw";

/** List prices (us-east-1, 2026-11) of the WebSocket services compared. */
export const SOCKET_PRICES = {
  /** AppSync Events: per connection-minute. */
  appSyncConnectionMinute: 0.08 / 1e6,
  /**
   * AppSync Events: per Event API operation — a connect, a subscribe, an inbound (published)
   * event and each outbound delivery, metered in 5 KB increments; keep-alives are not billed.
   */
  appSyncOperation: PRICES.appSyncOperation,
  appSyncOperationBytes: 5 * 1024,
} as const;

/**
 * The API Gateway WebSocket feed this one replaced (removed 2026-11-30), as its bench last
 * computed it: connection-minutes ($0.25/M) alone, and idle all hour with the keep-alive pings
 * its 10-minute idle timeout needs (6.7 × 2 messages and 6.7 small Lambdas) plus one reconnect.
 * Its fan-out: one signed PostToConnection per connection, p50 188 ms to 1,000 subscribers
 * against raw redis 11.1 ms.
 */
const REMOVED_API_GATEWAY = {
  connectionMinutesOnly: 0.000015,
  idleWithKeepalive: 0.0000366,
  fanOutP50Ms: 188,
  rawP50Ms: 11.1,
} as const;

/** Memory of the functions involved (stacks/realtime.ts; publishers run at SST's 1024 MB). */
const MEMORY_GB = { feed: 0.25, authorizer: 0.25, publisher: 1 } as const;

const now = () => performance.timeOrigin + performance.now();
const round2 = (n: number) => Math.round(n * 100) / 100;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

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

/**
 * One client's connect (→ `connection_ack`: the authorizer's EVENT_CONNECT), subscribe (→
 * `subscribe_success`: its EVENT_SUBSCRIBE) and replay fetch, medians: upper bounds of the
 * authorizer's and the replay's durations.
 */
async function roundTrips(
  target: { url: string; host: string; token: string; channel: string },
  feedUrl: string,
  samples: number,
) {
  const connects: number[] = [];
  const subscribes: number[] = [];
  const replays: number[] = [];
  const authorization = { host: target.host, Authorization: target.token };
  const header = `header-${Buffer.from(JSON.stringify(authorization)).toString("base64url")}`;
  for (let i = 0; i < samples; i++) {
    const started = now();
    const ws = new WebSocket(target.url, ["aws-appsync-event-ws", header]);
    const next = (type: string) =>
      new Promise<void>((resolve) => {
        const on = (data: unknown) => {
          if (JSON.parse(String(data)).type !== type) return;
          ws.off("message", on);
          resolve();
        };
        ws.on("message", on);
      });
    await new Promise((resolve) => ws.once("open", resolve));
    const acked = next("connection_ack");
    ws.send(JSON.stringify({ type: "connection_init" }));
    await acked;
    connects.push(now() - started);
    const subscribed = now();
    const success = next("subscribe_success");
    ws.send(
      JSON.stringify({ type: "subscribe", id: "s", channel: `${target.channel}/*`, authorization }),
    );
    await success;
    subscribes.push(now() - subscribed);
    ws.close();
    const replayed = now();
    const since = new Date(Date.now() - 60_000).toISOString();
    const response = await fetch(
      `${feedUrl}?replay=only&last_event_id=${encodeURIComponent(`${since}|-`)}`,
      { headers: { authorization: `Bearer ${target.token}` } },
    );
    await response.text();
    replays.push(now() - replayed);
  }
  return {
    connectMs: round2(median(connects)),
    subscribeMs: round2(median(subscribes)),
    replayMs: round2(median(replays)),
  };
}

async function latency(cloud: LocalCloud) {
  const Realtime = await import("@herald/core/realtime");
  const { redis } = await import("@herald/core/aws/redis");
  const tenantId = "bench-socket";
  const recipientId = "bench-recipient";
  const { token } = Realtime.issueToken({ tenantId, recipientId, ttlSeconds: 3600 });
  const target = {
    url: cloud.socketUrl,
    host: cloud.socketHost,
    token,
    channel: Realtime.Socket.feedChannel(tenantId, recipientId),
  };
  const trips = await roundTrips(target, cloud.feedUrl, 15);
  // The publisher's share of an event: one signed AppSync request, timed with nobody connected
  // (under load the emulator's own fan-out shares this thread and would be counted too).
  const alone: number[] = [];
  for (let i = 0; i < 15; i++) {
    const event = Realtime.eventOf(tenantId, notification(recipientId, `alone-${i}`));
    const started = now();
    await Realtime.Socket.publishAll([event]);
    alone.push(now() - started);
  }
  const raw = cloud.redis.backend === "redis-server";
  const [, redisPort] = raw
    ? ((await redis().exec<[string, string]>(["CONFIG", "GET", "port"])) ?? [])
    : [];
  const publisher = raw ? new IORedis({ port: Number(redisPort), host: "127.0.0.1" }) : undefined;
  const worker = new Worker(new URL("./realtime-subscribers.ts", import.meta.url));
  const channel = new Channel(worker);
  const ready = (r: any) => r.type === "ready";
  process.stdout.write(`connecting ${SUBSCRIBERS} subscribers on each path…\n`);
  await channel.ask({ type: "connect-socket", target, count: SUBSCRIBERS }, ready);
  if (raw) {
    await channel.ask(
      {
        type: "connect-raw",
        port: Number(redisPort),
        // Another recipient's pattern: Herald's own publishes must not reach these.
        pattern: Realtime.patterns.recipient(tenantId, RAW_RECIPIENT),
        count: SUBSCRIBERS,
      },
      ready,
    );
  }
  const rounds: Record<"socket" | "sse" | "raw", number[][]> = { socket: [], sse: [], raw: [] };
  const underLoadMs: number[] = [];
  /** One round on one path: publish, then wait for every subscriber's receipt. */
  const round = async (path: "socket" | "sse" | "raw", label: string, measured: boolean) => {
    const info = notification(recipientId, `${path}-${label}-${Date.now()}`);
    const event = Realtime.eventOf(tenantId, info);
    const sentAt = now();
    if (path === "raw") {
      await publisher?.publish(
        Realtime.channelOf(tenantId, RAW_RECIPIENT, info.id),
        JSON.stringify(event),
      );
    } else {
      // What a worker does after a status write: Redis and AppSync, one request each.
      await Realtime.publish(tenantId, info);
      if (measured && path === "socket") underLoadMs.push(now() - sentAt);
    }
    const reply = await channel.ask(
      { type: "collect", path, id: event.event_id, count: SUBSCRIBERS },
      (r) => r.type === "receipts" && r.path === path && r.id === event.event_id,
    );
    if (measured) rounds[path].push((reply.at as number[]).map((at) => at - sentAt));
  };
  // First the WebSocket feed against raw Redis, round by round; then the SSE feed, whose 1,000
  // in-process feed handlers would otherwise share the publisher's thread with the emulator.
  const before = cloud.socket.counts();
  const deadline = Date.now() + BUDGET_MS;
  for (let i = 0; i < WARMUP + ROUNDS && Date.now() < deadline; i++) {
    await round("socket", String(i), i >= WARMUP);
    if (raw) await round("raw", String(i), i >= WARMUP);
  }
  const after = cloud.socket.counts();
  await channel.ask(
    { type: "connect-sse", url: `${cloud.feedUrl}/?token=${token}`, count: SUBSCRIBERS },
    ready,
  );
  // Publishers read presence once per HERALD_PRESENCE_CACHE_MS: wait until they see the feeds
  // (a feed catches up on what a stale read dropped, but these rounds time live delivery).
  await new Promise((resolve) => setTimeout(resolve, Realtime.Presence.catchUpAfterMs()));
  for (let i = 0; i < WARMUP + ROUNDS && Date.now() < deadline + BUDGET_MS / 2; i++) {
    await round("sse", String(i), i >= WARMUP);
  }
  const paths = raw ? (["socket", "sse", "raw"] as const) : (["socket", "sse"] as const);
  await channel.ask({ type: "close" }, (r) => r.type === "closed");
  await worker.terminate();
  publisher?.disconnect();
  const published = after.publishes - before.publishes;
  return {
    trips,
    publishMs: round2(median(alone)),
    publishUnderLoadMs: round2(median(underLoadMs)),
    appSync: {
      publishRequestsPerEvent: round2(published / (WARMUP + rounds.socket.length)),
      deliveriesPerEvent: round2(
        (after.deliveries - before.deliveries) / (WARMUP + rounds.socket.length),
      ),
    },
    eventBytes: Buffer.byteLength(
      JSON.stringify(Realtime.eventOf(tenantId, notification(recipientId, "size"))),
    ),
    paths: Object.fromEntries(paths.map((path) => [path, stats(rounds[path], SUBSCRIBERS)])),
  };
}

/** USD per connected recipient-hour and per delivered event, from list prices and this run. */
function costs(measured: Awaited<ReturnType<typeof latency>>) {
  const { trips } = measured;
  const lambda = (gb: number, ms: number) =>
    PRICES.lambdaRequest + gb * (Math.ceil(ms) / 1000) * PRICES.lambdaGbSecond;
  const S = SOCKET_PRICES;
  const operations = (bytes: number) => Math.max(1, Math.ceil(bytes / S.appSyncOperationBytes));
  // Old: one feed Lambda per connection for the whole hour; it closes and is reconnected every
  // 15 minutes (4 invocations, each a PSUBSCRIBE and PUNSUBSCRIBE on Upstash).
  const oldFeed = (gb: number) =>
    gb * 3600 * PRICES.lambdaGbSecond + 4 * (PRICES.lambdaRequest + 2 * PRICES.redisCommand);
  // AppSync Events: connection-minutes (keep-alives are AppSync's own and free), and one new
  // connection per hour (tokens last at most an hour): a connect and a subscribe operation, the
  // authorizer for each (the subscribe's registers presence: one Redis command), the replay the
  // client fetches and its catch-up replay after the presence cache (each a short feed
  // invocation and one recipient-history Query of half a read unit).
  const minutes = 60 * S.appSyncConnectionMinute;
  const replayFetch = lambda(MEMORY_GB.feed, trips.replayMs) + PRICES.dynamoReadUnit / 2;
  const reconnect =
    2 * S.appSyncOperation +
    lambda(MEMORY_GB.authorizer, trips.connectMs) +
    lambda(MEMORY_GB.authorizer, trips.subscribeMs) +
    PRICES.redisCommand +
    2 * replayFetch;
  // A token renewal on the open connection (the client subscribes again before its token
  // expires): a subscribe and an unsubscribe operation, the authorizer with its presence
  // command, and the token request to Herald's API (one request, a short 1024 MB invocation).
  const renewal =
    2 * S.appSyncOperation +
    lambda(MEMORY_GB.authorizer, trips.subscribeMs) +
    PRICES.redisCommand +
    PRICES.httpApiRequest +
    lambda(1, 5);
  const perHour = {
    sseAt1024Mb: oldFeed(1),
    sseAt256Mb: oldFeed(MEMORY_GB.feed),
    removedApiGatewayConnectionMinutesOnly: REMOVED_API_GATEWAY.connectionMinutesOnly,
    removedApiGatewayIdle: REMOVED_API_GATEWAY.idleWithKeepalive,
    appSyncConnectionMinutesOnly: minutes,
    appSyncIdle: minutes + reconnect,
    appSyncIdle15MinuteTokens: minutes + reconnect + 3 * renewal,
  };
  // One event to N subscribers: the Redis PUBLISH (SSE feed, waitFor), one signed AppSync
  // publish from the publishing function (its time measured here, at 1024 MB), one inbound
  // operation and N outbound deliveries. No Lambda invocation of its own, no table access.
  const perEvent = (subscribers: number) => {
    const ops = operations(measured.eventBytes);
    const fixed =
      PRICES.redisCommand +
      ops * S.appSyncOperation +
      MEMORY_GB.publisher * (measured.publishMs / 1000) * PRICES.lambdaGbSecond;
    return {
      subscribers,
      requestsPerSubscriber: {
        appSyncPublish: round2(1 / subscribers),
        appSyncDelivery: 1,
        redisPublish: round2(1 / subscribers),
        dynamoQuery: 0,
        lambdaInvocations: 0,
      },
      usdPerDeliveredEvent: (fixed + subscribers * ops * S.appSyncOperation) / subscribers,
    };
  };
  return { perHour, perEvent: [perEvent(1), perEvent(10), perEvent(SUBSCRIBERS)] };
}

export async function measureRealtime() {
  const cloud = await startLocalCloud({ env: { AWS_LAMBDA_LOG_LEVEL: "silent" } });
  try {
    const measured = await latency(cloud);
    const cost = costs(measured);
    const result = {
      benchmark: "real-time feeds: cost and fan-out latency",
      date: new Date().toISOString(),
      node: process.version,
      cpus: availableParallelism(),
      cpu: cpus()[0]?.model,
      prices: { ...SOCKET_PRICES, asOf: PRICES.asOf },
      removedApiGateway: REMOVED_API_GATEWAY,
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
  out("\nReal-time feeds — USD per connected recipient-hour (goal ≤ $0.00002)");
  out(`  SSE Lambda held open, 1024 MB (the issue's figure)          ${usd(h.sseAt1024Mb)}`);
  out(`  SSE Lambda held open, 256 MB (stacks today)                 ${usd(h.sseAt256Mb)}`);
  out(
    `  removed API Gateway WebSocket, idle with keep-alives         ${usd(h.removedApiGatewayIdle)}`,
  );
  out(
    `  AppSync Events, connection-minutes alone                     ${usd(h.appSyncConnectionMinutesOnly)}`,
  );
  out(`  AppSync Events, idle all hour with an hourly reconnect       ${usd(h.appSyncIdle)}`);
  out(
    `  … with 15-minute tokens (3 renewals on the connection)       ${usd(h.appSyncIdle15MinuteTokens)}`,
  );
  out("\nUSD per delivered real-time event (requests per event per subscriber)");
  for (const e of result.cost.perEvent) {
    const r = e.requestsPerSubscriber;
    out(
      `  ${String(e.subscribers).padStart(5)} subscribers: ${usd(e.usdPerDeliveredEvent)}  (AppSync publish ${r.appSyncPublish}, delivery ${r.appSyncDelivery}, PUBLISH ${r.redisPublish}, Query ${r.dynamoQuery}, Lambda ${r.lambdaInvocations})`,
    );
  }
  out(`\nfan-out latency, publish → ${result.subscribers} subscribers (ms; goal p50 ≤ 2× raw)`);
  out("  path                                    p50      p90      p99   last p50  lost");
  const names: Record<string, string> = {
    socket: "WebSocket feed (AppSync Events)",
    sse: "SSE feed (Upstash shim + Lambda)",
    raw: "raw redis pub/sub (ioredis)",
  };
  for (const [path, s] of Object.entries(result.paths) as Array<[string, any]>) {
    out(
      `  ${(names[path] ?? path).padEnd(37)} ${String(s.p50).padStart(7)}  ${String(s.p90).padStart(7)}  ${String(s.p99).padStart(7)}  ${String(s.lastP50).padStart(8)}  ${s.lost}`,
    );
  }
  if (result.paths.raw) {
    out(`  ratio p50, WebSocket / raw: ${round2(result.paths.socket.p50 / result.paths.raw.p50)}×`);
  } else out("  raw redis pub/sub: n/a (no redis-server; the embedded stand-in runs)");
  out(
    `  AppSync publish ${result.publishMs} ms alone, Realtime.publish ${result.publishUnderLoadMs} ms with the emulator fanning out on the same thread (${result.appSync.publishRequestsPerEvent} AppSync request, ${result.appSync.deliveriesPerEvent} deliveries per event); connect ${result.trips.connectMs} ms, subscribe ${result.trips.subscribeMs} ms, replay ${result.trips.replayMs} ms`,
  );
  out(`\nwritten to ${RESULTS.pathname}`);
}
