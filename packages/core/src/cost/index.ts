import { LAMBDA, PRICES, PROVIDER_FEES } from "./prices";

/**
 * What a notification costs in infrastructure, from the unit prices (./prices.ts) and what it
 * uses. One function prices both: the bench prices the usage it counts in a run (`bench/cost.ts`),
 * and `GET /v1/metrics` prices a tenant's counted notifications with TYPICAL, the usage per
 * channel the bench last measured (it prints how far its run is from TYPICAL, so the table is
 * kept current).
 */

export const CHANNELS = ["email", "push", "sms", "webhook", "in_app"] as const;
export type CostChannel = (typeof CHANNELS)[number];

/** What one notification uses, all requests counted per notification. */
export interface Usage {
  /** DynamoDB read request units. */
  dynamoReadUnits: number;
  /** DynamoDB write request units, table and indexes. */
  dynamoWriteUnits: number;
  /** SQS requests: Herald's sends, the Scheduler's, the Lambda poller's receive and delete. */
  sqsRequests: number;
  schedulerInvocations: number;
  apiRequests: number;
  lambdaInvocations: number;
  /** Billed Lambda milliseconds, at LAMBDA.memoryMb, init phases of cold starts included. */
  lambdaBilledMs: number;
  redisCommands: number;
  /** CloudWatch Logs bytes: Herald's lines, EMF metric lines, Lambda's and API Gateway's. */
  logBytes: number;
  /** Bytes sent to and received from Upstash over the internet. */
  transferBytes: number;
  /** Bytes the notification keeps in DynamoDB (items and index entries) until it expires. */
  storedBytes: number;
  /** AppSync Events operations: each event published to a recipient's channels (deliveries to
   * connected browsers depend on who is connected; the socket bench prices those). */
  appSyncEvents: number;
}

export interface Usd {
  dynamodb: number;
  sqs: number;
  scheduler: number;
  lambda: number;
  apiGateway: number;
  redis: number;
  logs: number;
  transfer: number;
  storage: number;
  appSync: number;
  total: number;
}

const GB = 1024 ** 3;

/** USD for `usage`, stored for `retentionDays` (DynamoDB TTL deletes it then, for free). */
export function usd(usage: Usage, retentionDays: number): Usd {
  const parts = {
    dynamodb:
      usage.dynamoReadUnits * PRICES.dynamoReadUnit +
      usage.dynamoWriteUnits * PRICES.dynamoWriteUnit,
    sqs: usage.sqsRequests * PRICES.sqsRequest,
    scheduler: usage.schedulerInvocations * PRICES.schedulerInvocation,
    lambda:
      usage.lambdaInvocations * PRICES.lambdaRequest +
      (usage.lambdaBilledMs / 1000) * (LAMBDA.memoryMb / 1024) * PRICES.lambdaGbSecond,
    apiGateway: usage.apiRequests * PRICES.httpApiRequest,
    redis: usage.redisCommands * PRICES.redisCommand,
    logs: (usage.logBytes / GB) * PRICES.logsIngestedGb,
    transfer: (usage.transferBytes / GB) * PRICES.transferOutGb,
    storage: (usage.storedBytes / GB) * PRICES.dynamoStorageGbMonth * (retentionDays / 30),
    appSync: usage.appSyncEvents * PRICES.appSyncOperation,
  };
  return { ...parts, total: Object.values(parts).reduce((a, b) => a + b, 0) };
}

/**
 * Usage per notification by channel, immediate route, full SQS batches: from `npm run bench
 * cost` (2026-11-30, this commit's code; the bench prints its drift from these). Scheduled sends
 * cost about $1.4 per million more (the Scheduler's invocation and its SendMessage). With nobody
 * listening on the real-time feeds, as for most notifications: a change someone listens to adds
 * a Redis PUBLISH ($2/M) and, with a recipient on the WebSocket feed, an AppSync event ($1/M).
 * Redis: the rate limit's leases (one EVALSHA per lease; 0.05–0.25 per notification in the
 * bench's bursts) and the publishers' presence reads (once per 2 s per tenant and container;
 * 0.05 per notification in the bench). The `accepted` counter is counted from the table's
 * stream, one write and one invocation per stream batch of 1,000 (0.001 each).
 */
export const TYPICAL: Record<CostChannel, Usage> = {
  email: {
    dynamoReadUnits: 0.5,
    dynamoWriteUnits: 4.1,
    sqsRequests: 1.2,
    schedulerInvocations: 0,
    apiRequests: 1,
    lambdaInvocations: 1.1,
    lambdaBilledMs: 20,
    redisCommands: 0.1,
    logBytes: 390,
    transferBytes: 80,
    storedBytes: 990,
    appSyncEvents: 0,
  },
  push: {
    dynamoReadUnits: 0,
    dynamoWriteUnits: 4.1,
    sqsRequests: 1.2,
    schedulerInvocations: 0,
    apiRequests: 1,
    lambdaInvocations: 1.1,
    lambdaBilledMs: 15,
    redisCommands: 0.2,
    logBytes: 390,
    transferBytes: 160,
    storedBytes: 1190,
    appSyncEvents: 0,
  },
  sms: {
    dynamoReadUnits: 0,
    dynamoWriteUnits: 4.1,
    sqsRequests: 1.2,
    schedulerInvocations: 0,
    apiRequests: 1,
    lambdaInvocations: 1.1,
    lambdaBilledMs: 16,
    redisCommands: 0.25,
    logBytes: 390,
    transferBytes: 200,
    storedBytes: 950,
    appSyncEvents: 0,
  },
  webhook: {
    dynamoReadUnits: 0.03,
    dynamoWriteUnits: 4.1,
    sqsRequests: 1.2,
    schedulerInvocations: 0,
    apiRequests: 1,
    lambdaInvocations: 1.1,
    lambdaBilledMs: 22,
    redisCommands: 0.3,
    logBytes: 390,
    transferBytes: 240,
    storedBytes: 990,
    appSyncEvents: 0,
  },
  in_app: {
    // No claim (delivered by one write, `Notification.take`): its read instead of its write.
    dynamoReadUnits: 2,
    dynamoWriteUnits: 5.1,
    sqsRequests: 1.2,
    schedulerInvocations: 0,
    apiRequests: 1,
    lambdaInvocations: 1.1,
    lambdaBilledMs: 18,
    redisCommands: 0.25,
    logBytes: 390,
    transferBytes: 200,
    storedBytes: 2280,
    appSyncEvents: 0,
  },
};

/** A tenant's notifications priced: accepted ones by channel, provider fees on those sent. */
export function costOf(
  counts: Record<string, Record<string, number>>,
  retentionDays: number,
): {
  currency: "USD";
  retention_days: number;
  by_channel: Record<
    string,
    { notifications: number; infrastructure: number; provider_fees: number }
  >;
  infrastructure: number;
  provider_fees: number;
} {
  const byChannel: Record<
    string,
    { notifications: number; infrastructure: number; provider_fees: number }
  > = {};
  for (const [channel, statuses] of Object.entries(counts)) {
    if (!(CHANNELS as readonly string[]).includes(channel)) continue;
    const typical = TYPICAL[channel as CostChannel];
    const notifications = statuses.accepted ?? 0;
    // Handed to a provider that charges: `sent` (email, SMS; feedback may count it again as
    // delivered or bounced later, which is not another message).
    const handed = statuses.sent ?? 0;
    byChannel[channel] = {
      notifications,
      infrastructure: round(notifications * usd(typical, retentionDays).total),
      provider_fees: round(handed * PROVIDER_FEES[channel as CostChannel].usd),
    };
  }
  const sum = (key: "infrastructure" | "provider_fees") =>
    round(Object.values(byChannel).reduce((total, c) => total + c[key], 0));
  return {
    currency: "USD",
    retention_days: retentionDays,
    by_channel: byChannel,
    infrastructure: sum("infrastructure"),
    provider_fees: sum("provider_fees"),
  };
}

/** To a millionth of a dollar: a single notification costs a few of them. */
const round = (value: number) => Math.round(value * 1e6) / 1e6;
