import { createParser, type EventSourceParser } from "eventsource-parser";
import { errorFrom, HeraldError, transportError } from "./errors.js";
import type { Notification } from "./types.js";

/** One change of one notification, as the feed sends it (the `data` of each SSE event). */
export interface FeedEvent {
  /** `<updated_at>|<notification id>`: orders events and lets a feed resume after one. */
  event_id: string;
  type: "notification.updated";
  tenant_id: string;
  notification: Notification;
}

/** A recipient token, or a function that returns a fresh one (called on every connection). */
export type TokenSource = string | (() => string | Promise<string>);

export interface SubscribeOptions {
  /** Resume after this event (the last one you processed): the feed replays what came since. */
  lastEventId?: string;
  /** Ends the subscription, like `close()`. */
  signal?: AbortSignal;
  /** Called when a connection opens (first time and after each reconnect). */
  onOpen?: () => void;
  /** Called for each failed connection attempt, and once more with a fatal error. */
  onError?: (error: HeraldError) => void;
  /** Give up after this many failed attempts in a row (default: never). */
  maxAttempts?: number;
  /** First reconnect delay after a failure (default 500 ms); doubles up to `maxRetryMs`. */
  minRetryMs?: number;
  /** Longest reconnect delay (default 30 s). */
  maxRetryMs?: number;
  /** How long to wait for the feed to answer a connection (default 10 s). */
  connectTimeoutMs?: number;
  fetch?: typeof fetch;
}

export interface Subscription {
  /** Resolves when the feed first answers; rejects if the subscription ends before that. */
  readonly ready: Promise<void>;
  /** Resolves when the subscription ends: `undefined` after `close()`, else the fatal error. */
  readonly closed: Promise<HeraldError | undefined>;
  /** The id of the last event received: pass it as `lastEventId` to resume elsewhere. */
  readonly lastEventId: string | undefined;
  close(): void;
}

/** Codes that another attempt with the same credentials cannot fix. */
const FATAL_STATUS = new Set([400, 401, 403, 404, 405]);
/** Event keys remembered to drop repeats (the feed may repeat a little around a reconnect). */
const REMEMBERED = 1_000;

/**
 * Subscribe to a recipient's real-time feed: server-sent events over `fetch` streaming, so it
 * works in browsers and Node.js alike and can send the token as a header. It reconnects after
 * the feed closes (it does, every few minutes) or fails, with `Last-Event-ID`, so no event is
 * missed; waits grow exponentially with jitter. Repeated events are dropped. A rejected token
 * ends the subscription, unless `token` is a function, which is asked for a fresh one.
 *
 * @example
 * ```ts
 * import { subscribe } from "@herald/client";
 *
 * const { token, feed_url } = await fetch("/my-backend/herald-token").then((r) => r.json());
 * const subscription = subscribe(feed_url, token, (event) => {
 *   console.log(event.notification.id, event.notification.status);
 * });
 * await subscription.ready;
 * // later
 * subscription.close();
 * ```
 */
export function subscribe(
  feedUrl: string,
  token: TokenSource,
  onEvent: (event: FeedEvent) => void,
  options: SubscribeOptions = {},
): Subscription {
  const feed = new Feed(feedUrl, token, onEvent, options);
  feed.start();
  return feed;
}

class Feed implements Subscription {
  readonly ready: Promise<void>;
  readonly closed: Promise<HeraldError | undefined>;
  lastEventId: string | undefined;
  private readonly stop = new AbortController();
  private readonly seen = new Set<string>();
  private settleReady!: { resolve: () => void; reject: (error: HeraldError) => void };
  private settleClosed!: (error: HeraldError | undefined) => void;
  private serverRetryMs: number | undefined;

  constructor(
    private readonly url: string,
    private readonly token: TokenSource,
    private readonly onEvent: (event: FeedEvent) => void,
    private readonly options: SubscribeOptions,
  ) {
    this.lastEventId = options.lastEventId;
    this.ready = new Promise((resolve, reject) => {
      this.settleReady = { resolve, reject };
    });
    // Callers who never await `ready` must not see an unhandled rejection; awaiting it still throws.
    this.ready.catch(() => undefined);
    this.closed = new Promise((resolve) => {
      this.settleClosed = resolve;
    });
    options.signal?.addEventListener("abort", () => this.close(), { once: true });
  }

  close() {
    this.stop.abort();
  }

  start() {
    this.run().then(
      (error) => this.finish(error),
      (error: unknown) => this.finish(transportError(error, "the feed subscription")),
    );
  }

  private finish(error: HeraldError | undefined) {
    const reason = error ?? new HeraldError(0, "aborted", "The subscription was closed");
    this.settleReady.reject(reason);
    if (error) this.options.onError?.(error);
    this.settleClosed(error);
  }

  /** Connect, read, reconnect; resolves with the fatal error, or undefined once closed. */
  private async run(): Promise<HeraldError | undefined> {
    let failures = 0;
    let tokenRejected = false;
    while (!this.stop.signal.aborted) {
      let wait: number;
      try {
        await this.connectOnce();
        failures = 0;
        tokenRejected = false;
        wait = this.serverRetryMs ?? this.options.minRetryMs ?? 500;
      } catch (thrown) {
        if (this.stop.signal.aborted) return undefined;
        const error = transportError(thrown, "the feed connection");
        const renewable = typeof this.token === "function" && error.status === 401;
        if (FATAL_STATUS.has(error.status) && !(renewable && !tokenRejected)) return error;
        tokenRejected = error.status === 401;
        failures += 1;
        if (failures >= (this.options.maxAttempts ?? Number.POSITIVE_INFINITY)) return error;
        this.options.onError?.(error);
        wait = this.backoff(failures);
      }
      await sleep(wait, this.stop.signal);
    }
    return undefined;
  }

  private backoff(failures: number): number {
    const min = this.serverRetryMs ?? this.options.minRetryMs ?? 500;
    const max = this.options.maxRetryMs ?? 30_000;
    const ceiling = Math.min(max, min * 2 ** (failures - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  /** One connection, read to its end. Throws when it cannot open or breaks. */
  private async connectOnce() {
    const token = typeof this.token === "function" ? await this.token() : this.token;
    const headers: Record<string, string> = {
      accept: "text/event-stream",
      authorization: `Bearer ${token}`,
    };
    if (this.lastEventId) headers["last-event-id"] = this.lastEventId;
    // One signal for the whole connection: close() aborts the read as well as the connect.
    const connection = new AbortController();
    const abort = () => connection.abort(this.stop.signal.reason);
    this.stop.signal.addEventListener("abort", abort, { once: true });
    const connectTimeoutMs = this.options.connectTimeoutMs ?? 10_000;
    const timer = setTimeout(
      () =>
        connection.abort(new DOMException(`no answer in ${connectTimeoutMs} ms`, "TimeoutError")),
      connectTimeoutMs,
    );
    try {
      const response = await (this.options.fetch ?? fetch)(this.url, {
        headers,
        signal: connection.signal,
      });
      clearTimeout(timer);
      if (!response.ok) throw await errorFrom(response);
      const type = response.headers.get("content-type") ?? "";
      if (!response.body || !type.startsWith("text/event-stream")) {
        throw new HeraldError(0, "feed_unavailable", "The feed did not answer with events");
      }
      this.settleReady.resolve();
      this.options.onOpen?.();
      await this.read(response.body);
    } finally {
      clearTimeout(timer);
      this.stop.signal.removeEventListener("abort", abort);
    }
  }

  private async read(body: ReadableStream<Uint8Array>) {
    const parser = new SseParser({
      message: (message) => this.dispatch(message),
      retry: (ms) => {
        this.serverRetryMs = ms;
      },
    });
    const reader = body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.push(decoder.decode(value, { stream: true }));
    }
  }

  private dispatch(message: SseMessage) {
    if (message.id) this.lastEventId = message.id;
    if (message.event !== "notification.updated") return;
    let event: FeedEvent;
    try {
      event = JSON.parse(message.data) as FeedEvent;
    } catch (error) {
      this.options.onError?.(
        new HeraldError(0, "invalid_event", "The feed sent an event that is not JSON", undefined, {
          cause: error,
        }),
      );
      return;
    }
    if (this.isRepeat(event)) return;
    this.onEvent(event);
  }

  /** Same event id and the same marks: a repeat. (Inbox marks keep the id, change the marks.) */
  private isRepeat(event: FeedEvent): boolean {
    const { status, read_at, seen_at } = event.notification;
    const key = `${event.event_id}|${status}|${read_at ?? ""}|${seen_at ?? ""}`;
    if (this.seen.has(key)) return true;
    this.seen.add(key);
    if (this.seen.size > REMEMBERED) {
      const oldest = this.seen.values().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    return false;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/**
 * The server-sent events wire format (HTML Living Standard, "event stream interpretation"), by
 * [eventsource-parser](https://github.com/rexxars/eventsource-parser): feed it text as it
 * arrives, in chunks of any size; each completed event is dispatched, `event` defaulting to
 * `"message"` as in browsers.
 *
 * @example
 * ```ts
 * const parser = new SseParser({
 *   message: ({ id, event, data }) => console.log(id, event, JSON.parse(data)),
 *   comment: (text) => console.debug("comment", text),
 * });
 * const decoder = new TextDecoder();
 * for await (const chunk of response.body) parser.push(decoder.decode(chunk, { stream: true }));
 * ```
 */
export class SseParser {
  private readonly parser: EventSourceParser;
  /** The last event ID buffer: it persists across events until an `id` field changes it. */
  private lastId: string | undefined;

  constructor(handlers: {
    message: (message: SseMessage) => void;
    retry?: (ms: number) => void;
    comment?: (text: string) => void;
  }) {
    this.parser = createParser({
      onEvent: ({ id, event, data }) => {
        if (id !== undefined) this.lastId = id || undefined;
        handlers.message({ id: this.lastId, event: event || "message", data });
      },
      onRetry: (ms) => handlers.retry?.(ms),
      onComment: handlers.comment && ((text) => handlers.comment?.(text.trimStart())),
    });
  }

  /** Parse the next piece of the stream, dispatching every event it completes. */
  push(text: string) {
    this.parser.feed(text);
  }
}
