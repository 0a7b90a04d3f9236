import { readFileSync } from "node:fs";
import { TYPICAL, type Usage, usd } from "@herald/core/cost";
import type { LocalCloud } from "@herald/local/cloud";
import * as manifest from "../functions/manifest";
import { type Durations, measureDurations } from "./durations";
import { CHANNELS, type Channel, call, send, sendBody, waitFinal } from "./herald";
import { attachMeter, type Reading } from "./meter";
import { LAMBDA, PRICES, PROVIDER_FEES } from "./prices";
import { pool, receiver, save, table } from "./support";

/**
 * Part 1: AWS and Upstash requests per notification, and USD per million notifications.
 *
 * For each channel and route (immediate; delayed, which SQS holds back with DelaySeconds; and
 * scheduled, which goes through EventBridge Scheduler), N notifications are sent through the
 * local API and followed to their final status, with the meter on; counts are divided by N.
 * Added to what Herald's clients send are the requests AWS makes on Herald's behalf and bills
 * to the account: the API Gateway request, the authorizer, API and worker Lambda invocations,
 * the Scheduler's invocation and the SendMessage it makes into the channel queue, the
 * Lambda SQS poller's ReceiveMessage + DeleteMessageBatch, and the counter function's
 * invocations on the table's stream (its counter writes are Herald's, counted).
 */

/** Sends due within this many seconds use SQS DelaySeconds, later ones the Scheduler. */
export const SCHEDULER_MIN_DELAY_SECONDS = 4;
const DELAYED_SECONDS = 3;
const SCHEDULED_SECONDS = 6;

type Route = "immediate" | "delayed" | "scheduled";
interface Scenario {
  channel: Channel;
  route: Route;
  /** The recipient is named by id and has a stored profile. */
  profile?: boolean;
  /** A 3 KB HTML body besides the text. */
  html?: boolean;
}

const SCENARIOS: Scenario[] = [
  ...(["immediate", "delayed", "scheduled"] as Route[]).flatMap((route) =>
    CHANNELS.map((channel) => ({ channel, route })),
  ),
  { channel: "email", route: "immediate", profile: true },
  { channel: "email", route: "immediate", html: true },
];

const labelOf = (s: Scenario) =>
  `${s.channel} ${s.route}${s.profile ? " +profile" : ""}${s.html ? " +3KB html" : ""}`;

interface Measured {
  scenario: string;
  channel: Channel;
  route: Route;
  notifications: number;
  /** Herald's own requests per notification, by `Service Operation`. */
  requests: Record<string, number>;
  /** Upstash commands per notification, by command. */
  redisCommands: Record<string, number>;
  redisHttpRequests: number;
  /** Upstash request and response body bytes per notification. */
  redisBodyBytes: number;
  /** Log lines the handlers wrote per notification (Herald's JSON lines and EMF), and bytes. */
  logs: { lines: number; bytes: number };
  /** AppSync Events publishes (one signed request per status change; events metered apart). */
  appSync: { publishes: number; events: number };
  dynamo: {
    readUnits: number;
    tableWriteUnits: number;
    indexWriteUnits: number;
    indexWrites: Record<string, number>;
    largestItemBytes: number;
    /** Bytes the notification keeps in the table and its indexes (overhead included). */
    storedBytes: number;
    /**
     * Hourly counter write units (the workers' per SQS batch, the counter function's `accepted`
     * per stream batch: each rescaled to the batch priced).
     */
    counterWrites: { accepted: number; other: number };
    conditionFailures: number;
  };
  onBehalf: {
    apiGatewayRequests: number;
    authorizerInvocations: number;
    apiInvocations: number;
    /** Worker invocations the local event-source runner made (its batches are not AWS's). */
    workerInvocationsLocal: number;
    /** Counter function invocations on the local stream (its batches are not AWS's either). */
    counterInvocationsLocal: number;
    schedulerInvocations: number;
    /** The Scheduler's SendMessage into the channel queue (attempts, retries included). */
    schedulerSendMessage: number;
  };
  /** Sanity: what reached the webhook receiver and the push service. */
  providerCalls: { webhookHits: number; pushReceived: number };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const per = (counts: Record<string, number>, n: number) =>
  Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / n]));

export async function measureCost(cloud: LocalCloud, perScenario = 20) {
  const meter = await attachMeter();
  let webhookHits = 0;
  const hook = await receiver(() => webhookHits++);
  const tenantId = "bench-cost";
  const key = await cloud.createKey(tenantId);
  const pushed: string[] = [];

  const bodyFor = (s: Scenario, i: number) => {
    const seconds = { immediate: 0, delayed: DELAYED_SECONDS, scheduled: SCHEDULED_SECONDS }[
      s.route
    ];
    const body = sendBody(cloud, hook.url, s.channel, i, {
      sendAt: seconds ? new Date(Date.now() + seconds * 1000) : undefined,
      recipientId: s.profile ? `bench-profile-${i}` : undefined,
      htmlBytes: s.html ? 3072 : undefined,
    });
    const subscription = (body.recipient as { push_subscription?: { endpoint: string } })
      .push_subscription;
    if (subscription) pushed.push(subscription.endpoint);
    return body;
  };

  // Warm-up, not counted: every handler loaded, every client built, Redis scripts cached.
  const warm = SCENARIOS.filter((s) => !s.profile && !s.html);
  const warmIds = await Promise.all(
    warm.map(async (s, i) => (await send(cloud.apiUrl, key, bodyFor(s, 1000 + i))).id),
  );
  await waitFinal(cloud, tenantId, warmIds);
  await cloud.runner.drain(30_000);
  await cloud.streams.drain(30_000);
  for (let i = 0; i < perScenario; i++) {
    await call(cloud.apiUrl, key, "PUT", `/v1/recipients/bench-profile-${i}`, {
      email: `profile${i}@example.com`,
    });
  }

  const measured: Measured[] = [];
  for (const scenario of SCENARIOS) {
    const before = {
      invocations: cloud.runner.invocations,
      counted: cloud.streams.invocations,
      fired: cloud.scheduler.fired.length,
      hits: webhookHits,
      appSync: cloud.socket.counts(),
    };
    pushed.length = 0;
    meter.start();
    const accepted = await pool(
      Array.from({ length: perScenario }, (_, i) => i),
      4,
      (i) => send(cloud.apiUrl, key, bodyFor(scenario, i)),
    );
    const expected = scenario.route === "scheduled" ? "scheduled" : "queued";
    const wrong = accepted.find((a) => a.status !== expected);
    if (wrong) throw new Error(`${labelOf(scenario)}: accepted as ${wrong.status}`);
    await waitFinal(
      cloud,
      tenantId,
      accepted.map((a) => a.id),
    );
    await cloud.runner.drain(30_000);
    await cloud.streams.drain(30_000);
    const reading: Reading = meter.stop();
    const fired = cloud.scheduler.fired.slice(before.fired);
    const n = perScenario;
    measured.push({
      scenario: labelOf(scenario),
      channel: scenario.channel,
      route: scenario.route,
      notifications: n,
      requests: per(reading.requests, n),
      redisCommands: per(reading.redisCommands, n),
      redisHttpRequests: reading.redisRequests / n,
      redisBodyBytes: reading.redisBodyBytes / n,
      logs: { lines: reading.logLines / n, bytes: reading.logBytes / n },
      appSync: {
        publishes: (cloud.socket.counts().publishes - before.appSync.publishes) / n,
        events: (cloud.socket.counts().events - before.appSync.events) / n,
      },
      dynamo: {
        readUnits: reading.dynamo.readUnits / n,
        tableWriteUnits: reading.dynamo.tableWriteUnits / n,
        indexWriteUnits: reading.dynamo.indexWriteUnits / n,
        indexWrites: per(reading.dynamo.indexWrites, n),
        largestItemBytes: reading.dynamo.largestItemBytes,
        storedBytes: reading.dynamo.storedBytes / n,
        counterWrites: {
          accepted: reading.dynamo.counterWrites.accepted / n,
          other: reading.dynamo.counterWrites.other / n,
        },
        conditionFailures: reading.dynamo.conditionFailures,
      },
      onBehalf: {
        apiGatewayRequests: accepted.length / n,
        authorizerInvocations: accepted.length / n,
        apiInvocations: accepted.length / n,
        workerInvocationsLocal: (cloud.runner.invocations - before.invocations) / n,
        counterInvocationsLocal: (cloud.streams.invocations - before.counted) / n,
        schedulerInvocations: fired.length / n,
        schedulerSendMessage: sum(fired.map((f) => f.attempts)) / n,
      },
      providerCalls: {
        webhookHits: (webhookHits - before.hits) / n,
        pushReceived: sum(pushed.map((endpoint) => cloud.push.received(endpoint).length)) / n,
      },
    });
  }

  const durations = await measureDurations(cloud, hook.url);
  await hook.close();
  const priced: Priced[] = measured.map((m) => ({
    ...m,
    usdPerMillion: {
      batch1: usdPerMillion(m, durations, 1),
      batch10: usdPerMillion(m, durations, 10),
    },
  }));
  report(priced, durations);
  save("cost", {
    prices: PRICES,
    providerFees: PROVIDER_FEES,
    lambda: LAMBDA,
    notificationsPerScenario: perScenario,
    assumptions: ASSUMPTIONS,
    durationsMs: durations,
    scenarios: priced,
  });
  return priced;
}

/** A key that sends a million notifications a day makes about 12 requests a second. */
const KEY_REQUESTS_PER_SECOND = 10;
/** Share of invocations that start a new execution environment (AWS: typically under 1 %). */
const COLD_START_SHARE = 0.01;
/** CloudWatch Logs bills 26 bytes of metadata per log event besides its message. */
const LOG_EVENT_OVERHEAD = 26;
/** HTTP request and response headers of one Upstash REST call (TLS framing apart). */
const UPSTASH_HTTP_OVERHEAD_BYTES = 600;
/** Retention the storage cost assumes (Herald's default, `GET /v1/settings`). */
const RETENTION_DAYS = 30;

/**
 * What the bench models rather than counts, read from the configuration it prices: whether
 * Lambda writes its START/END/REPORT lines (stacks/lambda.ts), API Gateway's access log line,
 * the authorizer cache, and init times (the bundles part's last results).
 */
const CONFIG = (() => {
  const lambdaStack = readFileSync(new URL("../stacks/lambda.ts", import.meta.url), "utf8");
  const quiet = /systemLogLevel:\s*"WARN"/.test(lambdaStack);
  const m = manifest as { accessLogFormat?: string; authorizerCacheSeconds?: number };
  // SST's default access log format (ApiGatewayV2), as rendered for a POST.
  const sstDefault =
    '{"requestTime":"30/Nov/2026:06:00:00 +0000","requestId":"A1b2C3d4E5f6G7h=","httpMethod":"POST","path":"/v1/notifications","routeKey":"POST /v1/notifications","status":202,"responseLatency":14,"integrationRequestId":"0f2c3a9e-1b7d-4c52-9e1f-5a6b7c8d9e0f","integrationStatus":"202","integrationLatency":"12","integrationServiceStatus":"202","ip":"203.0.113.7","userAgent":"herald-client/1.0 node/24"}';
  const accessLogLine = m.accessLogFormat
    ? m.accessLogFormat
        .replace("$context.requestId", "A1b2C3d4E5f6G7h=")
        .replace("$context.requestTime", "30/Nov/2026:06:00:00 +0000")
        .replace("$context.routeKey", "POST /v1/notifications")
        .replace('"$context.status"', "202")
        .replace('"$context.responseLatency"', "14")
        .replace("$context.identity.sourceIp", "203.0.113.7")
        .replace("$context.authorizer.tenantId", "acme-production")
        .replace("$context.error.message", "-")
    : sstDefault;
  let initMs: Record<string, number> = {};
  try {
    const bundles = JSON.parse(
      readFileSync(new URL("./results/bundles.json", import.meta.url), "utf8"),
    ) as { rows: Record<string, unknown>[] };
    initMs = Object.fromEntries(
      bundles.rows.map((r) => [String(r.function), Number(r["init ms"])]),
    );
  } catch {
    // No bundles results yet: the default below.
  }
  return {
    /** START + END + REPORT in Lambda's text format, per invocation (0 at system level WARN). */
    platformLogBytes: quiet ? 0 : 270,
    accessLogBytes: Buffer.byteLength(accessLogLine),
    /** Authorizer runs per API request: with a cache, once per key and TTL. */
    authorizerPerRequest: m.authorizerCacheSeconds
      ? 1 / (m.authorizerCacheSeconds * KEY_REQUESTS_PER_SECOND)
      : 1,
    initMs: (fn: string) => initMs[fn] ?? 250,
    countersPerBatch: /export async function batched/.test(
      readFileSync(new URL("../packages/core/src/counters/index.ts", import.meta.url), "utf8"),
    ),
  };
})();

/**
 * What one notification uses, with SQS batches of `batch` messages; with the worst case (1)
 * the counter function also gets one stream record per invocation, with full batches (10) the
 * manifest's `counter.batchSize`.
 */
function usageOf(m: Measured, d: Durations, batch: 1 | 10): Usage {
  const sendMs = m.route === "scheduled" ? d.send[m.channel].schedule : d.send[m.channel].queue;
  const workerMs = batch === 1 ? d.worker[m.channel].batch1 : d.worker[m.channel].batch10;
  const authorizer = m.onBehalf.authorizerInvocations * CONFIG.authorizerPerRequest;
  // `accepted` counted from the table's stream (code from before counted it on the request
  // path, and has no counter invocations: priced as counted).
  const streamed = m.onBehalf.counterInvocationsLocal > 0;
  const records = batch === 1 ? 1 : manifest.counter.batchSize;
  const counter = streamed ? 1 / records : 0;
  const counterMs =
    (batch === 1 ? Math.ceil(d.counter.batch1) : Math.ceil(d.counter.full)) * counter;
  const invocations = authorizer + m.onBehalf.apiInvocations + 1 / batch + counter;
  const worker = `workers/${m.channel.replace("_", "-")}`;
  // Lambda bills each invocation's duration rounded up to the millisecond, and since August
  // 2025 the init phase of a cold start too.
  const initMs =
    COLD_START_SHARE *
    (authorizer * CONFIG.initMs("api/authorizer") +
      m.onBehalf.apiInvocations * CONFIG.initMs("api/notifications/send") +
      (1 / batch) * CONFIG.initMs(worker) +
      counter * CONFIG.initMs("counter"));
  const billedMs =
    authorizer * Math.ceil(d.authorizer) +
    Math.ceil(sendMs) +
    Math.ceil(workerMs) / batch +
    counterMs +
    initMs;
  // The counter function's writes: what one local invocation wrote (one per tenant, channel,
  // hour and status it saw), once per stream batch of `records`.
  const acceptedCounters = streamed
    ? (m.dynamo.counterWrites.accepted / m.onBehalf.counterInvocationsLocal) * counter
    : m.dynamo.counterWrites.accepted;
  // A Scheduler send's early fire is sent back to the queue by its worker batch, ten to a
  // SendMessageBatch (delivery/hold.ts): one call per batch of `batch` fires, whatever batches
  // the local runner happened to form. (Single sends make no other SendMessageBatch.)
  const holds = m.requests["SQS SendMessageBatch"] ?? 0;
  const heraldSqs =
    sum(
      Object.entries(m.requests)
        .filter(([k]) => k.startsWith("SQS "))
        .map(([, v]) => v),
    ) -
    holds +
    (holds > 0 ? m.onBehalf.schedulerInvocations / batch : 0);
  const logEvents = m.logs.lines + m.onBehalf.apiGatewayRequests + invocations * 3;
  return {
    dynamoReadUnits: m.dynamo.readUnits,
    // A worker that writes each counter once per batch (Counters.batched): what the local
    // runner's batches wrote, rescaled to batches of `batch` records. (Code from before that
    // wrote one per notification is priced as counted.)
    dynamoWriteUnits:
      m.dynamo.tableWriteUnits +
      m.dynamo.indexWriteUnits -
      m.dynamo.counterWrites.accepted +
      acceptedCounters +
      (CONFIG.countersPerBatch
        ? m.dynamo.counterWrites.other / Math.max(m.onBehalf.workerInvocationsLocal, 1e-9) / batch -
          m.dynamo.counterWrites.other
        : 0),
    sqsRequests: heraldSqs + m.onBehalf.schedulerSendMessage + 2 / batch,
    schedulerInvocations: m.onBehalf.schedulerInvocations,
    apiRequests: m.onBehalf.apiGatewayRequests,
    lambdaInvocations: invocations,
    lambdaBilledMs: billedMs,
    redisCommands: sum(Object.values(m.redisCommands)),
    logBytes:
      m.logs.bytes +
      m.onBehalf.apiGatewayRequests * CONFIG.accessLogBytes +
      invocations * CONFIG.platformLogBytes +
      (CONFIG.platformLogBytes ? logEvents : m.logs.lines + m.onBehalf.apiGatewayRequests) *
        LOG_EVENT_OVERHEAD,
    transferBytes: m.redisBodyBytes + m.redisHttpRequests * UPSTASH_HTTP_OVERHEAD_BYTES,
    storedBytes: m.dynamo.storedBytes,
    appSyncEvents: m.appSync.events,
  };
}

/** USD per million notifications, by service, with SQS batches of `batch` messages. */
function usdPerMillion(m: Measured, d: Durations, batch: 1 | 10) {
  const usage = usageOf(m, d, batch);
  const priced: ReturnType<typeof usd> = usd(usage, RETENTION_DAYS);
  const million = Object.fromEntries(
    Object.entries(priced).map(([k, v]) => [k, v * 1e6]),
  ) as unknown as ReturnType<typeof usd>;
  return { ...million, lambdaBilledMs: usage.lambdaBilledMs, usage };
}

const ASSUMPTIONS = [
  "Herald's requests are counted, not modelled: SDK middleware on the core clients (one count per HTTP attempt) and the Upstash client's use() hook (one count per command, pipelines unpacked; request and response bodies measured).",
  "DynamoDB units: table units as the emulator reports them (ReturnConsumedCapacity); GSI write units computed from the item before/after each write by each index's projection (table.ts; dynalite reports none).",
  `Authorizer: ${CONFIG.authorizerPerRequest === 1 ? "one invocation per API request (no result cache)" : `API Gateway caches its answer ${(manifest as { authorizerCacheSeconds?: number }).authorizerCacheSeconds} s per key; at ${KEY_REQUESTS_PER_SECOND} requests a second per key that is ${CONFIG.authorizerPerRequest.toFixed(4)} invocations per request (the local cloud caches too, so its key lookups are counted as they happen)`}.`,
  `Counter function (the table's stream, event filtering: only INSERTs of notifications reach it, and only those are billed): one invocation and one counter write per tenant, channel and hour per stream batch, modelled at the manifest's batch of ${manifest.counter.batchSize} records for full batches (a ${manifest.counter.batchingWindowSeconds} s window fills it from about ${Math.ceil(manifest.counter.batchSize / manifest.counter.batchingWindowSeconds)} sends a second per stream shard) and at one record per invocation in the worst case (one invocation and one counter write per notification); its duration is measured on batches of 1 and ${manifest.counter.batchSize} INSERT records. Lambda's reads of the stream are free.`,
  "Lambda SQS poller: ReceiveMessage + DeleteMessageBatch per batch, so 2 requests per message at batch size 1 (worst case) and 0.2 at full batches of 10 (the manifest's batching window is what fills them at moderate traffic); the worker then runs once per message or once per 10. Empty long polls of idle queues are a fixed monthly cost, not per notification, and left out.",
  `Lambda compute: ${LAMBDA.architecture}, ${LAMBDA.memoryMb} MB (SST default; stacks set no memory), billed ms = each invocation's median duration measured in this run, rounded up; the full-batch worker duration is the 10-record invocation divided by 10. Init billing: ${COLD_START_SHARE * 100} % of invocations start cold and bill their init (the bundles part's init ms, or 250 ms without it).`,
  "Delayed sends cost what immediate ones do (DelaySeconds is a parameter of the same SendMessage); scheduled sends add one Scheduler invocation and its SendMessage, and the worker's SendMessageBatch that holds the early fire until due (one per batch of fires); creating and deleting schedules is free.",
  "SES SendEmail and End User Messaging SendTextMessage are priced as provider fees (per message), listed apart and not in the totals; web push and webhooks are outbound HTTPS, free apart from data transfer.",
  `CloudWatch Logs: the handlers' JSON lines (Herald's and EMF metric lines) as written in this run at INFO, plus API Gateway's access line (${CONFIG.accessLogBytes} B${(manifest as { accessLogFormat?: string }).accessLogFormat ? ", the manifest's format" : ", SST's default format"}), plus ${CONFIG.platformLogBytes ? `Lambda's START/END/REPORT lines (${CONFIG.platformLogBytes} B per invocation, text format)` : "no START/END/REPORT lines (JSON log format, system log level WARN)"}, plus ${LOG_EVENT_OVERHEAD} B per event.`,
  `Data transfer: Upstash request and response bodies as measured, plus ${UPSTASH_HTTP_OVERHEAD_BYTES} B of HTTP headers per request, at the internet egress rate. Storage: the items and index entries a notification creates (100 B overhead each), kept ${RETENTION_DAYS} days (the default retention; TTL deletes are free).`,
  "Nobody listens on the real-time feeds during these sends: a change is published (Redis PUBLISH, AppSync event) only where someone listens, and what remains is the publishers' presence read (ZRANGE, once per 2 s per tenant and container). The paths table below adds a batch whose every recipient listens: +1 PUBLISH and +1 AppSync event per status change published.",
  "Free tiers and the monthly fixed costs (idle polls, alarms, log storage after ingestion) are left out.",
];

type Usd = ReturnType<typeof usdPerMillion>;
type Priced = Measured & { usdPerMillion: { batch1: Usd; batch10: Usd } };

function report(rows: Priced[], d: Durations) {
  // Herald's own requests, by operation.
  const ops = [
    ...new Set(rows.flatMap((r) => [...Object.keys(r.requests), ...redisKeys(r)])),
  ].sort();
  table(
    `Requests Herald sends per notification (N=${rows[0]?.notifications} per scenario; SDK middleware + Upstash use() hook)`,
    rows.map((r) => ({
      scenario: r.scenario,
      ...Object.fromEntries(
        ops.map((op) => [
          op.replace(/^DynamoDB /, "DDB ").replace(/^Scheduler /, "Sched "),
          op.startsWith("Redis ") ? (r.redisCommands[op.slice(6)] ?? 0) : (r.requests[op] ?? 0),
        ]),
      ),
      "Web Push POST": r.providerCalls.pushReceived,
      "webhook POST": r.providerCalls.webhookHits,
    })),
  );

  table(
    "DynamoDB request units per notification (on-demand; GSI writes computed by each index's projection)",
    rows.map((r) => ({
      scenario: r.scenario,
      "read units": r.dynamo.readUnits,
      "write units (table)": r.dynamo.tableWriteUnits,
      gsi1: r.dynamo.indexWrites.gsi1 ?? 0,
      gsi2: r.dynamo.indexWrites.gsi2 ?? 0,
      gsi3: r.dynamo.indexWrites.gsi3 ?? 0,
      "write units (total)": r.dynamo.tableWriteUnits + r.dynamo.indexWriteUnits,
      "item bytes (max)": r.dynamo.largestItemBytes,
    })),
  );

  table(
    "Requests made on Herald's behalf per notification (billed to the account)",
    rows.map((r) => ({
      scenario: r.scenario,
      "API GW": r.onBehalf.apiGatewayRequests,
      "λ authorizer": r.onBehalf.authorizerInvocations,
      "λ api": r.onBehalf.apiInvocations,
      "λ worker @1": 1,
      "λ worker @10": 0.1,
      "λ worker (local runner)": r.onBehalf.workerInvocationsLocal,
      "λ counter @1": 1,
      [`λ counter @${manifest.counter.batchSize}`]: 1 / manifest.counter.batchSize,
      "λ counter (local stream)": r.onBehalf.counterInvocationsLocal,
      "Scheduler invoke": r.onBehalf.schedulerInvocations,
      "Scheduler→SQS Send": r.onBehalf.schedulerSendMessage,
      "AppSync publish": r.appSync.publishes,
      "poller SQS @1": 2,
      "poller SQS @10": 0.2,
    })),
  );

  table(
    `Lambda durations (ms, median per invocation, measured in-process this run; authorizer ${d.authorizer.toFixed(2)} ms over ${d.runs.authorizer} runs)`,
    CHANNELS.map((channel) => ({
      channel,
      [`POST → SQS (${d.runs.send} runs)`]: d.send[channel].queue,
      [`POST → Scheduler (${d.runs.worker1 + 10 * d.runs.worker10} runs)`]:
        d.send[channel].schedule,
      [`worker, 1 record (${d.runs.worker1} runs)`]: d.worker[channel].batch1,
      [`worker, 10 records (${d.runs.worker10} runs)`]: d.worker[channel].batch10,
    })),
  );
  process.stdout.write(
    `Counter function (the table's stream): ${d.counter.batch1.toFixed(2)} ms for 1 record (${d.runs.counter1} runs), ${d.counter.full.toFixed(2)} ms for ${manifest.counter.batchSize} (${d.runs.counterFull} runs).\n`,
  );

  for (const batch of [1, 10] as const) {
    table(
      `USD per million notifications, us-east-1, ${batch === 1 ? "worst case: SQS batches of 1 message" : "full SQS batches of 10"} (provider fees apart)`,
      rows.map((r) => {
        const u = r.usdPerMillion[batch === 1 ? "batch1" : "batch10"];
        return {
          scenario: r.scenario,
          DynamoDB: u.dynamodb,
          SQS: u.sqs,
          Scheduler: u.scheduler,
          Lambda: u.lambda,
          "API GW": u.apiGateway,
          Redis: u.redis,
          counted: u.total - u.logs - u.transfer - u.storage,
          Logs: u.logs,
          Transfer: u.transfer,
          Storage: u.storage,
          AppSync: u.appSync,
          total: u.total,
          "λ billed ms / notification": u.lambdaBilledMs,
        };
      }),
    );
  }

  table(
    "What the totals add to the requests (per notification, full batches): log bytes, Upstash transfer, bytes stored",
    rows.map((r) => {
      const u = r.usdPerMillion.batch10.usage;
      return {
        scenario: r.scenario,
        "log lines (handlers)": r.logs.lines,
        "log bytes (handlers)": r.logs.bytes,
        "log bytes (all)": u.logBytes,
        "Upstash bytes": u.transferBytes,
        "stored bytes": u.storedBytes,
        "λ invocations": u.lambdaInvocations,
      };
    }),
  );

  // GET /v1/metrics prices with TYPICAL (packages/core/src/cost): how far this run is from it.
  table(
    "GET /v1/metrics model (TYPICAL, packages/core/src/cost) against this run, immediate, full batches (USD per million)",
    rows
      .filter((r) => r.route === "immediate" && !r.scenario.includes("+"))
      .map((r) => {
        const measured = r.usdPerMillion.batch10.total;
        const model = usd(TYPICAL[r.channel], RETENTION_DAYS).total * 1e6;
        return {
          channel: r.channel,
          measured,
          model,
          "drift %": ((model - measured) / measured) * 100,
        };
      }),
  );

  table(
    "Provider fees per million notifications (not in the totals above)",
    CHANNELS.map((channel) => ({
      channel,
      "USD / message": PROVIDER_FEES[channel].usd.toFixed(5),
      "USD / million": PROVIDER_FEES[channel].usd * 1e6,
      what: PROVIDER_FEES[channel].what,
    })),
  );
  process.stdout.write(
    `\nPrices: ${PRICES.region}, as of ${PRICES.asOf} (bench/prices.ts).\n${ASSUMPTIONS.map((a) => `- ${a}`).join("\n")}\n`,
  );
}

const redisKeys = (r: Measured) => Object.keys(r.redisCommands).map((c) => `Redis ${c}`);
