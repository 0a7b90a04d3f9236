import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { itemBytes } from "@herald/core/item-size";
import { describe, expect, it } from "vitest";
import { client, emailBody, emailsWithSubject, eventually, unique, useLocalCloud } from "./support";

/**
 * Large content lives in a body item beside the notification (notification/body.ts), so the
 * status item every status write rewrites stays within one KB. What a caller sees must not
 * change: the same content, byte for byte, through delivery, GET, listings and the inbox.
 */

const cloud = useLocalCloud();

async function tenant() {
  const tenantId = unique("body");
  return { tenantId, api: client(cloud().apiUrl, await cloud().createKey(tenantId)) };
}

/** A transactional HTML email of about `bytes`, table layout and inline styles, not only ASCII. */
function html(bytes: number, seed = unique("order")): string {
  const words = ["order", "café", "naïve", "Größe", "日本語", "prix", "total", "🚚", "returns"];
  let out = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${seed}</title></head><body><table width="600" role="presentation">`;
  for (let i = 0; Buffer.byteLength(out) < bytes - 40; i++) {
    const text = Array.from(
      { length: 4 + (i % 9) },
      (_, j) => words[(i * 7 + j * 3) % words.length],
    );
    out += `<tr><td style="padding:8px 35px;color:#51545e"><a href="https://example.com/p/${i * 7919}?c=${seed}">${text.join(" ")}</a></td><td style="text-align:right">$${(i * 3.17).toFixed(2)}</td></tr>`;
  }
  return `${out}</table></body></html>`;
}

/** Every stored item of a notification's partition (status item and body), as stored. */
async function partition(tenantId: string, id: string) {
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const { Items = [] } = await dynamo.send(
    new QueryCommand({
      TableName: cloud().tableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": `NTF#${tenantId}#${id}` },
      ConsistentRead: true,
    }),
  );
  dynamo.destroy();
  return {
    status: Items.find((item) => item.sk === "NTF"),
    bodies: Items.filter((item) => item.sk !== "NTF"),
  };
}

async function settled(api: ReturnType<typeof client>, id: string, status: string) {
  return eventually(
    async () => {
      const { body } = await api.request("GET", `/v1/notifications/${id}`);
      return body.status === status ? body : undefined;
    },
    { what: `${id} ${status}` },
  );
}

describe("large content in a body item", () => {
  it("delivers a 30 KB HTML email byte for byte, its status item under 1 KB", async () => {
    // Prepare
    const { tenantId, api } = await tenant();
    const body = emailBody();
    body.content.html = html(30_000);
    body.content.text = `Plain ✓ ${"x".repeat(2_000)}`;

    // Act
    const accepted = await api.request("POST", "/v1/notifications", body);
    const sent = await settled(api, accepted.body.id, "sent");
    const listed = await api.request("GET", "/v1/notifications?limit=10");
    const stored = await partition(tenantId, accepted.body.id);

    // Assess
    expect(accepted.status).toBe(202);
    expect(accepted.body.content).toEqual(body.content);
    const [mail] = await emailsWithSubject(cloud().sesUrl, body.content.subject);
    expect(mail?.body.html).toBe(body.content.html);
    expect(mail?.body.text).toBe(body.content.text);
    expect(sent.content).toEqual(body.content);
    expect(
      listed.body.items.find((n: { id: string }) => n.id === accepted.body.id)?.content,
    ).toEqual(body.content);
    // Claimed and completed, and still within one write unit.
    expect(stored.status?.content).toBeUndefined();
    expect(stored.status?.attempts).toBe(1);
    expect(itemBytes(stored.status ?? {})).toBeLessThan(1024);
    expect(stored.bodies).toHaveLength(1);
    expect(stored.bodies[0]?.sk).toBe(stored.status?.body);
    expect(stored.bodies[0]?.expires_at).toBe(stored.status?.expires_at);
    expect(itemBytes(stored.bodies[0] ?? {})).toBeLessThan(6 * 1024);
  });

  it("keeps small content inline: no body item", async () => {
    // Prepare
    const { tenantId, api } = await tenant();
    const body = emailBody();

    // Act
    const accepted = await api.request("POST", "/v1/notifications", body);
    const stored = await partition(tenantId, accepted.body.id);

    // Assess
    expect(stored.bodies).toHaveLength(0);
    expect(JSON.parse(stored.status?.content)).toEqual(body.content);
    expect(stored.status?.body).toBeUndefined();
  });

  it("replays a large send by its Idempotency-Key; another body under the key changes nothing", async () => {
    // Prepare
    const { tenantId, api } = await tenant();
    const body = emailBody();
    body.content.html = html(8_000);
    const key = { "idempotency-key": unique("key") };

    // Act
    const first = await api.request("POST", "/v1/notifications", body, key);
    const second = await api.request("POST", "/v1/notifications", body, key);
    const other = await api.request(
      "POST",
      "/v1/notifications",
      { ...body, content: { ...body.content, html: html(9_000) } },
      key,
    );
    await settled(api, first.body.id, "sent");
    await cloud().runner.drain(15_000, { delayed: false });
    const read = await api.request("GET", `/v1/notifications/${first.body.id}`);
    const stored = await partition(tenantId, first.body.id);

    // Assess
    expect(second.status).toBe(202);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.body).toMatchObject({ id: first.body.id, content: body.content });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("idempotency_key_reused");
    expect(read.body.content).toEqual(body.content);
    const mail = await emailsWithSubject(cloud().sesUrl, body.content.subject);
    expect(mail.map((m) => m.body.html)).toEqual([body.content.html]);
    expect(stored.status?.content).toBeUndefined();
  });

  it("batch-sends small and large items, keyed and not, each read back whole", async () => {
    // Prepare
    const { tenantId, api } = await tenant();
    const recipient = unique("r");
    const small = emailBody();
    const large = emailBody();
    large.content.html = html(12_000);
    const keyedLarge = { ...emailBody(), idempotency_key: unique("k") };
    keyedLarge.content.html = html(5_000);
    const inAppSmall = {
      channel: "in_app",
      recipient: { id: recipient },
      content: { title: "small" },
      immediate: true,
    };
    const inAppLarge = {
      ...inAppSmall,
      content: { title: "large", body: "ü".repeat(2_500), data: { rows: html(6_000) } },
    };
    const items = [small, large, keyedLarge, inAppSmall, inAppLarge];

    // Act
    const response = await api.request("POST", "/v1/notifications/batch", { items });
    const ids: string[] = response.body.results.map((r: { id: string }) => r.id);
    await Promise.all(
      ids.map((id, i) => settled(api, id, items[i]?.channel === "in_app" ? "delivered" : "sent")),
    );
    const reads = await Promise.all(ids.map((id) => api.request("GET", `/v1/notifications/${id}`)));
    const listed = await api.request("GET", "/v1/notifications?limit=10");
    const history = await api.request("GET", `/v1/notifications?recipient=${recipient}`);
    const stored = await Promise.all(ids.map((id) => partition(tenantId, id)));

    // Assess
    expect(response.body).toMatchObject({ accepted: 5, failed: 0 });
    expect(reads.map((r) => r.body.content)).toEqual(items.map((item) => item.content));
    const byId = new Map(listed.body.items.map((n: { id: string; content: unknown }) => [n.id, n]));
    expect(ids.map((id) => (byId.get(id) as { content: unknown })?.content)).toEqual(
      items.map((item) => item.content),
    );
    // Accepted in the same millisecond: the history's order between the two is the ids'.
    const historyContent = new Map(
      history.body.items.map((n: { id: string; content: unknown }) => [n.id, n.content]),
    );
    expect(historyContent).toEqual(
      new Map([
        [ids[3], inAppSmall.content],
        [ids[4], inAppLarge.content],
      ]),
    );
    expect(stored.map((s) => s.bodies.length)).toEqual([0, 1, 1, 0, 1]);
    for (const { status } of stored) expect(itemBytes(status ?? {})).toBeLessThan(1024);
    for (const item of [small, large, keyedLarge]) {
      const [mail] = await emailsWithSubject(cloud().sesUrl, item.content.subject);
      expect(mail?.body.html).toBe(item.content.html);
    }
  });

  it("shows a large in-app message in the inbox, and marking it read keeps its content", async () => {
    // Prepare
    const { tenantId, api } = await tenant();
    const recipient = unique("r");
    const content = {
      title: "Weekly report ✓",
      body: "Résumé: ".repeat(600),
      data: { table: html(10_000) },
    };

    // Act
    const accepted = await api.request("POST", "/v1/notifications", {
      channel: "in_app",
      recipient: { id: recipient },
      content,
      immediate: true,
    });
    await settled(api, accepted.body.id, "delivered");
    const inbox = await api.request("GET", `/v1/recipients/${recipient}/inbox`);
    const read = await api.request(
      "POST",
      `/v1/recipients/${recipient}/inbox/${accepted.body.id}/read`,
    );
    const unread = await api.request("GET", `/v1/recipients/${recipient}/inbox/unread-count`);
    const stored = await partition(tenantId, accepted.body.id);

    // Assess
    expect(inbox.body.items.map((n: { content: unknown }) => n.content)).toEqual([content]);
    // Filed in the inbox (gsi3, which projects every attribute) without its content.
    expect(stored.status?.gsi3pk).toBeDefined();
    expect(itemBytes(stored.status ?? {})).toBeLessThan(1024);
    expect(read.body.content).toEqual(content);
    expect(unread.body.unread).toBe(0);
  });

  it("composes a large digest into a body of its own; its members keep theirs", async () => {
    // Prepare
    const { tenantId, api } = await tenant();
    const recipient = unique("r");
    const sends = await Promise.all(
      ["a", "b", "c"].map((title) =>
        api.request("POST", "/v1/notifications", {
          channel: "in_app",
          category: "reports",
          digest: { every: "15m" },
          recipient: { id: recipient },
          content: { title, body: `${title} ✓ ${"Zeile ".repeat(500)}` },
          immediate: true,
        }),
      ),
    );
    const digestId = sends[0]?.body.digest_id as string;

    // Act: the opening, as the digest's queue message reaches the in-app worker.
    const { deliverBatch } = await import("@herald/core/delivery/worker");
    const { inApp } = await import("@herald/core/delivery/providers/in-app");
    const message = JSON.stringify({ v: 1, tenant_id: tenantId, id: digestId });
    await deliverBatch("in_app", inApp, [{ messageId: "m", receiptHandle: "r", body: message }]);
    const digest = await settled(api, digestId, "delivered");
    const members = await Promise.all(
      sends.map((s) => api.request("GET", `/v1/notifications/${s.body.id}`)),
    );
    const stored = await partition(tenantId, digestId);

    // Assess
    expect(digest.content.title).toBe("3 new reports notifications");
    expect(digest.content.body).toHaveLength(5_000);
    expect(members.map((m) => m.body.content.title)).toEqual(["a", "b", "c"]);
    expect(members.map((m) => m.body.content.body.length)).toEqual([3_004, 3_004, 3_004]);
    expect(stored.status?.content).toBeUndefined();
    // (A digest's item is over a KB without its content: it lists its members twice.)
    expect(stored.bodies.map((b) => b.sk)).toEqual([stored.status?.body]);
  });

  it("expires the body with its notification: the TTL sweep deletes both", async () => {
    // Prepare
    const { tenantId } = await tenant();
    const Notification = await import("@herald/core/notification");
    // Accepted 31 days ago under the default retention: expired a day ago.
    const { notification } = await Notification.send({
      tenantId,
      input: {
        channel: "in_app",
        recipient: { id: unique("r") },
        content: { title: unique("old"), body: "ß".repeat(3_000) },
        immediate: false,
        send_at: new Date(Date.now() + 3_600_000).toISOString(),
      },
      now: new Date(Date.now() - 31 * 86_400_000),
    });
    const before = await partition(tenantId, notification.id);

    // Act
    await cloud().ttl.sweep();
    const after = await partition(tenantId, notification.id);

    // Assess
    expect(before.bodies.map((b) => b.expires_at)).toEqual([notification.expires_at]);
    expect(after.status).toBeUndefined();
    expect(after.bodies).toEqual([]);
  });
});
