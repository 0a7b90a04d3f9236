import { createHash } from "node:crypto";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { sqs } from "../aws/sqs";
import { queueFor } from "../config";
import { NotFoundError, ValidationError, VisibleError } from "../error";
import { fn } from "../fn";
import { createId, keyedId } from "../id";
import { mapSendInput, RecipientId } from "../notification/model";
import { expiresAt } from "../retention";
import { parseSendAt, plan, zone } from "../schedule";
import * as Template from "../template";
import { retentionDays } from "../tenant/settings-read";
import * as z from "../zod";
import * as Store from "./store";

/**
 * Topics: a tenant's named lists of recipient ids. A topic send is stored once and answered at
 * once (202); the fan-out worker (`./fanout.ts`, its own queue) then pages the subscribers and
 * sends each the same notification, planned for them as a single send to their recipient id
 * would be (timezone, window, opt-outs from their profile). Stored by ./store.ts.
 */

/** The fan-out queue's name in the `Queues` link (functions/manifest.ts `fanout`). */
export const QUEUE = "fanout";

export const TopicName = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[\w.:-]+$/, "letters, digits and . _ : - only"),
    z.describe("The topic's name, e.g. product-updates"),
  );

const TenantId = z.string().check(z.minLength(1), z.maxLength(64));
const Ref = z.object({ tenantId: TenantId, topic: TopicName });

export const Subscriber = z.object({
  topic: z.string(),
  recipient: z.string(),
  subscribed_at: z.string(),
});
export type Subscriber = z.infer<typeof Subscriber>;

export const SubscriberList = z.object({
  items: z.array(z.omit(Subscriber, { topic: true })),
  next_cursor: z
    .optional(z.string())
    .check(z.describe("Pass as `cursor` for the next page; absent on the last page")),
});

/** Subscribe a recipient id (idempotent; no profile needed, though one plans their sends). */
export const subscribe = fn(
  z.extend(Ref, { recipient: RecipientId, now: z.optional(z.date()) }),
  async ({ tenantId, topic, recipient, now = new Date() }): Promise<Subscriber> => ({
    topic,
    ...(await Store.subscribe(tenantId, topic, recipient, now)),
  }),
);

export const unsubscribe = fn(
  z.extend(Ref, { recipient: RecipientId }),
  async ({ tenantId, topic, recipient }) => {
    if (!(await Store.unsubscribe(tenantId, topic, recipient))) {
      throw new NotFoundError("subscriber", recipient);
    }
  },
);

export const ListInput = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(1000)), 100),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});
export type ListInput = z.input<typeof ListInput>;

/** A topic's subscribers in recipient-id order, a page at a time (signed cursors). */
export const list = fn(z.extend(Ref, { query: ListInput }), ({ tenantId, topic, query }) =>
  Store.listSubscribers(tenantId, topic, query.limit, query.cursor),
);

const withoutRecipient = { recipient: true } as const;

/** A topic send's body: a POST /v1/notifications body without `recipient`. */
export const TopicSendInput = mapSendInput((variant) => z.omit(variant, withoutRecipient));
export type TopicSendInput = z.input<typeof TopicSendInput>;

export const SendInfo = z.object({
  id: z.string().check(z.describe("The topic send's id (tps_...)")),
  topic: z.string(),
  status: z.enum(["fanning_out", "done"]),
  accepted: z.int().check(z.describe("Notifications accepted so far, one per subscriber")),
  skipped: z
    .int()
    .check(
      z.describe("Subscribers not sent to: opted out of the channel, or no contact point for it"),
    ),
  done: z.boolean().check(z.describe("Every subscriber has been fanned out to")),
  created_at: z.string(),
  done_at: z.optional(z.string()),
});
export type SendInfo = z.infer<typeof SendInfo>;

function toInfo(send: Store.Send): SendInfo {
  return {
    id: send.id,
    topic: send.topic,
    status: send.done ? "done" : "fanning_out",
    accepted: send.accepted,
    skipped: send.skipped,
    done: send.done,
    created_at: send.created_at,
    ...(send.done_at ? { done_at: send.done_at } : {}),
  };
}

/** The fan-out worker's message: which topic send to continue (from its stored checkpoint). */
export interface FanOutMessage {
  v: 1;
  tenant_id: string;
  topic: string;
  id: string;
}

export async function enqueueFanOut(message: FanOutMessage): Promise<void> {
  await sqs().send(
    new SendMessageCommand({ QueueUrl: queueFor(QUEUE).url, MessageBody: JSON.stringify(message) }),
  );
}

/**
 * Send to every subscriber of a topic: the body is checked now (as a single send's, without
 * `recipient`), stored, and handed to the fan-out worker. An Idempotency-Key makes a retry
 * answer the first topic send (and enqueue it again, harmlessly: the fan-out resumes from its
 * checkpoint).
 */
export const send = fn(
  z.extend(Ref, {
    input: TopicSendInput,
    idempotencyKey: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
    test: z.optional(z.boolean()),
    now: z.optional(z.date()),
  }),
  async ({ tenantId, topic, input, idempotencyKey, test, now = new Date() }) => {
    checkSendAt(input.send_at, now);
    const requestHash = createHash("sha256").update(JSON.stringify(input)).digest("base64url");
    // Every subscriber gets the same version of a template: the latest one now, pinned. It is
    // rendered once here, in the request's locale, so what a single send refuses (no content for
    // the channel, a missing variable, content the channel cannot take) is refused now, not
    // skipped for every subscriber by the fan-out.
    const template =
      "template" in input ? await Template.get({ tenantId, ...input.template }) : undefined;
    if (template && "template" in input) {
      await Template.renderChannel(template, input.channel, input.data ?? {}, input.locale);
    }
    const request =
      template && "template" in input
        ? { ...input, template: { ...input.template, version: template.version } }
        : input;
    const id = idempotencyKey
      ? keyedId("tps", tenantId, test, topic, idempotencyKey)
      : createId("tps", now.getTime());
    const created: Store.Send = {
      id,
      topic,
      request: JSON.stringify(request),
      request_hash: requestHash,
      ...(test ? { test: true } : {}),
      created_at: now.toISOString(),
      pages: 0,
      accepted: 0,
      skipped: 0,
      done: false,
      // Kept as long as the notifications it made (DynamoDB TTL, the tenant's retention).
      expires_at: expiresAt(now, await retentionDays(tenantId)),
    };
    let stored = created;
    let replayed = false;
    if (!(await Store.createSend(tenantId, created))) {
      const existing = await Store.readSend(tenantId, topic, id);
      if (!existing) throw new Error(`Topic send ${id} vanished between write and read`);
      if (existing.request_hash !== requestHash) {
        throw new VisibleError(
          "conflict",
          "idempotency_key_reused",
          "This Idempotency-Key was used with a different request body",
        );
      }
      stored = existing;
      replayed = true;
    }
    if (!stored.done) await enqueueFanOut({ v: 1, tenant_id: tenantId, topic, id });
    return { send: toInfo(stored), replayed };
  },
);

/**
 * A `send_at` every subscriber's send would refuse is refused now: one that does not parse, or
 * an instant (with an offset) in the past or more than a year ahead. A wall time is read in each
 * subscriber's timezone when their page is fanned out.
 */
function checkSendAt(sendAt: string | undefined, now: Date) {
  if (sendAt === undefined) return;
  const utc = zone("UTC");
  const asUtc = parseSendAt(sendAt, utc).getTime();
  if (/(Z|[+-]\d{2}:\d{2})$/i.test(sendAt)) {
    plan({ now, sendAt, timezone: "UTC", immediate: true });
    return;
  }
  // A wall time is planned per subscriber, in their timezone, when the fan-out reaches them.
  // What is past, or too far, in every timezone (no offset reaches a day) is refused now,
  // rather than skipped for every subscriber.
  const checks = [
    [DAY, "send_at_in_past", "send_at is in the past in every timezone"],
    [-DAY, "send_at_too_far", "send_at is more than a year ahead in every timezone"],
  ] as const;
  for (const [shift, code, message] of checks) {
    try {
      const extreme = new Date(asUtc + shift).toISOString();
      plan({ now, sendAt: extreme, timezone: "UTC", immediate: true });
    } catch (error) {
      if ((error as { code?: string }).code === code) {
        throw new ValidationError(code, message, { send_at: sendAt });
      }
    }
  }
}

const DAY = 86_400_000;

/** A topic send's progress. */
export const get = fn(
  z.extend(Ref, { id: z.string().check(z.minLength(1), z.maxLength(64)) }),
  async ({ tenantId, topic, id }): Promise<SendInfo> => {
    const send = await Store.readSend(tenantId, topic, id);
    if (!send) throw new NotFoundError("topic_send", id);
    return toInfo(send);
  },
);
