import { describe, expect, it } from "vitest";
import { client, unique, useLocalCloud } from "./support";

const cloud = useLocalCloud({ env: { HERALD_RATE_LIMIT: "5", HERALD_RATE_WINDOW_SECONDS: "60" } });

async function tenant() {
  return { api: client(cloud().apiUrl, await cloud().createKey(unique("tenant"))) };
}

describe("rate limiting", () => {
  // The cloud:redis-fallback test project runs this file on the in-process Redis.
  it.runIf(process.env.HERALD_LOCAL_REDIS)("runs on the Redis HERALD_LOCAL_REDIS names", () => {
    expect(cloud().redis.backend).toBe(process.env.HERALD_LOCAL_REDIS);
  });

  it("answers 429 with Retry-After once a key is over its limit, and only that key", async () => {
    // Prepare
    const noisy = await tenant();
    const quiet = await tenant();

    // Act
    const burst = [];
    for (let i = 0; i < 7; i++)
      burst.push(await noisy.api.request("GET", "/v1/notifications?limit=1"));
    const other = await quiet.api.request("GET", "/v1/notifications?limit=1");
    const health = await client(cloud().apiUrl).request("GET", "/health");

    // Assess
    expect(burst.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(burst[5]!.status).toBe(429);
    expect(burst[5]!.body.error.code).toBe("rate_limited");
    const retryAfter = Number(burst[5]!.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(other.status).toBe(200);
    expect(health.status).toBe(200);
  });

  it("counts each item of a batch as a request, refusing the items past the window", async () => {
    // Prepare: a limit of 5, and a batch of 8 items.
    const { api } = await tenant();
    const items = Array.from({ length: 8 }, (_, i) => ({
      channel: "in_app",
      recipient: { id: `r${i}` },
      content: { title: "hi" },
      immediate: true,
    }));

    // Act
    const batch = await api.request("POST", "/v1/notifications/batch", { items });
    const after = await api.request("GET", "/v1/notifications?limit=1");

    // Assess: five items fit the window (the request counted as the first), three do not.
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { accepted: boolean }) => r.accepted)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(batch.body.results[5]).toMatchObject({
      http_status: 429,
      error: { code: "rate_limited" },
    });
    expect(after.status).toBe(429);
  });
});
