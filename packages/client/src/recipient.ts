import { errorFrom, HeraldError, transportError } from "./errors.js";
import type { components } from "./openapi.js";
import {
  type FeedEvent,
  type SubscribeOptions,
  type Subscription,
  subscribe,
  type TokenSource,
} from "./sse.js";
import type { InboxQuery, Listing, Notification } from "./types.js";

export type ReadAll = components["schemas"]["ReadAll"];

export interface RecipientInboxOptions {
  /** The API's base URL. */
  baseUrl: string;
  /** The real-time feed's URL (the token answer's `feed_url`). */
  feedUrl?: string;
  /**
   * A recipient token, or a function that returns a fresh one: it is called once, again when the
   * API or the feed says the token expired (401), and its answer is kept in between.
   */
  token: TokenSource;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * One recipient's own inbox, for browsers: authenticated by a recipient token (issued by your
 * server with `herald.issueToken(id)`), never an API key. It can only read and mark the inbox
 * of the recipient its token names. `<herald-inbox>` is built on it.
 *
 * @example
 * ```ts
 * const inbox = new RecipientInbox({
 *   baseUrl: "https://api.example.com",
 *   token: () => fetch("/my-backend/herald-token").then((r) => r.json()).then((b) => b.token),
 * });
 * const { unread } = await inbox.unreadCount();
 * ```
 */
export class RecipientInbox {
  private readonly baseUrl: string;
  private current: Promise<string> | undefined;

  constructor(private readonly options: RecipientInboxOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  /** A page of the inbox, newest first; pass `next_cursor` back as `cursor`. */
  list(query: InboxQuery = {}) {
    return this.request<Listing>("GET", `/v1/inbox${queryString(query)}`);
  }

  unreadCount() {
    return this.request<{ unread: number }>("GET", "/v1/inbox/unread-count");
  }

  markRead(notificationId: string) {
    return this.request<Notification>(
      "POST",
      `/v1/inbox/${encodeURIComponent(notificationId)}/read`,
    );
  }

  markSeen(notificationId: string) {
    return this.request<Notification>(
      "POST",
      `/v1/inbox/${encodeURIComponent(notificationId)}/seen`,
    );
  }

  /** Mark every unread message read. */
  readAll() {
    return this.request<ReadAll>("POST", "/v1/inbox/read-all");
  }

  /** The recipient's real-time feed (see `subscribe`), with the same token source. */
  subscribe(onEvent: (event: FeedEvent) => void, options: SubscribeOptions = {}): Subscription {
    const url = this.options.feedUrl;
    if (!url) throw new HeraldError(0, "feed_unavailable", "No feed URL was configured");
    const token =
      typeof this.options.token === "function"
        ? async () => {
            // A reconnect after a rejected token asks for a fresh one.
            if (this.failedFeed) this.current = undefined;
            this.failedFeed = true;
            return this.token();
          }
        : this.options.token;
    return subscribe(url, token, onEvent, {
      fetch: this.options.fetch,
      ...options,
      onOpen: () => {
        this.failedFeed = false;
        options.onOpen?.();
      },
    });
  }

  private failedFeed = false;

  private token(refresh = false): Promise<string> {
    const source = this.options.token;
    if (typeof source === "string") return Promise.resolve(source);
    if (refresh || !this.current) {
      this.current = Promise.resolve().then(source);
      // A failed refresh is asked again next time.
      this.current.catch(() => {
        this.current = undefined;
      });
    }
    return this.current;
  }

  private async request<T>(method: string, path: string): Promise<T> {
    let response = await this.send(method, path, await this.token());
    if (response.status === 401 && typeof this.options.token === "function") {
      response = await this.send(method, path, await this.token(true));
    }
    if (!response.ok) throw await errorFrom(response);
    return (await response.json()) as T;
  }

  private async send(method: string, path: string, token: string): Promise<Response> {
    try {
      return await (this.options.fetch ?? fetch)(`${this.baseUrl}${path}`, {
        method,
        headers: { accept: "application/json", authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw transportError(error, `${method} ${path}`);
    }
  }
}

function queryString(query: object): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
