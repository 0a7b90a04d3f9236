import { describe, expect, it } from "vitest";
import {
  client,
  emailBody,
  eventually,
  inAppBody as inApp,
  unique,
  useLocalCloud,
} from "./support";

const cloud = useLocalCloud();

async function tenant() {
  const tenantId = unique("batch");
  return { tenantId, api: client(cloud().apiUrl, await cloud().createKey(tenantId)) };
}

describe("POST /v1/notifications/batch", () => {
  it("accepts the valid items, refuses the invalid ones with the single send's codes, in order", async () => {
    // Prepare
    const { api } = await tenant();
    const items = [
      emailBody(),
      { ...emailBody(), recipient: { email: "x@example.com", timezone: "Mars/Olympus" } },
      inApp(unique("r")),
      { channel: "sms", content: { text: "hi" }, recipient: {} },
      {
        channel: "email",
        template: { id: unique("missing") },
        recipient: { email: "t@example.com" },
      },
      {
        ...emailBody(),
        send_at: new Date(Date.now() + 3_600_000).toISOString(),
        delivery_window: { start: "00:00", end: "00:00" },
      },
      null,
    ];

    // Act
    const response = await api.request("POST", "/v1/notifications/batch", { items });

    // Assess
    expect(response.status).toBe(200);
    const { results } = response.body;
    expect(response.body).toMatchObject({ accepted: 3, failed: 4 });
    expect(results.map((r: { index: number }) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(results[0]).toMatchObject({ accepted: true, status: "queued", replayed: false });
    expect(results[1]).toMatchObject({
      accepted: false,
      http_status: 400,
      error: { code: "invalid_timezone" },
    });
    expect(results[2]).toMatchObject({ accepted: true, status: "queued" });
    expect(results[3]).toMatchObject({ error: { code: "missing_contact_point" } });
    expect(results[4]).toMatchObject({ http_status: 404, error: { code: "template_not_found" } });
    expect(results[5]).toMatchObject({ accepted: true, status: "scheduled" });
    expect(results[6]).toMatchObject({ http_status: 400, error: { code: "invalid_request" } });
    // Stored: exactly the accepted ones, and they are delivered.
    const listed = await api.request("GET", "/v1/notifications?limit=100");
    expect(listed.body.items.map((n: { id: string }) => n.id).sort()).toEqual(
      [results[0].id, results[2].id, results[5].id].sort(),
    );
    await eventually(async () => {
      const one = await api.request("GET", `/v1/notifications/${results[2].id}`);
      return one.body.status === "delivered" ? true : undefined;
    }, "the in-app item delivered");
  });

  it("replays items by idempotency key, across batches and single sends, and within one batch", async () => {
    // Prepare
    const { api } = await tenant();
    const recipient = unique("r");
    const a = { ...inApp(recipient), idempotency_key: unique("key-a") };
    const b = { ...inApp(recipient), idempotency_key: unique("key-b") };
    const first = await api.request("POST", "/v1/notifications/batch", { items: [a, b] });
    const single = await api.request("POST", "/v1/notifications", inApp(recipient), {
      "idempotency-key": "single-key",
    });

    // Act: the same batch again; a key twice within one batch (same body, then another body);
    // the single send's key used by a batch item with another body.
    const again = await api.request("POST", "/v1/notifications/batch", { items: [a, b] });
    const c = { ...inApp(recipient), idempotency_key: unique("key-c") };
    const twice = await api.request("POST", "/v1/notifications/batch", {
      items: [c, c, { ...c, content: { title: "other" } }],
    });
    const reused = await api.request("POST", "/v1/notifications/batch", {
      items: [{ ...inApp(recipient), idempotency_key: "single-key" }],
    });

    // Assess
    expect(first.body.accepted).toBe(2);
    expect(again.body.results.map((r: { id: string }) => r.id)).toEqual(
      first.body.results.map((r: { id: string }) => r.id),
    );
    expect(again.body.results.every((r: { replayed: boolean }) => r.replayed)).toBe(true);
    expect(twice.body.results[0]).toMatchObject({ accepted: true, replayed: false });
    expect(twice.body.results[1]).toMatchObject({
      accepted: true,
      replayed: true,
      id: twice.body.results[0].id,
    });
    expect(twice.body.results[2]).toMatchObject({
      accepted: false,
      http_status: 409,
      error: { code: "idempotency_key_reused" },
    });
    expect(reused.body.results[0]).toMatchObject({ error: { code: "idempotency_key_reused" } });
    expect(single.status).toBe(202);
    // One notification per key, each delivered once.
    const ids = [...first.body.results.map((r: { id: string }) => r.id), twice.body.results[0].id];
    await eventually(async () => {
      const listed = await api.request("GET", `/v1/notifications?recipient=${recipient}&limit=100`);
      const done = listed.body.items.filter((n: { status: string }) => n.status === "delivered");
      return done.length === 4 ? listed.body.items : undefined;
    }, "all four delivered");
    const listed = await api.request("GET", `/v1/notifications?recipient=${recipient}&limit=100`);
    expect(listed.body.items).toHaveLength(4);
    for (const id of ids) {
      const one = await api.request("GET", `/v1/notifications/${id}`);
      expect(one.body.attempts).toBe(1);
    }
  });

  it("renders templated items as single sends do, each in its locale", async () => {
    // Prepare
    const { api } = await tenant();
    const id = unique("tpl");
    await api.request("PUT", `/v1/templates/${id}`, {
      locale: "en",
      channels: { in_app: { title: "Hi {{ name }}" } },
      locales: { fr: { in_app: { title: "Salut {{ name }}" } } },
    });
    const item = (name: string, locale?: string) => ({
      channel: "in_app",
      recipient: { id: unique("r") },
      template: { id },
      data: { name },
      ...(locale ? { locale } : {}),
      immediate: true,
    });

    // Act
    const response = await api.request("POST", "/v1/notifications/batch", {
      items: [item("Ada"), item("Bob", "fr"), item("Cy")],
    });

    // Assess
    expect(response.body.accepted).toBe(3);
    const titles = [];
    for (const result of response.body.results) {
      const one = await api.request("GET", `/v1/notifications/${result.id}`);
      titles.push(one.body.content.title);
    }
    expect(titles).toEqual(["Hi Ada", "Salut Bob", "Hi Cy"]);
  });

  it("gates and holds items as single sends: an opted-out category is skipped, a digest one held and replayed", async () => {
    // Prepare: the recipient turned marketing off in-app.
    const { api } = await tenant();
    const recipient = unique("r");
    await api.request("PUT", `/v1/recipients/${recipient}/preferences`, {
      categories: { marketing: { in_app: "off" } },
    });
    const held = inApp(recipient, {
      category: "likes",
      digest: { every: "15m" },
      idempotency_key: unique("k"),
    });
    const items = [inApp(recipient, { category: "marketing" }), held, inApp(recipient)];

    // Act
    const first = await api.request("POST", "/v1/notifications/batch", { items });
    const replay = await api.request("POST", "/v1/notifications/batch", { items: [held] });

    // Assess
    const { results } = first.body;
    expect(first.body).toMatchObject({ accepted: 3, failed: 0 });
    expect(results[0]).toMatchObject({ accepted: true, status: "skipped" });
    expect(results[1]).toMatchObject({ accepted: true, status: "held", replayed: false });
    expect(results[2]).toMatchObject({ accepted: true, status: "queued" });
    expect(replay.body.results[0]).toMatchObject({ id: results[1].id, replayed: true });
    const skipped = await api.request("GET", `/v1/notifications/${results[0].id}`);
    expect(skipped.body).toMatchObject({ status: "skipped", skip_reason: "preference" });
    const member = await api.request("GET", `/v1/notifications/${results[1].id}`);
    const digest = await api.request("GET", `/v1/notifications/${member.body.digest_id}`);
    expect(digest.status).toBe(200);
    expect(digest.body.scheduled_at).toBe(member.body.scheduled_at);
    await eventually(async () => {
      const one = await api.request("GET", `/v1/notifications/${results[2].id}`);
      return one.body.status === "delivered" ? true : undefined;
    }, "the ungated item delivered");
  });

  it("refuses an envelope over the item limit, or invalid, and stores nothing", async () => {
    // Prepare
    const { api } = await tenant();
    const tooMany = Array.from({ length: 1_001 }, () => inApp("r"));

    // Act
    const over = await api.request("POST", "/v1/notifications/batch", { items: tooMany });
    const empty = await api.request("POST", "/v1/notifications/batch", { items: [] });
    const extra = await api.request("POST", "/v1/notifications/batch", {
      items: [inApp("r")],
      x: 1,
    });
    const huge = await api.request("POST", "/v1/notifications/batch", {
      items: Array.from({ length: 300 }, () =>
        inApp("r", { metadata: { pad: "x".repeat(15_000) } }),
      ),
    });

    // Assess
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe("too_many_items");
    expect(empty.status).toBe(400);
    expect(extra.status).toBe(400);
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("payload_too_large");
    const listed = await api.request("GET", "/v1/notifications");
    expect(listed.body.items).toEqual([]);
  });

  it("keeps tenants apart: a key another tenant used is a fresh notification", async () => {
    // Prepare
    const one = await tenant();
    const two = await tenant();
    const item = { ...inApp("shared"), idempotency_key: "same-key" };

    // Act
    const a = await one.api.request("POST", "/v1/notifications/batch", { items: [item] });
    const b = await two.api.request("POST", "/v1/notifications/batch", { items: [item] });

    // Assess
    expect(b.body.results[0].replayed).toBe(false);
    expect(b.body.results[0].id).not.toBe(a.body.results[0].id);
    const cross = await two.api.request("GET", `/v1/notifications/${a.body.results[0].id}`);
    expect(cross.status).toBe(404);
  });
});
