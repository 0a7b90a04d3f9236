import { describe, expect, it } from "vitest";
import { client, emailsWithSubject, eventually, unique, useLocalCloud } from "./support";

// Issue 18, part 3: categories and per-recipient preferences (category × channel), set by the
// API and by a signed preference link, checked at acceptance and again when sent.
const cloud = useLocalCloud();

async function tenant() {
  const tenantId = unique("tenant");
  return { tenantId, api: client(cloud().apiUrl, await cloud().createKey(tenantId)) };
}

describe("preferences", () => {
  it("stores preferences per category and channel, and a send to an opted-out pair is accepted as skipped", async () => {
    const { api } = await tenant();
    const recipient = unique("r");
    await api.request("PUT", `/v1/recipients/${recipient}`, {
      email: `${recipient}@example.com`,
    });

    const put = await api.request("PUT", `/v1/recipients/${recipient}/preferences`, {
      categories: { marketing: { email: "off", in_app: "on" }, billing: { email: "digest" } },
    });
    const got = await api.request("GET", `/v1/recipients/${recipient}/preferences`);
    const refused = await api.request("PUT", `/v1/recipients/${recipient}/preferences`, {
      categories: { marketing: { fax: "off" } },
    });
    const subject = unique("promo");
    const skipped = await api.request("POST", "/v1/notifications", {
      channel: "email",
      category: "marketing",
      recipient: { id: recipient },
      content: { subject, text: "50% off" },
      immediate: true,
    });
    const inApp = await api.request("POST", "/v1/notifications", {
      channel: "in_app",
      category: "marketing",
      recipient: { id: recipient },
      content: { title: "50% off" },
      immediate: true,
    });
    const otherCategory = await api.request("POST", "/v1/notifications", {
      channel: "email",
      category: "security",
      recipient: { id: recipient },
      content: { subject: unique("login"), text: "New login" },
      immediate: true,
    });

    expect(put.status).toBe(200);
    expect(got.body.categories).toEqual({
      marketing: { email: "off", in_app: "on" },
      billing: { email: "digest" },
    });
    expect(refused.status).toBe(400);
    expect(skipped.status).toBe(202);
    expect(skipped.body).toMatchObject({
      status: "skipped",
      skip_reason: "preference",
      category: "marketing",
    });
    expect(skipped.body.skipped_at).toBeDefined();
    await eventually(async () => {
      const { body } = await api.request("GET", `/v1/notifications/${inApp.body.id}`);
      return body.status === "delivered" ? body : undefined;
    }, "the in-app message of the same category delivered");
    await eventually(async () => {
      const { body } = await api.request("GET", `/v1/notifications/${otherCategory.body.id}`);
      return body.status === "sent" ? body : undefined;
    }, "the email of another category sent");
    expect(await emailsWithSubject(cloud().sesUrl, subject)).toEqual([]);
  });

  it("checks the preference again when it is sent: an opt-out after acceptance skips it", async () => {
    const { api } = await tenant();
    const recipient = unique("r");
    const subject = unique("later");
    const accepted = await api.request("POST", "/v1/notifications", {
      channel: "email",
      category: "digest-news",
      recipient: { id: recipient, email: `${recipient}@example.com` },
      content: { subject, text: "later" },
      send_at: new Date(Date.now() + 3_000).toISOString(),
      immediate: true,
    });
    await api.request("PUT", `/v1/recipients/${recipient}/preferences`, {
      categories: { "digest-news": { email: "off" } },
    });

    const final = await eventually(
      async () => {
        const { body } = await api.request("GET", `/v1/notifications/${accepted.body.id}`);
        return body.status === "skipped" ? body : undefined;
      },
      { what: "the waiting notification skipped", timeoutMs: 15_000 },
    );
    expect(accepted.body.status).toBe("queued");
    expect(final.skip_reason).toBe("preference");
    expect(await emailsWithSubject(cloud().sesUrl, subject)).toEqual([]);
  });

  it("lets the recipient change their own preferences through a signed link", async () => {
    const { api } = await tenant();
    const recipient = unique("r");
    await api.request("PUT", `/v1/recipients/${recipient}/preferences`, {
      categories: { billing: { sms: "off" } },
    });
    const link = await api.request("POST", `/v1/recipients/${recipient}/preferences/link`, {
      categories: ["product-news"],
    });
    const token = link.body.token as string;
    const base = `${cloud().apiUrl}/v1/preferences`;

    const page = await fetch(`${base}/${token}`);
    const html = await page.text();
    const form = await fetch(`${base}/${token}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ "product-news:email": "off", "billing:sms": "on" }).toString(),
    });
    const after = await form.text();
    const json = await client(cloud().apiUrl).request("POST", `/v1/preferences/${token}`, {
      categories: { "product-news": { push: "digest" } },
    });
    const stored = await api.request("GET", `/v1/recipients/${recipient}/preferences`);
    const notOffered = await client(cloud().apiUrl).request("POST", `/v1/preferences/${token}`, {
      categories: { other: { push: "off" } },
    });
    const forged = await client(cloud().apiUrl).request(
      "POST",
      `/v1/preferences/${token.slice(0, -2)}xx`,
      { categories: { billing: { sms: "off" } } },
    );
    const forgedPage = await fetch(`${base}/x${token}`);

    expect(link.status).toBe(200);
    expect(link.body.expires_at).toBeDefined();
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(html).toContain("product-news");
    expect(html).toContain('name="billing:sms"');
    expect(form.status).toBe(200);
    expect(after).toContain("Saved.");
    expect(json.status).toBe(200);
    expect(stored.body.categories).toEqual({
      billing: { sms: "on" },
      "product-news": { email: "off", push: "digest" },
    });
    expect(notOffered.status).toBe(400);
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe("invalid_preference_token");
    expect(forgedPage.status).toBe(400);
  });

  it("refuses a JSON save that is not the documented {categories} body, changing nothing", async () => {
    // Prepare
    const { api } = await tenant();
    const recipient = unique("r");
    await api.request("PUT", `/v1/recipients/${recipient}/preferences`, {
      categories: { billing: { sms: "off" } },
    });
    const link = await api.request("POST", `/v1/recipients/${recipient}/preferences/link`, {
      categories: ["billing"],
    });
    const anonymous = client(cloud().apiUrl);
    const path = `/v1/preferences/${link.body.token}`;

    // Act
    const answers = await Promise.all(
      ["null", "[]", "{}", '{"categories":{"billing":5}}', '{"categories":{"billing":null}}'].map(
        (body) => anonymous.request("POST", path, body),
      ),
    );

    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe("invalid_request");
    }
    const stored = await api.request("GET", `/v1/recipients/${recipient}/preferences`);
    expect(stored.body.categories).toEqual({ billing: { sms: "off" } });
  });

  it("refuses an expired preference link", async () => {
    const { tenantId } = await tenant();
    const PreferenceLink = await import("@herald/core/recipient/preference-link");
    const old = PreferenceLink.link({
      tenantId,
      id: "r1",
      input: { ttl_days: 1 },
      now: new Date(Date.now() - 2 * 86_400_000),
    });
    const answer = await client(cloud().apiUrl).request("POST", `/v1/preferences/${old.token}`, {
      categories: {},
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("invalid_preference_token");
  });
});
