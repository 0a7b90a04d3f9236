import { createHash } from "node:crypto";
import { z } from "zod";
import * as Callbacks from "../callback/delivery";
import * as Counters from "../counters";
import * as Digest from "../digest";
import { InvalidTransitionError, NotFoundError, ValidationError, VisibleError } from "../error";
import { codeOf, fn, issues } from "../fn";
import { createId, deterministicId } from "../id";
import { errorFields, log } from "../log";
import * as Realtime from "../realtime";
import * as Recipient from "../recipient";
import { expiresAt } from "../retention";
import { formatLocal, plan, zone } from "../schedule";
import * as Suppression from "../suppression";
import * as Template from "../template";
import { retentionDays } from "../tenant/settings";
import * as Gate from "../workflow/gate";
import { outcomesOfStatus, reached } from "../workflow/outcome";
import { dispatch, routeFor, unschedule } from "./dispatch";
import {
  CANCELLABLE,
  Channel,
  CLAIMABLE,
  CONTACT,
  FEEDBACK,
  type FeedbackEvent,
  FINAL,
  type Info,
  type ParsedSendInput,
  type Route,
  SendInput,
  SkipReason,
  Status,
  StepRef,
  TemplateRef,
  TemplateSendInput,
} from "./model";
import * as Store from "./store";

export * as Inbox from "./inbox";
export * from "./model";
export { mayHaveLostItsMessage } from "./store";

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
    /** Sent with a test key: simulated, never handed to a provider. */
    test: z.boolean().optional(),
    /** The template the content was rendered from (`sendWithTemplate`). */
    template: TemplateRef.optional(),
    /** What the caller sent, when not `input` (a templated request): Idempotency-Key compares it. */
    request: z.unknown().optional(),
    /** The workflow step this notification is (`workflow/`). */
    step: StepRef.optional(),
  }),
  async ({
    tenantId,
    input,
    idempotencyKey,
    now = new Date(),
    test,
    template,
    request,
    step,
  }): Promise<Sent> => {
    const { recipient, window } = await resolveRecipient(tenantId, input);
    // A suppressed address is refused before anything is stored: no provider call, ever.
    if (input.channel === "email" && recipient.email) {
      await Suppression.assertNotSuppressed(tenantId, recipient.email);
    }
    // A critical notification is never held back by the window (nor held for a digest).
    const immediate = input.immediate || input.priority === "critical";
    const when = plan({
      now,
      sendAt: input.send_at,
      timezone: recipient.timezone,
      window,
      immediate,
    });
    const id = idempotencyKey
      ? deterministicId("ntf", tenantId, idempotencyKey)
      : createId("ntf", now.getTime());
    const requestHash = hash(request ?? input);
    const stamp = now.toISOString();
    const route = routeFor(when.sendAt, now);
    // Accepted but not sent: the recipient turned this category off on this channel.
    const { skip, setting } = await Gate.atAcceptance({
      tenantId,
      recipientId: recipient.id,
      category: input.category,
      channel: input.channel,
      priority: input.priority,
      step,
    });
    // Quiet hours, a digest window, or over its throttle: held for one message (digest/).
    const hold = skip
      ? undefined
      : await Digest.decide({
          tenantId,
          recipientId: recipient.id,
          category: input.category,
          channel: input.channel,
          priority: input.priority,
          step,
          every: input.digest?.every,
          throttle: input.throttle,
          setting,
          when,
          now,
          timezone: recipient.timezone,
          window,
          immediate,
        });
    const info: Info = {
      id,
      channel: input.channel,
      status: skip ? "skipped" : hold ? "held" : route === "schedule" ? "scheduled" : "queued",
      recipient,
      content: input.content,
      ...(template ? { template } : {}),
      metadata: input.metadata,
      ...(input.category ? { category: input.category } : {}),
      ...(input.priority ? { priority: input.priority } : {}),
      ...(step ? { workflow: step } : {}),
      ...(skip ? { skip_reason: skip, skipped_at: stamp } : {}),
      ...(hold ? { digest_id: hold.digestId } : {}),
      timezone: when.timezone,
      scheduled_at: (hold?.opensAt ?? when.sendAt).toISOString(),
      local_scheduled_time: hold ? formatLocal(hold.opensAt, zone(when.timezone)) : when.local,
      appropriate_delivery: when.appropriate,
      window_adjusted: when.adjusted,
      estimated_delivery_time: (hold?.opensAt ?? when.sendAt).toISOString(),
      attempts: 0,
      created_at: stamp,
      updated_at: stamp,
      ...(test ? { test: true } : {}),
      // DynamoDB TTL removes it (and reads skip it) after the tenant's retention.
      expires_at: expiresAt(now, await retentionDays(tenantId)),
    };
    const created = await Store.create(Store.toItem(tenantId, info, route, requestHash));
    if (created) {
      await Promise.all([
        skip
          ? undefined
          : hold
            ? Digest.join(tenantId, info, hold, now)
            : dispatchFor(tenantId, info, now),
        Counters.record(tenantId, info.channel, "accepted", now),
        skip ? Counters.record(tenantId, info.channel, "skipped", now) : undefined,
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
    // The first request may have died between its write and its dispatch, so a notification
    // that is still waiting for its first attempt is dispatched again, carrying the current
    // generation: a second message finds it claimed, or stale once an attempt has re-dispatched
    // it; a second schedule conflicts with the first. Once an attempt has begun, the worker owns
    // the next dispatch (a retry waiting on its schedule is not a lost message) and a replay sends
    // nothing.
    // A held one may not have joined its digest yet: joining again changes nothing otherwise.
    if (existing.status === "held" && existing.digest_id && existing.category) {
      await Digest.join(
        tenantId,
        notification,
        {
          digestId: existing.digest_id,
          opensAt: new Date(existing.scheduled_at),
          category: existing.category,
        },
        now,
        { replay: true },
      );
    }
    if (Store.mayHaveLostItsMessage(existing)) {
      await dispatch({
        tenantId,
        id,
        channel: notification.channel,
        sendAt: new Date(notification.scheduled_at),
        now,
        gen: existing.gen ?? 0,
        scheduleName: existing.schedule_name,
      });
    }
    return { notification, replayed: true };
  },
);

/**
 * Everything `send` refuses before it stores anything (the body, the contact point, a
 * suppressed address, the send time), without storing: a workflow checks all its steps first,
 * so a refused request stores none of them.
 */
export async function check(tenantId: string, raw: SendInput, now = new Date()): Promise<void> {
  const parsed = SendInput.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(
      codeOf(parsed.error) ?? "invalid_request",
      "The request is not valid",
      issues(parsed.error),
    );
  }
  const input = parsed.data;
  const { recipient, window } = await resolveRecipient(tenantId, input);
  if (input.channel === "email" && recipient.email) {
    await Suppression.assertNotSuppressed(tenantId, recipient.email);
  }
  plan({
    now,
    sendAt: input.send_at,
    timezone: recipient.timezone,
    window,
    immediate: input.immediate,
  });
}

/**
 * Accept a send with a template: render the template's fields for the channel, in the request's
 * locale or else the recipient profile's, into content, then `send` that. The stored
 * notification holds the rendered content and `template: {id, version, locale}`; workers never
 * render. A template error is a 400 (`template_render_failed`), an unknown template a 404.
 */
export const sendWithTemplate = fn(
  z.object({
    tenantId: TenantId,
    input: TemplateSendInput,
    idempotencyKey: IdempotencyKey.optional(),
    now: z.date().optional(),
    test: z.boolean().optional(),
  }),
  async ({ tenantId, input, idempotencyKey, now, test }): Promise<Sent> => {
    const { template: ref, data, locale, ...rest } = input;
    const profileLocale =
      locale === undefined && input.recipient.id
        ? (await Recipient.find(tenantId, input.recipient.id))?.locale
        : undefined;
    const rendered = await Template.render(
      tenantId,
      ref,
      input.channel,
      data,
      locale ?? profileLocale,
    );
    return send({
      tenantId,
      input: { ...rest, content: rendered.content } as SendInput,
      idempotencyKey,
      now,
      test,
      template: rendered.template,
      request: input,
    });
  },
);

/** POST /v1/notifications: content as sent, or rendered from a template. */
export function accept(args: {
  tenantId: string;
  input: unknown;
  idempotencyKey?: string;
  test?: boolean;
}): Promise<Sent> {
  const { input } = args;
  if (input !== null && typeof input === "object" && "template" in input) {
    return sendWithTemplate({ ...args, input: input as TemplateSendInput });
  }
  return send({ ...args, input: input as SendInput });
}

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
    remove: ["next_attempt_at"],
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
  Ref.extend({ reason: SkipReason }),
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
 * A held notification goes out in digest `digestId` (which is being sent): `digested`, final.
 * Undefined when it is no longer held (cancelled, or released to be sent alone).
 */
export async function digestMember(
  tenantId: string,
  id: string,
  digestId: string,
  now = new Date(),
): Promise<Info | undefined> {
  const item = await Store.transition({
    tenantId,
    id,
    from: ["held"],
    to: "digested",
    now,
    set: { digest_id: digestId, digested_at: now.toISOString() },
  });
  return item && changed(tenantId, item);
}

/**
 * A held notification whose digest had already begun sending when it tried to join: send it
 * on its own, now (the window has opened). Undefined when it is no longer held.
 */
export async function releaseHeld(tenantId: string, id: string, now = new Date()) {
  const item = await Store.transition({
    tenantId,
    id,
    from: ["held"],
    to: "queued",
    now,
    set: {
      scheduled_at: now.toISOString(),
      estimated_delivery_time: now.toISOString(),
      route: "immediate",
    },
    remove: ["digest_id"],
  });
  if (!item) return undefined;
  await dispatch({ tenantId, id, channel: item.channel, sendAt: now, now, gen: item.gen });
  return changed(tenantId, item);
}

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
    from: CLAIMABLE,
    to: "sending",
    now,
    attempt: true,
    set: { lease_until: now.getTime() + leaseSeconds * 1000 },
    remove: ["next_attempt_at"],
    guard: { leaseExpiredBefore: now, generation: gen },
  });
  if (item) {
    return {
      kind: "claimed",
      notification: await changed(tenantId, item),
      attempt: item.attempts,
      gen,
      roundStart: item.round_start ?? 0,
    };
  }
  const current = await Store.read(tenantId, id);
  if (!current || FINAL.includes(current.status)) return { kind: "done", status: current?.status };
  const currentGen = current.gen ?? 0;
  if (gen < currentGen) return { kind: "done", status: current.status, stale: true };
  // Same generation and sending (a live lease), or a newer generation whose write has not
  // landed: keep the message.
  return { kind: "busy" };
}

/**
 * The provider took it: `delivered`, or `sent` where the channel cannot confirm delivery. An
 * in-app message is delivered by this very write, which files it in the recipient's inbox.
 * Undefined when the item changed meanwhile (see `acceptedAnyway`).
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
    channel === "in_app" && recipient.id ? Store.inboxEntry(tenantId, recipient.id, stamp, id) : {};
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
    guard: { attempt },
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
  attempt: number,
  error: string,
  now = new Date(),
  options: { exhausted?: boolean; reason?: Info["failure_reason"] } = {},
) {
  const item = await Store.transition({
    tenantId,
    id,
    from: ["sending"],
    to: "failed",
    now,
    set: {
      failed_at: now.toISOString(),
      last_error: error,
      ...(options.exhausted ? { exhausted: true } : {}),
      ...(options.reason ? { failure_reason: options.reason } : {}),
    },
    remove: ["lease_until"],
    guard: { attempt },
  });
  return item && changed(tenantId, item);
}

/**
 * Not sent, and nothing failed: a send-time check (`workflow/gate.ts`) said to skip it (the
 * recipient's preference, the tenant's budget, a settled workflow).
 */
export async function skip(
  tenantId: string,
  id: string,
  attempt: number,
  reason: Info["skip_reason"],
  now = new Date(),
) {
  const item = await Store.transition({
    tenantId,
    id,
    from: ["sending"],
    to: "skipped",
    now,
    set: { skipped_at: now.toISOString(), skip_reason: reason },
    remove: ["lease_until"],
    guard: { attempt },
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
    from: CLAIMABLE,
    to: "failed",
    now,
    set: { failed_at: now.toISOString(), exhausted: true },
    keep: { last_error: "delivery retries exhausted" },
    remove: ["lease_until", "next_attempt_at"],
    guard: { leaseExpiredBefore: now, generation: gen },
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
async function changed(tenantId: string, item: Store.Item): Promise<Info> {
  const info = Store.toInfo(item);
  await Promise.all([
    Realtime.publish(tenantId, info),
    Counters.record(tenantId, info.channel, info.status, new Date(info.updated_at)),
    Callbacks.announce(tenantId, info).catch((error: unknown) =>
      log.warn("status callbacks not enqueued", { id: info.id, ...errorFields(error) }),
    ),
    // A workflow step that was delivered stops the later steps waiting on that outcome.
    info.workflow ? reached(tenantId, info, outcomesOfStatus(info)) : undefined,
  ]);
  return info;
}

function hash(input: unknown): string {
  return createHash("sha256").update(JSON.stringify(input)).digest("base64url");
}
