import * as Tenant from "@herald/core/tenant";
import { describe, expect, it } from "vitest";
import { client, eventually, unique, useLocalCloud } from "./support";

/**
 * API Gateway caches the authorizer's answer per Authorization header (manifest
 * `authorizerCacheSeconds`, 60 s in AWS): a key revoked while its answer is cached keeps working
 * until the entry expires, never longer. Here the cache lives 2 s, so the bound is seen quickly.
 */
const TTL_SECONDS = 2;
const cloud = useLocalCloud({ authorizerCacheSeconds: TTL_SECONDS });

describe("revoking a key whose authorization is cached", () => {
  it("refuses it once the cached answer expires, and a revoked unused key at once", async () => {
    // Prepare
    const used = await cloud().createKey(unique("acme"));
    const unused = await cloud().createKey(unique("acme"));
    const api = client(cloud().apiUrl, used);
    const before = await api.request("GET", "/v1/notifications");
    const revokedAt = Date.now();

    // Act
    await Tenant.revokeKey(used);
    await Tenant.revokeKey(unused);
    const refused = await eventually(
      async () => {
        const answer = await api.request("GET", "/v1/notifications");
        return answer.status === 403 ? answer : undefined;
      },
      { what: "the revoked key refused", timeoutMs: 15_000, intervalMs: 200 },
    );
    const refusedAfterMs = Date.now() - revokedAt;
    const never = await client(cloud().apiUrl, unused).request("GET", "/v1/notifications");

    // Assess
    expect(before.status).toBe(200);
    expect(refused.status).toBe(403);
    // The bound: the cached answer was made before the revocation, so it cannot outlive it by
    // more than the TTL (with room for a slow request on a busy machine).
    expect(refusedAfterMs).toBeLessThanOrEqual(TTL_SECONDS * 1000 + 3_000);
    expect(never.status).toBe(403);
  });
});
