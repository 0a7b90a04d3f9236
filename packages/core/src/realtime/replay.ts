import * as Store from "../notification/store";
import { byEventId, type Event, eventOf } from "./event";

/**
 * What a feed missed, read back from DynamoDB: the recipient's notifications (their history
 * index, newest first) whose latest change comes after a given event id. Replay returns each
 * notification's current state once, not every intermediate status: an event is a snapshot, so
 * the last one tells the whole story.
 *
 * It is bounded: notifications created in the last `maxAgeMs` (default 7 days), at most `limit`
 * of them (default 500, the newest). A client away longer should reload its list instead.
 */

export const REPLAY_MAX_AGE_MS = 7 * 86_400_000;
export const REPLAY_LIMIT = 500;

export interface ReplayOptions {
  now?: Date;
  maxAgeMs?: number;
  limit?: number;
}

/** Events after `afterEventId` (exclusive) for one recipient, oldest first. */
export async function replay(
  tenantId: string,
  recipientId: string,
  afterEventId: string,
  options: ReplayOptions = {},
): Promise<Event[]> {
  return (await replayWindow(tenantId, recipientId, afterEventId, options)).events;
}

/**
 * `replay`, saying whether it is complete: it is not when the id is older than the window or
 * the window held more notifications than the limit (the client has a gap and reloads).
 */
export async function replayWindow(
  tenantId: string,
  recipientId: string,
  afterEventId: string,
  options: ReplayOptions = {},
): Promise<{ events: Event[]; complete: boolean }> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - (options.maxAgeMs ?? REPLAY_MAX_AGE_MS)).toISOString();
  const page = await Store.recent(
    { tenantId, by: "recipient", recipientId },
    since,
    options.limit ?? REPLAY_LIMIT,
  );
  const events = page.items
    .map((item) => eventOf(tenantId, Store.toInfo(item)))
    .filter((event) => event.event_id > afterEventId)
    .sort(byEventId);
  return { events, complete: afterEventId >= since && !page.more };
}
