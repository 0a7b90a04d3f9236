import * as z from "../zod";

/**
 * The statuses, channels and queue message of a notification: what the workers and the feeds
 * need of the model, apart from the request schemas in ./model.ts (which re-exports all of
 * this), so a bundle that moves notifications along does not carry the validation of sends.
 */

export const Status = z.enum([
  "accepted",
  "scheduled",
  "queued",
  "sending",
  "delivered",
  "sent",
  "delivery_delayed",
  "bounced",
  "complained",
  "failed",
  "cancelled",
  "skipped",
  "held",
  "digested",
]);
export type Status = z.infer<typeof Status>;

/** Statuses a worker may claim a notification from. */
export const CLAIMABLE: Status[] = ["accepted", "scheduled", "queued"];
/** Statuses from which a notification can still be cancelled. */
export const CANCELLABLE: Status[] = ["accepted", "scheduled", "queued", "held"];
/**
 * Final for sending: no worker claims it again. Provider feedback may still move `sent` (and
 * `delivered`, for a complaint) on: see FEEDBACK.
 */
export const FINAL: Status[] = Status.options.filter(
  (status) => !CLAIMABLE.includes(status) && status !== "sending",
);
/** What provider feedback reports about a message a provider accepted. */
export type FeedbackStatus = "delivered" | "bounced" | "complained" | "delivery_delayed" | "failed";

/**
 * The statuses provider feedback may move a notification out of, per status it reports. Anything
 * else is a late event: recorded in `events` (with `late: true`), the status left as it is, so a
 * bounce after `delivered` never moves a final status backwards.
 */
export const FEEDBACK: Record<FeedbackStatus, Status[]> = {
  delivery_delayed: ["sent"],
  delivered: ["sent", "delivery_delayed"],
  bounced: ["sent", "delivery_delayed"],
  // A complaint is about a message that was delivered.
  complained: ["sent", "delivery_delayed", "delivered"],
  // SMS: the carrier could not deliver it.
  failed: ["sent", "delivery_delayed"],
};

/** One provider report about a notification, kept on it in order of arrival. */
export const FeedbackEvent = z.object({
  status: z.enum(["delivered", "bounced", "complained", "delivery_delayed", "failed"]),
  at: z.string().check(z.describe("When the provider says it happened")),
  received_at: z.string(),
  provider: z.enum(["ses", "sms", "push"]),
  detail: z
    .optional(z.string())
    .check(z.describe("SMTP diagnostic, bounce type, complaint type or carrier status")),
  bounce_type: z.optional(z.enum(["hard", "soft"])),
  late: z
    .optional(z.boolean())
    .check(z.describe("Arrived after a status it may not change: recorded, status unchanged")),
});
export type FeedbackEvent = z.infer<typeof FeedbackEvent>;

export const Channel = z.enum(["email", "push", "sms", "webhook", "in_app"]);
export type Channel = z.infer<typeof Channel>;

/**
 * What a notification is about (`order-updates`, `marketing`): recipients set preferences per
 * category and channel (`recipient/preferences.ts`).
 */
export const Category = z
  .string()
  .check(
    z.regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, "lowercase letters, digits and _ . - (at most 64)"),
    z.describe("What the notification is about; recipients' preferences apply per category"),
  );

export const RecipientId = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[\w.@:+-]+$/, "letters, digits and . _ @ : + - only"),
  );

/** How a notification reaches its channel queue. */
export type Route = "immediate" | "delay" | "schedule";

/**
 * What travels on a channel queue: the key, and the generation of the dispatch that sent it
 * (absent: 0). Every re-dispatch (a retry, force, retry through the API) bumps the generation
 * on the item, so an older copy of the message is recognisably stale: it never claims, and the
 * dead-letter handler ignores it. A later send also carries when it is due. The worker reads
 * the rest in its claim.
 */
export const Message = z.object({
  v: z.literal(1),
  tenant_id: z.string(),
  id: z.string(),
  /** When it is due (ISO instant); a message that arrives earlier is held until then. */
  due: z.optional(z.iso.datetime()),
  gen: z.optional(z.int().check(z.gte(0))),
});
export type Message = z.infer<typeof Message>;
