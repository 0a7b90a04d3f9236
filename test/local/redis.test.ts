import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { findRedisServer, type RedisEmulator, startRedis } from "@herald/local/redis";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support";

/**
 * The local Upstash stand-in, exercised only through `@upstash/redis` as production code uses it,
 * once on a real redis-server and once on the in-process fallback (ioredis-mock).
 */

const BACKENDS = ["redis-server", "embedded"] as const;
const redisServerInstalled = findRedisServer() !== undefined;

const unique = (label: string) => `test:${label}:${randomUUID().slice(0, 8)}`;

describe.each(BACKENDS)("Upstash REST shim on %s", (backend) => {
  describe.skipIf(backend === "redis-server" && !redisServerInstalled)("via @upstash/redis", () => {
    let emulator: RedisEmulator;
    let redis: Redis;

    beforeAll(async () => {
      emulator = await startRedis({ backend });
      redis = new Redis({ url: emulator.url, token: emulator.token, enableTelemetry: false });
    });

    afterAll(async () => {
      await emulator?.stop();
    });

    it("runs on the backend it was asked for", () => {
      expect(emulator.backend).toBe(backend);
      expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    });

    it("round-trips plain, unicode and JSON values", async () => {
      // Prepare
      const plain = unique("plain");
      const unicode = unique("unicode");
      const json = unique("json");
      const text = 'héllo wörld — 你好 🚀 "quoted", comma';
      const notification = { id: "ntf_01J", status: "delivered", tags: ["ü", "🚀"], attempts: 2 };

      // Act
      await redis.set(plain, "value");
      await redis.set(unicode, text);
      await redis.set(json, notification);

      // Assess
      expect(await redis.get(plain)).toBe("value");
      expect(await redis.get(unicode)).toBe(text);
      expect(await redis.get(json)).toEqual(notification);
      expect(await redis.get(unique("missing"))).toBeNull();
      expect(await redis.mget(plain, unique("missing"))).toEqual(["value", null]);
    });

    it("supports SET options NX, XX and GET", async () => {
      const key = unique("set-options");

      expect(await redis.set(key, "first", { nx: true })).toBe("OK");
      expect(await redis.set(key, "second", { nx: true })).toBeNull();
      expect(await redis.set(key, "third", { xx: true, get: true })).toBe("first");
      expect(await redis.set(unique("absent"), "x", { xx: true })).toBeNull();
      expect(await redis.get(key)).toBe("third");
    });

    it("increments and decrements counters", async () => {
      const key = unique("counter");

      expect(await redis.incr(key)).toBe(1);
      expect(await redis.incrby(key, 41)).toBe(42);
      expect(await redis.decr(key)).toBe(41);
      expect(await redis.decrby(key, 40)).toBe(1);
      expect(await redis.get(key)).toBe(1);
    });

    it("expires keys (EXPIRE, TTL, PEXPIRE, SET EX)", async () => {
      // Prepare
      const key = unique("expiring");
      const withEx = unique("ex");
      await redis.set(key, "soon gone");

      // Act + Assess
      expect(await redis.ttl(key)).toBe(-1);
      expect(await redis.expire(key, 100)).toBe(1);
      expect(await redis.ttl(key)).toBeGreaterThanOrEqual(99);
      expect(await redis.ttl(key)).toBeLessThanOrEqual(100);
      await redis.set(withEx, "x", { ex: 60 });
      expect(await redis.pttl(withEx)).toBeGreaterThan(59_000);
      expect(await redis.pexpire(key, 30)).toBe(1);
      await eventually(async () => ((await redis.get(key)) === null ? true : undefined), "expiry");
      expect(await redis.ttl(key)).toBe(-2);
      expect(await redis.expire(key, 10)).toBe(0);
    });

    it("handles hashes, lists and sorted sets", async () => {
      const hash = unique("hash");
      const list = unique("list");
      const zset = unique("zset");

      expect(await redis.hset(hash, { status: "queued", attempts: 0 })).toBe(2);
      expect(await redis.hincrby(hash, "attempts", 3)).toBe(3);
      expect(await redis.hget(hash, "status")).toBe("queued");
      expect(await redis.hgetall(hash)).toEqual({ status: "queued", attempts: 3 });
      expect(await redis.hdel(hash, "status")).toBe(1);

      expect(await redis.rpush(list, "b", "c")).toBe(2);
      expect(await redis.lpush(list, "a")).toBe(3);
      expect(await redis.lrange(list, 0, -1)).toEqual(["a", "b", "c"]);
      expect(await redis.ltrim(list, 0, 1)).toBe("OK");
      expect(await redis.llen(list)).toBe(2);

      await redis.zadd(zset, { score: 3, member: "c" }, { score: 1, member: "a" });
      await redis.zadd(zset, { score: 2.5, member: "b" });
      expect(await redis.zrange(zset, 0, -1)).toEqual(["a", "b", "c"]);
      expect(await redis.zrange(zset, 0, -1, { withScores: true })).toEqual([
        "a",
        1,
        "b",
        2.5,
        "c",
        3,
      ]);
      expect(await redis.zrange(zset, "(1", "+inf", { byScore: true })).toEqual(["b", "c"]);
      expect(await redis.zremrangebyscore(zset, "-inf", 2)).toBe(1);
      expect(await redis.zrem(zset, "c")).toBe(1);
      expect(await redis.zcard(zset)).toBe(1);
    });

    it("runs a pipeline and reports per-command errors", async () => {
      // Prepare
      const counter = unique("pipe-counter");
      const text = unique("pipe-text");

      // Act
      const results = await redis
        .pipeline()
        .set(counter, 1)
        .incr(counter)
        .set(text, "not a list")
        .lpush(text, "x")
        .get(counter)
        .exec({ keepErrors: true });

      // Assess
      expect(results.map((r) => r.result)).toEqual(["OK", 2, "OK", undefined, 2]);
      expect(results[3]?.error).toMatch(/^WRONGTYPE/);
    });

    it("runs MULTI/EXEC atomically, and discards a transaction with a queueing error", async () => {
      // Prepare
      const key = unique("tx");
      const untouched = unique("tx-untouched");

      // Act
      const results = await redis.multi().set(key, 1).incrby(key, 41).get(key).exec();
      const aborted = redis.multi().set(untouched, "x").mget().exec();

      // Assess
      expect(results).toEqual(["OK", 42, 42]);
      await expect(aborted).rejects.toThrow(/EXECABORT/);
      expect(await redis.get(untouched)).toBeNull();
    });

    it("rejects a wrong token", async () => {
      const intruder = new Redis({ url: emulator.url, token: "wrong", enableTelemetry: false });

      await expect(intruder.get(unique("any"))).rejects.toThrow(/Unauthorized/);
      await expect(intruder.exec(["PING"])).rejects.toThrow(/Unauthorized/);
    });

    it("surfaces an unknown command as an error", async () => {
      await expect(redis.exec(["NOSUCHCOMMAND", "x"])).rejects.toThrow(
        /ERR unknown command 'NOSUCHCOMMAND'/,
      );
      expect(await redis.exec(["PING"])).toBe("PONG");
    });

    it("delivers published messages to a subscriber, and unsubscribes on disconnect", async () => {
      // Prepare
      const channel = unique("herald:tenant:recipient");
      const subscriber = redis.subscribe(channel);
      const received: unknown[] = [];
      let subscriptions: number | undefined;
      subscriber.on("subscribe", (count) => {
        subscriptions = count;
      });
      subscriber.on("message", (event) => received.push(event));
      await eventually(() => subscriptions, "the subscribe confirmation");

      // Act
      const receivers = await redis.publish(channel, { id: "ntf_1", status: "delivered" });
      await eventually(() => received[0], "the message");
      await subscriber.unsubscribe();

      // Assess
      expect(subscriptions).toBe(1);
      expect(receivers).toBe(1);
      expect(received).toEqual([{ channel, message: { id: "ntf_1", status: "delivered" } }]);
      await eventually(
        async () => ((await redis.publish(channel, { late: true })) === 0 ? true : undefined),
        "PUBLISH to reach nobody after unsubscribe",
      );
    });

    it("delivers to pattern subscribers", async () => {
      // Prepare
      const prefix = unique("herald:tenant");
      const pattern = `${prefix}:notification:*`;
      const channel = `${prefix}:notification:ntf_2`;
      const subscriber = redis.psubscribe(pattern);
      const received: unknown[] = [];
      let subscribed = false;
      subscriber.on("psubscribe", () => {
        subscribed = true;
      });
      subscriber.on("pmessage", (event) => received.push(event));
      await eventually(() => (subscribed ? true : undefined), "the psubscribe confirmation");

      // Act
      const missed = await redis.publish(`${prefix}:recipient:r1`, { ignored: true });
      const receivers = await redis.publish(channel, { status: "sent" });
      await eventually(() => received[0], "the pattern message");
      await subscriber.unsubscribe();

      // Assess
      expect(missed).toBe(0);
      expect(receivers).toBe(1);
      expect(received).toEqual([{ pattern, channel, message: { status: "sent" } }]);
      await eventually(
        async () => ((await redis.publish(channel, { late: true })) === 0 ? true : undefined),
        "PUBLISH to reach nobody after punsubscribe",
      );
    });

    it("runs Lua scripts by EVAL, SCRIPT LOAD and EVALSHA, flags line included", async () => {
      // Prepare
      const key = unique("script");
      const source = "#!lua flags=allow-key-locking\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])";

      // Act
      const evaluated = await redis.eval(source, [key], [2]);
      const sha = await redis.scriptLoad(source);
      const bySha = await redis.evalsha(sha, [key], [3]);
      const missing = await redis.evalsha("0".repeat(40), [key], []).catch(String);

      // Assess
      expect(evaluated).toBe(2);
      expect(bySha).toBe(5);
      expect(await redis.scriptExists(sha)).toEqual([1]);
      expect(missing).toMatch(/NOSCRIPT/);
    });

    it("enforces @upstash/ratelimit's sliding window", async () => {
      // Prepare
      const limiter = new Ratelimit({
        redis,
        limiter: Ratelimit.slidingWindow(3, "60 s"),
        prefix: unique("ratelimit"),
        analytics: false,
      });

      // Act
      const outcomes = [];
      for (let i = 0; i < 5; i++) outcomes.push((await limiter.limit("key")).success);
      const other = await limiter.limit("other key");

      // Assess
      expect(outcomes).toEqual([true, true, true, false, false]);
      expect(other.success).toBe(true);
    });

    it("lists, counts and deletes keys", async () => {
      const prefix = unique("keys");
      await redis.mset({ [`${prefix}:a`]: 1, [`${prefix}:b`]: 2 });

      expect((await redis.keys(`${prefix}:*`)).sort()).toEqual([`${prefix}:a`, `${prefix}:b`]);
      expect(await redis.exists(`${prefix}:a`, `${prefix}:c`)).toBe(1);
      expect(await redis.del(`${prefix}:a`)).toBe(1);
      expect(await redis.dbsize()).toBeGreaterThan(0);
    });
  });
});

describe("the in-process fallback under tsx", () => {
  it("loads as npm run dev runs it", async () => {
    const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
    const program = `(async () => {
      const { startRedis } = await import("@herald/local/redis");
      const emulator = await startRedis({ backend: "embedded" });
      console.log(emulator.backend);
      await emulator.stop();
    })();`;

    const { stdout } = await promisify(execFile)(tsx, ["--eval", program], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
    });

    expect(stdout.trim()).toBe("embedded");
  });
});

describe("HERALD_LOCAL_REDIS", () => {
  it("forces the backend, and refuses an unknown one", async () => {
    const before = process.env.HERALD_LOCAL_REDIS;
    try {
      process.env.HERALD_LOCAL_REDIS = "embedded";
      const emulator = await startRedis();
      await emulator.stop();
      process.env.HERALD_LOCAL_REDIS = "memcached";

      expect(emulator.backend).toBe("embedded");
      await expect(startRedis()).rejects.toThrow(/HERALD_LOCAL_REDIS must be one of/);
    } finally {
      if (before === undefined) delete process.env.HERALD_LOCAL_REDIS;
      else process.env.HERALD_LOCAL_REDIS = before;
    }
  });
});
