import { InvalidTransitionError, NotFoundError, VisibleError } from "../error";
import { fn } from "../fn";
import * as z from "../zod";
import { dispatch, unschedule } from "./dispatch";
import { changed } from "./lifecycle";
import { CANCELLABLE, Channel, type Info, SkipReason, Status } from "./model";
import { NotificationId, TenantId } from "./refs";
import * as Store from "./store";

/** What the API does to one notification, or many: read, list, cancel, force, retry. */

export { digestMember, releaseHeld } from "./held";

export const get = fn(
  z.object({ tenantId: TenantId, id: NotificationId }),
  async ({ tenantId, id }): Promise<Info> => {
    const item = await Store.read(tenantId, id);
    if (!item) throw new NotFoundError("notification", id);
    return Store.toInfo(item);
  },
);

const Ref = z.object({
  tenantId: TenantId,
  id: NotificationId,
  now: z.optional(z.date()),
});

/** A status change a caller asked for: the item after it, or why it could not happen. */
async function change(transition: Store.Transition): Promise<Store.Item> {
  const item = await Store.transition(transition);
  if (item) return item;
  throw await refusal(transition);
}

/** Why a transition that did not apply was refused: no such notification, or its state. */
async function refusal({ tenantId, id, from, to, guard }: Store.Transition): Promise<VisibleError> {
  const current = await Store.read(tenantId, id);
  if (!current) return new NotFoundError("notification", id);
  if (guard?.notDigest && current.digest && from.includes(current.status)) {
    return new VisibleError(
      "conflict",
      "invalid_transition",
      `Notification ${id} is a digest; cancel the held notifications it carries instead`,
      { status: current.status },
    );
  }
  return new InvalidTransitionError(id, current.status, to);
}

/**
 * Stop a notification that has not started sending. The status write comes first, so a
 * schedule or message that fires anyway finds it cancelled and does nothing; the schedule is
 * then deleted to save the firing. A digest is not cancelled: the notifications held for it
 * would wait for it forever, and those held later for the same opening would find it gone and
 * go out at once, in quiet hours. Its members are cancelled one by one instead (a digest left
 * with none is skipped).
 */
export const cancel = fn(Ref, async ({ tenantId, id, now = new Date() }): Promise<Info> => {
  const item = await change({
    tenantId,
    id,
    from: CANCELLABLE,
    to: "cancelled",
    now,
    set: { cancelled_at: now.toISOString() },
    remove: ["next_attempt_at"],
    guard: { notDigest: true },
  });
  if (item.route === "schedule") await unschedule(item.schedule_name ?? id);
  return changed(tenantId, item);
});

/**
 * Skip a notification that is still waiting (a workflow step an outcome stopped): `skipped`
 * with the reason, its schedule deleted. Undefined when it is no longer waiting (a worker has
 * it, or it is final): the worker's own check decides then.
 */
export const skipWaiting = fn(
  z.extend(Ref, { reason: SkipReason }),
  async ({ tenantId, id, reason, now = new Date() }): Promise<Info | undefined> => {
    const item = await Store.transition({
      tenantId,
      id,
      from: CANCELLABLE,
      to: "skipped",
      now,
      set: { skipped_at: now.toISOString(), skip_reason: reason },
      remove: ["next_attempt_at"],
    });
    if (!item) return undefined;
    if (item.route === "schedule") await unschedule(item.schedule_name ?? id);
    return changed(tenantId, item);
  },
);

/**
 * Send a waiting notification now, ignoring its schedule and delivery window. The status write
 * comes first and the new message second, so if enqueueing fails the old schedule still
 * delivers it; whichever message arrives second finds it claimed and stops.
 */
export const force = fn(Ref, async ({ tenantId, id, now = new Date() }): Promise<Info> => {
  // The new generation makes whatever message or schedule was pending stale: it can no longer
  // claim, so the forced send is the only one.
  const before = await Store.read(tenantId, id);
  const item = await change({
    tenantId,
    id,
    from: ["accepted", "scheduled", "queued"],
    to: "queued",
    now,
    set: {
      scheduled_at: now.toISOString(),
      estimated_delivery_time: now.toISOString(),
      forced: true,
    },
    add: { gen: 1 },
    remove: ["next_attempt_at"],
  });
  try {
    await dispatch({ tenantId, id, channel: item.channel, sendAt: now, now, gen: item.gen });
  } catch (error) {
    // Hand the notification back to the message or schedule it was waiting on.
    await Store.transition({
      tenantId,
      id,
      from: ["queued"],
      to: "queued",
      now,
      set: { gen: before?.gen ?? 0 },
      guard: { storedGen: item.gen },
    });
    throw error;
  }
  // `route` and `schedule_name` still say how it was dispatched before, so its schedule is found.
  const pending = before?.route === "schedule" ? (before.schedule_name ?? id) : undefined;
  if (pending) await unschedule(pending);
  return changed(tenantId, item);
});

/**
 * Send again a notification whose retries ran out (its schedule was spent, or its message was
 * dead-lettered): the redrive for one notification, with a fresh retry schedule. Permanent
 * failures are not retried (the provider said no), nor is anything a provider accepted.
 */
export const retry = fn(Ref, async ({ tenantId, id, now = new Date() }): Promise<Info> => {
  const item = await change({
    tenantId,
    id,
    from: ["failed"],
    to: "queued",
    now,
    set: { route: "immediate", scheduled_at: now.toISOString() },
    add: { gen: 1 },
    // The next attempt starts a new round of the retry schedule.
    copy: { round_start: "attempts" },
    remove: ["exhausted", "failed_at", "next_attempt_at", "schedule_name"],
    guard: { retryable: true },
  });
  await dispatch({ tenantId, id, channel: item.channel, sendAt: now, now, gen: item.gen });
  return changed(tenantId, item);
});

export const ListInput = z
  .strictObject({
    status: z.optional(Status),
    channel: z.optional(Channel),
    recipient: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    created_after: z.optional(z.iso.datetime({ offset: true })),
    created_before: z.optional(z.iso.datetime({ offset: true })),
    limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 25),
    cursor: z.optional(z.string().check(z.maxLength(2048))),
  })
  .check(
    z.refine(
      (query) =>
        !query.created_after ||
        !query.created_before ||
        Date.parse(query.created_after) <= Date.parse(query.created_before),
      { message: "created_after must not be later than created_before", path: ["created_after"] },
    ),
  );
export type ListInput = z.input<typeof ListInput>;

export interface Listing {
  items: Info[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  next_cursor?: string;
}

/** A tenant's notifications, newest first, optionally by recipient, status, channel and time. */
export const list = fn(
  z.object({ tenantId: TenantId, query: ListInput }),
  async ({ tenantId, query }): Promise<Listing> => {
    const page = await Store.query({
      listing: query.recipient
        ? { tenantId, by: "recipient", recipientId: query.recipient }
        : { tenantId, by: "tenant" },
      since: query.created_after && new Date(query.created_after).toISOString(),
      until: query.created_before && new Date(query.created_before).toISOString(),
      filters: {
        ...(query.status ? { status: query.status } : {}),
        ...(query.channel ? { channel: query.channel } : {}),
      },
      limit: query.limit,
      cursor: query.cursor,
    });
    return { items: page.items.map(Store.toInfo), next_cursor: page.cursor };
  },
);
