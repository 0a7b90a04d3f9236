import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { redis as heraldRedis } from "@herald/core/aws/redis";
import { RateLimitedError } from "@herald/core/error";
import { log } from "@herald/core/log";
import { RateLimiter, type RateLimiterOptions } from "@herald/core/tenant/ratelimit";
import { Redis } from "@upstash/redis";
import { describe, expect, it } from "vitest";
import { client, unique, useLocalCloud } from "./support";

const cloud = useLocalCloud();

/** A client on the local cloud's Redis that counts the commands it sends. */
function countingRedis() {
  const { url, token } = cloud().redis;
  const upstash = new Redis({ url, token, enableAutoPipelining: false });
  const counter = { commands: 0 };
  upstash.use(async (request, next) => {
    counter.commands++;
    return next(request);
  });
  return { redis: () => upstash, counter };
}

/** A container: its own limiter (its own leases), on the cloud's Redis, with the given clock. */
function container(options: Partial<RateLimiterOptions> & { limit: number }) {
  const { redis, counter } = countingRedis();
  return { limiter: new RateLimiter({ windowSeconds: 60, redis, ...options }), counter };
}

/** Whether `enforce` admitted the request (false: RateLimitedError). */
async function admitted(limiter: RateLimiter, key: string): Promise<boolean> {
  try {
    await limiter.enforce(key);
    return true;
  } catch (error) {
    if (error instanceof RateLimitedError) return false;
    throw error;
  }
}

/** A fixed instant 20 s into a 60 s window (the previous window is empty for a fresh key). */
function midWindow(): number {
  return Math.floor(Date.now() / 60_000) * 60_000 + 20_000;
}

describe("rate limit leases", () => {
  it("never admit more than the limit across containers sharing a key, under concurrent load", async () => {
    // Prepare: four containers, limit 97 (leases up to 9), one clock, so leases never expire.
    const key = unique("key");
    const at = midWindow();
    const containers = Array.from(
      { length: 4 },
      () => container({ limit: 97, now: () => at }).limiter,
    );

    // Act: five callers per container, 30 calls each; every fourth call a batch of 1 to 7.
    const admittedBy = await Promise.all(
      containers.flatMap((limiter) =>
        Array.from({ length: 5 }, async () => {
          let count = 0;
          for (let i = 0; i < 30; i++) {
            count +=
              i % 4 === 3
                ? await limiter.allow(key, 1 + (i % 7))
                : Number(await admitted(limiter, key));
          }
          return count;
        }),
      ),
    );

    // Assess: a container is refused only once its lease is spent, so exactly the limit got in.
    expect(admittedBy.reduce((sum, n) => sum + n, 0)).toBe(97);
  });

  it("are at most a tenth of the limit, and an idle container returns what it held", async () => {
    // Prepare: limit 100 (leases up to 10); container A takes a burst of 30.
    const key = unique("key");
    let at = midWindow();
    const a = container({ limit: 100, now: () => at });
    const b = container({ limit: 100, now: () => at });
    for (let i = 0; i < 30; i++) expect(await admitted(a.limiter, key)).toBe(true);

    // Act: B takes all the window still holds; A idles 5 s, then sends one request.
    const grantedToB = await b.limiter.allow(key, 100);
    at += 5_000;
    const afterIdle = await admitted(a.limiter, key);
    const returnedToB = await b.limiter.allow(key, 100);

    // Assess: A held at most 10 unspent (leases 1, 2, 4, 8, 10, 10: 5 left); after idling it
    // handed them back in the command that took its next lease, sized 1 for its quiet rate.
    const held = 100 - 30 - grantedToB;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(10);
    expect(afterIdle).toBe(true);
    expect(returnedToB).toBe(held - 1);
    expect(await admitted(b.limiter, key)).toBe(false);
  });

  it("keep one container exact at the boundary: the (L+1)th request is refused with Retry-After", async () => {
    // Prepare: limit 100, a clock 20 s into the window.
    const key = unique("key");
    const at = midWindow();
    const { limiter, counter } = container({ limit: 100, now: () => at });

    // Act: a burst of 130, 10 at a time.
    const outcomes: (true | RateLimitedError)[] = [];
    for (let i = 0; i < 13; i++) {
      outcomes.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, () =>
            limiter.enforce(key).then(
              () => true as const,
              (error: RateLimitedError) => error,
            ),
          ),
        )),
      );
    }
    const commandsAtRefusal = counter.commands;
    const later = await admitted(limiter, key);

    // Assess
    expect(outcomes.filter((o) => o === true)).toHaveLength(100);
    const refused = outcomes.slice(100);
    expect(refused.every((o) => o instanceof RateLimitedError)).toBe(true);
    expect((refused[0] as RateLimitedError).retryAfterSeconds).toBe(40);
    expect((refused[0] as RateLimitedError).code).toBe("rate_limited");
    // A burst of 100 took far fewer commands than requests, and refusals come from memory.
    expect(commandsAtRefusal).toBeLessThan(20);
    expect(later).toBe(false);
    expect(counter.commands).toBe(commandsAtRefusal);
  });

  it("let requests through with a warning when Redis does not answer", async () => {
    // Prepare: an "Upstash" that accepts connections and never answers.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const upstash = new Redis({ url, token: "t", enableAutoPipelining: false });
    const limiter = new RateLimiter({
      limit: 1,
      windowSeconds: 60,
      redis: () => upstash,
      timeoutMs: 300,
    });
    const lines: string[] = [];
    const original = { out: process.stdout.write, err: process.stderr.write };
    const tap = ((chunk: unknown) => {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    }) as typeof process.stdout.write;
    const level = process.env.AWS_LAMBDA_LOG_LEVEL;

    // Act: one over the limit of 1 either way.
    let results: [boolean, boolean, number];
    try {
      process.env.AWS_LAMBDA_LOG_LEVEL = "WARN";
      log.followEnvironment();
      process.stdout.write = tap;
      process.stderr.write = tap;
      results = [
        await admitted(limiter, "key"),
        await admitted(limiter, "key"),
        await limiter.allow("key", 5),
      ];
    } finally {
      process.stdout.write = original.out;
      process.stderr.write = original.err;
      process.env.AWS_LAMBDA_LOG_LEVEL = level;
      log.followEnvironment();
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }

    // Assess
    expect(results).toEqual([true, true, 5]);
    const warnings = lines.map((line) => JSON.parse(line) as { level: string; message: string });
    expect(warnings.map((w) => [w.level, w.message])).toEqual([
      ["warn", "rate limiter unavailable; request allowed"],
      ["warn", "rate limiter unavailable; request allowed"],
      ["warn", "rate limiter unavailable; batch allowed"],
    ]);
  });

  it("take a burst of API requests with far fewer Redis commands than requests", async () => {
    // Prepare: a fresh key (the test cloud's limit is 100,000 per 10 s: leases up to 10,000);
    // count the rate-limit scripts the handlers' own Upstash client sends.
    const api = client(cloud().apiUrl, await cloud().createKey(unique("tenant")));
    let counting = false;
    let scripts = 0;
    heraldRedis().use(async (request, next) => {
      const name = String((request.body as unknown[] | undefined)?.[0] ?? "").toUpperCase();
      if (counting && (name === "EVALSHA" || name === "EVAL")) scripts++;
      return next(request);
    });

    // Act: 40 requests at once (before leases, each was one EVALSHA).
    counting = true;
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () =>
        api.request("GET", "/v1/notifications?limit=1").then((r) => r.status),
      ),
    );
    counting = false;

    // Assess: leases of 1, 2, 4, 8, 16, 32 cover 63 requests: 6 commands while each lease is
    // spent within its second (measured: 6); a loaded machine may take more, but not one per
    // request (before leases: 40, and 44 with the first EVALSHAs refused as NOSCRIPT).
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(scripts).toBeGreaterThan(0);
    expect(scripts).toBeLessThanOrEqual(20);
  });
});
