import { Ratelimit } from "@upstash/ratelimit";
import { redis } from "../aws/redis";
import { tuning } from "../config";
import { RateLimitedError } from "../error";
import { errorFields, log } from "../log";

let limiter: Ratelimit | undefined;

function rateLimiter(): Ratelimit {
  const { HERALD_RATE_LIMIT: limit, HERALD_RATE_WINDOW_SECONDS: window } = tuning();
  limiter ??= new Ratelimit({
    redis: redis(),
    limiter: Ratelimit.slidingWindow(limit, `${window} s`),
    prefix: "herald:ratelimit",
    // Keys already over their limit are refused from memory until the window resets.
    ephemeralCache: new Map(),
    // Redis trouble must not take the API down: after this long the request is let through.
    timeout: 1_000,
    analytics: false,
  });
  return limiter;
}

/**
 * Count a request against an API key's sliding window; throws RateLimitedError (429) over the
 * limit. Fails open, with a warning, when Redis cannot answer.
 */
export async function enforce(keyId: string, now = Date.now()): Promise<void> {
  let result: Awaited<ReturnType<Ratelimit["limit"]>>;
  try {
    result = await rateLimiter().limit(keyId);
  } catch (error) {
    log.warn("rate limiter unavailable; request allowed", errorFields(error));
    return;
  }
  if (!result.success) {
    throw new RateLimitedError(Math.max(1, Math.ceil((result.reset - now) / 1000)));
  }
}

/**
 * Count up to `wanted` more requests against the key's window at once (a batch counts each item
 * as a request): how many the window still holds are granted, all in one count; the rest are
 * the caller's to refuse. Fails open, with a warning, when Redis cannot answer.
 */
export async function allow(keyId: string, wanted: number): Promise<number> {
  if (wanted <= 0) return 0;
  try {
    const { remaining } = await rateLimiter().getRemaining(keyId);
    const granted = Math.min(wanted, remaining);
    if (granted <= 0) return 0;
    const result = await rateLimiter().limit(keyId, { rate: granted });
    // Another request took part of the window meanwhile: grant nothing rather than overshoot.
    return result.success ? granted : 0;
  } catch (error) {
    log.warn("rate limiter unavailable; batch allowed", errorFields(error));
    return wanted;
  }
}
