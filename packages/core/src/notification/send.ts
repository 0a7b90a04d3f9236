import { createHash } from "node:crypto";
import * as Digest from "../digest";
import { ValidationError, VisibleError } from "../error";
import { codeOf, fn, issues } from "../fn";
import { createId, keyedId } from "../id";
import * as Recipient from "../recipient";
import { expiresAt } from "../retention";
import { formatLocal, plan, zone } from "../schedule";
import * as Suppression from "../suppression";
import type { Template } from "../template";
import { retentionDays } from "../tenant/settings-read";
import * as Gate from "../workflow/gate";
import * as z from "../zod";
import { type Dispatch, dispatch, routeFor } from "./dispatch";
import {
  CONTACT,
  type Info,
  type ParsedSendInput,
  type Route,
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

/** A profile by recipient id (a batch or fan-out reads a page of them at once). */
export type ProfileLookup = (
  tenantId: string,
  id: string,
) => Promise<Recipient.Profile | undefined>;
/** A stored template (a fan-out reads each once, not once per subscriber). */
export type TemplateLookup = (
  tenantId: string,
  ref: { id: string; version?: number },
) => Promise<Template>;

const Options = {
  tenantId: TenantId,
  idempotencyKey: z.optional(IdempotencyKey),
  now: z.optional(z.date()),
  /** When the request was accepted, if before `now` (a topic fan-out's later page: `plan`). */
  acceptedAt: z.optional(z.date()),
  /** Sent with a test key: simulated, never handed to a provider. */
  test: z.optional(z.boolean()),
  /** The id to store it under, derived by the caller (a topic fan-out); else from the key. */
  id: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  /** Where profiles are read from; default one read per send. */
  profiles: z.optional(z.custom<ProfileLookup>((value) => typeof value === "function")),
  /** Where templates are read from; default one read per templated send. */
  templates: z.optional(z.custom<TemplateLookup>((value) => typeof value === "function")),
};

const SendArgs = z.object({
  ...Options,
  input: SendInput,
  /** The template the content was rendered from (`sendWithTemplate`). */
  template: z.optional(TemplateRef),
  /** What the caller sent, when not `input` (a templated request): Idempotency-Key compares it. */
  request: z.optional(z.unknown()),
  /** The workflow step this notification is (`workflow/`). */
  step: z.optional(StepRef),
});
const TemplateArgs = z.object({ ...Options, input: TemplateSendInput });

/**
 * A send planned, checked and built, not stored yet: `send` is `prepare` then `commit`; a batch
 * or a topic fan-out prepares many, then stores and dispatches them together.
 */
export interface Prepared {
  tenantId: string;
  info: Info;
  item: Store.Item;
  route: Route;
  now: Date;
  /** Accepted but never sent (the recipient's preference, a critical-only step). */
  skipped: boolean;
  /** Held for a digest (quiet hours, a digest window, over its throttle): joins it, not a queue. */
  hold?: Digest.Hold;
}

/**
 * Everything a send decides before it writes: the recipient completed from their profile, the
 * suppression list, the send time (timezone, window), the id (fresh, or from the
 * Idempotency-Key) and the stored item. Throws the send's 4xx errors; stores nothing.
 */
async function prepare({
  tenantId,
  input,
  idempotencyKey,
  now = new Date(),
  acceptedAt,
  test,
  template,
  request,
  step,
  id: givenId,
  profiles = readProfile,
}: z.output<typeof SendArgs>): Promise<Prepared> {
  const { recipient, window } = await resolveRecipient(tenantId, input, profiles);
  // A suppressed address is refused before anything is stored: no provider call, ever.
  if (input.channel === "email" && recipient.email) {
    await Suppression.assertNotSuppressed(tenantId, recipient.email);
  }
  // A critical notification is never held back by the window (nor held for a digest).
  const immediate = input.immediate || input.priority === "critical";
  const when = plan({
    now,
    acceptedAt,
    sendAt: input.send_at,
    timezone: recipient.timezone,
    window,
    immediate,
  });
  const id =
    givenId ??
    (idempotencyKey
      ? keyedId("ntf", tenantId, test, idempotencyKey)
      : createId("ntf", now.getTime()));
  const stamp = now.toISOString();
  const route = routeFor(when.sendAt, now);
  // Accepted but not sent: the recipient turned this category off on this channel.
  const subject = {
    tenantId,
    recipientId: recipient.id,
    category: input.category,
    channel: input.channel,
    priority: input.priority,
    step,
  };
  const { skip, setting } = await Gate.atAcceptance(subject);
  // Quiet hours, a digest window, or over its throttle: held for one message (digest/).
  const hold = skip
    ? undefined
    : await Digest.decide({
        ...subject,
        every: input.digest?.every,
        throttle: input.throttle,
        setting,
        when,
        now,
        timezone: recipient.timezone,
        window,
        immediate,
        test,
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
  const item = Store.toItem(tenantId, info, route, hash(request ?? input));
  return {
    tenantId,
    info,
    item,
    route,
    now,
    skipped: skip !== undefined,
    ...(hold ? { hold } : {}),
  };
}

/** Render a templated send's content (request locale, else the profile's), then `prepare`. */
async function prepareTemplated(args: z.output<typeof TemplateArgs>): Promise<Prepared> {
  const { input, profiles = readProfile, templates = readTemplate } = args;
  const { template: ref, data, locale, ...rest } = input;
  const profileLocale =
    locale === undefined && input.recipient.id
      ? (await profiles(args.tenantId, input.recipient.id))?.locale
      : undefined;
  // Loaded only by a send that names a template (see `readTemplate`).
  const { renderChannel } = await import("../template");
  const rendered = await renderChannel(
    await templates(args.tenantId, ref),
    input.channel,
    data,
    locale ?? profileLocale,
  );
  return prepare({
    ...args,
    input: { ...rest, content: rendered.content } as ParsedSendInput,
    template: rendered.template,
    request: input,
  });
}

/**
 * Store a prepared send (one conditional put), then put it on its way. A crash between the
 * write and the dispatch is healed by a retry with the same Idempotency-Key, which dispatches
 * again. (Its `accepted` count comes from the table's stream: ../counters/accepted.ts.)
 */
async function commit(prepared: Prepared): Promise<Sent> {
  const { tenantId, info } = prepared;
  if (await Store.create(prepared.item)) {
    const first = dispatchOf(prepared);
    await (first ? dispatch(first) : joinDigest(prepared));
    return { notification: info, replayed: false };
  }
  return replay(prepared, await Store.read(tenantId, info.id));
}

/**
 * The answer to a send whose id was stored already: the first result when the request is the
 * same (re-dispatched if it may have lost its message), `idempotency_key_reused` when not.
 */
async function replay(prepared: Prepared, found: Store.Item | undefined): Promise<Sent> {
  const { tenantId, now } = prepared;
  const existing = checkReplay(prepared, found);
  const notification = Store.toInfo(existing);
  // The first request may have died between its write and its dispatch, so a notification
  // that is still waiting for its first attempt is dispatched again, carrying the current
  // generation: a second message finds it claimed, or stale once an attempt has re-dispatched
  // it; a second schedule conflicts with the first. Once an attempt has begun, the worker owns
  // the next dispatch (a retry waiting on its schedule is not a lost message) and a replay sends
  // nothing.
  await rejoinDigest(tenantId, existing, now);
  if (Store.mayHaveLostItsMessage(existing)) {
    await dispatch(redispatchOf(tenantId, existing, now));
  }
  return { notification, replayed: true };
}

/** A stored held send joins its digest (which it needs instead of a dispatch); else nothing. */
export async function joinDigest({ tenantId, info, hold, now }: Prepared): Promise<void> {
  if (hold) await Digest.join(tenantId, info, hold, now);
}

/**
 * A replayed held send may not have joined its digest yet (its first request died before):
 * joining again changes nothing otherwise.
 */
export async function rejoinDigest(tenantId: string, existing: Store.Item, now: Date) {
  if (existing.status !== "held" || !existing.digest_id || !existing.category) return;
  await Digest.join(
    tenantId,
    Store.toInfo(existing),
    {
      digestId: existing.digest_id,
      opensAt: new Date(existing.scheduled_at),
      category: existing.category,
    },
    now,
    { replay: true },
  );
}

/** The stored item a send replays, if its request is the same; else `idempotency_key_reused`. */
export function checkReplay(prepared: Prepared, existing: Store.Item | undefined): Store.Item {
  if (!existing)
    throw new Error(`Notification ${prepared.info.id} vanished between write and read`);
  if (existing.request_hash !== prepared.item.request_hash) {
    throw new VisibleError(
      "conflict",
      "idempotency_key_reused",
      "This Idempotency-Key was used with a different request body",
    );
  }
  return existing;
}

/** The dispatch that re-sends a stored notification's first message (see `replay`). */
export function redispatchOf(tenantId: string, existing: Store.Item, now: Date): Dispatch {
  return {
    tenantId,
    id: existing.id,
    channel: existing.channel,
    sendAt: new Date(existing.scheduled_at),
    now,
    gen: existing.gen ?? 0,
    scheduleName: existing.schedule_name,
  };
}

/**
 * Accept a notification: plan its send time, store it (already `queued` or `scheduled`, one
 * conditional put), then put it on its way.
 */
export const send = fn(SendArgs, async (args): Promise<Sent> => commit(await prepare(args)));

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
  const { recipient, window } = await resolveRecipient(tenantId, input, readProfile);
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
  TemplateArgs,
  async (args): Promise<Sent> => commit(await prepareTemplated(args)),
);

/** POST /v1/notifications: content as sent, or rendered from a template. */
export function accept(args: {
  tenantId: string;
  input: unknown;
  idempotencyKey?: string;
  test?: boolean;
}): Promise<Sent> {
  const { input } = args;
  if (isTemplated(input)) return sendWithTemplate({ ...args, input: input as TemplateSendInput });
  return send({ ...args, input: input as SendInput });
}

function isTemplated(input: unknown): boolean {
  return input !== null && typeof input === "object" && "template" in input;
}

const prepareContent = fn(SendArgs, prepare);
const prepareTemplate = fn(TemplateArgs, prepareTemplated);

/**
 * `accept` without the write: one send of a batch or a fan-out, validated and planned exactly as
 * POST /v1/notifications plans it (same schemas, same errors), ready for `Batch.commit`.
 */
export function prepareRequest(args: {
  tenantId: string;
  input: unknown;
  idempotencyKey?: string;
  test?: boolean;
  now?: Date;
  acceptedAt?: Date;
  id?: string;
  profiles?: ProfileLookup;
  templates?: TemplateLookup;
}): Promise<Prepared> {
  const { input } = args;
  if (isTemplated(input)) return prepareTemplate({ ...args, input: input as TemplateSendInput });
  return prepareContent({ ...args, input: input as SendInput });
}

const readProfile: ProfileLookup = (tenantId, id) => Recipient.find(tenantId, id);
// The template module is loaded only by a send that names a template: LiquidJS and html-to-text
// are the largest part of the code a send can run, and most sends carry their content.
const readTemplate: TemplateLookup = async (tenantId, ref) =>
  (await import("../template")).get({ tenantId, ...ref });

/** Templates read once each, for the sends of one batch or one fan-out run. */
export function templateCache(): TemplateLookup {
  const cache = new Map<string, Promise<Template>>();
  return (tenantId, ref) => {
    const key = `${tenantId}\n${ref.id}@${ref.version ?? "latest"}`;
    if (!cache.has(key)) cache.set(key, readTemplate(tenantId, ref));
    return cache.get(key) as Promise<Template>;
  };
}

/**
 * The recipient as sent, completed from their profile: contact points, timezone and window the
 * request leaves out come from there. The channel's contact point must then be known.
 */
async function resolveRecipient(tenantId: string, input: ParsedSendInput, profiles: ProfileLookup) {
  const profile = input.recipient.id ? await profiles(tenantId, input.recipient.id) : undefined;
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

/**
 * The first dispatch of a prepared send: its message, or its schedule when due later. None for
 * a skipped send (never sent) or a held one (its digest is dispatched; see `joinDigest`).
 */
export function dispatchOf({ tenantId, info, now, skipped, hold }: Prepared): Dispatch | undefined {
  if (skipped || hold) return undefined;
  return { tenantId, id: info.id, channel: info.channel, sendAt: new Date(info.scheduled_at), now };
}

function hash(input: unknown): string {
  return createHash("sha256").update(JSON.stringify(input)).digest("base64url");
}
