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
  | "Socket";

export interface RouteSpec {
  route: string;
  handler: string;
  /** Whether the API key authorizer guards it (default true). */
  auth?: boolean;
  /**
   * What the handler is linked to, and so may reach: nothing more. Every authenticated route
   * also gets Upstash (the per-key rate limit). Routes sharing a handler share its links.
   */
  links?: LinkName[];
}

const group = (handler: string, links: LinkName[], routes: string[]) =>
  routes.map((route) => ({ route, handler, links }));

/**
 * Accepting and changing notifications: the table, the queues and schedules they go to, and the
 * WebSocket API every status change is posted to (`Realtime.publish`).
 */
const sending: LinkName[] = ["Table", "Queues", "Scheduler", "Socket"];

export const routes: RouteSpec[] = [
  { route: "GET /health", handler: "functions/api/health.handler", auth: false },
  { route: "GET /openapi.json", handler: "functions/api/docs.handler", auth: false },
  { route: "GET /docs", handler: "functions/api/docs.handler", auth: false },
  { route: "GET /v1/metrics", handler: "functions/api/metrics.handler", links: ["Table"] },
  {
    route: "POST /v1/notifications",
    handler: "functions/api/notifications/send.handler",
    links: sending,
  },
  {
    route: "GET /v1/notifications",
    handler: "functions/api/notifications/list.handler",
    // Webhooks: the key cursors are signed with derives from its signing key.
    links: ["Table", "Webhooks"],
  },
  ...group("functions/api/notifications/by-id.handler", sending, [
    "GET /v1/notifications/{id}",
    "POST /v1/notifications/{id}/cancel",
    "POST /v1/notifications/{id}/force",
    "POST /v1/notifications/{id}/retry",
  ]),
  // Workflows accept and read notifications (their steps) like the notification routes.
  ...group("functions/api/workflows.handler", sending, [
    "POST /v1/workflows",
    "GET /v1/workflows/{id}",
    "POST /v1/workflows/{id}/cancel",
  ]),
  ...group(
    "functions/api/recipients.handler",
    // Webhooks: inbox cursors are signed with a key derived from its signing key. Socket: a
    // read or seen mark is a change the WebSocket feed carries. Queues and Scheduler: a mark on
    // a workflow step skips the steps it stops (their schedules deleted, status callbacks
    // enqueued).
    ["Table", "Queues", "Scheduler", "Webhooks", "Socket"],
    [
      "PUT /v1/recipients/{id}",
      "GET /v1/recipients/{id}",
      "DELETE /v1/recipients/{id}",
      "GET /v1/recipients/{id}/inbox",
      "GET /v1/recipients/{id}/inbox/unread-count",
      "POST /v1/recipients/{id}/inbox/{notification}/read",
      "POST /v1/recipients/{id}/inbox/{notification}/seen",
      "GET /v1/recipients/{id}/preferences",
      "PUT /v1/recipients/{id}/preferences",
      "POST /v1/recipients/{id}/preferences/link",
    ],
  ),
  // A recipient's own inbox, authenticated by a recipient token (the handler checks it), for
  // browsers: Realtime holds the token key, Upstash the per-recipient rate limit and the feed,
  // Socket the WebSocket feed that carries each mark.
  ...group(
    "functions/api/inbox.handler",
    ["Table", "Queues", "Scheduler", "Webhooks", "Realtime", "Upstash", "Socket"],
    [
      "GET /v1/inbox",
      "GET /v1/inbox/unread-count",
      "POST /v1/inbox/read-all",
      "POST /v1/inbox/{notification}/read",
      "POST /v1/inbox/{notification}/seen",
    ],
  ).map((route) => ({ ...route, auth: false })),
  // Table: a rotated secret is stored; Webhooks: the derived one until the first rotation.
  ...group(
    "functions/api/webhooks.handler",
    ["Table", "Webhooks"],
    ["GET /v1/webhooks/secret", "POST /v1/webhooks/secret/rotate"],
  ),
  ...group(
    "functions/api/endpoints.handler",
    ["Table"],
    ["GET /v1/endpoints", "POST /v1/endpoints/{id}/enable"],
  ),
  ...group(
    "functions/api/suppressions.handler",
    ["Table"],
    ["GET /v1/suppressions", "GET /v1/suppressions/{address}", "DELETE /v1/suppressions/{address}"],
  ),
  ...group(
    "functions/api/templates.handler",
    ["Table"],
    [
      "PUT /v1/templates/{id}",
      "GET /v1/templates/{id}",
      "DELETE /v1/templates/{id}",
      "POST /v1/templates/{id}/preview",
    ],
  ),
  ...group(
    "functions/api/callbacks.handler",
    ["Table"],
    [
      "POST /v1/callbacks",
      "GET /v1/callbacks",
      "GET /v1/callbacks/{id}",
      "DELETE /v1/callbacks/{id}",
      "POST /v1/callbacks/{id}/rotate-secret",
      "POST /v1/callbacks/{id}/enable",
    ],
  ),
  ...group("functions/api/settings.handler", ["Table"], ["GET /v1/settings", "PUT /v1/settings"]),
  {
    route: "POST /v1/unsubscribe/{token}",
    handler: "functions/api/unsubscribe.handler",
    auth: false,
    // Webhooks: unsubscribe tokens are signed with a key derived from its signing key.
    links: ["Table", "Webhooks"],
  },
  // A recipient's own preference page: the signed token is the credential (Webhooks: its key
  // derives from the signing key).
  ...group(
    "functions/api/preferences.handler",
    ["Table", "Webhooks"],
    ["GET /v1/preferences/{token}", "POST /v1/preferences/{token}"],
  ).map((route) => ({ ...route, auth: false })),
  {
    route: "POST /v1/recipients/{id}/tokens",
    handler: "functions/api/tokens.handler",
    links: ["Realtime"],
  },
  // Anything else: a 404 in Herald's error format rather than API Gateway's own.
  { route: "$default", handler: "functions/api/not-found.handler", auth: false },
];

/**
 * The real-time feed: a Lambda Function URL with response streaming (API Gateway buffers),
 * authenticated by a recipient token rather than an API key.
 */
export const stream = "functions/stream.handler";

export interface SocketRouteSpec {
  /** `$connect`, `$disconnect`, `$default`, or a value of the message's `action`. */
  route: string;
  handler: string;
}

/**
 * The WebSocket feed: an API Gateway WebSocket API whose route is the message's `action`
 * (`$request.body.action`). Every route is linked to `links`; the token is checked at `$connect`.
 */
export const socket = {
  routeSelection: "$request.body.action",
  links: ["Table", "Realtime", "Socket"] as LinkName[],
  routes: [
    { route: "$connect", handler: "functions/socket.connect" },
    { route: "$disconnect", handler: "functions/socket.disconnect" },
    { route: "subscribe", handler: "functions/socket.message" },
    { route: "unsubscribe", handler: "functions/socket.message" },
    { route: "ping", handler: "functions/socket.message" },
    { route: "$default", handler: "functions/socket.message" },
  ] satisfies SocketRouteSpec[],
};

/** The feed URL's CORS (AWS and the local cloud): browsers send the token as a header. */
export const streamCors = {
  allowOrigins: ["*"],
  allowMethods: ["GET" as const],
  allowHeaders: ["authorization", "last-event-id"],
};

export const authorizer = "functions/api/authorizer.handler";

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
   * Concurrent batches per channel worker (the event-source mapping's maximum concurrency; the
   * local runner polls with as many pollers). A batch waits for its slowest record, so a
   * receiver that hangs holds one of these, never the whole channel.
   */
  maximumConcurrency: 10,
};
