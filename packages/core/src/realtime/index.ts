import { redis } from "../aws/redis";
import { errorFields, log } from "../log";
import type { Info } from "../notification/model";
import { channelOf, eventOf } from "./event";

/**
 * Real-time fan-out: one PUBLISH per status change (see ./event for the channel names), pattern
 * subscriptions for feeds, short-lived recipient tokens (./token), replay of what a feed missed
 * from DynamoDB (./replay), and the feed itself (./feed).
 */

export * from "./event";
export * from "./feed";
export * from "./replay";
export * from "./subscribe";
export * from "./token";

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
