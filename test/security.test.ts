import { TYPICAL, usd } from "@herald/core/cost";
import { PROVIDER_FEES } from "@herald/core/cost/prices";
import { describe, expect, it } from "vitest";
import { routes } from "../functions/manifest";
import { httpRoutes } from "../functions/routes";
import { client, emailBody, eventually, unique, useLocalCloud } from "./support";

const cloud = useLocalCloud();

async function tenant() {
  const tenantId = unique("tenant");
  const key = await cloud().createKey(tenantId);
  return { tenantId, key, api: client(cloud().apiUrl, key) };
}

describe("credentials and tenants", () => {
  it("refuses every route but health and docs without a key", async () => {
    // Prepare
    const anonymous = client(cloud().apiUrl);

    // Act
    const answers = await Promise.all(
      routes
        .filter(({ route }) => route !== "$default")
        .map(async ({ route }) => {
          const [method, path] = route.split(" ") as [string, string];
          const concrete = path.replace(/\{[^}]+\}/g, "x1");
          const response = await anonymous.request(
            method,
            concrete,
            method === "GET" ? undefined : {},
          );
          // The recipient-token inbox routes pass API Gateway and authenticate in the handler.
          const kind = httpRoutes[route as keyof typeof httpRoutes]?.auth ?? "none";
          const guarded = kind === "apiKey" || kind === "recipientToken";
          return { route, auth: guarded, status: response.status };
        }),
    );

    // Assess
    // One-click unsubscribe (RFC 8058) and the preference page take no key: their signed token
    // is the credential (auth kind signedLink), and "x1" is not one.
    const signed = Object.entries(httpRoutes)
      .filter(([, declaration]) => declaration.auth === "signedLink")
      .map(([route]) => route);
    expect(signed).toContain("POST /v1/unsubscribe/{token}");
    for (const answer of answers) {
      if (answer.auth) expect(answer, answer.route).toMatchObject({ status: 401 });
      else if (signed.includes(answer.route)) expect(answer.status, answer.route).toBe(400);
      else expect(answer.status, answer.route).toBeLessThan(400);
    }
    expect(
      answers
        .filter((a) => !a.auth)
        .map((a) => a.route)
        .sort(),
    ).toEqual(["GET /docs", "GET /health", "GET /openapi.json", ...signed].sort());
  });

  it("shows one tenant nothing of another's, on every route that takes an id", async () => {
    // Prepare
    const alice = await tenant();
    const bob = await tenant();
    const recipient = unique("user");
    await alice.api.request("PUT", `/v1/recipients/${recipient}`, { email: "a@example.com" });
    const sent = await alice.api.request("POST", "/v1/notifications", {
      channel: "in_app",
      recipient: { id: recipient },
      content: { title: "private" },
      immediate: true,
    });
    await eventually(async () => {
      const { body } = await alice.api.request("GET", `/v1/notifications/${sent.body.id}`);
      return body.status === "delivered" ? true : undefined;
    });
    const id = sent.body.id as string;

    // Act
    const asBob = {
      get: await bob.api.request("GET", `/v1/notifications/${id}`),
      cancel: await bob.api.request("POST", `/v1/notifications/${id}/cancel`),
      force: await bob.api.request("POST", `/v1/notifications/${id}/force`),
      retry: await bob.api.request("POST", `/v1/notifications/${id}/retry`),
      profile: await bob.api.request("GET", `/v1/recipients/${recipient}`),
      read: await bob.api.request("POST", `/v1/recipients/${recipient}/inbox/${id}/read`),
      seen: await bob.api.request("POST", `/v1/recipients/${recipient}/inbox/${id}/seen`),
      inbox: await bob.api.request("GET", `/v1/recipients/${recipient}/inbox`),
      unread: await bob.api.request("GET", `/v1/recipients/${recipient}/inbox/unread-count`),
      list: await bob.api.request("GET", `/v1/notifications?recipient=${recipient}`),
    };

    // Assess
    for (const name of ["get", "cancel", "force", "retry", "profile", "read", "seen"] as const) {
      expect(asBob[name].status, name).toBe(404);
    }
    expect(asBob.inbox.body.items).toEqual([]);
    expect(asBob.unread.body.unread).toBe(0);
    expect(asBob.list.body.items).toEqual([]);
    expect(
      (await alice.api.request("GET", `/v1/recipients/${recipient}/inbox/unread-count`)).body
        .unread,
    ).toBe(1);
  });
});

describe("metrics", () => {
  it("counts each tenant's notifications by channel and status, hour by hour", async () => {
    // Prepare
    const { api } = await tenant();
    const other = await tenant();
    const first = await api.request("POST", "/v1/notifications", emailBody());
    const second = await api.request("POST", "/v1/notifications", emailBody());
    const later = await api.request(
      "POST",
      "/v1/notifications",
      emailBody({ send_at: new Date(Date.now() + 3_600_000).toISOString(), immediate: false }),
    );
    await api.request("POST", `/v1/notifications/${later.body.id}/cancel`);
    for (const id of [first.body.id, second.body.id]) {
      await eventually(async () => {
        const { body } = await api.request("GET", `/v1/notifications/${id}`);
        return body.status === "sent" ? true : undefined;
      });
    }

    // Act: a worker writes its batch's counts when the batch is done, just after the statuses;
    // `accepted` is counted from the table's stream.
    await cloud().streams.drain();
    const mine = await eventually(async () => {
      const answer = await api.request("GET", "/v1/metrics");
      return answer.body.totals?.email?.sent === 2 ? answer : undefined;
    }, "both sends counted");
    const theirs = await other.api.request("GET", "/v1/metrics");
    const bad = await api.request(
      "GET",
      "/v1/metrics?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z",
    );

    // Assess
    expect(mine.status).toBe(200);
    expect(mine.body.totals).toEqual({ email: { accepted: 3, sent: 2, cancelled: 1 } });
    expect(
      mine.body.hours.every((h: { hour: string }) => /^\d{4}-\d{2}-\d{2}T\d{2}:00Z$/.test(h.hour)),
    ).toBe(true);
    // The cost: the same unit prices and usage per notification the bench uses.
    const typical = usd(TYPICAL.email, 30).total;
    expect(mine.body.cost).toMatchObject({ currency: "USD", retention_days: 30 });
    expect(mine.body.cost.by_channel.email.notifications).toBe(3);
    expect(mine.body.cost.by_channel.email.infrastructure).toBeCloseTo(3 * typical, 6);
    expect(mine.body.cost.by_channel.email.provider_fees).toBeCloseTo(
      2 * PROVIDER_FEES.email.usd,
      6,
    );
    expect(mine.body.cost.infrastructure).toBe(mine.body.cost.by_channel.email.infrastructure);
    expect(theirs.body.totals).toEqual({});
    expect(theirs.body.cost).toMatchObject({ by_channel: {}, infrastructure: 0, provider_fees: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_period");
  });
});
