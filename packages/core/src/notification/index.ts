import { createHash } from "node:crypto";
import { z } from "zod";
import { NotFoundError, VisibleError } from "../error";
import { fn } from "../fn";
import { createId, deterministicId } from "../id";
import { plan } from "../schedule";
import { dispatch } from "./dispatch";
import { CLAIMABLE, type Info, SendInput, type Status } from "./model";
import * as Store from "./store";

export { unschedule } from "./dispatch";
export * from "./model";

const TenantId = z.string().min(1).max(64);
const IdempotencyKey = z.string().min(1).max(255);

export interface Sent {
  notification: Info;
  /** True when an Idempotency-Key matched an earlier request and nothing new was created. */
  replayed: boolean;
}

/**
 * Accept a notification: plan its send time, store it, put it on its way.
 *
 * The item is written `accepted` before anything is enqueued and moved to `queued`/`scheduled`
 * after, so a crash in between leaves a visible `accepted` item that a retry with the same
 * Idempotency-Key finishes dispatching. A worker may claim it from any of those three states.
 */
export const send = fn(
  z.object({
    tenantId: TenantId,
    input: SendInput,
    idempotencyKey: IdempotencyKey.optional(),
    now: z.date().optional(),
  }),
  async ({ tenantId, input, idempotencyKey, now = new Date() }): Promise<Sent> => {
    const when = plan({
      now,
      sendAt: input.send_at,
      timezone: input.recipient.timezone,
      window: input.delivery_window,
      immediate: input.immediate,
    });
    const id = idempotencyKey
      ? deterministicId("ntf", tenantId, idempotencyKey)
      : createId("ntf", now.getTime());
    const requestHash = hash(input);
    const stamp = now.toISOString();
    const info: Info = {
      id,
      channel: input.channel,
      status: "accepted",
      recipient: input.recipient,
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
    const created = await Store.create(Store.toItem(tenantId, info, "immediate", requestHash));
    if (created) return { notification: await advance(tenantId, info, now), replayed: false };

    const existing = await Store.read(tenantId, id);
    if (!existing) throw new Error(`Notification ${id} vanished between write and read`);
    if (existing.request_hash !== requestHash) {
      throw new VisibleError(
        "conflict",
        "idempotency_key_reused",
        "This Idempotency-Key was used with a different request body",
      );
    }
    const notification =
      existing.status === "accepted"
        ? await advance(tenantId, Store.toInfo(existing), now)
        : Store.toInfo(existing);
    return { notification, replayed: true };
  },
);

/** Dispatch an accepted notification and record where it went. */
async function advance(tenantId: string, info: Info, now: Date): Promise<Info> {
  const route = await dispatch({
    tenantId,
    id: info.id,
    channel: info.channel,
    sendAt: new Date(info.scheduled_at),
    now,
  });
  const to: Status = route === "schedule" ? "scheduled" : "queued";
  const moved = await Store.transition({
    tenantId,
    id: info.id,
    from: ["accepted"],
    to,
    now,
    set: { route },
  });
  if (moved) return Store.toInfo(moved);
  // A worker got there first; show what it did.
  const current = await Store.read(tenantId, info.id);
  return current ? Store.toInfo(current) : info;
}

export const get = fn(
  z.object({ tenantId: TenantId, id: z.string().min(1).max(64) }),
  async ({ tenantId, id }): Promise<Info> => {
    const item = await Store.read(tenantId, id);
    if (!item) throw new NotFoundError("notification", id);
    return Store.toInfo(item);
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
  if (item) return { kind: "claimed", notification: Store.toInfo(item), attempt: item.attempts };
  const current = await Store.read(tenantId, id);
  if (current?.status === "sending") return { kind: "busy" };
  return { kind: "done", status: current?.status };
}

function owned(attempt: number) {
  return { and: "attempts = :attempt", values: { ":attempt": attempt } };
}

/** The provider took it: `delivered`, or `sent` where the channel cannot confirm delivery. */
export async function complete(
  tenantId: string,
  id: string,
  attempt: number,
  outcome: { status: "delivered" | "sent"; providerMessageId?: string },
  now = new Date(),
) {
  const item = await Store.transition({
    tenantId,
    id,
    from: ["sending"],
    to: outcome.status,
    now,
    set: {
      [`${outcome.status}_at`]: now.toISOString(),
      ...(outcome.providerMessageId ? { provider_message_id: outcome.providerMessageId } : {}),
    },
    remove: ["lease_until"],
    condition: owned(attempt),
  });
  return item && Store.toInfo(item);
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
  return item && Store.toInfo(item);
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
  return item && Store.toInfo(item);
}

/** The queue gave up on it (dead-letter): `failed`, keeping the last provider error. */
export async function exhaust(tenantId: string, id: string, now = new Date()) {
  const item = await Store.transition({
    tenantId,
    id,
    from: ["accepted", "scheduled", "queued", "sending"],
    to: "failed",
    now,
    set: { failed_at: now.toISOString() },
    keep: { last_error: "delivery retries exhausted" },
    remove: ["lease_until"],
  });
  return item && Store.toInfo(item);
}

function hash(input: unknown): string {
  return createHash("sha256").update(JSON.stringify(input)).digest("base64url");
}
