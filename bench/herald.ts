import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { LocalCloud } from "@herald/local/cloud";
import { sleep } from "./support";

/**
 * What every part of the bench does with Herald: build a send request per channel, post it to
 * the local API, and watch notifications reach a final status. The watching goes through a
 * client of its own, so it never shows up in the counts.
 */

export const CHANNELS = ["email", "push", "sms", "webhook", "in_app"] as const;
export type Channel = (typeof CHANNELS)[number];

const FINAL = new Set(["sent", "delivered", "failed", "cancelled"]);

export interface SendOptions {
  /** Absent: immediate. */
  sendAt?: Date;
  /** Name a recipient (their profile is then read on send and on delivery). */
  recipientId?: string;
  /** Email only: add an HTML body of about this many bytes. */
  htmlBytes?: number;
}

/** A send request as the channel tests write them (test/channels.test.ts). */
export function sendBody(
  cloud: LocalCloud,
  hookUrl: string,
  channel: Channel,
  i: number,
  options: SendOptions = {},
) {
  const recipient = {
    email: { email: `user${i}@example.com` },
    push: { push_subscription: cloud.push.subscribe() },
    sms: { phone: "+14155550123" },
    webhook: { webhook_url: `${hookUrl}/hook/${i}` },
    in_app: { id: `bench-user-${i}` },
  }[channel];
  const content = {
    email: {
      subject: "Your order has shipped",
      text: `Order ${i} is on its way.`,
      ...(options.htmlBytes
        ? { html: `<p>${"Order details. ".repeat(Math.ceil(options.htmlBytes / 15))}</p>` }
        : {}),
    },
    push: { title: "Order shipped", body: `Order ${i} is on its way.`, url: "https://example.com" },
    sms: { text: `Order ${i} is on its way.` },
    webhook: { event: "order.shipped", data: { order: i } },
    in_app: { title: "Order shipped", body: `Order ${i} is on its way.` },
  }[channel];
  return {
    channel,
    recipient: options.recipientId ? { ...recipient, id: options.recipientId } : recipient,
    content,
    ...(options.sendAt
      ? // A window open all day, so the requested instant stands.
        { send_at: options.sendAt.toISOString(), delivery_window: { start: "00:00", end: "00:00" } }
      : { immediate: true }),
  };
}

export interface Accepted {
  id: string;
  status: string;
  /** performance.now() when the request started and when the answer was read. */
  start: number;
  end: number;
}

/** A JSON request to the local API with a tenant's key; throws on anything but 2xx. */
export async function call(
  apiUrl: string,
  key: string,
  method: string,
  path: string,
  body: unknown,
) {
  const start = performance.now();
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300)
    throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return { json: JSON.parse(text) as Record<string, unknown>, start, end: performance.now() };
}

/** POST /v1/notifications. */
export async function send(apiUrl: string, key: string, body: unknown): Promise<Accepted> {
  const { json, start, end } = await call(apiUrl, key, "POST", "/v1/notifications", body);
  return { id: String(json.id), status: String(json.status), start, end };
}

let table: DynamoDBDocumentClient | undefined;
/** A client of the bench's own, so its polling is not counted by the meter. */
export const raw = () => {
  table ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  return table;
};

export function closeWatcher() {
  table?.destroy();
  table = undefined;
}

export type NotificationItem = Record<string, unknown> & {
  id: string;
  status: string;
  created_at: string;
  sent_at?: string;
  delivered_at?: string;
};

/** Poll until every notification is final; their items, in the order of `ids`. */
export async function waitFinal(
  cloud: LocalCloud,
  tenantId: string,
  ids: string[],
  timeoutMs = 60_000,
): Promise<NotificationItem[]> {
  const deadline = Date.now() + timeoutMs;
  const found = new Map<string, NotificationItem>();
  for (;;) {
    const pending = ids.filter((id) => !found.has(id));
    for (let start = 0; start < pending.length; start += 100) {
      const { Responses } = await raw().send(
        new BatchGetCommand({
          RequestItems: {
            [cloud.tableName]: {
              Keys: pending.slice(start, start + 100).map((id) => ({
                pk: `NTF#${tenantId}#${id}`,
                sk: "NTF",
              })),
              ConsistentRead: true,
            },
          },
        }),
      );
      for (const item of (Responses?.[cloud.tableName] ?? []) as NotificationItem[]) {
        if (FINAL.has(item.status)) found.set(item.id, item);
      }
    }
    if (found.size === ids.length) break;
    if (Date.now() > deadline) {
      throw new Error(`${ids.length - found.size} of ${ids.length} notifications never finished`);
    }
    await sleep(100);
  }
  const items = ids.map((id) => found.get(id) as NotificationItem);
  const failed = items.filter((item) => item.status === "failed" || item.status === "cancelled");
  if (failed.length) {
    throw new Error(`${failed.length} notifications ended ${failed[0]?.status}: ${failed[0]?.id}`);
  }
  return items;
}

/** When the notification reached its final status (epoch ms). */
export function finishedAt(item: NotificationItem): number {
  return Date.parse(item.delivered_at ?? item.sent_at ?? String(item.updated_at));
}
