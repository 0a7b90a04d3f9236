import { redis } from "../aws/redis";
import { UnavailableError } from "../error";
import { errorFields, log } from "../log";
import { type Event, parseEvent } from "./event";

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
}

/**
 * Subscribe to a channel pattern (see `patterns`) through Upstash. Resolves once Redis has
 * confirmed the subscription, so every message published after that reaches `onEvent`;
 * resolves to the function that unsubscribes. Messages that are not events are dropped.
 */
export async function subscribe(
  pattern: string,
  onEvent: (event: Event) => void,
  options: SubscribeOptions = {},
): Promise<Unsubscribe> {
  const subscriber = redis().psubscribe<unknown>(pattern);
  let unsubscribed: Promise<void> | undefined;
  const unsubscribe = () => {
    unsubscribed ??= subscriber.unsubscribe();
    return unsubscribed;
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
  const timeoutMs = options.timeoutMs ?? 10_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no confirmation within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([confirmed, timeout]);
  } catch (error) {
    await unsubscribe();
    throw new SubscribeError(pattern, { cause: error });
  } finally {
    clearTimeout(timer);
    confirm = undefined;
  }
  return unsubscribe;
}
