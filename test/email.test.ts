import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { client, emailBody, emailsWithSubject, eventually, unique, useLocalCloud } from "./support";

const cloud = useLocalCloud();

async function tenantClient() {
  return client(cloud().apiUrl, await cloud().createKey(unique("tenant")));
}

async function notificationCount() {
  const dynamo = new DynamoDBClient({});
  const result = await dynamo.send(
    new ScanCommand({
      TableName: cloud().tableName,
      Select: "COUNT",
      FilterExpression: "sk = :n",
      ExpressionAttributeValues: { ":n": { S: "NTF" } },
    }),
  );
  dynamo.destroy();
  return result.Count ?? 0;
}

describe("email end to end on the local cloud", () => {
  it("sends an email through the API and the SES emulator receives it", async () => {
    // Prepare
    const api = await tenantClient();
    const body = emailBody({
      content: { subject: unique("welcome"), text: "plain", html: "<p>rich</p>" },
    });

    // Act
    const accepted = await api.request("POST", "/v1/notifications", body);
    const done = await eventually(
      async () => {
        const { body: current } = await api.request("GET", `/v1/notifications/${accepted.body.id}`);
        return current.status === "sent" ? current : undefined;
      },
      { what: "status sent" },
    );

    // Assess
    expect(accepted.status).toBe(202);
    expect(accepted.body.id).toMatch(/^ntf_[0-9A-Z]{26}$/);
    expect(["queued", "sending", "sent"]).toContain(accepted.body.status);
    expect(done.attempts).toBe(1);
    expect(done.provider_message_id).toBeTruthy();
    const mail = await emailsWithSubject(cloud().sesUrl, body.content.subject);
    expect(mail).toHaveLength(1);
    expect(mail[0]?.destination.to).toEqual([body.recipient.email]);
    expect(mail[0]?.body.text).toBe("plain");
    expect(mail[0]?.body.html).toBe("<p>rich</p>");
    expect(mail[0]?.messageId).toBe(done.provider_message_id);
  });

  it("holds a send due in a few seconds back with SQS DelaySeconds", async () => {
    // Prepare
    const api = await tenantClient();
    const sendAt = new Date(Date.now() + 2_000);
    const body = emailBody({
      send_at: sendAt.toISOString(),
      immediate: false,
      delivery_window: { start: "00:00", end: "00:00" },
    });

    // Act
    const accepted = await api.request("POST", "/v1/notifications", body);
    const mail = await eventually(
      async () => (await emailsWithSubject(cloud().sesUrl, body.content.subject))[0],
      {
        what: "the delayed email",
      },
    );

    // Assess
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe("queued");
    expect(mail.at * (mail.at < 1e12 ? 1000 : 1)).toBeGreaterThanOrEqual(sendAt.getTime() - 1_000);
  });

  it("replays a retried request with the same Idempotency-Key and sends once", async () => {
    // Prepare
    const api = await tenantClient();
    const body = emailBody();
    const key = { "idempotency-key": unique("idem") };

    // Act
    const first = await api.request("POST", "/v1/notifications", body, key);
    const second = await api.request("POST", "/v1/notifications", body, key);
    const other = await api.request(
      "POST",
      "/v1/notifications",
      { ...body, content: { subject: "x", text: "y" } },
      key,
    );
    await eventually(async () =>
      (await emailsWithSubject(cloud().sesUrl, body.content.subject)).length ? true : undefined,
    );
    // The replay's second message is handled by now (the cloud is shared: another file's
    // delayed retries may still wait in the queues, so delayed messages are not waited for).
    await cloud().runner.drain(15_000, { delayed: false });

    // Assess
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("idempotency_key_reused");
    expect(await emailsWithSubject(cloud().sesUrl, body.content.subject)).toHaveLength(1);
  });

  it("rejects bad input with a stable code and stores nothing", async () => {
    // Prepare
    const api = await tenantClient();
    const before = await notificationCount();

    // Act
    const cases = await Promise.all([
      api.request("POST", "/v1/notifications", "{not json"),
      api.request("POST", "/v1/notifications", emailBody({ channel: "carrier-pigeon" })),
      api.request(
        "POST",
        "/v1/notifications",
        emailBody({ recipient: { email: "not-an-address" } }),
      ),
      api.request(
        "POST",
        "/v1/notifications",
        emailBody({ recipient: { email: "a@b.co", timezone: "Mars/Olympus" } }),
      ),
      api.request("POST", "/v1/notifications", emailBody({ send_at: "2026-02-31T10:00" })),
      api.request("POST", "/v1/notifications", emailBody({ unexpected: true })),
      api.request("POST", "/v1/notifications", "x".repeat(300_000)),
    ]);

    // Assess
    expect(cases.map((c) => [c.status, c.body.error.code])).toEqual([
      [400, "invalid_json"],
      [400, "invalid_request"],
      [400, "invalid_request"],
      [400, "invalid_timezone"],
      [400, "invalid_send_at"],
      [400, "invalid_request"],
      [413, "payload_too_large"],
    ]);
    expect(await notificationCount()).toBe(before);
  });

  it("refuses a subject with a line break, sent or rendered from a template, and stores nothing", async () => {
    // Prepare: a Subject header carrying a second header, as it is and through a template.
    const api = await tenantClient();
    const template = unique("tpl");
    await api.request("PUT", `/v1/templates/${template}`, {
      channels: { email: { subject: "Hi {{ name }}", text: "x" } },
    });
    const before = await notificationCount();
    const injected = "Ada\r\nBcc: victim@example.com";

    // Act
    const plain = await api.request(
      "POST",
      "/v1/notifications",
      emailBody({ content: { subject: `Hi ${injected}`, text: "x" } }),
    );
    const bare = await api.request(
      "POST",
      "/v1/notifications",
      emailBody({ content: { subject: "Hi\nthere", text: "x" } }),
    );
    const rendered = await api.request("POST", "/v1/notifications", {
      channel: "email",
      recipient: { email: `${unique("user")}@example.com` },
      template: { id: template },
      data: { name: injected },
    });

    // Assess
    expect([plain, bare].map((answer) => [answer.status, answer.body.error.code])).toEqual([
      [400, "invalid_request"],
      [400, "invalid_request"],
    ]);
    expect(rendered.status).toBe(400);
    expect(rendered.body.error).toMatchObject({
      code: "template_render_failed",
      details: { field: "channels.email.subject" },
    });
    expect(await notificationCount()).toBe(before);
  });

  it("needs a credential on every route but health, and keeps tenants apart", async () => {
    // Prepare
    const alice = await tenantClient();
    const bob = await tenantClient();
    const created = await alice.request("POST", "/v1/notifications", emailBody());

    // Act
    const anonymous = await client(cloud().apiUrl).request(
      "GET",
      `/v1/notifications/${created.body.id}`,
    );
    const forged = await client(cloud().apiUrl, "hrld_forged").request(
      "GET",
      `/v1/notifications/${created.body.id}`,
    );
    const other = await bob.request("GET", `/v1/notifications/${created.body.id}`);
    const own = await alice.request("GET", `/v1/notifications/${created.body.id}`);
    const health = await client(cloud().apiUrl).request("GET", "/health");

    // Assess
    expect(anonymous.status).toBe(401);
    expect(forged.status).toBe(403);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe("notification_not_found");
    expect(own.status).toBe(200);
    expect(health.status).toBe(200);
  });
});
