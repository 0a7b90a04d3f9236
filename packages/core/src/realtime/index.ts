import { redis } from "../aws/redis";
import { errorFields, log } from "../log";
import type { Info } from "../notification/model";
import { channelOf, eventOf } from "./event";
import { publishAll } from "./socket";

/**
 * Real-time fan-out: one PUBLISH per status change (see ./event for the channel names), pattern
 * subscriptions for feeds, short-lived recipient tokens (./token), replay of what a feed missed
 * from DynamoDB (./replay), the SSE feed (./feed) and the WebSocket feed on AppSync Events
 * (./socket).
 */

export * from "./event";
export * from "./feed";
export * from "./replay";
export * as Socket from "./socket";
export { issue, TokenResponse } from "./socket";
export * from "./subscribe";
export * from "./token";

/**
 * Publish a notification's new state, after the write that made it: once on Redis (server-side
 * subscribers, `waitFor`, the SSE feed) and once on AppSync Events (browsers on the WebSocket
 * feed; one signed request, however many are connected, and none stored or read by Herald).
 * A failure of either is logged and not retried: the write stands, and a feed that reconnects
 * replays from DynamoDB.
 */
export async function publish(tenantId: string, notification: Info | undefined): Promise<void> {
  if (!notification) return;
  await publishMany(tenantId, [notification]);
}

/**
 * `publish` for several changes made together: one PUBLISH each on Redis, and on AppSync one
 * request per channel per five events.
 */
export async function publishMany(tenantId: string, notifications: Info[]): Promise<void> {
  if (notifications.length === 0) return;
  const events = notifications.map((notification) => eventOf(tenantId, notification));
  await Promise.all([
    ...events.map((event) =>
      quietly("real-time publish failed", event.notification.id, () =>
        redis().publish(
          channelOf(tenantId, event.notification.recipient?.id, event.notification.id),
          JSON.stringify(event),
        ),
      ),
    ),
    quietly("real-time socket publish failed", events[0]?.notification.id ?? "", () =>
      publishAll(events),
    ),
  ]);
}

async function quietly(what: string, id: string, work: () => Promise<unknown>) {
  try {
    await work();
  } catch (error) {
    log.warn(what, { id, ...errorFields(error) });
  }
}
