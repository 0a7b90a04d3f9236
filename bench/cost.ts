import type { LocalCloud } from "@herald/local/cloud";
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
 * the Scheduler's invocation and the SendMessage it makes into the channel queue, and the
 * Lambda SQS poller's ReceiveMessage + DeleteMessageBatch.
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
  /** AppSync Events publishes (one signed request per status change; events metered apart). */
  appSync: { publishes: number; events: number };
  dynamo: {
    readUnits: number;
    tableWriteUnits: number;
    indexWriteUnits: number;
    indexWrites: Record<string, number>;
    largestItemBytes: number;
    conditionFailures: number;
  };
  onBehalf: {
    apiGatewayRequests: number;
    authorizerInvocations: number;
    apiInvocations: number;
    /** Worker invocations the local event-source runner made (its batches are not AWS's). */
    workerInvocationsLocal: number;
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
  for (let i = 0; i < perScenario; i++) {
    await call(cloud.apiUrl, key, "PUT", `/v1/recipients/bench-profile-${i}`, {
      email: `profile${i}@example.com`,
    });
  }

  const measured: Measured[] = [];
  for (const scenario of SCENARIOS) {
    const before = {
      invocations: cloud.runner.invocations,
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
        conditionFailures: reading.dynamo.conditionFailures,
      },
      onBehalf: {
        apiGatewayRequests: accepted.length / n,
        authorizerInvocations: accepted.length / n,
        apiInvocations: accepted.length / n,
        workerInvocationsLocal: (cloud.runner.invocations - before.invocations) / n,
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
    usdPerMillion: { batch1: usd(m, durations, 1), batch10: usd(m, durations, 10) },
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

/** USD per million notifications, by service, with SQS batches of `batch` messages. */
function usd(m: Measured, d: Durations, batch: 1 | 10) {
  const gb = LAMBDA.memoryMb / 1024;
  const sendMs = m.route === "scheduled" ? d.send[m.channel].schedule : d.send[m.channel].queue;
  const workerMs = batch === 1 ? d.worker[m.channel].batch1 : d.worker[m.channel].batch10;
  // Lambda bills each invocation's duration rounded up to the millisecond.
  const gbSeconds =
    ((Math.ceil(d.authorizer) + Math.ceil(sendMs)) / 1000) * gb +
    (Math.ceil(workerMs) / 1000 / batch) * gb;
  const lambdaInvocations =
    m.onBehalf.authorizerInvocations + m.onBehalf.apiInvocations + 1 / batch;
  const heraldSqs = sum(
    Object.entries(m.requests)
      .filter(([k]) => k.startsWith("SQS "))
      .map(([, v]) => v),
  );
  const pollerSqs = 2 / batch;
  const parts = {
    dynamodb:
      m.dynamo.readUnits * PRICES.dynamoReadUnit +
      (m.dynamo.tableWriteUnits + m.dynamo.indexWriteUnits) * PRICES.dynamoWriteUnit,
    sqs: (heraldSqs + m.onBehalf.schedulerSendMessage + pollerSqs) * PRICES.sqsRequest,
    scheduler: m.onBehalf.schedulerInvocations * PRICES.schedulerInvocation,
    lambda: lambdaInvocations * PRICES.lambdaRequest + gbSeconds * PRICES.lambdaGbSecond,
    apiGateway: m.onBehalf.apiGatewayRequests * PRICES.httpApiRequest,
    redis: sum(Object.values(m.redisCommands)) * PRICES.redisCommand,
    // Each published event is one inbound operation; deliveries depend on who is connected
    // (the socket bench prices those).
    appSync: m.appSync.events * PRICES.appSyncOperation,
  };
  const million = Object.fromEntries(
    Object.entries(parts).map(([k, v]) => [k, v * 1e6]),
  ) as typeof parts;
  return {
    ...million,
    total: sum(Object.values(million)),
    lambdaBilledMs: (gbSeconds / gb) * 1000,
  };
}

const ASSUMPTIONS = [
  "Herald's requests are counted, not modelled: SDK middleware on the core clients (one count per HTTP attempt) and the Upstash client's use() hook (one count per command, pipelines unpacked).",
  "DynamoDB units: table units as the emulator reports them (ReturnConsumedCapacity); GSI write units computed from the item before/after each write for Herald's ALL-projection indexes (dynalite reports none).",
  "Authorizer: one invocation per API request. That is the worst case in general, and exactly Herald's configuration: stacks/api.ts sets the authorizer cache TTL to 0 s.",
  "Lambda SQS poller: ReceiveMessage + DeleteMessageBatch per batch, so 2 requests per message at batch size 1 (worst case) and 0.2 at full batches of 10; the worker then runs once per message or once per 10. Empty long polls of idle queues are a fixed monthly cost, not per notification, and left out.",
  `Lambda compute: ${LAMBDA.architecture}, ${LAMBDA.memoryMb} MB (SST default; stacks set no memory), billed ms = each invocation's median duration measured in this run, rounded up; the full-batch worker duration is the 10-record invocation divided by 10.`,
  "Delayed sends cost what immediate ones do (DelaySeconds is a parameter of the same SendMessage); scheduled sends add one Scheduler invocation and its SendMessage; creating and deleting schedules is free.",
  "SES SendEmail and End User Messaging SendTextMessage are priced as provider fees (per message), listed apart and not in the totals; web push and webhooks are outbound HTTPS, free apart from data transfer.",
  "Free tiers, storage, data transfer, CloudWatch Logs and the EMF metric lines are left out.",
];

type Usd = ReturnType<typeof usd>;
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
    "DynamoDB request units per notification (on-demand; GSI writes computed for ALL projections)",
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
          AppSync: u.appSync,
          total: u.total,
          "λ billed ms / notification": u.lambdaBilledMs,
        };
      }),
    );
  }

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
