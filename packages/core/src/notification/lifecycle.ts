import * as Callbacks from "../callback/delivery";
import { tuning } from "../config";
import * as Counters from "../counters";
import { errorFields, log } from "../log";
import * as Realtime from "../realtime/publish";
import type { Channel, Info, Route } from "./model";
import { FEEDBACK, type FeedbackEvent, FINAL, type Status } from "./status";
import * as Store from "./store";

/**
 * A notification's way through delivery: claim, complete, fail, release, reschedule, exhaust
 * and provider feedback, each one conditional write (README, "Exactly once"), and what every
 * status write then announces (`changed`). What the workers import: accepting and the API
 * verbs are ./send.ts and ./manage.ts.
 */

export type Claim =
  | {
      kind: "claimed";
      notification: Info;
      /** The attempt number this claim owns; later writes are conditional on it. */
      attempt: number;
      /** The dispatch generation claimed (the message's). */
      gen: number;
      /** `attempts` when the current retry round began. */
      roundStart: number;
      /**
       * Not claimed: the message found it waiting (`take`), and the attempt's outcome write makes
       * the claim's checks itself (see `Owner`).
       */
      direct?: boolean;
    }
  /** Another worker holds an unexpired lease, or the write that makes this message current has
   * not landed yet: try again later. */
  | { kind: "busy" }
  /** Final, cancelled, unknown, or this message is stale: nothing to send, ever. */
  | { kind: "done"; status?: Status; stale?: boolean };

/**
 * Take ownership of a notification for delivery: one conditional write from a claimable status
 * (or from `sending` whose lease ran out, when an earlier worker died) to `sending`, and only
 * for the message of the current dispatch generation. A duplicate message finds it busy or done
 * and must not send; an older message (a retry has re-dispatched it since) finds it stale.
 */
export async function claim(
  tenantId: string,
  id: string,
  now = new Date(),
  leaseSeconds = 60,
  gen = 0,
): Promise<Claim> {
  const item = await Store.transition({
    tenantId,
    id,
    ...Store.claimable(now, gen),
    to: "sending",
    now,
    attempt: true,
    set: { lease_until: now.getTime() + leaseSeconds * 1000 },
    remove: ["next_attempt_at"],
  });
  if (item) {
    return {
      kind: "claimed",
      // `sending` is published only if the attempt is still running after a moment: the
      // attempt's outcome, published at once, supersedes it (see `changed`).
      notification: await changed(tenantId, item, { holdPublish: true }),
      attempt: item.attempts,
      gen,
      roundStart: item.round_start ?? 0,
    };
  }
  return unclaimable(await Store.read(tenantId, id), gen);
}

/** Why the message of generation `gen` may not have the item (as it was read): done or busy. */
function unclaimable(current: Store.Item | undefined, gen: number): Claim {
  if (!current || FINAL.includes(current.status)) return { kind: "done", status: current?.status };
  const currentGen = current.gen ?? 0;
  if (gen < currentGen) return { kind: "done", status: current.status, stale: true };
  // Same generation and sending (a live lease), or a newer generation whose write has not
  // landed: keep the message.
  return { kind: "busy" };
}

/**
 * Channels delivered by the outcome's status write itself: an in-app message is delivered by
 * the write that files it in the inbox, with no provider call in between to protect. Such a
 * channel has no endpoint circuit and no retry of its own (the worker hands an unclaimed
 * message whose attempt threw back to SQS): nothing but an outcome write follows a `take`.
 */
const DELIVERED_BY_WRITE: readonly Channel[] = ["in_app"];

/**
 * What a worker does first with a message: `claim` it, or, for a channel delivered by its status
 * write (in-app), only read it. The delivery is then ONE conditional write from the waiting
 * status to `delivered` (or skipped, or failed), which checks what the claim would have checked
 * (claimable, this generation, no live lease) and counts the attempt: a duplicate or stale
 * message, a cancel or a force that lands first makes it fail, and nothing was delivered. A
 * digest (its members join until a claim closes it) and a workflow step (its begin write) still
 * claim.
 */
export async function take(
  channel: Channel,
  tenantId: string,
  id: string,
  now = new Date(),
  leaseSeconds = 60,
  gen = 0,
): Promise<Claim> {
  if (!DELIVERED_BY_WRITE.includes(channel)) return claim(tenantId, id, now, leaseSeconds, gen);
  const item = await Store.read(tenantId, id);
  if (!item || !Store.admits(item, Store.claimable(now, gen))) return unclaimable(item, gen);
  if (item.digest || item.workflow) return claim(tenantId, id, now, leaseSeconds, gen);
  return {
    kind: "claimed",
    notification: Store.toInfo(item),
    attempt: (item.attempts ?? 0) + 1,
    gen,
    roundStart: item.round_start ?? 0,
    direct: true,
  };
}

/**
 * What entitles an outcome write: the claim that counted attempt N (the item is `sending` under
 * it), or, for a message `take` did not claim (`direct`), the same checks the claim makes (a
 * waiting status or an expired lease, the message's generation), the attempt counted by this
 * very write.
 */
export type Owner = number | { direct: true; gen: number };

/** The owner of a claim `claim` or `take` returned. */
export function ownerOf(claimed: Extract<Claim, { kind: "claimed" }>): Owner {
  return claimed.direct ? { direct: true, gen: claimed.gen } : claimed.attempt;
}

function owned(owner: Owner, now: Date) {
  if (typeof owner === "number") {
    return { from: ["sending"] as Status[], guard: { attempt: owner }, remove: ["lease_until"] };
  }
  return {
    ...Store.claimable(now, owner.gen),
    attempt: true,
    remove: ["lease_until", "next_attempt_at"],
  };
}

/**
 * The provider took it: `delivered`, or `sent` where the channel cannot confirm delivery. An
 * in-app message is delivered by this very write, which files it in the recipient's inbox.
 * Undefined when the item changed meanwhile (see `acceptedAnyway`).
 */
export async function complete(
  tenantId: string,
  notification: Info,
  owner: Owner,
  outcome: { status: "delivered" | "sent"; providerMessageId?: string },
  now = new Date(),
) {
  const { id, channel, recipient } = notification;
  const stamp = now.toISOString();
  const inbox =
    channel === "in_app" && recipient.id ? Store.inboxEntry(tenantId, recipient.id, stamp, id) : {};
  const current = await Store.transition({
    tenantId,
    id,
    to: outcome.status,
    now,
    ...owned(owner, now),
    set: {
      [`${outcome.status}_at`]: stamp,
      ...(outcome.providerMessageId ? { provider_message_id: outcome.providerMessageId } : {}),
      ...inbox,
    },
  });
  return current && changed(tenantId, current);
}

/**
 * A provider accepted attempt `attempt` but its completion found the item changed (its lease ran
 * out and someone else acted on it). The status stays as that writer left it; the item records
 * that a provider accepted it, so neither `retry` nor a redrive ever sends it again.
 */
export async function acceptedAnyway(
  tenantId: string,
  id: string,
  attempt: number,
  providerMessageId: string | undefined,
  now = new Date(),
) {
  return Store.touch({
    tenantId,
    id,
    keep: {
      provider_accepted_at: now.toISOString(),
      provider_accepted_attempt: attempt,
      ...(providerMessageId ? { provider_message_id: providerMessageId } : {}),
    },
  });
}

/** A permanent failure, or a transient one after the last step of the retry schedule. */
export async function fail(
  tenantId: string,
  id: string,
  owner: Owner,
  error: string,
  now = new Date(),
  options: { exhausted?: boolean; reason?: Info["failure_reason"] } = {},
) {
  const item = await Store.transition({
    tenantId,
    id,
    to: "failed",
    now,
    ...owned(owner, now),
    set: {
      failed_at: now.toISOString(),
      last_error: error,
      ...(options.exhausted ? { exhausted: true } : {}),
      ...(options.reason ? { failure_reason: options.reason } : {}),
    },
  });
  return item && changed(tenantId, item);
}

/**
 * A transient failure whose retry could not be dispatched: hand the notification back, in the
 * same generation, so the redelivered message claims it again.
 */
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
    guard: { attempt },
  });
  return item && changed(tenantId, item);
}

export interface Rescheduled {
  error: string;
  /** When the next attempt is planned. */
  at: Date;
  /** The generation of the message or schedule already dispatched for it. */
  gen: number;
  route: Route;
  /** The schedule's name when the route is a schedule. */
  scheduleName?: string;
  /** False when no attempt was made (the endpoint's circuit was open): it is not counted. */
  counted: boolean;
}

/**
 * A transient failure (or a deferral) whose next attempt is already dispatched: back to
 * `queued` in the new generation, with the planned time. Undefined when the item changed.
 */
export async function reschedule(
  tenantId: string,
  id: string,
  attempt: number,
  next: Rescheduled,
  now = new Date(),
) {
  const item = await Store.transition({
    tenantId,
    id,
    from: ["sending"],
    to: "queued",
    now,
    set: {
      last_error: next.error,
      gen: next.gen,
      route: next.route,
      next_attempt_at: next.at.toISOString(),
      estimated_delivery_time: next.at.toISOString(),
      ...(next.scheduleName ? { schedule_name: next.scheduleName } : {}),
    },
    ...(next.counted ? {} : { add: { attempts: -1 } }),
    remove: ["lease_until", ...(next.scheduleName ? [] : ["schedule_name"])],
    guard: { attempt },
  });
  return item && changed(tenantId, item);
}

export type Exhausted =
  | { kind: "marked"; notification: Info }
  /** A worker holds a live lease on it: judge this message again once the lease has run out. */
  | { kind: "busy" }
  /** Final already, or the message is stale (a newer dispatch carries the notification). */
  | { kind: "ignored"; status?: Status };

/**
 * A message of generation `gen` reached its dead-letter queue (poison, or a worker that kept
 * crashing): `failed`, keeping the last provider error. Never over a live lease, and never for
 * a stale message.
 */
export async function exhaust(
  tenantId: string,
  id: string,
  gen = 0,
  now = new Date(),
): Promise<Exhausted> {
  const item = await Store.transition({
    tenantId,
    id,
    ...Store.claimable(now, gen),
    to: "failed",
    now,
    set: { failed_at: now.toISOString(), exhausted: true },
    keep: { last_error: "delivery retries exhausted" },
    remove: ["lease_until", "next_attempt_at"],
  });
  if (item) return { kind: "marked", notification: await changed(tenantId, item) };
  const current = await Store.read(tenantId, id);
  if (current?.status === "sending" && (current.gen ?? 0) === gen) return { kind: "busy" };
  return { kind: "ignored", status: current?.status };
}

export type Observed =
  /** The status moved (or the report was recorded without moving it, `late`). */
  | { kind: "moved" | "late"; notification: Info }
  /** The same report was recorded before (feedback is delivered at least once). */
  | { kind: "duplicate" }
  /** No such notification, or it has not reached `sent` yet (the report came first): retry. */
  | { kind: "unknown" | "early"; status?: Status };

/**
 * A provider's report about a message it accepted (SES event, SMS delivery receipt). It moves
 * the status where FEEDBACK allows; otherwise it is only appended to `events`, marked `late`,
 * and the status stays (a bounce after `delivered` never moves a final status backwards). Every
 * report is kept in `events` and goes out on the real-time feed.
 */
export async function observe(
  tenantId: string,
  id: string,
  event: FeedbackEvent,
  extra: { set?: Record<string, unknown>; remove?: string[] } = {},
  now = new Date(),
): Promise<Observed> {
  const item = await Store.transition({
    tenantId,
    id,
    from: FEEDBACK[event.status],
    to: event.status,
    now,
    set: {
      [`${event.status}_at`]: event.at,
      ...(event.status === "bounced" || event.status === "failed"
        ? { last_error: event.detail ?? event.status }
        : {}),
      ...extra.set,
    },
    remove: extra.remove,
    append: { events: [event] },
  });
  if (item) return { kind: "moved", notification: await changed(tenantId, item) };
  const current = await Store.read(tenantId, id);
  if (!current) return { kind: "unknown" };
  // Still sending: the provider's report overtook the worker's completion.
  if (!FINAL.includes(current.status)) return { kind: "early", status: current.status };
  const same = (current.events ?? []).some(
    (seen) =>
      seen.status === event.status && seen.at === event.at && seen.provider === event.provider,
  );
  if (same) return { kind: "duplicate" };
  const recorded = await Store.append(tenantId, id, { events: [{ ...event, late: true }] }, now);
  if (!recorded) return { kind: "unknown" };
  const info = Store.toInfo(recorded);
  // Not a status change, so not counted; the feed shows the item with its new event.
  await Realtime.publish(tenantId, info);
  return { kind: "late", notification: info };
}

/**
 * Every status write ends here: the new state goes out on the real-time feed, and to the
 * tenant's status callbacks (only enqueued here; a failure to enqueue is logged, the write stands).
 */
export async function changed(
  tenantId: string,
  item: Store.Item,
  options: { holdPublish?: boolean } = {},
): Promise<Info> {
  const info = Store.toInfo(item);
  await Promise.all([
    options.holdPublish
      ? publishLater(tenantId, info)
      : settle(info.id).then(() => Realtime.publish(tenantId, info)),
    Counters.record(tenantId, info.channel, info.status, new Date(info.updated_at)),
    Callbacks.announce(tenantId, info).catch((error: unknown) =>
      log.warn("status callbacks not enqueued", { id: info.id, ...errorFields(error) }),
    ),
    // A workflow step that was delivered stops the later steps waiting on that outcome. Loaded
    // only for a workflow step, so a function that never meets one bundles no workflow code.
    info.workflow ? workflowOutcome(tenantId, info) : undefined,
  ]);
  return info;
}

async function workflowOutcome(tenantId: string, info: Info): Promise<void> {
  const { outcomesOfStatus, reached } = await import("../workflow/outcome");
  await reached(tenantId, info, outcomesOfStatus(info));
}

/**
 * Not sent, and nothing failed: a send-time check (`workflow/gate.ts`) said to skip it (the
 * recipient's preference, the tenant's budget, a settled workflow).
 */
export async function skip(
  tenantId: string,
  id: string,
  owner: Owner,
  reason: Info["skip_reason"],
  now = new Date(),
) {
  const item = await Store.transition({
    tenantId,
    id,
    to: "skipped",
    now,
    ...owned(owner, now),
    set: { skipped_at: now.toISOString(), skip_reason: reason },
  });
  return item && changed(tenantId, item);
}

/** Publishes held back by `changed(..., { holdPublish })`, by notification id (this container's). */
type Held = { timer?: ReturnType<typeof setTimeout>; published?: Promise<void> };
const held = new Map<string, Held>();

/**
 * The `sending` publish, neither awaited nor always made: it goes out when the attempt is still
 * running HERALD_SENDING_PUBLISH_DELAY_MS after the claim (a slow provider, so a watcher sees
 * it), and is dropped when the attempt's outcome is written first, since that publish carries
 * the newer state. It never holds the provider call back, and the status write, not the
 * publish, is the truth (a feed that reconnects replays from the table).
 */
function publishLater(tenantId: string, info: Info): void {
  const entry: Held = {};
  const timer = setTimeout(() => {
    entry.timer = undefined;
    entry.published = Realtime.publish(tenantId, info);
  }, tuning().HERALD_SENDING_PUBLISH_DELAY_MS);
  // Never what keeps a process alive (Lambda freezes it; settle() clears it anyway).
  (timer as { unref?: () => void }).unref?.();
  entry.timer = timer;
  held.set(info.id, entry);
}

/**
 * The attempt on this notification is over (or a newer state is about to be published): a held
 * publish not made yet is dropped, one under way is awaited, so publishes stay in order and none
 * is left running when the invocation ends. The worker calls it after every record.
 */
export async function settle(id: string): Promise<void> {
  const entry = held.get(id);
  if (!entry) return;
  held.delete(id);
  if (entry.timer) clearTimeout(entry.timer);
  await entry.published;
}
