import { createParser } from "eventsource-parser";
import { errorFrom, HeraldError, transportError } from "./errors.js";
import type { FeedEvent } from "./sse.js";

/**
 * The WebSocket feed, on AWS AppSync Events. One connection carries any number of feeds (a
 * recipient's whole feed, or single notifications of theirs). It reconnects by itself with
 * jittered backoff and a fresh token, closes a connection whose keep-alives stop (AppSync sends
 * `ka`; `connectionTimeoutMs` says how long to wait), and after every (re)subscription fetches
 * what each feed missed from Herald's replay (`<feed_url>?replay=only&last_event_id=…`, read
 * from DynamoDB), dropping repeats, so each change reaches `onEvent` once, in order per
 * notification.
 *
 * Herald publishes a change on the socket only while its recipient is present: a subscribe
 * registers presence until the token expires. So the socket renews its subscriptions with a
 * fresh token (from the token function) before the token expires, and, since Herald's workers
 * may take a moment to see a new subscriber, replays once more `catch_up_ms` after each
 * (re)subscribe. A subscription whose token is not renewed stops receiving once it expires.
 *
 * Protocol (AppSync Events; JSON text frames; subprotocols `aws-appsync-event-ws` and
 * `header-<base64url {"host": socket_host, "Authorization": token}>`):
 *   → {"type":"connection_init"}              ← {"type":"connection_ack","connectionTimeoutMs":300000}
 *   ← {"type":"ka"}                           (every minute or so)
 *   → {"type":"subscribe","id":"s1","channel":"<channel>/*","authorization":{…}}
 *   ← {"type":"subscribe_success","id":"s1"}  | {"type":"subscribe_error","id":"s1","errors":[…]}
 *   ← {"type":"data","id":"s1","event":"<JSON of a feed event>"}
 *   → {"type":"unsubscribe","id":"s1"}        ← {"type":"unsubscribe_success","id":"s1"}
 * A notification's channel is `<channel>/<first 32 hex of SHA-256(notification id)>`.
 */

/** What connecting needs: the answer of `POST /v1/recipients/{id}/tokens`, as your server hands it over. */
export interface SocketToken {
  token: string;
  expires_at?: string;
  /** The AppSync Events real-time endpoint (`wss://…/event/realtime`). */
  socket_url: string;
  /** The host named in the authorization (AppSync's HTTP domain). */
  socket_host: string;
  /** The recipient's channel (`/feed/<tenant>/<recipient>`). */
  channel: string;
  /** Where missed events are replayed from (Herald's feed URL). */
  feed_url?: string;
  /** How long after each (re)subscribe to replay once more (default 3 s). */
  catch_up_ms?: number;
}

/**
 * A token answer, or a function returning a fresh one (asked on every connection, and before
 * the token expires: a fixed answer cannot be renewed, and its subscriptions stop receiving
 * when it expires).
 */
export type SocketTokenSource = SocketToken | (() => SocketToken | Promise<SocketToken>);

/** `recipient` (the token's recipient, every notification) or `notification:<id>`. */
export type SocketFeedName = "recipient" | `notification:${string}`;

/** What AppSync Events sends on the socket. */
export type SocketMessage =
  | { type: "connection_ack"; connectionTimeoutMs?: number }
  | { type: "connection_error"; errors?: Array<{ errorType?: string; message?: string }> }
  | { type: "ka" }
  | { type: "subscribe_success" | "unsubscribe_success"; id: string }
  | {
      type: "subscribe_error" | "unsubscribe_error" | "error" | "publish_error";
      id?: string;
      errors?: Array<{ errorType?: string; message?: string }>;
    }
  | { type: "data"; id: string; event: string };

/** The WebSocket constructor (global in browsers and Node.js 22+). */
type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

export interface SocketOptions {
  /** Called when the connection is acknowledged (first time and after each reconnect). */
  onOpen?: () => void;
  /** Failures: each failed attempt, refused subscriptions, and a fatal error. */
  onError?: (error: HeraldError) => void;
  /** Give up after this many failed attempts in a row (default: never). */
  maxAttempts?: number;
  /** First reconnect delay (default 500 ms); doubles up to `maxRetryMs`, with jitter. */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** Close when no keep-alive came for this long (default: what the server says, 5 min). */
  keepAliveTimeoutMs?: number;
  /** Give up on a connection not acknowledged within this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Ends the socket, like `close()`. */
  signal?: AbortSignal;
  WebSocket?: WebSocketConstructor;
  fetch?: typeof fetch;
}

export interface FeedSubscribeOptions {
  /** Resume after this event: what the feeds missed since is replayed. */
  lastEventId?: string;
  /** The replay could not be complete (away too long): reload your list. */
  onGap?: () => void;
}

export interface SocketSubscription {
  /** Resolves once AppSync confirmed every feed of the subscription (and its replay ran). */
  readonly ready: Promise<void>;
  /** The last event id this subscription received. */
  readonly lastEventId: string | undefined;
  close(): void;
}

export const PROTOCOL = "aws-appsync-event-ws";
/** Events remembered per subscription to drop repeats around replays. */
const REMEMBERED = 1_000;
/** Without a last event id, a replay after a reconnect starts this long before the first confirmation. */
const SINCE_MARGIN_MS = 30_000;
/** The catch-up delay when the token answer does not say (Herald's default presence cache + 1 s). */
const CATCH_UP_MS = 3_000;
/** Renew a token this long before it expires (at most a fifth of its lifetime before). */
const RENEW_LEAD_MS = 60_000;

interface Entry {
  feeds: SocketFeedName[];
  onEvent: (event: FeedEvent) => void;
  options: FeedSubscribeOptions;
  lastEventId?: string;
  /** When its feeds were first confirmed: where a replay starts without a last event id. */
  confirmedAt?: number;
  /** Connections on which its feeds were confirmed. */
  attached: number;
  seen: Set<string>;
  /** The newest event id per notification: an older one (a replay behind live) is dropped. */
  latest: Map<string, string>;
  resolve: () => void;
  closed: boolean;
}

/** One AppSync subscription, shared by every entry that wants its channel. */
interface Channel {
  id: string;
  channel: string;
  entries: Set<Entry>;
  confirmed: boolean;
  waiters: Array<() => void>;
}

/**
 * Open a WebSocket feed connection with a recipient token answer (a function is asked for a
 * fresh one on every connection), then subscribe to feeds on it.
 *
 * @example
 * ```ts
 * import { connectSocket } from "@herald/client";
 *
 * // Your server calls POST /v1/recipients/{id}/tokens and hands the answer over as is.
 * const socket = connectSocket(() => fetch("/my-backend/herald-token").then((r) => r.json()));
 * const inbox = socket.subscribe("recipient", (event) => render(event.notification));
 * const one = socket.subscribe(`notification:${id}`, (event) => console.log(event.notification.status));
 * await inbox.ready;
 * // later
 * one.close();
 * socket.close();
 * ```
 */
export function connectSocket(
  source: SocketTokenSource,
  options: SocketOptions = {},
): HeraldSocket {
  return new HeraldSocket(source, options);
}

export class HeraldSocket {
  /** Resolves when the connection is first acknowledged. */
  readonly ready: Promise<void>;
  /** Resolves when the socket ends: undefined after `close()`, else the fatal error. */
  readonly closed: Promise<HeraldError | undefined>;
  private socket: WebSocket | undefined;
  private token: SocketToken | undefined;
  private acknowledged = false;
  private readonly entries = new Set<Entry>();
  private readonly channels = new Map<string, Channel>();
  private readonly byId = new Map<string, Channel>();
  private stopped = false;
  private failures = 0;
  /** Subscriptions refused (401) in a row, across reconnects: they back off too. */
  private refusals = 0;
  private nextId = 0;
  private keepAlive: ReturnType<typeof setTimeout> | undefined;
  private keepAliveMs = 300_000;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private renewal: ReturnType<typeof setTimeout> | undefined;
  private readonly catchUps = new Set<ReturnType<typeof setTimeout>>();
  /** A renewal's new subscription id → the one it replaces (unsubscribed once the new holds). */
  private readonly replacing = new Map<string, string>();
  private settleReady!: { resolve: () => void; reject: (error: HeraldError) => void };
  private settleClosed!: (error: HeraldError | undefined) => void;

  constructor(
    private readonly source: SocketTokenSource,
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
   * order per notification. Survives reconnects (it replays from its last event id).
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
      closed: false,
      attached: 0,
    };
    this.entries.add(entry);
    void this.attach(entry);
    return {
      ready,
      get lastEventId() {
        return entry.lastEventId;
      },
      close: () => this.detach(entry),
    };
  }

  close() {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.keepAlive);
    clearTimeout(this.retry);
    clearTimeout(this.renewal);
    for (const timer of this.catchUps) clearTimeout(timer);
    this.catchUps.clear();
    this.socket?.close(1000);
    this.settleReady.reject(new HeraldError(0, "aborted", "The socket was closed"));
    this.settleClosed(undefined);
  }

  private id(): string {
    this.nextId += 1;
    return `s${this.nextId}`;
  }

  private async open() {
    if (this.stopped) return;
    let token: SocketToken;
    try {
      token = typeof this.source === "function" ? await this.source() : this.source;
    } catch (error) {
      return this.failed(
        new HeraldError(0, "network_error", "Could not get a token", undefined, { cause: error }),
      );
    }
    if (this.stopped) return;
    this.token = token;
    this.planRenewal(token);
    const header = base64url(
      JSON.stringify({ host: token.socket_host, Authorization: token.token }),
    );
    const Socket = this.options.WebSocket ?? globalThis.WebSocket;
    const socket = new Socket(token.socket_url, [PROTOCOL, `header-${header}`]);
    this.socket = socket;
    this.acknowledged = false;
    this.arm(this.options.connectTimeoutMs ?? 10_000, "The WebSocket feed did not acknowledge");
    socket.onopen = () => this.send({ type: "connection_init" });
    socket.onmessage = (message) => {
      if (this.socket !== socket) return;
      this.touch();
      this.receive(String(message.data));
    };
    socket.onclose = () => this.lost(socket);
  }

  /** The connection ended (closed, refused, or given up on): reconnect unless stopped. */
  private lost(socket: WebSocket) {
    if (this.socket !== socket) return;
    const wasAcknowledged = this.acknowledged;
    this.socket = undefined;
    this.acknowledged = false;
    clearTimeout(this.keepAlive);
    this.replacing.clear();
    for (const channel of this.channels.values()) channel.confirmed = false;
    if (this.stopped) return;
    // A connection closed over a refused subscription backs off like a failed one: the refusal
    // may not be the token's (the authorizer could not register presence).
    if (wasAcknowledged)
      this.schedule(
        this.refusals > 0 ? this.backoff(this.refusals) : (this.options.minRetryMs ?? 500),
      );
    else
      this.failed(
        new HeraldError(
          0,
          "feed_unavailable",
          "The WebSocket feed refused or dropped the connection",
        ),
      );
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
  private backoff(failures = this.failures): number {
    const min = this.options.minRetryMs ?? 500;
    const ceiling = Math.min(this.options.maxRetryMs ?? 30_000, min * 2 ** (failures - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private schedule(ms: number) {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.open(), ms);
  }

  /** Any message from the server proves the connection alive; silence past the timeout ends it. */
  private touch() {
    this.arm(
      this.options.keepAliveTimeoutMs ?? this.keepAliveMs,
      "No keep-alive from the WebSocket feed",
    );
  }

  /** Give up on the current connection (and reconnect) unless something arrives within `ms`. */
  private arm(ms: number, reason: string) {
    clearTimeout(this.keepAlive);
    const socket = this.socket;
    this.keepAlive = setTimeout(() => {
      if (this.socket !== socket || !socket) return;
      this.options.onError?.(new HeraldError(0, "timeout", `${reason}; reconnecting`));
      socket.close(4000, "timeout");
      // A socket that never finishes closing is given up on now.
      this.lost(socket);
    }, ms);
  }

  /** Subscribe an entry's channels (sharing any already held), then replay what it missed. */
  private async attach(entry: Entry) {
    if (!this.acknowledged) return;
    const started = Date.now();
    const names = await this.channelNames(entry.feeds);
    if (entry.closed || !this.acknowledged) return;
    const waits = names.map((name) => {
      let channel = this.channels.get(name);
      if (!channel) {
        channel = {
          id: this.id(),
          channel: name,
          entries: new Set(),
          confirmed: false,
          waiters: [],
        };
        this.channels.set(name, channel);
        this.byId.set(channel.id, channel);
        this.sendSubscribe(channel);
      }
      channel.entries.add(entry);
      const held = channel;
      return held.confirmed
        ? Promise.resolve()
        : new Promise<void>((resolve) => held.waiters.push(resolve));
    });
    await Promise.all(waits);
    if (entry.closed) return;
    entry.confirmedAt ??= Date.now();
    entry.attached += 1;
    await this.replay(entry);
    entry.resolve();
    this.catchUp(entry, started);
  }

  /**
   * Replay once more `catch_up_ms` after a (re)subscribe, from just before it: a worker that
   * read "nobody present" just before it may not have published what changed since.
   */
  private catchUp(entry: Entry, since: number) {
    const timer = setTimeout(() => {
      this.catchUps.delete(timer);
      if (entry.closed || this.stopped) return;
      void this.replay(entry, `${new Date(since).toISOString()}|-`);
    }, this.token?.catch_up_ms ?? CATCH_UP_MS);
    this.catchUps.add(timer);
  }

  /** Before the token expires, ask for a fresh one and subscribe again with it. */
  private planRenewal(token: SocketToken) {
    clearTimeout(this.renewal);
    const expires = token.expires_at ? Date.parse(token.expires_at) : Number.NaN;
    if (typeof this.source !== "function" || Number.isNaN(expires)) return;
    const left = expires - Date.now();
    const lead = Math.min(RENEW_LEAD_MS, left / 5);
    this.renewal = setTimeout(() => void this.renew(), Math.max(0, left - lead));
  }

  /**
   * Subscribe every channel again under a new id with a fresh token (the authorizer checks it,
   * and renews the recipient's presence), dropping each old subscription once its successor is
   * confirmed; repeats in between are dropped like any other. A renewal after the old token
   * expired (its presence lapsed) is followed by a catch-up replay, as after any subscribe.
   * Without a connection there is nothing to renew: the next one gets a fresh token anyway.
   */
  private async renew() {
    if (this.stopped || typeof this.source !== "function") return;
    let token: SocketToken;
    try {
      token = await this.source();
    } catch (error) {
      this.options.onError?.(
        new HeraldError(0, "network_error", "Could not renew the token", undefined, {
          cause: error,
        }),
      );
      // Try again shortly; the old token still holds until it expires.
      this.renewal = setTimeout(() => void this.renew(), 5_000);
      return;
    }
    if (this.stopped) return;
    const expiring = this.token?.expires_at ? Date.parse(this.token.expires_at) : Number.NaN;
    this.token = token;
    this.planRenewal(token);
    if (!this.acknowledged) return;
    const started = Date.now();
    for (const channel of this.channels.values()) {
      const previous = channel.id;
      channel.id = this.id();
      this.byId.set(channel.id, channel);
      this.replacing.set(channel.id, previous);
      this.sendSubscribe(channel);
    }
    // Renewed in time, the recipient was present throughout (the old token's presence lasts
    // until it expires): nothing to catch up. Renewed late, presence lapsed meanwhile.
    if (!(started < expiring))
      for (const entry of this.entries) this.catchUp(entry, expiring || started);
  }

  private detach(entry: Entry) {
    entry.closed = true;
    this.entries.delete(entry);
    for (const channel of [...this.channels.values()]) {
      channel.entries.delete(entry);
      if (channel.entries.size > 0) continue;
      this.channels.delete(channel.channel);
      this.byId.delete(channel.id);
      this.send({ type: "unsubscribe", id: channel.id });
      // A renewal under way: the subscription it replaces goes too.
      const previous = this.replacing.get(channel.id);
      if (previous !== undefined) {
        this.replacing.delete(channel.id);
        this.byId.delete(previous);
        this.send({ type: "unsubscribe", id: previous });
      }
    }
  }

  /** The recipient feed covers everything: with it, no notification channel is needed. */
  private async channelNames(feeds: SocketFeedName[]): Promise<string[]> {
    const base = this.token?.channel ?? "";
    if (feeds.includes("recipient")) return [`${base}/*`];
    return Promise.all(
      feeds.map(
        async (feed) => `${base}/${await channelSegment(feed.slice("notification:".length))}`,
      ),
    );
  }

  private sendSubscribe(channel: Channel) {
    const token = this.token;
    if (!token) return;
    this.send({
      type: "subscribe",
      id: channel.id,
      channel: channel.channel,
      authorization: { host: token.socket_host, Authorization: token.token },
    });
  }

  /** False when the socket is not open (the next acknowledgement subscribes everything again). */
  private send(message: Record<string, unknown>): boolean {
    const socket = this.socket?.readyState === 1 ? this.socket : undefined;
    if (!socket) return false;
    socket.send(JSON.stringify(message));
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
      case "connection_ack":
        this.acknowledged = true;
        this.failures = 0;
        if (message.connectionTimeoutMs) this.keepAliveMs = message.connectionTimeoutMs;
        this.touch();
        this.settleReady.resolve();
        this.options.onOpen?.();
        // Every channel again on a new connection, then each entry's replay.
        for (const channel of this.channels.values()) this.sendSubscribe(channel);
        for (const entry of this.entries) void this.attach(entry);
        return;
      case "connection_error":
        this.options.onError?.(
          refusal(message.errors, "The WebSocket feed refused the connection"),
        );
        this.socket?.close();
        return;
      case "ka":
        return;
      case "subscribe_success": {
        const channel = this.byId.get(message.id);
        if (!channel) return;
        this.refusals = 0;
        const previous = this.replacing.get(message.id);
        if (previous !== undefined) {
          this.replacing.delete(message.id);
          this.byId.delete(previous);
          this.send({ type: "unsubscribe", id: previous });
        }
        channel.confirmed = true;
        for (const resolve of channel.waiters.splice(0)) resolve();
        return;
      }
      case "subscribe_error": {
        const error = refusal(message.errors, "A subscription was refused");
        this.options.onError?.(error);
        if (error.status === 401) this.refusals += 1;
        // Most often the token ran out: a new connection asks for a fresh one.
        if (error.status === 401) this.socket?.close(4001, "unauthorized");
        return;
      }
      case "data": {
        const channel = this.byId.get(message.id);
        if (!channel) return;
        let event: FeedEvent;
        try {
          event = JSON.parse(message.event) as FeedEvent;
        } catch (error) {
          this.options.onError?.(
            new HeraldError(0, "invalid_event", "An event is not JSON", undefined, {
              cause: error,
            }),
          );
          return;
        }
        for (const entry of channel.entries) {
          if (matches(entry.feeds, event)) deliver(entry, event);
        }
        return;
      }
      case "unsubscribe_success":
        return;
      default:
        if ("errors" in message)
          this.options.onError?.(refusal(message.errors, "The feed reported an error"));
        return;
    }
  }

  /**
   * What an entry missed, from Herald's replay (DynamoDB): from `from` (a catch-up), its last
   * event id, or from just before it was first confirmed. Skipped before anything could have
   * been missed.
   */
  private async replay(entry: Entry, from?: string) {
    const url = this.token?.feed_url;
    const since =
      from ??
      entry.lastEventId ??
      (entry.confirmedAt !== undefined && entry.attached > 1
        ? `${new Date(entry.confirmedAt - SINCE_MARGIN_MS).toISOString()}|-`
        : undefined);
    if (!url || !since || !this.token) return;
    const address = new URL(url);
    address.searchParams.set("replay", "only");
    address.searchParams.set("last_event_id", since);
    try {
      const response = await (this.options.fetch ?? globalThis.fetch)(address, {
        headers: { authorization: `Bearer ${this.token.token}` },
      });
      if (!response.ok) throw await errorFrom(response);
      const events: FeedEvent[] = [];
      let complete = true;
      const parser = createParser({
        onEvent: (message) => {
          if (message.event === "replay.end") {
            complete = (JSON.parse(message.data) as { complete: boolean }).complete;
          } else events.push(JSON.parse(message.data) as FeedEvent);
        },
      });
      parser.feed(await response.text());
      for (const event of events) if (matches(entry.feeds, event)) deliver(entry, event);
      if (!complete) entry.options.onGap?.();
    } catch (error) {
      this.options.onError?.(
        error instanceof HeraldError ? error : transportError(error, "the feed replay"),
      );
    }
  }
}

function refusal(
  errors: Array<{ errorType?: string; message?: string }> | undefined,
  fallback: string,
): HeraldError {
  const first = errors?.[0];
  const unauthorized = first?.errorType === "UnauthorizedException";
  return new HeraldError(
    unauthorized ? 401 : 0,
    unauthorized ? "unauthorized" : "feed_unavailable",
    first?.message ?? fallback,
    errors,
  );
}

function matches(feeds: SocketFeedName[], event: FeedEvent): boolean {
  return feeds.some(
    (feed) => feed === "recipient" || feed === `notification:${event.notification.id}`,
  );
}

/** Each change once and never back in time per notification; the last id is kept to resume. */
function deliver(entry: Entry, event: FeedEvent) {
  if (entry.closed) return;
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

/** The channel segment of an id: the first 32 hex digits of its SHA-256 (as Herald computes it). */
export async function channelSegment(id: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(id));
  return [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .slice(0, 32);
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
