import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { client, emailBody, eventually, unique, useLocalCloud } from "./support";

/** Retention: expires_at from the tenant's setting; reads skip expired items; the sweep deletes. */
const cloud = useLocalCloud();
const DAY = 86_400;

async function tenant() {
  const tenantId = unique("tenant");
  return { tenantId, api: client(cloud().apiUrl, await cloud().createKey(tenantId)) };
}

async function raw(tenantId: string, id: string) {
  const dynamo = new DynamoDBClient({});
  const result = await dynamo.send(
    new GetItemCommand({
      TableName: cloud().tableName,
      Key: { pk: { S: `NTF#${tenantId}#${id}` }, sk: { S: "NTF" } },
    }),
  );
  dynamo.destroy();
  return result.Item;
}

describe("retention", () => {
  it("gives every notification expires_at from the tenant's retention (default 30 days)", async () => {
    const { api } = await tenant();
    const before = await api.request("GET", "/v1/settings");
    const first = await api.request("POST", "/v1/notifications", emailBody());
    const changed = await api.request("PUT", "/v1/settings", { retention_days: 7 });
    const second = await api.request("POST", "/v1/notifications", emailBody());
    const refused = await api.request("PUT", "/v1/settings", { retention_days: 0 });

    const created = (body: { created_at: string }) => Date.parse(body.created_at) / 1000;
    expect(before.body.retention_days).toBe(30);
    expect(first.body.expires_at).toBe(Math.floor(created(first.body)) + 30 * DAY);
    expect(changed.body.retention_days).toBe(7);
    expect(second.body.expires_at).toBe(Math.floor(created(second.body)) + 7 * DAY);
    expect(refused.status).toBe(400);
  });

  it("an expired notification is gone from reads at once, and the TTL sweep deletes it", async () => {
    const { tenantId, api } = await tenant();
    const recipient = unique("r");
    const Notification = await import("@herald/core/notification");
    // Accepted 31 days ago under the default retention: expired a day ago.
    const { notification } = await Notification.send({
      tenantId,
      input: {
        channel: "in_app",
        recipient: { id: recipient },
        content: { title: unique("old") },
        immediate: true,
      },
      now: new Date(Date.now() - 31 * DAY * 1000),
    });
    const fresh = await api.request("POST", "/v1/notifications", {
      channel: "in_app",
      recipient: { id: recipient },
      content: { title: "new" },
      immediate: true,
    });
    await eventually(async () => {
      const { body } = await api.request("GET", `/v1/recipients/${recipient}/inbox`);
      return body.items.length === 1 ? body : undefined;
    }, "the fresh message in the inbox");

    const one = await api.request("GET", `/v1/notifications/${notification.id}`);
    const listed = await api.request("GET", `/v1/notifications?recipient=${recipient}`);
    const inbox = await api.request("GET", `/v1/recipients/${recipient}/inbox`);
    const unread = await api.request("GET", `/v1/recipients/${recipient}/inbox/unread-count`);
    await cloud().ttl.sweep();
    const swept = await raw(tenantId, notification.id);

    expect(one.status).toBe(404);
    expect(listed.body.items.map((n: { id: string }) => n.id)).toEqual([fresh.body.id]);
    expect(inbox.body.items.map((n: { id: string }) => n.id)).toEqual([fresh.body.id]);
    expect(unread.body.unread).toBe(1);
    // The background sweep may already have removed it: the item as stored is what send wrote.
    expect(notification.expires_at).toBeLessThan(Date.now() / 1000);
    expect(swept).toBeUndefined();
    expect(await raw(tenantId, fresh.body.id)).toBeDefined();
  });
});
