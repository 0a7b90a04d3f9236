import { HeraldError } from "./errors.js";
import type { FeedEvent, TokenSource } from "./sse.js";

/**
 * The WebSocket feed: one connection carries any number of feeds (a recipient's whole feed, or
 * single notifications of theirs). The connection reconnects by itself with jittered backoff,
 * subscribes again with each feed's last event id so the server replays what was missed, drops
 * repeats, and keeps itself alive with a `ping` when idle (API Gateway closes a connection idle
 * for 10 minutes, and any connection after 2 hours).
 *
 * Protocol (JSON text frames):
 *   → {"action":"subscribe","id":"1","feeds":["recipient","notification:ntf_…"],"last_event_id":"…"}
 *   ← {"type":"event","event":{…}}            (replayed events first, then live ones)
 *   ← {"type":"subscribed","id":"1","feeds":[…],"replayed":3,"gap":false}
 *   → {"action":"unsubscribe","id":"2","feeds":["notification:ntf_…"]}
 *   ← {"type":"unsubscribed","id":"2","feeds":[…]}
 *   → {"action":"ping","id":"3"}              ← {"type":"pong","id":"3"}
 *   ← {"type":"error","id":"…","code":"invalid_message","message":"…"}
 */

/** `recipient` (the token's recipient, every notification) or `notification:<id>`. */
export type SocketFeedName = "recipient" | `notification:${string}`;

/** What the server sends on the socket. */
export type SocketMessage =
  | {
      type: "subscribed";
      id?: string;
      feeds: SocketFeedName[];
      replayed: number;
      gap: boolean;
    }
  | { type: "unsubscribed"; id?: string; feeds: SocketFeedName[] }
  | { type: "event"; event: FeedEvent }
  | { type: "pong"; id?: string }
  | { type: "error"; id?: string; code: string; message: string };

/** The WebSocket constructor (global in browsers and Node.js 22+). */
type WebSocketConstructor = new (url: string) => WebSocket;

export interface SocketOptions {
  /** Called when the socket opens (first time and after each reconnect). */
  onOpen?: () => void;
  /** Failures: each failed attempt, error messages from the server, and a fatal error. */
  onError?: (error: HeraldError) => void;
  /** Give up after this many failed attempts in a row (default: never). */
  maxAttempts?: number;
  /** First reconnect delay (default 500 ms); doubles up to `maxRetryMs`, with jitter. */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** Send a ping after this long without traffic (default 9 min, under API Gateway's 10). */
  keepAliveMs?: number;
  /** Ends the socket, like `close()`. */
  signal?: AbortSignal;
  WebSocket?: WebSocketConstructor;
}

export interface FeedSubscribeOptions {
  /** Resume after this event: the server replays what the feeds missed since. */
  lastEventId?: string;
  /** The server could not replay everything missed (away too long): reload your list. */
  onGap?: () => void;
}

export interface SocketSubscription {
  /** Resolves once the server confirmed the subscription (after its replay). */
  readonly ready: Promise<void>;
  /** The last event id this subscription received. */
  readonly lastEventId: string | undefined;
  close(): void;
}

/** Events remembered per subscription to drop repeats around replays. */
const REMEMBERED = 1_000;

/**
 * Open a WebSocket feed connection with a recipient token (a function is asked for a fresh one
 * on every connection), then subscribe to feeds on it.
 *
 * @example
 * ```ts
 * import { connectSocket } from "@herald/client";
 *
 * const socket = connectSocket(socket_url, () => getToken());
 * const inbox = socket.subscribe("recipient", (event) => render(event.notification));
 * const one = socket.subscribe(`notification:${id}`, (event) => console.log(event.notification.status));
 * await inbox.ready;
 * // later
 * one.close();
 * socket.close();
 * ```
 */
export function connectSocket(
  url: string,
  token: TokenSource,
  options: SocketOptions = {},
): HeraldSocket {
  return new HeraldSocket(url, token, options);
}

interface Entry {
  feeds: SocketFeedName[];
  onEvent: (event: FeedEvent) => void;
  options: FeedSubscribeOptions;
  lastEventId?: string;
  seen: Set<string>;
  /** The newest event id per notification: an older one (a replay behind live) is dropped. */
  latest: Map<string, string>;
  resolve: () => void;
  /** The request id of its last subscribe message. */
  request?: string;
}

export class HeraldSocket {
  /** Resolves when the socket first opens. */
  readonly ready: Promise<void>;
  /** Resolves when the socket ends: undefined after `close()`, else the fatal error. */
  readonly closed: Promise<HeraldError | undefined>;
  private socket: WebSocket | undefined;
  private readonly entries = new Set<Entry>();
  private readonly pongs = new Map<
    string,
    { resolve: () => void; reject: (e: HeraldError) => void }
  >();
  private stopped = false;
  private failures = 0;
  private nextId = 0;
  private keepAlive: ReturnType<typeof setTimeout> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private settleReady!: { resolve: () => void; reject: (error: HeraldError) => void };
  private settleClosed!: (error: HeraldError | undefined) => void;

  constructor(
    private readonly url: string,
    private readonly token: TokenSource,
    private readonly options: SocketOptions,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.settleReady = { resolve, reject };
    });
    this.ready.catch(() => undefined);
    this.closed = new Promise((resolve) => {
      this.settleClosed = resolve;
    });
    options.signal?.addEventListener("abort", () => this.close(), { once: true });
    void this.open();
  }

  /**
   * Subscribe to one or more feeds on this connection; each event reaches `onEvent` once, in
   * order per notification. Survives reconnects (it resumes from its last event id).
   */
  subscribe(
    feeds: SocketFeedName | SocketFeedName[],
    onEvent: (event: FeedEvent) => void,
    options: FeedSubscribeOptions = {},
  ): SocketSubscription {
    let resolve!: () => void;
    const ready = new Promise<void>((r) => {
      resolve = r;
    });
    const entry: Entry = {
      feeds: typeof feeds === "string" ? [feeds] : [...feeds],
      onEvent,
      options,
      lastEventId: options.lastEventId,
      seen: new Set(),
      latest: new Map(),
      resolve,
    };
    this.entries.add(entry);
    this.sendSubscribe(entry);
    return {
      ready,
      get lastEventId() {
        return entry.lastEventId;
      },
      close: () => {
        this.entries.delete(entry);
        const held = new Set([...this.entries].flatMap((e) => e.feeds));
        const dropped = entry.feeds.filter((feed) => !held.has(feed));
        if (dropped.length) this.send({ action: "unsubscribe", id: this.id(), feeds: dropped });
      },
    };
  }

  /**
   * Round trip to the server; resolves with the milliseconds it took, rejects when the
   * connection is not open or closes first.
   */
  ping(): Promise<number> {
    const id = this.id();
    const started = Date.now();
    return new Promise((resolve, reject) => {
      this.pongs.set(id, { resolve: () => resolve(Date.now() - started), reject });
      if (!this.send({ action: "ping", id })) this.dropPongs();
    });
  }

  private dropPongs() {
    const error = new HeraldError(0, "feed_unavailable", "The WebSocket feed is not connected");
    for (const pong of this.pongs.values()) pong.reject(error);
    this.pongs.clear();
  }

  close() {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.keepAlive);
    clearTimeout(this.retry);
    this.socket?.close(1000);
    this.dropPongs();
    this.settleReady.reject(new HeraldError(0, "aborted", "The socket was closed"));
    this.settleClosed(undefined);
  }

  private id(): string {
    this.nextId += 1;
    return String(this.nextId);
  }

  private async open() {
    if (this.stopped) return;
    let token: string;
    try {
      token = typeof this.token === "function" ? await this.token() : this.token;
    } catch (error) {
      return this.failed(
        new HeraldError(0, "network_error", "Could not get a token", undefined, { cause: error }),
      );
    }
    if (this.stopped) return;
    const address = new URL(this.url);
    address.searchParams.set("token", token);
    const Socket = this.options.WebSocket ?? globalThis.WebSocket;
    const socket = new Socket(address.href);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.failures = 0;
      this.settleReady.resolve();
      this.options.onOpen?.();
      for (const entry of this.entries) this.sendSubscribe(entry);
      this.touch();
    };
    socket.onmessage = (message) => {
      this.touch();
      this.receive(String(message.data));
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      clearTimeout(this.keepAlive);
      this.dropPongs();
      if (this.stopped) return;
      if (opened) this.schedule(this.options.minRetryMs ?? 500);
      else
        this.failed(
          new HeraldError(
            0,
            "feed_unavailable",
            "The WebSocket feed refused or dropped the connection",
          ),
        );
    };
  }

  private failed(error: HeraldError) {
    this.failures += 1;
    if (this.failures >= (this.options.maxAttempts ?? Number.POSITIVE_INFINITY)) {
      this.stopped = true;
      this.settleReady.reject(error);
      this.options.onError?.(error);
      this.settleClosed(error);
      return;
    }
    this.options.onError?.(error);
    this.schedule(this.backoff());
  }

  /** Full jitter between half and all of min·2^(failures-1), capped. */
  private backoff(): number {
    const min = this.options.minRetryMs ?? 500;
    const ceiling = Math.min(this.options.maxRetryMs ?? 30_000, min * 2 ** (this.failures - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private schedule(ms: number) {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.open(), ms);
  }

  /** Traffic resets the keep-alive timer: a ping goes out only on an idle connection. */
  private touch() {
    clearTimeout(this.keepAlive);
    this.keepAlive = setTimeout(
      () => this.send({ action: "ping", id: this.id() }),
      this.options.keepAliveMs ?? 9 * 60_000,
    );
  }

  private sendSubscribe(entry: Entry) {
    entry.request = this.id();
    this.send({
      action: "subscribe",
      id: entry.request,
      feeds: entry.feeds,
      ...(entry.lastEventId ? { last_event_id: entry.lastEventId } : {}),
    });
  }

  /** False when the socket is not open (`onopen` subscribes every entry again). */
  private send(message: Record<string, unknown>): boolean {
    const socket = this.socket?.readyState === 1 ? this.socket : undefined;
    if (!socket) return false;
    socket.send(JSON.stringify(message));
    this.touch();
    return true;
  }

  private receive(data: string) {
    let message: SocketMessage;
    try {
      message = JSON.parse(data) as SocketMessage;
    } catch (error) {
      this.options.onError?.(
        new HeraldError(0, "invalid_event", "The feed sent a message that is not JSON", undefined, {
          cause: error,
        }),
      );
      return;
    }
    switch (message.type) {
      case "event":
        for (const entry of this.entries) {
          if (matches(entry.feeds, message.event)) deliver(entry, message.event);
        }
        return;
      case "subscribed":
        for (const entry of this.entries) {
          if (entry.request !== message.id) continue;
          if (message.gap) entry.options.onGap?.();
          entry.resolve();
        }
        return;
      case "pong":
        if (message.id) {
          this.pongs.get(message.id)?.resolve();
          this.pongs.delete(message.id);
        }
        return;
      case "error":
        this.options.onError?.(new HeraldError(0, message.code, message.message));
        return;
      default:
        return;
    }
  }
}

function matches(feeds: SocketFeedName[], event: FeedEvent): boolean {
  return feeds.some(
    (feed) => feed === "recipient" || feed === `notification:${event.notification.id}`,
  );
}

/** Each change once and never back in time per notification; the last id is kept to resume. */
function deliver(entry: Entry, event: FeedEvent) {
  const { status, read_at, seen_at } = event.notification;
  const key = `${event.event_id}|${status}|${read_at ?? ""}|${seen_at ?? ""}`;
  const latest = entry.latest.get(event.notification.id);
  if (entry.seen.has(key) || (latest !== undefined && event.event_id < latest)) return;
  entry.seen.add(key);
  entry.latest.delete(event.notification.id);
  entry.latest.set(event.notification.id, event.event_id);
  for (const remembered of [entry.seen, entry.latest]) {
    if (remembered.size <= REMEMBERED) continue;
    const oldest = remembered.keys().next();
    if (!oldest.done) remembered.delete(oldest.value);
  }
  if (!entry.lastEventId || event.event_id > entry.lastEventId) entry.lastEventId = event.event_id;
  entry.onEvent(event);
}
