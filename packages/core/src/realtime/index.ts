import { redis } from "../aws/redis";
import { errorFields, log } from "../log";
import type { Info } from "../notification/model";
import { channelOf, eventOf } from "./event";
import * as Presence from "./presence";
import { publishAll } from "./socket";

/**
 * Real-time fan-out: one PUBLISH per status change someone may listen to (./presence; see
 * ./event for the channel names), pattern subscriptions for feeds, short-lived recipient tokens
 * (./token), replay of what a feed missed from DynamoDB (./replay), the SSE feed (./feed) and the
 * WebSocket feed on AppSync Events (./socket).
 */

export * from "./event";
export * from "./feed";
export * as Presence from "./presence";
export * from "./replay";
export * as Socket from "./socket";
export { issue, TokenResponse } from "./socket";
export * from "./subscribe";
export * from "./token";

/**
 * Publish a notification's new state, after the write that made it, where someone may be
 * listening (./presence, read at most once per HERALD_PRESENCE_CACHE_MS per tenant and
 * container): on Redis (server-side subscribers, `waitFor`, the SSE feed) and on AppSync Events
 * (browsers on the WebSocket feed; one signed request, however many are connected). A change
 * nobody listens to costs no Redis command and no AppSync event. A failure of either is logged
 * and not retried: the write stands, and a feed that reconnects replays from DynamoDB.
 */
export async function publish(tenantId: string, notification: Info | undefined): Promise<void> {
  if (!notification) return;
  await publishMany(tenantId, [notification]);
}

/**
 * `publish` for several changes made together: one PUBLISH each on Redis, and on AppSync one
 * request per channel per five events, each only where the tenant's presence says someone
 * listens.
 */
export async function publishMany(tenantId: string, notifications: Info[]): Promise<void> {
  if (notifications.length === 0) return;
  const listening = await Presence.listening(tenantId);
  const onRedis = notifications.filter((notification) => listening.redis(notification));
  const onSocket = notifications.filter((notification) => listening.socket(notification));
  if (onRedis.length === 0 && onSocket.length === 0) return;
  const eventFor = (notification: Info) => eventOf(tenantId, notification);
  await Promise.all([
    ...onRedis.map((notification) =>
      quietly("real-time publish failed", notification.id, () =>
        redis().publish(
          channelOf(tenantId, notification.recipient?.id, notification.id),
          JSON.stringify(eventFor(notification)),
        ),
      ),
    ),
    onSocket.length > 0
      ? quietly("real-time socket publish failed", onSocket[0]?.id ?? "", () =>
          publishAll(onSocket.map(eventFor)),
        )
      : undefined,
  ]);
}

async function quietly(what: string, id: string, work: () => Promise<unknown>) {
  try {
    await work();
  } catch (error) {
    log.warn(what, { id, ...errorFields(error) });
  }
}
