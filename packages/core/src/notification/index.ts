import { createHash } from "node:crypto";
import { z } from "zod";
import { InvalidTransitionError, NotFoundError, ValidationError, VisibleError } from "../error";
import { fn } from "../fn";
import { createId, deterministicId } from "../id";
import * as Metrics from "../metrics";
import * as Realtime from "../realtime";
import * as Recipient from "../recipient";
import { plan } from "../schedule";
import { dispatch, routeFor, unschedule } from "./dispatch";
import {
  CANCELLABLE,
  Channel,
  CLAIMABLE,
  CONTACT,
  type Info,
  type ParsedSendInput,
  SendInput,
  Status,
} from "./model";
import * as Store from "./store";

export * as Inbox from "./inbox";
export * from "./model";

const TenantId = z.string().min(1).max(64);
const IdempotencyKey = z.string().min(1).max(255);

export interface Sent {
  notification: Info;
  /** True when an Idempotency-Key matched an earlier request and nothing new was created. */
  replayed: boolean;
}

/**
 * Accept a notification: plan its send time, store it (already `queued` or `scheduled`, one
 * conditional put), then put it on its way. A crash between the write and the dispatch is
 * healed by a retry with the same Idempotency-Key, which dispatches again.
 */
export const send = fn(
  z.object({
    tenantId: TenantId,
    input: SendInput,
    idempotencyKey: IdempotencyKey.optional(),
    now: z.date().optional(),
  }),
  async ({ tenantId, input, idempotencyKey, now = new Date() }): Promise<Sent> => {
    const { recipient, window } = await resolveRecipient(tenantId, input);
    const when = plan({
      now,
      sendAt: input.send_at,
      timezone: recipient.timezone,
      window,
      immediate: input.immediate,
    });
    const id = idempotencyKey
      ? deterministicId("ntf", tenantId, idempotencyKey)
      : createId("ntf", now.getTime());
    const requestHash = hash(input);
    const stamp = now.toISOString();
    const route = routeFor(when.sendAt, now);
    const info: Info = {
      id,
      channel: input.channel,
      status: route === "schedule" ? "scheduled" : "queued",
      recipient,
      content: input.content,
      metadata: input.metadata,
      timezone: when.timezone,
      scheduled_at: when.sendAt.toISOString(),
      local_scheduled_time: when.local,
      appropriate_delivery: when.appropriate,
      window_adjusted: when.adjusted,
      estimated_delivery_time: when.sendAt.toISOString(),
      attempts: 0,
      created_at: stamp,
      updated_at: stamp,
    };
    const created = await Store.create(Store.toItem(tenantId, info, route, requestHash));
    if (created) {
      await Promise.all([
        dispatchFor(tenantId, info, now),
        Metrics.record(tenantId, info.channel, "accepted", now),
      ]);
      return { notification: info, replayed: false };
    }

    const existing = await Store.read(tenantId, id);
    if (!existing) throw new Error(`Notification ${id} vanished between write and read`);
    if (existing.request_hash !== requestHash) {
      throw new VisibleError(
        "conflict",
        "idempotency_key_reused",
        "This Idempotency-Key was used with a different request body",
      );
    }
    const notification = Store.toInfo(existing);
    // The first attempt may have died between its write and its dispatch. Dispatching again is
    // harmless: a second message finds the notification claimed, a second schedule conflicts.
    if (existing.status === "queued" || existing.status === "scheduled") {
      await dispatchFor(tenantId, notification, now);
    }
    return { notification, replayed: true };
  },
);

/**
 * The recipient as sent, completed from their profile: contact points, timezone and window the
 * request leaves out come from there. The channel's contact point must then be known.
 */
async function resolveRecipient(tenantId: string, input: ParsedSendInput) {
  const profile = input.recipient.id
    ? await Recipient.find(tenantId, input.recipient.id)
    : undefined;
  const recipient = { ...input.recipient };
  for (const field of ["email", "phone", "push_subscription", "webhook_url", "timezone"] as const) {
    if (recipient[field] === undefined && profile?.[field] !== undefined) {
      Object.assign(recipient, { [field]: profile[field] });
    }
  }
  const needed = CONTACT[input.channel];
  if (recipient[needed] === undefined) {
    throw new ValidationError(
      "missing_contact_point",
      `The ${input.channel} channel needs recipient.${needed}, in the request or the recipient's profile`,
      { field: `recipient.${needed}` },
    );
  }
  return { recipient, window: input.delivery_window ?? profile?.delivery_window };
}

function dispatchFor(tenantId: string, info: Info, now: Date) {
  return dispatch({
    tenantId,
    id: info.id,
    channel: info.channel,
    sendAt: new Date(info.scheduled_at),
    now,
  });
}

export const get = fn(
  z.object({ tenantId: TenantId, id: z.string().min(1).max(64) }),
  async ({ tenantId, id }): Promise<Info> => {
    const item = await Store.read(tenantId, id);
    if (!item) throw new NotFoundError("notification", id);
    return Store.toInfo(item);
  },
);

const Ref = z.object({
  tenantId: TenantId,
  id: z.string().min(1).max(64),
  now: z.date().optional(),
});

/** A status change a caller asked for: the item after it, or why it could not happen. */
async function change(transition: Store.Transition): Promise<Store.Item> {
  const item = await Store.transition(transition);
  if (item) return item;
  const current = await Store.read(transition.tenantId, transition.id);
  if (!current) throw new NotFoundError("notification", transition.id);
  throw new InvalidTransitionError(transition.id, current.status, transition.to);
}

/**
 * Stop a notification that has not started sending. The status write comes first, so a
 * schedule or message that fires anyway finds it cancelled and does nothing; the schedule is
 * then deleted to save the firing.
 */
export const cancel = fn(Ref, async ({ tenantId, id, now = new Date() }): Promise<Info> => {
  const item = await change({
    tenantId,
    id,
    from: CANCELLABLE,
    to: "cancelled",
    now,
    set: { cancelled_at: now.toISOString() },
  });
  if (item.route === "schedule") await unschedule(id);
  return changed(tenantId, item);
});

/**
 * Send a waiting notification now, ignoring its schedule and delivery window. The status write
 * comes first and the new message second, so if enqueueing fails the old schedule still
 * delivers it; whichever message arrives second finds it claimed and stops.
 */
export const force = fn(Ref, async ({ tenantId, id, now = new Date() }): Promise<Info> => {
  const item = await change({
    tenantId,
    id,
    from: ["accepted", "scheduled", "queued"],
    to: "queued",
    now,
    // `route` keeps how it was first dispatched, so the schedule below can be found.
    set: {
      scheduled_at: now.toISOString(),
      estimated_delivery_time: now.toISOString(),
      forced: true,
    },
  });
  await dispatch({ tenantId, id, channel: item.channel, sendAt: now, now });
  if (item.route === "schedule") await unschedule(id);
  return changed(tenantId, item);
});

/**
 * Send again a notification whose retries ran out (it went through the dead-letter queue):
 * the redrive for one notification. Permanent failures are not retried: the provider said no.
 */
export const retry = fn(Ref, async ({ tenantId, id, now = new Date() }): Promise<Info> => {
  const item = await change({
    tenantId,
    id,
    from: ["failed"],
    to: "queued",
    now,
    set: { route: "immediate", scheduled_at: now.toISOString() },
    remove: ["exhausted", "failed_at"],
    condition: { and: "exhausted = :yes", values: { ":yes": true } },
  });
  await dispatch({ tenantId, id, channel: item.channel, sendAt: now, now });
  return changed(tenantId, item);
});

export const ListInput = z
  .object({
    status: Status.optional(),
    channel: Channel.optional(),
    recipient: z.string().min(1).max(128).optional(),
    created_after: z.iso.datetime({ offset: true }).optional(),
    created_before: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(2048).optional(),
  })
  .strict()
  .refine(
    (query) =>
      !query.created_after ||
      !query.created_before ||
      Date.parse(query.created_after) <= Date.parse(query.created_before),
    { message: "created_after must not be later than created_before", path: ["created_after"] },
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
    const index = query.recipient ? "gsi2" : "gsi1";
    const partition = query.recipient ? `RCP#${tenantId}#${query.recipient}` : `TNT#${tenantId}`;
    const after = query.cursor
      ? Store.decodeCursor(query.cursor, index, partition, tenantId)
      : undefined;
    const page = await Store.query({
      index,
      partition,
      // Sort keys are `<created_at>#<id>`; "#" sorts before any id character and "~" after.
      from: query.created_after && `${new Date(query.created_after).toISOString()}#`,
      to: query.created_before && `${new Date(query.created_before).toISOString()}~`,
      filters: {
        ...(query.status ? { status: query.status } : {}),
        ...(query.channel ? { channel: query.channel } : {}),
      },
      limit: query.limit,
      after,
    });
    return {
      items: page.items.map(Store.toInfo),
      next_cursor: page.next && Store.encodeCursor(page.next, index, partition),
    };
  },
);

export type Claim =
  | {
      kind: "claimed";
      notification: Info;
      /** The attempt number this claim owns; later writes are conditional on it. */
      attempt: number;
    }
  /** Another worker holds an unexpired lease: try again once it may have run out. */
  | { kind: "busy" }
  /** Final, cancelled or unknown: nothing to send, ever. */
  | { kind: "done"; status?: Status };

/**
 * Take ownership of a notification for delivery: one conditional write from a claimable status
 * (or from `sending` whose lease ran out, when an earlier worker died) to `sending`. A duplicate
 * message finds it busy or done and must not send.
 */
export async function claim(
  tenantId: string,
  id: string,
  now = new Date(),
  leaseSeconds = 60,
): Promise<Claim> {
  const item = await Store.transition({
    tenantId,
    id,
    from: CLAIMABLE,
    to: "sending",
    now,
    attempt: true,
    set: { lease_until: now.getTime() + leaseSeconds * 1000 },
    condition: {
      or: "#status = :sending AND lease_until < :now_ms",
      values: { ":sending": "sending", ":now_ms": now.getTime() },
    },
  });
  if (item) {
    return { kind: "claimed", notification: await changed(tenantId, item), attempt: item.attempts };
  }
  const current = await Store.read(tenantId, id);
  if (current?.status === "sending") return { kind: "busy" };
  return { kind: "done", status: current?.status };
}

function owned(attempt: number) {
  return { and: "attempts = :attempt", values: { ":attempt": attempt } };
}

/**
 * The provider took it: `delivered`, or `sent` where the channel cannot confirm delivery. An
 * in-app message is delivered by this very write, which files it in the recipient's inbox.
 */
export async function complete(
  tenantId: string,
  notification: Info,
  attempt: number,
  outcome: { status: "delivered" | "sent"; providerMessageId?: string },
  now = new Date(),
) {
  const { id, channel, recipient } = notification;
  const stamp = now.toISOString();
  const inbox =
    channel === "in_app" && recipient.id
      ? { gsi3pk: Store.inboxKey(tenantId, recipient.id), gsi3sk: `${stamp}#${id}` }
      : {};
  const current = await Store.transition({
    tenantId,
    id,
    from: ["sending"],
    to: outcome.status,
    now,
    set: {
      [`${outcome.status}_at`]: stamp,
      ...(outcome.providerMessageId ? { provider_message_id: outcome.providerMessageId } : {}),
      ...inbox,
    },
    remove: ["lease_until"],
    condition: owned(attempt),
  });
  return current && changed(tenantId, current);
}

/** A permanent failure: no retry. */
export async function fail(
  tenantId: string,
  id: string,
  attempt: number,
  error: string,
  now = new Date(),
) {
  const item = await Store.transition({
    tenantId,
    id,
    from: ["sending"],
    to: "failed",
    now,
    set: { failed_at: now.toISOString(), last_error: error },
    remove: ["lease_until"],
    condition: owned(attempt),
  });
  return item && changed(tenantId, item);
}

/** A transient failure: hand the notification back so the redelivered message can claim it. */
export async function release(
  tenantId: string,
  id: string,
  attempt: number,
  error: string,
  now = new Date(),
) {
  const item = await Store.transition({
    tenantId,
    id,
    from: ["sending"],
    to: "queued",
    now,
    set: { last_error: error },
    remove: ["lease_until"],
    condition: owned(attempt),
  });
  return item && changed(tenantId, item);
}

/** The queue gave up on it (dead-letter): `failed`, keeping the last provider error. */
export async function exhaust(tenantId: string, id: string, now = new Date()) {
  const item = await Store.transition({
    tenantId,
    id,
    from: ["accepted", "scheduled", "queued", "sending"],
    to: "failed",
    now,
    set: { failed_at: now.toISOString(), exhausted: true },
    keep: { last_error: "delivery retries exhausted" },
    remove: ["lease_until"],
  });
  return item && changed(tenantId, item);
}

/** Every status write ends here: the new state goes out on the real-time feed. */
async function changed(tenantId: string, item: Store.Item): Promise<Info> {
  const info = Store.toInfo(item);
  await Promise.all([
    Realtime.publish(tenantId, info),
    Metrics.record(tenantId, info.channel, info.status, new Date(info.updated_at)),
  ]);
  return info;
}

function hash(input: unknown): string {
  return createHash("sha256").update(JSON.stringify(input)).digest("base64url");
}
