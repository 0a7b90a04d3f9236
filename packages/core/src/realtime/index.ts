import { redis } from "../aws/redis";
import { errorFields, log } from "../log";
import type { Info } from "../notification/model";
import { channelOf, eventOf } from "./event";
import { fanOut } from "./socket";

/**
 * Real-time fan-out: one PUBLISH per status change (see ./event for the channel names), pattern
 * subscriptions for feeds, short-lived recipient tokens (./token), replay of what a feed missed
 * from DynamoDB (./replay), the SSE feed (./feed) and the WebSocket feed (./socket).
 */

export * from "./event";
export * from "./feed";
export * from "./replay";
export * as Socket from "./socket";
export * from "./subscribe";
export * from "./token";

/**
 * Publish a notification's new state, after the write that made it: once on Redis (server-side
 * subscribers, `waitFor`, the SSE feed) and once to the WebSocket connections subscribed to it.
 * A failure of either is logged and not retried: the write stands, and a feed that reconnects
 * replays from DynamoDB.
 */
export async function publish(tenantId: string, notification: Info | undefined): Promise<void> {
  if (!notification) return;
  const event = eventOf(tenantId, notification);
  const channel = channelOf(tenantId, notification.recipient.id, notification.id);
  await Promise.all([
    quietly("real-time publish failed", notification.id, () =>
      redis().publish(channel, JSON.stringify(event)),
    ),
    quietly("real-time fan-out failed", notification.id, () => fanOut(event)),
  ]);
}

async function quietly(what: string, id: string, work: () => Promise<unknown>) {
  try {
    await work();
  } catch (error) {
    log.warn(what, { id, ...errorFields(error) });
  }
}
