import type { Redis } from "@upstash/redis";
import { redis } from "../aws/redis";
import { tuning } from "../config";
import { RateLimitedError } from "../error";
import { errorFields, log } from "../log";
import { withTimeout } from "../timeout";

/**
 * The rate limit: a sliding window per key in Redis (`limit` requests per window, the previous
 * window's count weighted by how much of it still overlaps, as @upstash/ratelimit counts it and
 * under the same keys), spent through leases so a request does not cost a Redis command.
 *
 * A container (a Lambda execution environment; the local cloud's one process) takes a lease of
 * k requests from the key's shared window in one command and admits from it in memory. The
 * lease is counted in the window when it is taken, so all containers together never admit more
 * than the limit. What that costs: tokens a container leased and did not spend are lost to that
 * window (bounded under-admission) unless the same container takes its next lease in the same
 * window, which hands them back in the same command. The bound:
 * - a lease starts at 1 and doubles while leases are spent within their lifetime, never past
 *   `limit / 10`; after a lease that expired or lasted longer than its lifetime the next one is
 *   what this container admitted in such a lifetime, so a quiet key goes back to 1;
 * - a lease lives at most 1 s (`leaseMs`) and never past the end of the window it was counted
 *   in, so an idle container does not sit on tokens; at any moment at most `limit / 10` per
 *   container holding one is unspent.
 * In one container the boundary is exact: the script grants part of a lease when the window
 * holds less, so a burst gets exactly `limit` through and the next one is refused, and a key
 * refused once is refused from memory until its window ends. Fails open, with a warning, when
 * Redis cannot answer within a second.
 */

/**
 * Grant up to ARGV[4] requests from the window, after handing back ARGV[5] unspent ones leased
 * earlier in the same window. KEYS: this window's counter, the previous window's. Returns the
 * number granted (0 when the window is full).
 */
const LEASE_SCRIPT = `
local limit = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4])
local returned = tonumber(ARGV[5])
local current = tonumber(redis.call("GET", KEYS[1]) or "0")
local previous = tonumber(redis.call("GET", KEYS[2]) or "0")
local weighted = math.floor((1 - (now % window) / window) * previous)
local granted = math.max(0, math.min(wanted, limit - weighted - current + returned))
local change = granted - returned
if change ~= 0 then
  local value = redis.call("INCRBY", KEYS[1], change)
  if value == change then
    redis.call("PEXPIRE", KEYS[1], window * 2 + 1000)
  end
end
return granted
`;

export interface RateLimiterOptions {
  /** Requests per window and key. */
  limit: number;
  windowSeconds: number;
  /** Default: the linked Upstash client. */
  redis?: () => Redis;
  /** Key prefix in Redis (default `herald:ratelimit`). */
  prefix?: string;
  /** A lease's longest life in milliseconds (default 1,000). */
  leaseMs?: number;
  /** The largest lease (default `limit / 10`, at least 1). */
  maxLease?: number;
  /** How long to wait for Redis before letting the request through (default 1,000 ms). */
  timeoutMs?: number;
  /** The clock (default `Date.now`); the script weighs the window by it too. */
  now?: () => number;
}

interface Lease {
  /** The window (index) the lease was counted in. */
  window: number;
  takenAt: number;
  expires: number;
  granted: number;
  /** Tokens not spent yet. */
  tokens: number;
  /** Tokens spent. */
  used: number;
}

interface KeyState {
  lease?: Lease;
  /** Refused from memory until then (the end of the window Redis refused in). */
  blockedUntil: number;
  /** A lease being taken; concurrent requests for the key wait for it instead of taking their own. */
  taking?: Promise<"taken" | "unavailable">;
}

/** Keys kept in memory before idle ones are dropped. */
const MAX_KEYS = 10_000;

/** One container's rate limiter: `enforce` per request, `allow` for a batch's items. */
export class RateLimiter {
  private readonly keys = new Map<string, KeyState>();
  private readonly windowMs: number;
  private readonly leaseMs: number;
  private readonly maxLease: number;
  private readonly timeoutMs: number;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly redis: () => Redis;
  private script?: ReturnType<Redis["createScript"]>;

  constructor(private readonly options: RateLimiterOptions) {
    this.windowMs = options.windowSeconds * 1000;
    this.leaseMs = options.leaseMs ?? 1_000;
    this.maxLease = options.maxLease ?? Math.max(1, Math.floor(options.limit / 10));
    this.timeoutMs = options.timeoutMs ?? 1_000;
    this.prefix = options.prefix ?? "herald:ratelimit";
    this.now = options.now ?? Date.now;
    this.redis = options.redis ?? redis;
  }

  /**
   * Count one request for `key`; throws RateLimitedError (429, Retry-After until the window
   * ends) over the limit. Fails open, with a warning, when Redis cannot answer.
   */
  async enforce(key: string): Promise<void> {
    const state = this.state(key);
    for (;;) {
      const now = this.now();
      if (state.blockedUntil > now) throw this.refusal(state.blockedUntil, now);
      if (this.spend(state, 1, now) === 1) return;
      if (state.taking) {
        if ((await state.taking) === "unavailable") return;
        continue;
      }
      state.taking = this.lease(key, state, now).finally(() => {
        state.taking = undefined;
      });
      if ((await state.taking) === "unavailable") return;
    }
  }

  /**
   * Count up to `wanted` more requests for `key` at once (a batch counts each item as a
   * request): from this container's lease first, the rest in one Redis command, granted as far
   * as the window holds them. Returns how many were granted; the rest are the caller's to refuse.
   * Fails open (all granted), with a warning, when Redis cannot answer.
   */
  async allow(key: string, wanted: number): Promise<number> {
    if (wanted <= 0) return 0;
    const state = this.state(key);
    const now = this.now();
    if (state.blockedUntil > now) return 0;
    const spent = this.spend(state, wanted, now);
    if (spent === wanted) return spent;
    const window = this.windowOf(now);
    try {
      const granted = await this.take(key, wanted - spent, this.handBack(state, window), now);
      if (granted === 0 && spent === 0) state.blockedUntil = this.endOf(window);
      return spent + granted;
    } catch (error) {
      log.warn("rate limiter unavailable; batch allowed", errorFields(error));
      return wanted;
    }
  }

  /** Spend up to `wanted` tokens of the key's live lease; returns how many. */
  private spend(state: KeyState, wanted: number, now: number): number {
    const lease = state.lease;
    if (!lease || lease.tokens === 0 || !this.live(lease, now)) return 0;
    const spent = Math.min(wanted, lease.tokens);
    lease.tokens -= spent;
    lease.used += spent;
    return spent;
  }

  /** Take the key's next lease (sized by how the last one went) and keep what was granted. */
  private async lease(key: string, state: KeyState, now: number): Promise<"taken" | "unavailable"> {
    const window = this.windowOf(now);
    const size = this.nextSize(state.lease, now);
    const handedBack = this.handBack(state, window);
    let granted: number;
    try {
      granted = await this.take(key, size, handedBack, now);
    } catch (error) {
      log.warn("rate limiter unavailable; request allowed", errorFields(error));
      return "unavailable";
    }
    if (granted === 0) state.blockedUntil = this.endOf(window);
    state.lease = {
      window,
      takenAt: now,
      expires: Math.min(now + this.leaseMs, this.endOf(window)),
      granted,
      tokens: granted,
      used: 0,
    };
    return "taken";
  }

  /**
   * The next lease's size: double the last one's when it was spent within its lifetime (up to
   * `maxLease`); otherwise what this container admitted per lease lifetime meanwhile.
   */
  private nextSize(last: Lease | undefined, now: number): number {
    if (!last) return 1;
    const age = now - last.takenAt;
    if (last.used >= last.granted && age < this.leaseMs) {
      return Math.min(this.maxLease, Math.max(1, last.granted * 2));
    }
    const perLifetime = Math.floor((last.used * this.leaseMs) / Math.max(age, this.leaseMs));
    return Math.min(this.maxLease, Math.max(1, perLifetime));
  }

  /** Unspent tokens of an expired lease counted in `window`, to hand back with the next take. */
  private handBack(state: KeyState, window: number): number {
    const lease = state.lease;
    if (!lease || lease.window !== window) return 0;
    const unspent = lease.tokens;
    lease.tokens = 0;
    return unspent;
  }

  /** One Redis command: grant up to `wanted` from the key's window, after returning `handedBack`. */
  private async take(key: string, wanted: number, handedBack: number, now: number) {
    const window = this.windowOf(now);
    const id = `${this.prefix}:${key}`;
    this.script ??= this.redis().createScript(LEASE_SCRIPT);
    const granted = await withTimeout(
      this.script.exec(
        [`${id}:${window}`, `${id}:${window - 1}`],
        [this.options.limit, now, this.windowMs, wanted, handedBack].map(String),
      ),
      this.timeoutMs,
      "Redis (rate limit lease)",
    );
    return Number(granted);
  }

  private live(lease: Lease, now: number): boolean {
    return now < lease.expires && lease.window === this.windowOf(now);
  }

  private refusal(until: number, now: number): RateLimitedError {
    return new RateLimitedError(Math.max(1, Math.ceil((until - now) / 1000)));
  }

  private windowOf(now: number): number {
    return Math.floor(now / this.windowMs);
  }

  private endOf(window: number): number {
    return (window + 1) * this.windowMs;
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      if (this.keys.size >= MAX_KEYS) this.forgetIdle();
      state = { blockedUntil: 0 };
      this.keys.set(key, state);
    }
    return state;
  }

  /** Drop keys with nothing live: no unspent lease, no refusal, no lease being taken. */
  private forgetIdle(): void {
    const now = this.now();
    for (const [key, state] of this.keys) {
      const holding = state.lease && state.lease.tokens > 0 && this.live(state.lease, now);
      if (!holding && state.blockedUntil <= now && !state.taking) this.keys.delete(key);
    }
  }
}

let limiter: RateLimiter | undefined;

/** This container's limiter, from `HERALD_RATE_LIMIT` per `HERALD_RATE_WINDOW_SECONDS`. */
function rateLimiter(): RateLimiter {
  const { HERALD_RATE_LIMIT: limit, HERALD_RATE_WINDOW_SECONDS: windowSeconds } = tuning();
  limiter ??= new RateLimiter({ limit, windowSeconds });
  return limiter;
}

/**
 * Count a request against a key's sliding window; throws RateLimitedError (429) over the limit.
 * Fails open, with a warning, when Redis cannot answer.
 */
export function enforce(keyId: string): Promise<void> {
  return rateLimiter().enforce(keyId);
}

/**
 * Count up to `wanted` more requests against the key's window at once (a batch counts each item
 * as a request): as many as the window still holds are granted; the rest are the caller's to
 * refuse. Fails open, with a warning, when Redis cannot answer.
 */
export function allow(keyId: string, wanted: number): Promise<number> {
  return rateLimiter().allow(keyId, wanted);
}
