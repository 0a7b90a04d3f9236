import { tuning } from "../config";
import { NotFoundError, ValidationError } from "../error";
import { escapeHtml } from "../html";
import { keyedId } from "../id";
import { errorFields, log } from "../log";
import { dispatch, routeFor } from "../notification/dispatch";
import * as Notification from "../notification/held";
import type { Channel, Content, Info, SkipReason, StepRef } from "../notification/model";
import * as Store from "../notification/store";
import type { Setting } from "../recipient/preferences";
import { MAX_AHEAD_MS, type Plan, plan, type Window } from "../schedule";
import * as Throttle from "./store";

/**
 * Hold-and-digest. A non-critical notification with a category, to a recipient with an id,
 * that would wait for the recipient's delivery window (quiet hours), or that asks for a plain
 * digest (`digest: {every}`, or the recipient's preference `digest` for the category ×
 * channel), is not sent on its own: it is stored `held` and joins a digest, which is itself a
 * notification, one per recipient × category × channel × opening, with a deterministic id
 * and a schedule for the opening (the existing Scheduler path, DST-correct through the
 * schedule planning). At the opening the digest's worker claims it like any notification:
 * that claim closes it (a join needs it not yet sending), so however many workers or copies of
 * its message race, one claim wins and one digest is sent. Its members then move `held →
 * digested` one conditional write each, so a held notification is in exactly one digest, or
 * was cancelled first (then it is left out), or, having joined too late, is sent on its own.
 */

export interface Hold {
  digestId: string;
  opensAt: Date;
  category: string;
}

const DURATION = /^(\d+)(m|h)$/;
function everyMs(every: string): number {
  const [, amount = "60", unit = "m"] = DURATION.exec(every) ?? [];
  return Number(amount) * (unit === "h" ? 3_600_000 : 60_000);
}

export interface HoldInput {
  tenantId: string;
  recipientId?: string;
  category?: string;
  channel: Channel;
  priority?: string;
  step?: StepRef;
  /** The send's plain digest window. */
  every?: string;
  /** The recipient's preference for the category × channel. */
  setting: Setting;
  /** The send's planned time. */
  when: Plan;
  now: Date;
  timezone?: string;
  window?: Window;
  immediate: boolean;
  /** Sent with a test key: held for the test digest, never the live one (nor the reverse). */
  test?: boolean;
}

/**
 * At acceptance: held for a digest (quiet hours, a digest window or preference), or over its
 * throttle (then held for the digest at the period's end), or sent on its own (undefined).
 */
export async function decide(
  args: HoldInput & { throttle?: { limit: number; per: string } },
): Promise<Hold | undefined> {
  const hold = holdFor(args);
  const { throttle, recipientId, category } = args;
  if (hold || !throttle || !recipientId || !category || args.step) return hold;
  if (args.priority === "critical") return undefined;
  const admitted = await admit({
    tenantId: args.tenantId,
    recipientId,
    category,
    limit: throttle.limit,
    per: throttle.per,
    now: args.now,
    test: args.test,
  });
  return admitted ? undefined : holdFor({ ...args, every: throttle.per });
}

/** Whether an accepted send is held for a digest, and for which one (throttles apart). */
export function holdFor(args: HoldInput): Hold | undefined {
  const { recipientId, category } = args;
  if (!recipientId || !category || args.priority === "critical" || args.step) return undefined;
  const every =
    args.every ?? (args.setting === "digest" ? tuning().HERALD_DIGEST_EVERY : undefined);
  let opensAt: Date | undefined;
  if (every) {
    // Slots aligned to the clock: everyone arriving in the same slot computes the same end.
    const length = everyMs(every);
    const start = Math.max(args.when.sendAt.getTime(), args.now.getTime());
    const end = new Date((Math.floor(start / length) + 1) * length);
    // A period is at most what is planned ahead (DigestEvery), but a send_at near that horizon
    // can still fall in a slot ending past it: say so, naming the period, not send_at alone.
    if (end.getTime() > args.now.getTime() + MAX_AHEAD_MS) {
      throw new ValidationError(
        "send_at_too_far",
        `send_at falls in a digest slot of ${every} that ends more than 366 days ahead`,
        { send_at: args.when.sendAt.toISOString(), every, slot_end: end.toISOString() },
      );
    }
    opensAt = plan({
      now: args.now,
      sendAt: end.toISOString(),
      timezone: args.timezone,
      window: args.window,
      immediate: args.immediate,
    }).sendAt;
  } else if (args.when.adjusted && !args.immediate) {
    // Quiet hours: the window moved it to its next opening.
    opensAt = args.when.sendAt;
  }
  if (!opensAt) return undefined;
  return {
    // Per mode, so a test key's and a live key's never share a digest; "digest" as a part of
    // its own, so no Idempotency-Key of a send (one part) can spell this id (id.ts).
    digestId: keyedId(
      "ntf",
      args.tenantId,
      args.test,
      "digest",
      recipientId,
      category,
      args.channel,
      opensAt.toISOString(),
    ),
    opensAt,
    category,
  };
}

/**
 * Per-recipient throttle: at most `limit` notifications of a category per period (periods
 * aligned to the clock, like digest slots). True when this one may go out on its own; false
 * when the limit is reached, and it joins the digest at the period's end instead.
 */
export async function admit(args: {
  tenantId: string;
  recipientId: string;
  category: string;
  limit: number;
  per: string;
  now: Date;
  test?: boolean;
}): Promise<boolean> {
  const length = everyMs(args.per);
  const start = Math.floor(args.now.getTime() / length) * length;
  return Throttle.take(
    args.tenantId,
    args.recipientId,
    args.category,
    new Date(start).toISOString(),
    args.limit,
    // Kept a day past its period, then DynamoDB TTL removes it.
    Math.floor((start + length) / 1000) + 86_400,
    args.test,
  );
}

/**
 * A held notification (already stored `held`) joins its digest: the digest is created and
 * scheduled by whichever member comes first, then the member is added to it. If the digest has
 * already begun sending (its opening has come), the member is sent on its own, now.
 */
export async function join(
  tenantId: string,
  member: Info,
  hold: Hold,
  now: Date,
  options: { replay?: boolean } = {},
) {
  const digest = digestInfo(member, hold, now);
  const route = routeFor(hold.opensAt, now);
  const created = await Store.create(Store.toItem(tenantId, digest, route, hold.digestId));
  // A replay (Idempotency-Key) dispatches a digest still waiting again, in case the request
  // that created it died before its dispatch: a second message finds it claimed, a second
  // schedule conflicts with the first.
  const again =
    !created && options.replay
      ? await Store.read(tenantId, hold.digestId).then(
          (item) => item !== undefined && Store.mayHaveLostItsMessage(item),
        )
      : false;
  if (created || again) {
    await dispatch({ tenantId, id: digest.id, channel: digest.channel, sendAt: hold.opensAt, now });
  }
  if (await Store.addMember(tenantId, hold.digestId, member.id)) return;
  log.info("digest already sending: sent alone", { id: member.id, digest: hold.digestId });
  await Notification.releaseHeld(tenantId, member.id, now);
}

function digestInfo(member: Info, hold: Hold, now: Date): Info {
  const when = plan({
    now,
    sendAt: hold.opensAt.toISOString(),
    timezone: member.timezone,
    immediate: true,
  });
  const stamp = now.toISOString();
  return {
    id: hold.digestId,
    channel: member.channel,
    status: routeFor(hold.opensAt, now) === "schedule" ? "scheduled" : "queued",
    recipient: member.recipient,
    content: defaultContent(member.channel, hold.category, []),
    category: hold.category,
    digest: { category: hold.category },
    timezone: member.timezone,
    scheduled_at: hold.opensAt.toISOString(),
    local_scheduled_time: when.local,
    appropriate_delivery: true,
    window_adjusted: false,
    estimated_delivery_time: hold.opensAt.toISOString(),
    attempts: 0,
    created_at: stamp,
    updated_at: stamp,
    ...(member.test ? { test: true } : {}),
    ...(member.expires_at ? { expires_at: member.expires_at } : {}),
  };
}

/**
 * The worker claimed a digest: take its members (closed by the claim) and the held
 * notifications that point at it (a member whose join was lost), move each `held → digested`,
 * and compose the one message. A retry finds them digested already and composes the same.
 */
export async function compose(
  tenantId: string,
  digest: Info,
  attempt: number,
  now = new Date(),
): Promise<{ notification: Info } | { skip: SkipReason }> {
  const item = await Store.read(tenantId, digest.id);
  if (!item) throw new NotFoundError("notification", digest.id);
  const ids = await memberIds(tenantId, item);
  const carried: Info[] = [];
  for (const id of ids) {
    const moved = await Notification.digestMember(tenantId, id, digest.id, now);
    if (moved) {
      carried.push(moved);
      continue;
    }
    const current = await Store.read(tenantId, id);
    if (current?.status === "digested" && current.digest_id === digest.id) {
      carried.push(Store.toInfo(current));
    }
  }
  if (carried.length === 0) return { skip: "empty_digest" };
  carried.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  const category = digest.digest?.category ?? digest.category ?? "";
  const content = await render(tenantId, digest.channel, category, carried);
  const info = {
    category,
    count: carried.length,
    items: carried.map((member) => member.id),
  };
  const updated = await Store.setContent(item, attempt, content, { digest: info });
  if (!updated) throw new Error(`digest ${digest.id} changed while it was composed`);
  return { notification: Store.toInfo(updated) };
}

/**
 * A digest's members: those it recorded, and the held notifications that point at it (a member
 * whose join was lost).
 */
async function memberIds(tenantId: string, item: Store.Item): Promise<Set<string>> {
  const digest = Store.toInfo(item);
  const ids = new Set(item.members ?? []);
  if (digest.recipient.id) {
    const since = new Date(Date.parse(digest.created_at) - 2 * 86_400_000).toISOString();
    let cursor: string | undefined;
    do {
      const page = await Store.query({
        listing: { tenantId, by: "recipient", recipientId: digest.recipient.id },
        since,
        filters: { status: "held", digest_id: digest.id },
        limit: 100,
        cursor,
      });
      for (const held of page.items) ids.add(held.id);
      cursor = page.cursor;
    } while (cursor);
  }
  return ids;
}

/**
 * A digest `failed` before it was composed (its message was dead-lettered): its members still
 * `held` would wait for a digest that is never sent, so each is released and sent on its own,
 * now (the window opened at the digest's opening), and then reaches its own final status. A
 * member already `digested` (the digest failed after composing) stays in it: a `retry` of the
 * digest sends it again. Idempotent: a second call finds nobody held. The number released.
 */
export async function releaseFailed(tenantId: string, id: string, now = new Date()) {
  const item = await Store.read(tenantId, id);
  if (!item?.digest || item.status !== "failed") return 0;
  let released = 0;
  for (const member of await memberIds(tenantId, item)) {
    if (await Notification.releaseHeld(tenantId, member, now)) released += 1;
  }
  if (released) log.warn("digest failed: held members sent alone", { id, released });
  return released;
}

/**
 * The digest's content: the tenant's template `digest-<category>` when it has one (its data:
 * `{category, count, items: [{id, created_at, title, subject, body, text, url, data}]}`), else
 * a plain list.
 */
async function render(
  tenantId: string,
  channel: Channel,
  category: string,
  items: Info[],
): Promise<Content> {
  const data = {
    category,
    count: items.length,
    items: items.map((item) => ({ id: item.id, created_at: item.created_at, ...item.content })),
  };
  try {
    // Loaded only when a digest is composed: the template engine stays out of the sends.
    const Template = await import("../template");
    return (await Template.render(tenantId, { id: `digest-${category}` }, channel, data))
      .content as Content;
  } catch (error) {
    if (!(error instanceof NotFoundError)) {
      log.warn("digest template failed; default rendering", { category, ...errorFields(error) });
    }
    return defaultContent(channel, category, items);
  }
}

function lineOf(item: Info): string {
  const content = item.content as Record<string, unknown>;
  const head = String(content.subject ?? content.title ?? content.event ?? "");
  const body = String(content.text ?? content.body ?? "");
  return head && body && head !== body ? `${head}: ${body}` : head || body;
}

/** Without a template: a title saying how many, and one line per notification. */
export function defaultContent(channel: Channel, category: string, items: Info[]): Content {
  const title = `${items.length} new ${category} notification${items.length === 1 ? "" : "s"}`;
  const lines = items.map(lineOf);
  const clip = (text: string, max: number) =>
    text.length <= max ? text : `${text.slice(0, max - 1)}…`;
  switch (channel) {
    case "email": {
      return {
        subject: title,
        text: lines.length ? lines.map((line) => `- ${line}`).join("\n") : title,
        html: `<p>${escapeHtml(title)}</p><ul>${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join("")}</ul>`,
      };
    }
    case "sms":
      return { text: clip([title, ...lines].join("\n"), 1_600) };
    case "push":
      return { title: clip(title, 200), body: clip(lines.join("\n"), 1_000) };
    case "in_app":
      return { title: clip(title, 200), body: clip(lines.join("\n"), 5_000) };
    case "webhook":
      return {
        event: "digest",
        data: { category, items: items.map((item) => ({ id: item.id, content: item.content })) },
      };
  }
}
