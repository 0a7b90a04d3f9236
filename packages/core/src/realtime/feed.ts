import {
  byEventId,
  type Event,
  instantOf,
  patterns,
  sseComment,
  sseEvent,
  sseRetry,
} from "./event";
import { catchUpAfterMs } from "./presence";
import { replay, replayWindow } from "./replay";
import { subscribe } from "./subscribe";

/**
 * One recipient's feed, as a stream of server-sent events, independent of how the bytes travel
 * (the Lambda handler in functions/stream.ts writes them to a response stream):
 *
 * 1. subscribe to the recipient's channels, registered as present until the deadline
 *    (./presence), and wait for Redis to confirm, holding what arrives;
 * 2. open the response (`retry:` hint first);
 * 3. with a Last-Event-ID, replay what was missed from DynamoDB, merged with what was held,
 *    in event-id order and without repeats;
 * 4. relay live events, with a heartbeat comment, until the deadline, the client leaves or
 *    the subscription breaks; then unsubscribe. The client reconnects with Last-Event-ID.
 * 5. once, `catchUpAfterMs()` after subscribing, replay from DynamoDB what changed since just
 *    before the subscription (through the same Relay, so nothing shown twice): a publisher that
 *    read "nobody listens" just before the feed registered did not publish those changes.
 */

export const HEARTBEAT_MS = 15_000;
export const RETRY_MS = 1_000;
/**
 * Replay reaches this far before the Last-Event-ID: an event is stamped just before its write
 * and published just after, so two changes a few milliseconds apart can be published out of
 * order; a client that left between them must still get the earlier one. It may see one or two
 * events again; they are snapshots, so a repeat is harmless (`@herald/client` drops them).
 */
export const REPLAY_OVERLAP_MS = 5_000;

export type FeedEnd = "deadline" | "disconnected" | "subscription_lost" | "replayed";

export interface FeedOptions {
  tenantId: string;
  recipientId: string;
  /** The last event the client has: replay what came after it. */
  lastEventId?: string;
  /** Epoch ms at which the feed ends cleanly. */
  until: number;
  /** The client left (or the transport failed): stop at once. */
  signal: AbortSignal;
  /** Called once the subscription holds, before the first write: send the response head. */
  open: () => void;
  write: (chunk: string) => void;
  heartbeatMs?: number;
  retryMs?: number;
  replayOverlapMs?: number;
  /**
   * Replay what was missed after `lastEventId` and end, with no live part (no Redis
   * subscription): how a WebSocket client catches up after a reconnect. The last message is a
   * `replay.end` event whose data says whether the replay was `complete`.
   */
  replayOnly?: boolean;
  /** When to catch up on what stale presence kept back (default `catchUpAfterMs()`). */
  catchUpAfterMs?: number;
}

/** Run a feed until it ends; throws `SubscribeError` (before `open`) when Redis is unavailable. */
export async function runFeed(options: FeedOptions): Promise<FeedEnd> {
  if (options.replayOnly) return replayOnly(options);
  const relay = new Relay(options.tenantId, options.recipientId);
  const emit = (event: Event) => {
    if (relay.accept(event)) options.write(sseEvent(event));
  };
  const held: Event[] = [];
  let live = false;
  const ended = new AbortController();
  const subscribedAt = Date.now();
  const unsubscribe = await subscribe(
    patterns.recipient(options.tenantId, options.recipientId),
    (event) => (live ? emit(event) : held.push(event)),
    { onError: () => ended.abort("subscription_lost"), until: options.until },
  );
  const timers: ReturnType<typeof setTimeout>[] = [];
  try {
    options.open();
    options.write(sseRetry(options.retryMs ?? RETRY_MS) + sseComment("connected"));
    const missed =
      options.lastEventId && !options.signal.aborted
        ? await missedSince(options, options.lastEventId)
        : ([] as Event[]);
    for (const event of [...missed, ...held.splice(0)].sort(byEventId)) emit(event);
    live = true;
    const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    timers.push(setInterval(() => options.write(sseComment("heartbeat")), heartbeatMs));
    timers.push(setTimeout(() => ended.abort("deadline"), Math.max(0, options.until - Date.now())));
    const catchUpAt = subscribedAt + (options.catchUpAfterMs ?? catchUpAfterMs());
    // A feed that ends before then needs none: the client reconnects with Last-Event-ID.
    if (catchUpAt < options.until) {
      timers.push(
        setTimeout(() => {
          catchUp(options, subscribedAt).then(
            (events) => {
              if (!ended.signal.aborted) for (const event of events) emit(event);
            },
            () => ended.abort("subscription_lost"),
          );
        }, catchUpAt - Date.now()),
      );
    }
    return await endOf(ended.signal, options.signal);
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await unsubscribe();
  }
}

/** Whichever comes first: the feed's own end (deadline, lost subscription) or the client's. */
function endOf(ended: AbortSignal, client: AbortSignal): Promise<FeedEnd> {
  return new Promise((resolve) => {
    const settle = () => {
      if (client.aborted) resolve("disconnected");
      else resolve(ended.reason as FeedEnd);
    };
    if (ended.aborted || client.aborted) return settle();
    ended.addEventListener("abort", settle, { once: true });
    client.addEventListener("abort", settle, { once: true });
  });
}

async function replayOnly(options: FeedOptions): Promise<FeedEnd> {
  options.open();
  let events: Event[] = [];
  let complete = true;
  if (options.lastEventId) {
    const overlap = options.replayOverlapMs ?? REPLAY_OVERLAP_MS;
    const from = new Date(instantOf(options.lastEventId).getTime() - overlap).toISOString();
    const window = await replayWindow(options.tenantId, options.recipientId, from);
    events = window.events.filter((event) => event.event_id !== options.lastEventId);
    complete = window.complete;
  }
  for (const event of events) options.write(sseEvent(event));
  options.write(
    `event: replay.end\ndata: ${JSON.stringify({ complete, replayed: events.length })}\n\n`,
  );
  return "replayed";
}

/**
 * What changed since just before the feed subscribed, read back (the replay's overlap covers an
 * event stamped before its write). A failure ends the feed: the client reconnects and replays.
 */
async function catchUp(options: FeedOptions, subscribedAt: number): Promise<Event[]> {
  const overlap = options.replayOverlapMs ?? REPLAY_OVERLAP_MS;
  const from = new Date(subscribedAt - overlap).toISOString();
  return (await replayWindow(options.tenantId, options.recipientId, from)).events;
}

async function missedSince(options: FeedOptions, lastEventId: string): Promise<Event[]> {
  const overlap = options.replayOverlapMs ?? REPLAY_OVERLAP_MS;
  const from = new Date(instantOf(lastEventId).getTime() - overlap).toISOString();
  const events = await replay(options.tenantId, options.recipientId, from);
  return events.filter((event) => event.event_id !== lastEventId);
}

/**
 * Which events reach a feed: only its own recipient's, each change once, and never one that
 * would move a notification back to an older state. Remembers the last `capacity` notifications.
 */
export class Relay {
  private readonly latest = new Map<string, { eventId: string; fingerprint: string }>();

  constructor(
    private readonly tenantId: string,
    private readonly recipientId: string,
    private readonly capacity = 10_000,
  ) {}

  accept(event: Event): boolean {
    const { notification } = event;
    if (event.tenant_id !== this.tenantId || notification.recipient?.id !== this.recipientId) {
      return false;
    }
    const fingerprint = fingerprintOf(event);
    const seen = this.latest.get(notification.id);
    if (
      seen &&
      (event.event_id < seen.eventId ||
        (event.event_id === seen.eventId && fingerprint === seen.fingerprint))
    ) {
      return false;
    }
    this.latest.delete(notification.id);
    this.latest.set(notification.id, { eventId: event.event_id, fingerprint });
    if (this.latest.size > this.capacity) {
      const oldest = this.latest.keys().next();
      if (!oldest.done) this.latest.delete(oldest.value);
    }
    return true;
  }
}

/**
 * What can change without a new event id: an inbox read or seen mark keeps `updated_at`, so its
 * event shares the delivery event's id and differs only there. Same id, same marks: a repeat.
 */
function fingerprintOf({ notification }: Event): string {
  return `${notification.status}|${notification.read_at ?? ""}|${notification.seen_at ?? ""}`;
}
