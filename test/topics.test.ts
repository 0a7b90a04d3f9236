import { describe, expect, it } from "vitest";
import { client, eventually, unique, useLocalCloud } from "./support";

const cloud = useLocalCloud();

async function tenant() {
  const tenantId = unique("topics");
  return { tenantId, api: client(cloud().apiUrl, await cloud().createKey(tenantId)) };
}

const ALWAYS = { start: "00:00", end: "00:00" };

/** A UTC window that opens two hours from now, so a send now waits for it. */
function closedWindow() {
  const hh = (offset: number) =>
    `${String((new Date().getUTCHours() + offset) % 24).padStart(2, "0")}:00`;
  return { start: hh(2), end: hh(3) };
}

describe("topic subscribers", () => {
  it("subscribes idempotently, unsubscribes, and pages with signed cursors", async () => {
    // Prepare
    const { api } = await tenant();
    const topic = unique("news");
    const recipients = ["a", "b", "c", "d", "e"];

    // Act
    for (const r of recipients) {
      const put = await api.request("PUT", `/v1/topics/${topic}/subscribers/${r}`);
      expect(put.status).toBe(200);
    }
    const again = await api.request("PUT", `/v1/topics/${topic}/subscribers/a`);
    const gone = await api.request("DELETE", `/v1/topics/${topic}/subscribers/c`);
    const goneAgain = await api.request("DELETE", `/v1/topics/${topic}/subscribers/c`);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api.request(
        "GET",
        `/v1/topics/${topic}/subscribers?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((s: { recipient: string }) => s.recipient));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    const first = await api.request("GET", `/v1/topics/${topic}/subscribers?limit=2`);
    const elsewhere = await api.request(
      "GET",
      `/v1/topics/${unique("other")}/subscribers?cursor=${encodeURIComponent(first.body.next_cursor)}`,
    );

    // Assess
    expect(again.body).toMatchObject({ topic, recipient: "a" });
    expect(gone.status).toBe(204);
    expect(goneAgain.status).toBe(404);
    expect(seen).toEqual(["a", "b", "d", "e"]);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.code).toBe("invalid_cursor");
  });

  it("keeps tenants apart", async () => {
    // Prepare
    const one = await tenant();
    const two = await tenant();
    const topic = unique("shared-name");
    await one.api.request("PUT", `/v1/topics/${topic}/subscribers/alice`);
    const listed = await one.api.request("GET", `/v1/topics/${topic}/subscribers?limit=1`);
    const sent = await one.api.request("POST", `/v1/topics/${topic}/notifications`, {
      channel: "in_app",
      content: { title: "hi" },
      immediate: true,
    });

    // Act
    const theirs = await two.api.request("GET", `/v1/topics/${topic}/subscribers`);
    const status = await two.api.request(
      "GET",
      `/v1/topics/${topic}/notifications/${sent.body.id}`,
    );
    const unsubscribe = await two.api.request("DELETE", `/v1/topics/${topic}/subscribers/alice`);

    // Assess
    expect(listed.body.items).toHaveLength(1);
    expect(theirs.body.items).toEqual([]);
    expect(status.status).toBe(404);
    expect(unsubscribe.status).toBe(404);
  });
});

describe("topic sends", () => {
  it("fans out to every subscriber exactly once, planned per recipient, skipping opt-outs", async () => {
    // Prepare: 12 subscribers with profiles: one opted out of in-app, one whose window is
    // closed now, one another tenant's subscriber of the same topic name.
    const { api, tenantId } = await tenant();
    const other = await tenant();
    const topic = unique("launch");
    const recipients = Array.from({ length: 12 }, (_, i) => `${tenantId}-r${i}`);
    for (const [i, r] of recipients.entries()) {
      await api.request("PUT", `/v1/recipients/${r}`, {
        timezone: "UTC",
        delivery_window: i === 1 ? closedWindow() : ALWAYS,
        opt_out: i === 0 ? ["in_app"] : [],
      });
      await api.request("PUT", `/v1/topics/${topic}/subscribers/${r}`);
    }
    await other.api.request("PUT", `/v1/topics/${topic}/subscribers/outsider`);

    // Act
    const sent = await api.request(
      "POST",
      `/v1/topics/${topic}/notifications`,
      { channel: "in_app", content: { title: "We launched" } },
      { "idempotency-key": "launch-1" },
    );
    const replay = await api.request(
      "POST",
      `/v1/topics/${topic}/notifications`,
      { channel: "in_app", content: { title: "We launched" } },
      { "idempotency-key": "launch-1" },
    );
    const done = await eventually(
      async () => {
        const status = await api.request(
          "GET",
          `/v1/topics/${topic}/notifications/${sent.body.id}`,
        );
        return status.body.done ? status.body : undefined;
      },
      { what: "the fan-out done", timeoutMs: 20_000 },
    );

    // Assess
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ topic, status: "fanning_out", accepted: 0, done: false });
    expect(replay.body.id).toBe(sent.body.id);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(done).toMatchObject({ status: "done", accepted: 11, skipped: 1 });
    const delivered = await eventually(
      async () => {
        const listed = await api.request("GET", "/v1/notifications?limit=100");
        const items = listed.body.items as { recipient: { id: string }; status: string }[];
        return items.filter((n) => n.status === "delivered").length === 10 ? items : undefined;
      },
      { what: "ten delivered", timeoutMs: 20_000 },
    );
    expect(delivered).toHaveLength(11);
    const byRecipient = new Map<string, number>();
    for (const n of delivered)
      byRecipient.set(n.recipient.id, (byRecipient.get(n.recipient.id) ?? 0) + 1);
    expect([...byRecipient.keys()].sort()).toEqual(recipients.slice(1).sort());
    expect([...byRecipient.values()].every((count) => count === 1)).toBe(true);
    const waiting = delivered.find((n) => n.recipient.id === recipients[1]);
    expect(waiting?.status).toBe("scheduled");
    const outsider = await other.api.request("GET", "/v1/notifications");
    expect(outsider.body.items).toEqual([]);
  });

  it("renders a template per subscriber's locale, at the version current when it was sent", async () => {
    // Prepare: a template in English and French; one subscriber's profile says French.
    const { api, tenantId } = await tenant();
    const topic = unique("digest");
    const id = unique("tpl");
    await api.request("PUT", `/v1/templates/${id}`, {
      locale: "en",
      channels: { in_app: { title: "Hello {{ name }}" } },
      locales: { fr: { in_app: { title: "Bonjour {{ name }}" } } },
    });
    const [en, fr] = [`${tenantId}-en`, `${tenantId}-fr`];
    await api.request("PUT", `/v1/recipients/${fr}`, { locale: "fr" });
    for (const r of [en, fr]) await api.request("PUT", `/v1/topics/${topic}/subscribers/${r}`);

    // Act: send, then store a new version before anything could be rendered for certain.
    const sent = await api.request("POST", `/v1/topics/${topic}/notifications`, {
      channel: "in_app",
      template: { id },
      data: { name: "Ada" },
      immediate: true,
    });
    await api.request("PUT", `/v1/templates/${id}`, {
      locale: "en",
      channels: { in_app: { title: "v2 {{ name }}" } },
    });
    const missing = await api.request("POST", `/v1/topics/${topic}/notifications`, {
      channel: "in_app",
      template: { id: unique("nope") },
    });
    await eventually(
      async () => {
        const status = await api.request(
          "GET",
          `/v1/topics/${topic}/notifications/${sent.body.id}`,
        );
        return status.body.done ? true : undefined;
      },
      { what: "the fan-out done", timeoutMs: 20_000 },
    );

    // Assess
    const titles = async (recipient: string) => {
      const listed = await api.request("GET", `/v1/notifications?recipient=${recipient}`);
      return listed.body.items.map((n: { content: { title: string } }) => n.content.title);
    };
    expect(await titles(en)).toEqual(["Hello Ada"]);
    expect(await titles(fr)).toEqual(["Bonjour Ada"]);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("template_not_found");
  });

  it("gates each subscriber's send by their preferences: an opted-out category is skipped", async () => {
    // Prepare
    const { api, tenantId } = await tenant();
    const topic = unique("news");
    const [on, off] = [`${tenantId}-on`, `${tenantId}-off`];
    await api.request("PUT", `/v1/recipients/${off}/preferences`, {
      categories: { marketing: { in_app: "off" } },
    });
    for (const r of [on, off]) await api.request("PUT", `/v1/topics/${topic}/subscribers/${r}`);

    // Act
    const sent = await api.request("POST", `/v1/topics/${topic}/notifications`, {
      channel: "in_app",
      category: "marketing",
      content: { title: "Sale" },
      immediate: true,
    });
    await eventually(
      async () => {
        const status = await api.request(
          "GET",
          `/v1/topics/${topic}/notifications/${sent.body.id}`,
        );
        return status.body.done ? true : undefined;
      },
      { what: "the fan-out done", timeoutMs: 20_000 },
    );

    // Assess
    const of = async (recipient: string) =>
      (await api.request("GET", `/v1/notifications?recipient=${recipient}`)).body.items;
    expect(await of(off)).toMatchObject([{ status: "skipped", skip_reason: "preference" }]);
    await eventually(async () => {
      const items = await of(on);
      return items[0]?.status === "delivered" ? true : undefined;
    }, "the other subscriber's delivered");
  });

  it("refuses a body a single send would refuse, or one naming a recipient", async () => {
    // Prepare
    const { api } = await tenant();
    const topic = unique("t");

    // Act
    const bad = await api.request("POST", `/v1/topics/${topic}/notifications`, {
      channel: "in_app",
      content: {},
    });
    const named = await api.request("POST", `/v1/topics/${topic}/notifications`, {
      channel: "in_app",
      recipient: { id: "x" },
      content: { title: "x" },
    });
    const badTopic = await api.request("PUT", "/v1/topics/no%20spaces/subscribers/x");
    const past = await api.request("POST", `/v1/topics/${topic}/notifications`, {
      channel: "in_app",
      content: { title: "x" },
      send_at: "2020-01-01T00:00:00Z",
    });
    const garbled = await api.request("POST", `/v1/topics/${topic}/notifications`, {
      channel: "in_app",
      content: { title: "x" },
      send_at: "tomorrow",
    });
    // Wall times: past, or too far, in every timezone a subscriber may have.
    const pastEverywhere = await api.request("POST", `/v1/topics/${topic}/notifications`, {
      channel: "in_app",
      content: { title: "x" },
      send_at: "2020-01-01T10:00",
    });
    const farEverywhere = await api.request("POST", `/v1/topics/${topic}/notifications`, {
      channel: "in_app",
      content: { title: "x" },
      send_at: "2031-01-01T10:00",
    });

    // Assess
    expect(bad.status).toBe(400);
    expect(named.status).toBe(400);
    expect(badTopic.status).toBe(400);
    expect(past.body.error.code).toBe("send_at_in_past");
    expect(garbled.body.error.code).toBe("invalid_send_at");
    expect(pastEverywhere.body.error.code).toBe("send_at_in_past");
    expect(farEverywhere.body.error.code).toBe("send_at_too_far");
  });

  it("refuses a template a single send would refuse: no content for the channel, or a variable missing", async () => {
    // Prepare: a subscriber, and an in-app-only template with a variable.
    const { api } = await tenant();
    const topic = unique("t");
    await api.request("PUT", `/v1/topics/${topic}/subscribers/${unique("r")}`);
    const id = unique("tpl");
    await api.request("PUT", `/v1/templates/${id}`, {
      channels: { in_app: { title: "Hi {{ name }}" } },
    });

    // Act
    const noChannel = await api.request("POST", `/v1/topics/${topic}/notifications`, {
      channel: "sms",
      template: { id },
      data: { name: "Ada" },
    });
    const noVariable = await api.request("POST", `/v1/topics/${topic}/notifications`, {
      channel: "in_app",
      template: { id },
      data: {},
    });

    // Assess: refused with the single send's codes, not accepted for every subscriber to skip.
    expect(noChannel.status).toBe(400);
    expect(noChannel.body.error.code).toBe("template_channel_missing");
    expect(noVariable.status).toBe(400);
    expect(noVariable.body.error).toMatchObject({
      code: "template_render_failed",
      details: { variable: "name" },
    });
  });
});
