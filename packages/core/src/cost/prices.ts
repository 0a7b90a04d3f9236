/**
 * The one price table: the bench prices what it counts with it, and `GET /v1/metrics` prices a
 * tenant's notifications with it (./index.ts). USD, list prices, region us-east-1,
 * on-demand / pay as you go, free tiers ignored (they are per account, not per notification).
 * Compiled 2026-11-23 from these pages:
 * - "Amazon DynamoDB pricing" → "Pricing for On-Demand Capacity" (Standard table class)
 * - "Amazon SQS pricing" (standard queues; every 64 KB chunk of a payload is one request)
 * - "Amazon EventBridge pricing" → "Scheduler" (invocations; creating and deleting schedules is
 *   not charged; the first 14 M invocations a month are free)
 * - "AWS Lambda pricing" (Arm price, first 7.5 billion GB-s a month tier)
 * - "Amazon API Gateway pricing" → "HTTP APIs" (first 300 M requests a month, 512 KB increments)
 * - Upstash "Redis Pricing" (upstash.com/pricing/redis) and its "Pricing & Billing" docs page:
 *   Pay as You Go, per command
 * - "Amazon CloudWatch pricing" → Logs → "Collect (Data Ingestion)", Standard log class
 * - "Amazon EC2 On-Demand Pricing" → "Data Transfer OUT From Amazon EC2 To Internet" (the rate
 *   Lambda's traffic to Upstash's public endpoint pays; first 10 TB a month tier)
 * - "Amazon DynamoDB pricing" → "Data storage" (Standard table class, after the free 25 GB)
 * - "AWS AppSync pricing" → "Event APIs" (operations and connection-minutes)
 * Provider fees (what a message costs to hand to its carrier) are in PROVIDER_FEES, apart.
 */
export const PRICES = {
  asOf: "2026-11-23",
  region: "us-east-1",
  /** DynamoDB on-demand: per write request unit (1 KB) and read request unit (4 KB strongly
   * consistent, or two eventually consistent reads). */
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  /** SQS standard queue: per request (each 64 KB chunk). */
  sqsRequest: 0.4 / 1e6,
  /** EventBridge Scheduler: per invocation (one firing of a schedule). */
  schedulerInvocation: 1.0 / 1e6,
  /** Lambda, arm64: per request and per GB-second of billed duration (1 ms granularity). */
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000133334,
  /** API Gateway HTTP API: per request. */
  httpApiRequest: 1.0 / 1e6,
  /** Upstash Redis pay as you go: $0.20 per 100 000 commands. */
  redisCommand: 0.2 / 1e5,
  /** CloudWatch Logs ingestion, per GB (Lambda and API Gateway log lines, EMF metric lines). */
  logsIngestedGb: 0.5,
  /** Data transfer out to the internet, per GB (Lambda to Upstash's REST endpoint). */
  transferOutGb: 0.09,
  /** DynamoDB storage, per GB-month (items and index entries, 100 bytes overhead each). */
  dynamoStorageGbMonth: 0.25,
  /**
   * AppSync Events: per Event API operation (a publish's each event, each delivery, connects,
   * subscribes; 5 KB increments). Connection-minutes ($0.08/M) are priced in bench/realtime.ts.
   */
  appSyncOperation: 1.0 / 1e6,
} as const;

/**
 * Per message handed to the provider: listed apart, since they dwarf the plumbing and depend on
 * destination and volume rather than on Herald.
 */
export const PROVIDER_FEES = {
  email: {
    usd: 0.1 / 1000,
    what: "Amazon SES outbound email ($0.10 per 1,000; attachments extra)",
  },
  push: { usd: 0, what: "Web Push services (browser vendors) charge nothing" },
  sms: {
    usd: 0.00581,
    what: "AWS End User Messaging SMS, US base price per part; carrier fees extra and vary",
  },
  webhook: { usd: 0, what: "the receiver's cost; data transfer out ignored" },
  in_app: { usd: 0, what: "none: the inbox is the notification item (counted above)" },
} as const;

/**
 * Lambda sizing the compute cost assumes: arm64 (stacks/lambda.ts) and SST's default memory of
 * 1024 MB (no function in stacks/ sets `memory`). Durations are the ones measured in this run.
 */
export const LAMBDA = { architecture: "arm64", memoryMb: 1024 } as const;
