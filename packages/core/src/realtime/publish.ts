import { redis } from "../aws/redis";
import { errorFields, log } from "../log";
import type { Info } from "../notification/model";
import { channelOf as socketChannelOf } from "./channel";
import { channelOf, type Event, eventOf } from "./event";
import * as Presence from "./presence";

/**
 * The publishing side of the real-time feed, apart from the rest of `realtime/` (tokens, feeds,
 * replay, the token answer's schemas): what every function that changes a notification's state
 * imports (through notification/lifecycle.ts), so none of them builds those schemas at init.
 */

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

/**
 * Publish events to their channels: one request per channel per five events (AppSync's batch
 * limit), all requests at once. Events without a recipient have no channel and are skipped.
 */
export async function publishAll(events: Event[]): Promise<number> {
  const byChannel = new Map<string, string[]>();
  for (const event of events) {
    const recipientId = event.notification.recipient?.id;
    if (!recipientId) continue;
    const channel = socketChannelOf(event.tenant_id, recipientId, event.notification.id);
    const list = byChannel.get(channel) ?? [];
    list.push(JSON.stringify(event));
    byChannel.set(channel, list);
  }
  if (byChannel.size === 0) return 0;
  // The signer (@smithy/signature-v4, the credential provider) is loaded on the first publish on
  // AppSync, not at init: presence gates it (only where a browser listens), so most containers
  // of the functions that change notifications never sign one.
  const { MAX_EVENTS_PER_PUBLISH, publishEvents } = await import("../aws/events");
  const requests: Array<Promise<unknown>> = [];
  for (const [channel, list] of byChannel) {
    for (let i = 0; i < list.length; i += MAX_EVENTS_PER_PUBLISH) {
      requests.push(publishEvents(channel, list.slice(i, i + MAX_EVENTS_PER_PUBLISH)));
    }
  }
  await Promise.all(requests);
  return requests.length;
}
