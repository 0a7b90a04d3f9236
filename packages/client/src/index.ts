import { errorFrom, HeraldError, isTransient, transportError } from "./errors.js";
import {
  type FeedEvent,
  type SubscribeOptions,
  type Subscription,
  subscribe,
  type TokenSource,
} from "./sse.js";
import type {
  Counts,
  InboxQuery,
  Listing,
  ListQuery,
  MetricsQuery,
  Notification,
  Profile,
  ProfileInput,
  SendInput,
  Status,
} from "./types.js";
import type { SocketToken } from "./ws.js";

export { HeraldError } from "./errors.js";
export type { components, operations, paths } from "./openapi.js";
export { type ReadAll, RecipientInbox, type RecipientInboxOptions } from "./recipient.js";
// Every export of these two modules is public: the feed (SSE) and the API's types.
export * from "./sse.js";
export type * from "./types.js";
export {
  channelSegment,
  connectSocket,
  type FeedSubscribeOptions,
  HeraldSocket,
  type SocketFeedName,
  type SocketMessage,
  type SocketOptions,
  type SocketSubscription,
  type SocketToken,
  type SocketTokenSource,
} from "./ws.js";

export interface WebhookSecret {
  /** Verify the `herald-signature` header with it. */
  secret: string;
  header: string;
  /** Set while the secret before the last rotation still signs (a second `v1=` entry). */
  previous_valid_until?: string;
}

/** A recipient token and where to use it: hand it to `connectSocket` as is. */
export interface RecipientToken extends SocketToken {
  /** Bearer token for the feed; a secret, valid until `expires_at`. */
  token: string;
  expires_at: string;
  /** The SSE feed's URL (and the WebSocket feed's replay), when the deployment advertises it. */
  feed_url?: string;
}

export interface HeraldOptions {
  /** The API's base URL, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  baseUrl: string;
  /** A tenant API key (`hrld_...`). Keep it on your servers. */
  apiKey: string;
  /** The real-time feed's URL, used by `subscribe` and `waitFor` when they are not given one. */
  feedUrl?: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface WaitForOptions extends RequestOptions {
  /** Give up after this long (default 30 s) with a `timeout` HeraldError. */
  timeoutMs?: number;
  /**
   * Use the real-time feed: a token for the notification's recipient, and the feed URL unless
   * the client has one. Without it, or when the feed is unavailable, `waitFor` polls.
   */
  feed?: { token: TokenSource; url?: string };
  /** First polling interval (default 250 ms); doubles, with jitter, up to `maxPollMs`. */
  pollMs?: number;
  /** Longest polling interval (default 5 s). */
  maxPollMs?: number;
}

const FINAL: ReadonlySet<Status> = new Set<Status>([
  "delivered",
  "sent",
  "failed",
  "cancelled",
  "skipped",
]);

/**
 * A typed client for Herald's HTTP API and real-time feed, for Node.js 18+, Deno, Bun and
 * browsers (anything with `fetch`). Errors are `HeraldError`s.
 *
 * @example
 * ```ts
 * import { Herald } from "@herald/client";
 *
 * const herald = new Herald({ baseUrl: process.env.HERALD_URL!, apiKey: process.env.HERALD_KEY! });
 * const sent = await herald.send({
 *   channel: "email",
 *   recipient: { email: "ada@example.com", timezone: "Europe/London" },
 *   content: { subject: "Hello", text: "Hi Ada" },
 * });
 * ```
 */
export class Herald {
  private readonly baseUrl: string;
  private readonly feedUrl: string | undefined;

  constructor(private readonly options: HeraldOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.feedUrl = options.feedUrl;
  }

  /**
   * Send a notification now or later (`send_at`), on one channel. With an `idempotencyKey`, a
   * retried request returns the first result and creates nothing new.
   *
   * @example
   * ```ts
   * const n = await herald.send(
   *   { channel: "in_app", recipient: { id: "user-42" }, content: { title: "Welcome" } },
   *   { idempotencyKey: "welcome-user-42" },
   * );
   * console.log(n.id, n.status, n.scheduled_at);
   * ```
   */
  send(input: SendInput, options: RequestOptions & { idempotencyKey?: string } = {}) {
    const headers = options.idempotencyKey
      ? { "idempotency-key": options.idempotencyKey }
      : undefined;
    return this.request<Notification>("POST", "/v1/notifications", {
      body: input,
      headers,
      signal: options.signal,
    });
  }

  /**
   * One notification by id.
   *
   * @example
   * ```ts
   * const { status, last_error } = await herald.get("ntf_01J...");
   * ```
   */
  get(id: string, options: RequestOptions = {}) {
    return this.request<Notification>("GET", `/v1/notifications/${segment(id)}`, options);
  }

  /**
   * A page of the tenant's notifications, newest first; pass `next_cursor` back as `cursor`.
   *
   * @example
   * ```ts
   * let page = await herald.list({ status: "failed", limit: 50 });
   * while (page.next_cursor) page = await herald.list({ status: "failed", cursor: page.next_cursor });
   * ```
   */
  list(query: ListQuery = {}, options: RequestOptions = {}) {
    return this.request<Listing>("GET", "/v1/notifications", { ...options, query });
  }

  /**
   * Cancel a notification that has not started sending (`invalid_transition` otherwise).
   *
   * @example
   * ```ts
   * await herald.cancel(id);
   * ```
   */
  cancel(id: string, options: RequestOptions = {}) {
    return this.request<Notification>("POST", `/v1/notifications/${segment(id)}/cancel`, options);
  }

  /**
   * Send a waiting notification now, ignoring its schedule and delivery window.
   *
   * @example
   * ```ts
   * await herald.force(id);
   * ```
   */
  force(id: string, options: RequestOptions = {}) {
    return this.request<Notification>("POST", `/v1/notifications/${segment(id)}/force`, options);
  }

  /**
   * Send again a notification whose retries ran out (it went through the dead-letter queue).
   *
   * @example
   * ```ts
   * const again = await herald.retry(id); // status "queued"
   * ```
   */
  retry(id: string, options: RequestOptions = {}) {
    return this.request<Notification>("POST", `/v1/notifications/${segment(id)}/retry`, options);
  }

  /**
   * Create or replace a recipient's profile: contact points, timezone, delivery window, opt-outs.
   *
   * @example
   * ```ts
   * await herald.putRecipient("user-42", {
   *   email: "ada@example.com",
   *   timezone: "Europe/London",
   *   delivery_window: { start: "09:00", end: "21:00" },
   *   opt_out: ["sms"],
   * });
   * ```
   */
  putRecipient(id: string, profile: ProfileInput, options: RequestOptions = {}) {
    return this.request<Profile>("PUT", `/v1/recipients/${segment(id)}`, {
      ...options,
      body: profile,
    });
  }

  /**
   * A recipient's profile (`recipient_not_found` if none was stored).
   *
   * @example
   * ```ts
   * const profile = await herald.getRecipient("user-42");
   * ```
   */
  getRecipient(id: string, options: RequestOptions = {}) {
    return this.request<Profile>("GET", `/v1/recipients/${segment(id)}`, options);
  }

  /**
   * Delete a recipient's profile.
   *
   * @example
   * ```ts
   * await herald.deleteRecipient("user-42");
   * ```
   */
  async deleteRecipient(id: string, options: RequestOptions = {}): Promise<void> {
    await this.request<undefined>("DELETE", `/v1/recipients/${segment(id)}`, options);
  }

  /**
   * A page of a recipient's in-app inbox, newest first; `unread: "true"` for unread only.
   *
   * @example
   * ```ts
   * const { items } = await herald.inbox("user-42", { unread: "true", limit: 20 });
   * ```
   */
  inbox(recipientId: string, query: InboxQuery = {}, options: RequestOptions = {}) {
    return this.request<Listing>("GET", `/v1/recipients/${segment(recipientId)}/inbox`, {
      ...options,
      query,
    });
  }

  /**
   * How many in-app messages a recipient has not read.
   *
   * @example
   * ```ts
   * const { unread } = await herald.unreadCount("user-42");
   * ```
   */
  unreadCount(recipientId: string, options: RequestOptions = {}) {
    const path = `/v1/recipients/${segment(recipientId)}/inbox/unread-count`;
    return this.request<{ unread: number }>("GET", path, options);
  }

  /**
   * Mark an inbox message read (which implies seen). Repeating it changes nothing.
   *
   * @example
   * ```ts
   * await herald.markRead("user-42", notificationId);
   * ```
   */
  markRead(recipientId: string, notificationId: string, options: RequestOptions = {}) {
    return this.mark(recipientId, notificationId, "read", options);
  }

  /**
   * Mark an inbox message seen (shown in a list, not opened).
   *
   * @example
   * ```ts
   * await herald.markSeen("user-42", notificationId);
   * ```
   */
  markSeen(recipientId: string, notificationId: string, options: RequestOptions = {}) {
    return this.mark(recipientId, notificationId, "seen", options);
  }

  private mark(recipientId: string, id: string, mark: "read" | "seen", options: RequestOptions) {
    const path = `/v1/recipients/${segment(recipientId)}/inbox/${segment(id)}/${mark}`;
    return this.request<Notification>("POST", path, options);
  }

  /**
   * Issue a short-lived token (default and at most 1 hour; ask for less with `ttl_seconds`) with which one recipient
   * reads their own real-time feed. Do this on your server and hand the token to their browser.
   *
   * @example
   * ```ts
   * const { token, expires_at } = await herald.issueToken("user-42", { ttlSeconds: 600 });
   * ```
   */
  issueToken(recipientId: string, options: RequestOptions & { ttlSeconds?: number } = {}) {
    const body = options.ttlSeconds === undefined ? {} : { ttl_seconds: options.ttlSeconds };
    const path = `/v1/recipients/${segment(recipientId)}/tokens`;
    return this.request<RecipientToken>("POST", path, { body, signal: options.signal });
  }

  /**
   * Hourly counts by channel and status (default: the last 24 hours).
   *
   * @example
   * ```ts
   * const { totals } = await herald.metrics({ from: "2025-01-01T00:00:00Z" });
   * ```
   */
  metrics(query: MetricsQuery = {}, options: RequestOptions = {}) {
    return this.request<Counts>("GET", "/v1/metrics", { ...options, query });
  }

  /**
   * The secret your webhook receivers verify Herald's signature header with.
   *
   * @example
   * ```ts
   * const { secret, header } = await herald.webhookSecret();
   * ```
   */
  webhookSecret(options: RequestOptions = {}) {
    return this.request<WebhookSecret>("GET", "/v1/webhooks/secret", options);
  }

  /**
   * A new webhook signing secret; the previous one keeps signing (a second `v1=` entry) for
   * `overlap_seconds` (default a day), so receivers can switch without dropping requests.
   */
  rotateWebhookSecret(input: { overlap_seconds?: number } = {}, options: RequestOptions = {}) {
    return this.request<WebhookSecret>("POST", "/v1/webhooks/secret/rotate", {
      ...options,
      body: input,
    });
  }

  /**
   * Subscribe to a recipient's feed with a recipient token (see the standalone `subscribe`),
   * on `options.feedUrl` or the client's.
   *
   * @example
   * ```ts
   * const { token } = await herald.issueToken("user-42");
   * const subscription = herald.subscribe(token, (event) => render(event.notification), {
   *   lastEventId: localStorage.getItem("herald-last-event") ?? undefined,
   * });
   * ```
   */
  subscribe(
    token: TokenSource,
    onEvent: (event: FeedEvent) => void,
    options: SubscribeOptions & { feedUrl?: string } = {},
  ): Subscription {
    const url = options.feedUrl ?? this.feedUrl;
    if (!url) throw new HeraldError(0, "feed_unavailable", "No feed URL was configured");
    return subscribe(url, token, onEvent, { fetch: this.options.fetch, ...options });
  }

  /**
   * Wait until a notification is in one of `status`. With `feed` (a token for its recipient),
   * it listens on the real-time feed and reads the notification once; when the feed is
   * unavailable (it cannot connect, rejects the token, or breaks for good) it polls `get` with
   * exponential backoff instead, until the deadline. Rejects with a `timeout`
   * HeraldError after `timeoutMs`, and with `unexpected_status` once the notification reaches
   * a final status (delivered, sent, failed, cancelled) that is not one of `status`.
   *
   * @example
   * ```ts
   * const { token } = await herald.issueToken("user-42");
   * const sent = await herald.send({ channel: "in_app", recipient: { id: "user-42" }, content });
   * const done = await herald.waitFor(sent.id, ["delivered", "sent"], {
   *   timeoutMs: 10_000,
   *   feed: { token },
   * });
   * ```
   */
  async waitFor(
    id: string,
    status: Status | readonly Status[],
    options: WaitForOptions = {},
  ): Promise<Notification> {
    const wanted = new Set<Status>(typeof status === "string" ? [status] : status);
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    const url = options.feed?.url ?? this.feedUrl;
    if (options.feed && url) {
      const found = await this.waitOnFeed(id, wanted, deadline, url, options.feed.token, options);
      if (found) return found;
    }
    return this.poll(id, wanted, deadline, options);
  }

  /** The notification once wanted, or undefined when the feed is unavailable (poll instead). */
  private waitOnFeed(
    id: string,
    wanted: ReadonlySet<Status>,
    deadline: number,
    url: string,
    token: TokenSource,
    options: WaitForOptions,
  ): Promise<Notification | undefined> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        subscription.close();
        outcome();
      };
      const check = (notification: Notification) => {
        const verdict = judge(notification, wanted);
        if (verdict === "wanted") settle(() => resolve(notification));
        else if (verdict === "final") settle(() => reject(unexpected(notification, wanted)));
      };
      const fallBack = () => settle(() => resolve(undefined));
      const timer = setTimeout(
        () => settle(() => reject(timedOut(id, wanted))),
        Math.max(0, deadline - Date.now()),
      );
      const subscription = subscribe(
        url,
        token,
        (event) => {
          if (event.notification.id === id) check(event.notification);
        },
        {
          fetch: this.options.fetch,
          signal: options.signal,
          maxAttempts: 1,
          connectTimeoutMs: Math.min(5_000, Math.max(0, deadline - Date.now())),
          // Any failure to connect, first time or later: finish by polling.
          onError: () => settle(() => resolve(undefined)),
        },
      );
      subscription.ready.then(
        () => this.get(id, { signal: options.signal }).then(check, fallBack),
        fallBack,
      );
      subscription.closed.then(fallBack);
    });
  }

  private async poll(
    id: string,
    wanted: ReadonlySet<Status>,
    deadline: number,
    options: WaitForOptions,
  ): Promise<Notification> {
    let interval = options.pollMs ?? 250;
    for (;;) {
      const notification = await this.get(id, { signal: options.signal }).catch(
        (error: unknown) => {
          if (error instanceof HeraldError && isTransient(error)) return undefined;
          throw error;
        },
      );
      if (notification) {
        const verdict = judge(notification, wanted);
        if (verdict === "wanted") return notification;
        if (verdict === "final") throw unexpected(notification, wanted);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw timedOut(id, wanted);
      await delay(
        Math.min(remaining, interval / 2 + Math.random() * (interval / 2)),
        options.signal,
      );
      interval = Math.min(interval * 2, options.maxPollMs ?? 5_000);
    }
  }

  private async request<T>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      query?: object;
      headers?: Record<string, string>;
      signal?: AbortSignal;
    } = {},
  ): Promise<T> {
    const signals = [AbortSignal.timeout(this.options.timeoutMs ?? 30_000)];
    if (options.signal) signals.push(options.signal);
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(
        `${this.baseUrl}${path}${queryString(options.query)}`,
        {
          method,
          headers: {
            accept: "application/json",
            authorization: `Bearer ${this.options.apiKey}`,
            ...(options.body === undefined ? {} : { "content-type": "application/json" }),
            ...options.headers,
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.any(signals),
        },
      );
    } catch (error) {
      throw transportError(error, `${method} ${path}`);
    }
    if (!response.ok) throw await errorFrom(response);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/**
 * A client for Herald's API (same as `new Herald(options)`).
 *
 * @example
 * ```ts
 * const herald = createClient({ baseUrl: "https://api.example.com", apiKey: "hrld_..." });
 * ```
 */
export function createClient(options: HeraldOptions): Herald {
  return new Herald(options);
}

function segment(value: string): string {
  return encodeURIComponent(value);
}

function queryString(query: object | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function judge(notification: Notification, wanted: ReadonlySet<Status>) {
  if (wanted.has(notification.status)) return "wanted";
  return FINAL.has(notification.status) ? "final" : "pending";
}

function unexpected(notification: Notification, wanted: ReadonlySet<Status>) {
  return new HeraldError(
    0,
    "unexpected_status",
    `Notification ${notification.id} is ${notification.status}; it will not become ${[...wanted].join(" or ")}`,
    { status: notification.status, notification },
  );
}

function timedOut(id: string, wanted: ReadonlySet<Status>) {
  return new HeraldError(
    0,
    "timeout",
    `Notification ${id} did not become ${[...wanted].join(" or ")} in time`,
  );
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(transportError(signal.reason, "waiting"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    function abort() {
      clearTimeout(timer);
      reject(transportError(signal?.reason, "waiting"));
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}
