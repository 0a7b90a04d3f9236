import { httpRoutes } from "./routes";

/**
 * Which handler serves what: read by the SST stacks and by the local cloud, so the two clouds
 * cannot drift apart. Handler strings are SST's `path/to/file.exportName`, from the repo root.
 */

/** Linked resources a handler may use (`stacks/` turns each into an SST link with its grants). */
export type LinkName =
  | "Table"
  | "Queues"
  | "Scheduler"
  | "Upstash"
  | "Realtime"
  | "Webhooks"
  | "Events";

/** A route as both clouds serve it (derived from `functions/routes.ts`). */
export interface RouteSpec {
  route: string;
  handler: string;
  /** Whether the API key authorizer guards it (default true). */
  auth?: boolean;
  /** What the handler is linked to (see `RouteDeclaration.links`). */
  links?: LinkName[];
}

/**
 * The HTTP API's routes, from their one declaration in `functions/routes.ts` (add a route
 * there), plus API Gateway's catch-all: anything else gets a 404 in Herald's error format rather
 * than API Gateway's own (not an operation of the API, so not in /openapi.json).
 */
export const routes: RouteSpec[] = [
  ...Object.entries(httpRoutes).map(([route, { handler, auth, links }]) => ({
    route,
    handler,
    auth: auth === "apiKey",
    links,
  })),
  { route: "$default", handler: "functions/api/not-found.handler", auth: false },
];

/**
 * The real-time feed: a Lambda Function URL with response streaming (API Gateway buffers),
 * authenticated by a recipient token rather than an API key.
 */
export const stream = "functions/stream.handler";

/**
 * The WebSocket feed is an AppSync Events API (stacks/realtime.ts, the local emulator in
 * packages/local/src/appsync-events.ts); Herald runs only its Lambda authorizer, which checks
 * recipient tokens on connect and subscribe.
 */
export const socket = {
  authorizer: "functions/socket.handler",
  links: ["Realtime", "Upstash"] as LinkName[],
};

/** The feed URL's CORS (AWS and the local cloud): browsers send the token as a header. */
export const streamCors = {
  allowOrigins: ["*"],
  allowMethods: ["GET" as const],
  allowHeaders: ["authorization", "last-event-id"],
};

export const authorizer = "functions/api/authorizer.handler";

/**
 * How long API Gateway keeps the authorizer's answer for one `Authorization` header (its result
 * cache; the local API Gateway honours it too). A request within that time runs no authorizer
 * and no key lookup; the price is that a revoked key keeps working for at most this long.
 */
export const authorizerCacheSeconds = 60;

/**
 * API Gateway's access log line (`stacks/api.ts`): one per request, authorizer refusals
 * included, with the tenant the authorizer named. Kept to what operators search by: log lines
 * are billed by the byte (SST's default format is twice as long).
 */
export const accessLogFormat = JSON.stringify({
  requestId: "$context.requestId",
  time: "$context.requestTime",
  route: "$context.routeKey",
  status: "$context.status",
  latencyMs: "$context.responseLatency",
  ip: "$context.identity.sourceIp",
  tenantId: "$context.authorizer.tenantId",
  error: "$context.error.message",
});

/** One queue, dead-letter queue and worker per channel. */
export const workers = {
  email: "functions/workers/email.handler",
  push: "functions/workers/push.handler",
  sms: "functions/workers/sms.handler",
  webhook: "functions/workers/webhook.handler",
  in_app: "functions/workers/in-app.handler",
} as const;

export const deadLetter = "functions/dead-letter.handler";

/**
 * Status callbacks: their own queue (`Queues.callback`, not a channel: no notification rides on
 * it) and worker. Its dead-letter queue has no consumer: a message lands there only when the
 * worker itself kept crashing on it, and stays 14 days for inspection.
 */
export const callbacks = {
  queue: "callback",
  worker: "functions/workers/callback.handler",
} as const;

/**
 * Topic sends: their own queue (`Queues.fanout`) and worker, which pages a topic's subscribers
 * and enqueues one notification each. Its dead-letter queue has no consumer: a fan-out that
 * kept crashing stays there 14 days (alarmed), and resumes from its checkpoint when redriven.
 */
export const fanout = {
  queue: "fanout",
  worker: "functions/workers/fanout.handler",
} as const;

/**
 * The `accepted` and `skipped` counters of `GET /v1/metrics`, counted from the table's stream
 * (`packages/core/src/counters/accepted.ts`) instead of one counter write per send on the request
 * path. The event-source mapping hands the function only INSERTs of notification items (`sk`
 * NTF, see packages/core/src/table.ts): records filtered out are not billed, and status changes
 * (MODIFYs) are most of the stream. Both clouds read these settings (stacks/storage.ts, the local
 * cloud's stream emulator).
 */
export const counter = {
  handler: "functions/counter.handler",
  /**
   * Up to 1,000 records an invocation: at volume one invocation and one counter write per
   * tenant, channel and hour counts a thousand sends (Lambda also ends a batch at 6 MB).
   */
  batchSize: 1_000,
  /**
   * How long the mapping gathers records before invoking: what fills the batches below full
   * traffic, and the bound on how late `/v1/metrics` shows a send (this, plus the stream's
   * own sub-second lag and the invocation). Five seconds is invisible on an hourly counter and
   * keeps a quiet table at most one invocation per 5 s per stream shard.
   */
  batchingWindowSeconds: 5,
  /**
   * A batch whose invocation failed (the function counts best effort and never throws, so a
   * crash or timeout) is retried this many times, then skipped: its counts are lost rather
   * than the stream's shard held up for the 24 hours records live.
   */
  maximumRetryAttempts: 2,
  timeoutSeconds: 30,
  /** Lambda event filtering (ORed patterns on the stream record). */
  filters: [{ eventName: ["INSERT"], dynamodb: { Keys: { sk: { S: ["NTF"] } } } }],
};

/** Provider feedback (SES events, SMS delivery receipts) from the Feedback SNS topic. */
export const feedback = "functions/feedback.handler";

export const queueSettings = {
  /** Worker timeout; the lease a worker takes on a notification is twice it (stacks/workers.ts). */
  workerTimeoutSeconds: 30,
  /** AWS advises at least six times the function timeout for event-source mappings. */
  visibilityTimeoutSeconds: 180,
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: 5,
  batchSize: 10,
  /**
   * How long the event-source mapping gathers records for a fuller batch (Lambda's
   * MaximumBatchingWindowInSeconds; the local runner honours it). A worker invocation, its
   * poller's receive and delete are paid per batch, so fuller batches cost less per message;
   * the price is up to this much added latency when traffic is low. Off: a 1 s window doubled
   * the p99 lateness of scheduled sends at light traffic (0.8 → 2.0 s, `npm run bench --
   * lateness`), against "on time to the second"; at the traffic where the cost matters the
   * batches fill without it. A deployment that values $1.5/M over a second may set 1.
   */
  batchingWindowSeconds: 0,
  /**
   * Concurrent batches per channel worker (the event-source mapping's maximum concurrency; the
   * local runner polls with as many pollers). A batch waits for its slowest record, so a
   * receiver that hangs holds one of these, never the whole channel.
   */
  maximumConcurrency: 10,
};
