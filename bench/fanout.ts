import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { type LocalCloud, startLocalCloud } from "@herald/local/cloud";
import { type Durations, measureDurations } from "./durations";
import { call, raw } from "./herald";
import { attachMeter, type Meter, type Reading } from "./meter";
import { LAMBDA, PRICES } from "./prices";
import { pool, receiver, save, sleep, table } from "./support";

/**
 * The batch and topic paths (issue 16): what a notification costs when it arrives in a batch of
 * 1,000 (`POST /v1/notifications/batch`) or through a topic send fanned out to N subscribers,
 * from counted requests (the same meter and prices as `cost`), and for topics how long N take
 * to be accepted and delivered, verified by reading every notification back: each subscriber
 * exactly one, delivered once. In-app channel, immediate.
 *
 * `npm run bench -- topic [N]` runs a topic of N subscribers (default 100,000) on its own local
 * cloud; `npm run bench -- cost` runs both paths at 2,000 / 1,000 after the single-send table.
 *
 * Changes are published only where someone listens (packages/core/src/realtime/presence.ts),
 * and in these runs nobody does; a third run, a batch of 1,000 whose every recipient is present
 * on both feeds (SSE and WebSocket, registered before the meter starts), shows the other end.
 */

interface Run {
  path: string;
  notifications: number;
  reading: Reading;
  /** API requests made (batch requests, or the one topic send). */
  apiRequests: number;
  /** Their summed wall time: the API Lambda's billed duration, an upper bound. */
  apiMs: number;
  /** The fan-out worker's working time (send → all accepted), as one invocation chain. */
  fanoutMs: number;
  /** Worker invocations the local event-source runner made (fan-out and in-app). */
  workerInvocations: number;
  /**
   * Counter function invocations on the local table stream (`accepted`, counted from it): priced
   * as the local stream batched them (a 250 ms window; AWS's 5 s one makes fewer, fuller ones).
   */
  counterInvocations: number;
  /** AppSync Events operations: events published to the recipients' channels (as `cost`). */
  appSyncEvents: number;
  acceptedMs: number;
  deliveredMs: number;
  /** This process's CPU time (user + system) from the first request to all delivered: every
   * handler and emulator runs in it, so this is what the machine's load cannot stretch. */
  cpuMs: number;
  /** Per batch request: its items and wall time. */
  batches?: { items: number; keyed: boolean; ms: number }[];
  check: {
    notifications: number;
    recipients: number;
    doubled: number;
    lost: number;
    notDelivered: number;
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const cpuOf = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/** The tenant's in-app `delivered` counters (read with the bench's own client: not metered). */
async function deliveredCount(cloud: LocalCloud, tenantId: string): Promise<number> {
  let total = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await raw().send(
      new QueryCommand({
        TableName: cloud.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `MET#${tenantId}` },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      // `<hour>#in_app#delivered`, or with a `#<shard>` where counters are sharded.
      if (/#in_app#delivered(#\d+)?$/.test(String(item.sk))) total += Number(item.count);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return total;
}

/** A topic send's stored progress (the bench's own client: not metered). */
async function topicSend(cloud: LocalCloud, tenantId: string, topic: string, id: string) {
  const { Item } = await raw().send(
    new GetCommand({
      TableName: cloud.tableName,
      Key: { pk: `TOP#${tenantId}#${topic}`, sk: `SND#${id}` },
      ConsistentRead: true,
    }),
  );
  return Item as { done: boolean; accepted: number } | undefined;
}

async function waitDelivered(
  cloud: LocalCloud,
  tenantId: string,
  n: number,
  timeoutMs: number,
): Promise<number> {
  const start = performance.now();
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const count = await deliveredCount(cloud, tenantId);
    if (count >= n) return performance.now();
    if (count !== last) {
      last = count;
      lastChange = performance.now();
    }
    if (performance.now() - lastChange > 60_000 || performance.now() - start > timeoutMs) {
      throw new Error(`only ${count} of ${n} delivered`);
    }
    await sleep(250);
  }
}

/** Read every notification of the tenant back: one per expected recipient, each delivered once. */
async function verify(tenantId: string, expected: string[]): Promise<Run["check"]> {
  const Notification = await import("@herald/core/notification");
  const seen = new Map<string, number>();
  let notifications = 0;
  let notDelivered = 0;
  let cursor: string | undefined;
  do {
    const page = await Notification.list({ tenantId, query: { limit: 100, cursor } });
    for (const item of page.items) {
      notifications++;
      const id = item.recipient.id ?? "";
      seen.set(id, (seen.get(id) ?? 0) + 1);
      if (item.status !== "delivered" || item.attempts !== 1) notDelivered++;
    }
    cursor = page.next_cursor;
  } while (cursor);
  return {
    notifications,
    recipients: seen.size,
    doubled: sum([...seen.values()].map((count) => count - 1)),
    lost: expected.filter((id) => !seen.has(id)).length,
    notDelivered,
  };
}

const inApp = (recipient: string) => ({
  channel: "in_app",
  recipient: { id: recipient },
  content: { title: "Bench", body: "A notification from the batch bench" },
  immediate: true,
});

/**
 * N in-app sends in batches of 1,000 (every other batch with per-item idempotency keys); with
 * `listening`, every recipient is present on both feeds for the run (as an SSE feed and the
 * WebSocket authorizer register them; past the presence bound, that is the whole tenant).
 */
export async function runBatch(
  cloud: LocalCloud,
  meter: Meter,
  n: number,
  options: { listening?: boolean } = {},
): Promise<Run> {
  const tenantId = `bench-batch-${Date.now()}`;
  const key = await cloud.createKey(tenantId);
  const recipients = Array.from({ length: n }, (_, i) => `b${i}`);
  if (options.listening) {
    const { Presence } = await import("@herald/core/realtime");
    const until = Date.now() + 3_600_000;
    await pool(recipients, 32, async (recipient) => {
      await Presence.register(tenantId, Presence.member.recipient(recipient), until);
      await Presence.register(tenantId, Presence.member.socket(recipient), until);
    });
  }
  const batches: NonNullable<Run["batches"]> = [];
  const invocations = cloud.runner.invocations;
  const counted = cloud.streams.invocations;
  const events = cloud.socket.counts().events;
  meter.start();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let from = 0, b = 0; from < n; from += 1000, b++) {
    const keyed = b % 2 === 1;
    const items = recipients
      .slice(from, from + 1000)
      .map((r) => (keyed ? { ...inApp(r), idempotency_key: `k-${r}` } : inApp(r)));
    const {
      json,
      start: t0,
      end,
    } = await call(cloud.apiUrl, key, "POST", "/v1/notifications/batch", {
      items,
    });
    if (json.accepted !== items.length) throw new Error(`batch accepted ${json.accepted}`);
    batches.push({ items: items.length, keyed, ms: end - t0 });
  }
  const accepted = performance.now();
  const delivered = await waitDelivered(cloud, tenantId, n, 30 * 60_000);
  const cpuMs = cpuOf(cpu);
  await cloud.runner.drain(60_000);
  await cloud.streams.drain(60_000);
  const reading = meter.stop();
  return {
    cpuMs,
    path: `batch (${n} in-app, batches of 1,000${options.listening ? ", every recipient listening" : ""})`,
    notifications: n,
    reading,
    apiRequests: batches.length,
    apiMs: sum(batches.map((b) => b.ms)),
    fanoutMs: 0,
    workerInvocations: cloud.runner.invocations - invocations,
    counterInvocations: cloud.streams.invocations - counted,
    appSyncEvents: cloud.socket.counts().events - events,
    acceptedMs: accepted - start,
    deliveredMs: delivered - start,
    batches,
    check: await verify(tenantId, recipients),
  };
}

/** A topic of N subscribers (written directly, not timed), one topic send, in-app. */
export async function runTopic(cloud: LocalCloud, meter: Meter, n: number): Promise<Run> {
  const Topic = await import("@herald/core/topic");
  const tenantId = `bench-topic-${Date.now()}`;
  const key = await cloud.createKey(tenantId);
  const topic = "everyone";
  const recipients = Array.from({ length: n }, (_, i) => `s${String(i).padStart(6, "0")}`);
  const setup = performance.now();
  await pool(recipients, 32, (recipient) => Topic.subscribe({ tenantId, topic, recipient }));
  process.stdout.write(
    `  ${n} subscribers written in ${((performance.now() - setup) / 1000).toFixed(1)} s (not counted)\n`,
  );
  const invocations = cloud.runner.invocations;
  const counted = cloud.streams.invocations;
  const events = cloud.socket.counts().events;
  meter.start();
  const cpu = process.cpuUsage();
  const { json, start, end } = await call(
    cloud.apiUrl,
    key,
    "POST",
    `/v1/topics/${topic}/notifications`,
    {
      channel: "in_app",
      content: { title: "Bench", body: "A notification from the topic bench" },
      immediate: true,
    },
  );
  let accepted = 0;
  for (;;) {
    const status = await topicSend(cloud, tenantId, topic, String(json.id));
    if (status?.done) {
      if (status.accepted !== n) throw new Error(`fan-out accepted ${status.accepted}`);
      accepted = performance.now();
      break;
    }
    await sleep(250);
  }
  const delivered = await waitDelivered(cloud, tenantId, n, 60 * 60_000);
  const cpuMs = cpuOf(cpu);
  await cloud.runner.drain(60_000);
  await cloud.streams.drain(60_000);
  const reading = meter.stop();
  return {
    cpuMs,
    path: `topic (${n} in-app subscribers)`,
    notifications: n,
    reading,
    apiRequests: 1,
    apiMs: end - start,
    fanoutMs: accepted - end,
    workerInvocations: cloud.runner.invocations - invocations,
    counterInvocations: cloud.streams.invocations - counted,
    appSyncEvents: cloud.socket.counts().events - events,
    acceptedMs: accepted - start,
    deliveredMs: delivered - start,
    check: await verify(tenantId, recipients),
  };
}

/** USD per million notifications by service, the way `cost` prices single sends. */
export function price(run: Run, d: Durations) {
  const n = run.notifications;
  const gb = LAMBDA.memoryMb / 1024;
  const requests = run.reading.requests;
  const sqsHerald = sum(
    Object.entries(requests)
      .filter(([op]) => op.startsWith("SQS "))
      .map(([, count]) => count),
  );
  // Each worker invocation: the poller's ReceiveMessage and DeleteMessageBatch.
  const sqsPoller = 2 * run.workerInvocations;
  const workerMs =
    run.workerInvocations * Math.ceil(d.worker.in_app.batch10) +
    run.counterInvocations * Math.ceil(d.counter.full);
  const apiMs = run.apiRequests * Math.ceil(d.authorizer) + Math.ceil(run.apiMs);
  const parts = {
    dynamodb:
      run.reading.dynamo.readUnits * PRICES.dynamoReadUnit +
      (run.reading.dynamo.tableWriteUnits + run.reading.dynamo.indexWriteUnits) *
        PRICES.dynamoWriteUnit,
    sqs: (sqsHerald + sqsPoller) * PRICES.sqsRequest,
    lambda:
      (2 * run.apiRequests + run.workerInvocations + run.counterInvocations) *
        PRICES.lambdaRequest +
      ((apiMs + workerMs + Math.ceil(run.fanoutMs)) / 1000) * gb * PRICES.lambdaGbSecond,
    apiGateway: run.apiRequests * PRICES.httpApiRequest,
    redis: sum(Object.values(run.reading.redisCommands)) * PRICES.redisCommand,
    appSync: run.appSyncEvents * PRICES.appSyncOperation,
  };
  const perMillion = Object.fromEntries(
    Object.entries(parts).map(([k, v]) => [k, (v / n) * 1e6]),
  ) as typeof parts;
  // Where it goes: what accepting costs (the path's own requests), and the rest, which every
  // notification pays on delivery whichever way it arrived (claim, completion, counters, the
  // worker's profile read, real-time publishes and socket lookups, callbacks, the worker).
  const units = run.reading.dynamo.unitsByOperation;
  const READS = ["GetItem", "BatchGetItem", "Query"];
  const unitUsd = (op: string) =>
    (units[op] ?? 0) * (READS.includes(op) ? PRICES.dynamoReadUnit : PRICES.dynamoWriteUnit);
  const acceptance =
    ["PutItem", "BatchWriteItem", "BatchGetItem"].map(unitUsd).reduce((a, b) => a + b, 0) +
    sqsHerald * PRICES.sqsRequest +
    parts.apiGateway +
    2 * run.apiRequests * PRICES.lambdaRequest +
    ((apiMs + Math.ceil(run.fanoutMs)) / 1000) * gb * PRICES.lambdaGbSecond +
    (run.reading.redisCommands.EVALSHA ?? 0) * PRICES.redisCommand;
  const total = sum(Object.values(perMillion));
  const accepting = (acceptance / n) * 1e6;
  return { ...perMillion, total, accepting, delivering: total - accepting };
}

export function report(runs: Run[], d: Durations) {
  const per = (run: Run, count: number) => count / run.notifications;
  const ops = [...new Set(runs.flatMap((r) => Object.keys(r.reading.requests)))].sort();
  const commands = [...new Set(runs.flatMap((r) => Object.keys(r.reading.redisCommands)))].sort();
  table(
    "Batch and topic paths: requests Herald sends per notification (in-app, immediate)",
    runs.map((r) => ({
      path: r.path,
      ...Object.fromEntries(
        ops.map((op) => [op.replace(/^DynamoDB /, "DDB "), per(r, r.reading.requests[op] ?? 0)]),
      ),
      ...Object.fromEntries(
        commands.map((c) => [`Redis ${c}`, per(r, r.reading.redisCommands[c] ?? 0)]),
      ),
      "λ worker invocations": per(r, r.workerInvocations),
      "λ counter invocations": per(r, r.counterInvocations),
      "AppSync events": per(r, r.appSyncEvents),
      RRU: per(r, r.reading.dynamo.readUnits),
      "WRU table": per(r, r.reading.dynamo.tableWriteUnits),
      "WRU index": per(r, r.reading.dynamo.indexWriteUnits),
    })),
  );
  table(
    "Batch and topic paths: USD per million notifications, us-east-1 (the prices `cost` uses; requests, Lambda and AppSync events, no logs, transfer or storage)",
    runs.map((r) => {
      const usd = price(r, d);
      return {
        path: r.path,
        DynamoDB: usd.dynamodb,
        SQS: usd.sqs,
        Lambda: usd.lambda,
        "API GW": usd.apiGateway,
        Redis: usd.redis,
        AppSync: usd.appSync,
        total: usd.total,
        "of which accepting": usd.accepting,
        delivering: usd.delivering,
      };
    }),
  );
  table(
    "Batch and topic paths: time and read-back check",
    runs.map((r) => ({
      path: r.path,
      "all accepted (s)": r.acceptedMs / 1000,
      "all delivered (s)": r.deliveredMs / 1000,
      "delivered / s": r.notifications / (r.deliveredMs / 1000),
      "accepted / s": r.notifications / (r.acceptedMs / 1000),
      "read back": r.check.notifications,
      lost: r.check.lost,
      doubled: r.check.doubled,
      "not delivered once": r.check.notDelivered,
      "CPU ms / notification": r.cpuMs / r.notifications,
    })),
  );
  for (const r of runs) {
    for (const b of r.batches ?? []) {
      process.stdout.write(
        `  batch of ${b.items}${b.keyed ? " (keyed)" : ""}: ${b.ms.toFixed(0)} ms\n`,
      );
    }
  }
}

/** Both paths on a running cloud (from `cost`). */
export async function measurePaths(cloud: LocalCloud, batchN = 2_000, topicN = 1_000) {
  const meter = await attachMeter();
  const hook = await receiver();
  const durations = await measureDurations(cloud, hook.url);
  await hook.close();
  const runs = [
    await runBatch(cloud, meter, batchN),
    await runTopic(cloud, meter, topicN),
    await runBatch(cloud, meter, 1_000, { listening: true }),
  ];
  report(runs, durations);
  save("paths", {
    durationsMs: durations,
    runs: runs.map((r) => ({ ...r, usdPerMillion: price(r, durations) })),
  });
  return runs;
}

/** `npm run bench -- topic [N]`: a topic of N subscribers on its own local cloud. */
export async function measureTopic(n: number) {
  const cloud = await startLocalCloud({
    env: { AWS_LAMBDA_LOG_LEVEL: "silent", HERALD_RATE_LIMIT: "1000000" },
  });
  try {
    const meter = await attachMeter();
    const hook = await receiver();
    const durations = await measureDurations(cloud, hook.url);
    await hook.close();
    const run = await runTopic(cloud, meter, n);
    report([run], durations);
    save("topic", {
      durationsMs: durations,
      run: { ...run, usdPerMillion: price(run, durations) },
    });
  } finally {
    await cloud.stop();
  }
}
