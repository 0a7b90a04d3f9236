/**
 * AWS list prices, us-east-1, on-demand, as published on each service's pricing page on
 * 2026-11-01 (DynamoDB, SQS, EventBridge Scheduler, Lambda, API Gateway) and Upstash's pricing
 * page (pay as you go). Free tiers are ignored. USD.
 */
export const PRICES = {
  /** DynamoDB on-demand: per write request unit (≤ 1 KB) and read request unit (≤ 4 KB). */
  dynamoWrite: 0.625 / 1e6,
  dynamoRead: 0.125 / 1e6,
  /** SQS standard queue: per request (64 KB chunks). */
  sqsRequest: 0.4 / 1e6,
  /** EventBridge Scheduler: per schedule invocation (API calls to create/delete are free). */
  schedulerInvocation: 1.0 / 1e6,
  /** Lambda arm64: per request, and per GB-second. */
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000133334,
  /** API Gateway HTTP API: per request (first 300 M/month). */
  httpApiRequest: 1.0 / 1e6,
  /** Upstash Redis pay as you go: per command. */
  redisCommand: 0.2 / 1e5,
} as const;

/** Provider fees, per message: listed apart, since they dwarf the plumbing and vary by route. */
export const PROVIDER_FEES = {
  email: { usd: 0.1 / 1000, what: "SES outbound email" },
  sms: { usd: 0.00581, what: "End User Messaging SMS, US, transactional (varies by country)" },
  push: { usd: 0, what: "Web Push services (browser vendors) charge nothing" },
  webhook: { usd: 0, what: "your receiver's cost; data transfer out ignored" },
  in_app: { usd: 0, what: "stored in DynamoDB (counted above)" },
} as const;

/** Lambda sizing assumed for compute cost: 256 MB, and the durations measured locally. */
export const LAMBDA_MEMORY_GB = 0.25;
