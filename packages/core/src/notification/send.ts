import { createHash } from "node:crypto";
import * as z from "zod";
import * as Counters from "../counters";
import * as Digest from "../digest";
import { ValidationError, VisibleError } from "../error";
import { codeOf, fn, issues } from "../fn";
import { createId, deterministicId } from "../id";
import * as Recipient from "../recipient";
import { expiresAt } from "../retention";
import { formatLocal, plan, zone } from "../schedule";
import * as Suppression from "../suppression";
import { retentionDays } from "../tenant/settings";
import * as Gate from "../workflow/gate";
import { dispatch, routeFor } from "./dispatch";
import {
  CONTACT,
  type Info,
  type ParsedSendInput,
  SendInput,
  StepRef,
  TemplateRef,
  TemplateSendInput,
} from "./model";
import { IdempotencyKey, TenantId } from "./refs";
import * as Store from "./store";

/**
 * Accepting a notification (`POST /v1/notifications`): a module of its own, so what only
 * accepting needs (send-time planning, suppression checks, templates) stays out of the workers.
 */

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
    // Loaded only by a send that names a template: LiquidJS and html-to-text are the largest
    // part of the code a send can run, and most sends carry their content.
    const Template = await import("../template");
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

function hash(input: unknown): string {
  return createHash("sha256").update(JSON.stringify(input)).digest("base64url");
}
