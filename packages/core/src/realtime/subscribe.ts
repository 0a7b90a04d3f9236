import { redis } from "../aws/redis";
import { UnavailableError } from "../error";
import { errorFields, log } from "../log";
import { withTimeout } from "../timeout";
import { type Event, parseEvent } from "./event";
import * as Presence from "./presence";

/**
 * The subscription could not be established (Redis unreachable, refused, or too slow): the feed
 * answers 503 and the client retries.
 */
export class SubscribeError extends UnavailableError {
  constructor(
    readonly pattern: string,
    options?: ErrorOptions,
  ) {
    super("feed_unavailable", "The feed is unavailable; retry shortly", 2, options);
    this.name = "SubscribeError";
  }
}

/** Ends a subscription; safe to call more than once. */
export type Unsubscribe = () => Promise<void>;

export interface SubscribeOptions {
  /** Failures after the subscription was confirmed (the stream broke); default: logged. */
  onError?: (error: Error) => void;
  /** How long to wait for Redis to confirm the subscription (default 10 s). */
  timeoutMs?: number;
  /**
   * Epoch ms until which the subscriber is registered as present (the SSE feed's deadline).
   * Without it, presence is registered for `PRESENCE_LEASE_MS` and renewed every half of that
   * until `unsubscribe`.
   */
  until?: number;
}

/** How long an open-ended subscription is registered for at a time (renewed while it lasts). */
export const PRESENCE_LEASE_MS = 10 * 60_000;

/**
 * What a pattern from `patterns` listens to: its tenant and its presence member. Other patterns
 * are refused: publishers publish only what registered listeners want (./presence).
 */
export function listenerOf(pattern: string): { tenantId: string; member: string } {
  const match = /^herald:([\w-]+):n:(?:\*|([\w-]+):\*|\*:([\w-]+))$/.exec(pattern);
  if (!match?.[1]) {
    throw new TypeError(`Subscribe to a pattern from \`patterns\`, not "${pattern}"`);
  }
  const decode = (part: string) => Buffer.from(part, "base64url").toString();
  const [, tenant, recipient, notification] = match;
  return {
    tenantId: decode(tenant),
    member: recipient
      ? Presence.member.recipient(decode(recipient))
      : notification
        ? Presence.member.notification(decode(notification))
        : Presence.member.tenant(),
  };
}

/**
 * Subscribe to a channel pattern (one of `patterns`: a tenant, a recipient, a notification)
 * through Upstash, and register the subscriber's presence, so publishers publish what it
 * listens to. Resolves once Redis has confirmed the subscription and the presence is
 * registered; resolves to the function that unsubscribes. Messages that are not events are
 * dropped.
 *
 * No replay: publishers read presence at most once per HERALD_PRESENCE_CACHE_MS, so a change
 * made within `Presence.catchUpAfterMs()` of subscribing may not be published to it (a
 * publisher still held "nobody listens"). A caller that must not miss one reads the state it
 * cares about after that long (the SSE feed replays from DynamoDB then, `runFeed`); every
 * change after it arrives.
 */
export async function subscribe(
  pattern: string,
  onEvent: (event: Event) => void,
  options: SubscribeOptions = {},
): Promise<Unsubscribe> {
  const listener = listenerOf(pattern);
  const member = Presence.own(listener.member);
  let registered: string | undefined;
  const subscriber = redis().psubscribe<unknown>(pattern);
  let renewal: ReturnType<typeof setInterval> | undefined;
  let unsubscribed: Promise<void> | undefined;
  const unsubscribe = () => {
    clearInterval(renewal);
    unsubscribed ??= Promise.all([
      subscriber.unsubscribe(),
      registered &&
        Presence.unregister(listener.tenantId, registered).catch((error: unknown) =>
          log.warn("real-time presence not removed", { pattern, ...errorFields(error) }),
        ),
    ]).then(() => undefined);
    return unsubscribed;
  };
  const present = async () => {
    registered = await Presence.register(
      listener.tenantId,
      member,
      options.until ?? Date.now() + PRESENCE_LEASE_MS,
    );
  };
  let confirm: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const confirmed = new Promise<void>((resolve, reject) => {
    confirm = { resolve, reject };
  });
  subscriber.on("psubscribe", () => confirm?.resolve());
  subscriber.on("error", (error) => {
    if (confirm) confirm.reject(error);
    else if (options.onError) options.onError(error);
    else log.warn("real-time subscription failed", { pattern, ...errorFields(error) });
  });
  subscriber.on("pmessage", ({ message }) => {
    const event = parseEvent(message);
    if (event) onEvent(event);
    else log.warn("dropped a real-time message that is not an event", { pattern });
  });
  try {
    await withTimeout(
      Promise.all([confirmed, present()]),
      options.timeoutMs ?? 10_000,
      `Redis (subscription to ${pattern} and its presence)`,
    );
  } catch (error) {
    await unsubscribe();
    throw new SubscribeError(pattern, { cause: error });
  } finally {
    confirm = undefined;
  }
  if (options.until === undefined) {
    renewal = setInterval(() => {
      present().catch((error: unknown) =>
        log.warn("real-time presence not renewed", { pattern, ...errorFields(error) }),
      );
    }, PRESENCE_LEASE_MS / 2);
    (renewal as { unref?: () => void }).unref?.();
  }
  return unsubscribe;
}
