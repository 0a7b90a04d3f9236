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
