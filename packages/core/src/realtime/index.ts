import { redis } from "../aws/redis";
import { errorFields, log } from "../log";
import type { Info } from "../notification/model";

/**
 * Real-time fan-out. Every status change is published once, on one channel whose name carries
 * tenant, recipient and notification:
 *
 *   herald:<tenant>:n:<recipient>:<notification>
 *
 * so a recipient's feed (`herald:<tenant>:n:<recipient>:*`), one notification
 * (`herald:<tenant>:n:*:<id>`) and the whole tenant (`herald:<tenant>:n:*`) are all pattern
 * subscriptions over the same single PUBLISH. Ids are base64url-encoded in the name, so no id
 * can contain a separator or a glob character and reach into another's channel.
 */

export interface Event {
  /** `<updated_at>|<notification id>`: orders events and lets a feed resume after one. */
  event_id: string;
  type: "notification.updated";
  tenant_id: string;
  notification: Info;
}

const NO_RECIPIENT = "-";

export function encode(part: string): string {
  return Buffer.from(part).toString("base64url");
}

export function channelOf(tenantId: string, recipientId: string | undefined, id: string): string {
  return `herald:${encode(tenantId)}:n:${recipientId ? encode(recipientId) : NO_RECIPIENT}:${encode(id)}`;
}

export const patterns = {
  recipient: (tenantId: string, recipientId: string) =>
    `herald:${encode(tenantId)}:n:${encode(recipientId)}:*`,
  notification: (tenantId: string, id: string) => `herald:${encode(tenantId)}:n:*:${encode(id)}`,
  tenant: (tenantId: string) => `herald:${encode(tenantId)}:n:*`,
};

export function eventOf(tenantId: string, notification: Info): Event {
  return {
    event_id: `${notification.updated_at}|${notification.id}`,
    type: "notification.updated",
    tenant_id: tenantId,
    notification,
  };
}

/**
 * Publish a notification's new state, after the write that made it. A failed publish is logged
 * and not retried: the write stands, and a feed that reconnects replays from DynamoDB.
 */
export async function publish(tenantId: string, notification: Info | undefined): Promise<void> {
  if (!notification) return;
  try {
    await redis().publish(
      channelOf(tenantId, notification.recipient.id, notification.id),
      JSON.stringify(eventOf(tenantId, notification)),
    );
  } catch (error) {
    log.warn("real-time publish failed", { id: notification.id, ...errorFields(error) });
  }
}
