import * as z from "zod";
import { tuning } from "../config";
import { checkUrl } from "../delivery/destination";
import { ValidationError } from "../error";
import { json, jsonObject, jsonProblem, jsonSize } from "../json";
import { assertZone, Window } from "../schedule/window";

export * from "./status";

import { Category, Channel, FeedbackEvent, RecipientId, Status } from "./status";

/**
 * A URL Herald will call (webhook, push endpoint): a plain ASCII URI, https, no credentials, not a
 * loopback, private or metadata host (`HERALD_WEBHOOK_ALLOW_PRIVATE` lifts the last two on the
 * local cloud). Refused as `invalid_destination`. What the host resolves to is checked again by
 * the worker before each attempt.
 */
export const DestinationUrl = z
  .string()
  .max(2048)
  .superRefine((url, ctx) => {
    const checked = checkUrl(url, tuning().HERALD_WEBHOOK_ALLOW_PRIVATE);
    if (!checked.ok) {
      ctx.addIssue({
        code: "custom",
        message: checked.reason,
        params: { code: "invalid_destination" },
      });
    }
  })
  .meta({
    format: "uri",
    description:
      "An https URL Herald calls; loopback, private and metadata hosts are refused " +
      "(invalid_destination)",
  });

/** An IANA timezone the schedule can plan in (also a fixed offset such as `+05:30`, no DST). */
export const Timezone = z
  .string()
  .max(64)
  .superRefine((name, ctx) => {
    try {
      assertZone(name);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      ctx.addIssue({ code: "custom", message: error.message, params: { code: error.code } });
    }
  })
  .describe("IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST");

/** Links shown to a recipient: http(s) only, never `javascript:`, `data:` or `file:`. */
const Link = z.url({ protocol: /^https?$/ }).max(1_000);

export const PushSubscription = z
  .object({
    endpoint: DestinationUrl,
    keys: z.object({ p256dh: z.string().min(40).max(200), auth: z.string().min(8).max(100) }),
  })
  .describe("A browser PushSubscription (subscription.toJSON())");
export type PushSubscription = z.infer<typeof PushSubscription>;

/** Where to reach someone; the fields a channel needs can also come from their profile. */
export const ContactPoints = {
  email: z.email().max(254).optional(),
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, "an E.164 number such as +14155550123")
    .optional(),
  push_subscription: PushSubscription.optional(),
  webhook_url: DestinationUrl.optional(),
  timezone: Timezone.optional(),
};

export const Recipient = z
  .object({
    id: RecipientId.optional().describe("Your id for the recipient: their profile and history"),
    ...ContactPoints,
  })
  .strict();
export type Recipient = z.infer<typeof Recipient>;

/** The contact point each channel needs. */
export const CONTACT: Record<Channel, keyof Recipient> = {
  email: "email",
  push: "push_subscription",
  sms: "phone",
  webhook: "webhook_url",
  in_app: "id",
};

export const EmailContent = z
  .object({
    subject: z.string().min(1).max(998),
    text: z.string().min(1).max(100_000).optional(),
    html: z.string().min(1).max(200_000).optional(),
  })
  .strict()
  .refine((content) => content.text !== undefined || content.html !== undefined, {
    message: "text or html is required",
  });

export const PushContent = z
  .object({
    title: z.string().min(1).max(200),
    body: z.string().max(1_000).optional(),
    url: Link.optional(),
    icon: Link.optional(),
    data: z.optional(jsonObject(2_000)),
  })
  .strict()
  // Push services accept about 4 KB of encrypted payload.
  .refine((content) => jsonProblem(content) === undefined && jsonSize(content) <= 3_000, {
    message: "push content is over 3000 bytes",
  });

export const SmsContent = z.object({ text: z.string().min(1).max(1_600) }).strict();

export const WebhookContent = z
  .object({ event: z.string().min(1).max(100), data: json(64_000) })
  .strict();

export const InAppContent = z
  .object({
    title: z.string().min(1).max(200),
    body: z.string().max(5_000).optional(),
    url: Link.optional(),
    data: z.optional(jsonObject(16_000)),
  })
  .strict();

export const Content = z.union([
  EmailContent,
  PushContent,
  SmsContent,
  WebhookContent,
  InAppContent,
]);
export type Content = z.infer<typeof Content>;
export type EmailContent = z.infer<typeof EmailContent>;
export type PushContent = z.infer<typeof PushContent>;
export type SmsContent = z.infer<typeof SmsContent>;
export type WebhookContent = z.infer<typeof WebhookContent>;
export type InAppContent = z.infer<typeof InAppContent>;

export const Metadata = z
  .record(z.string().min(1).max(64), z.string().max(512))
  .refine((value) => Object.keys(value).length <= 20, { message: "at most 20 metadata keys" })
  .refine((value) => jsonProblem(value) === undefined, { message: "reserved key in metadata" });

/** `critical` notifications bypass quiet hours and run `critical_only` fallback steps. */
export const Priority = z.enum(["normal", "critical"]);
export type Priority = z.infer<typeof Priority>;

/** What an earlier step of a workflow must not have reached for a later step to be sent. */
export const Outcome = z.enum(["seen", "read", "delivered"]);
export type Outcome = z.infer<typeof Outcome>;

/** A notification that is one step of a workflow (`workflow/`). */
export const StepRef = z.object({
  id: z.string().describe("The workflow (wfl_...)"),
  step: z.number().int().min(0).describe("Index of this step in the workflow's steps"),
  unless: Outcome.optional().describe("Skipped if an earlier step reached this outcome"),
  critical_only: z.boolean().optional(),
});
export type StepRef = z.infer<typeof StepRef>;

/** Why a notification was not sent although nothing failed (status `skipped`). */
export const SkipReason = z.enum([
  "preference",
  "budget",
  "workflow_settled",
  "critical_only",
  "empty_digest",
]);
export type SkipReason = z.infer<typeof SkipReason>;

/** A plain digest window: collect a category's notifications into slots of this length. */
export const DigestEvery = z
  .string()
  .regex(/^([1-9]\d{0,3})(m|h)$/, 'minutes or hours, e.g. "15m" or "1h"')
  .describe("Collect into one digest per slot of this length (aligned to the clock, UTC)");

const common = {
  recipient: Recipient,
  category: Category.optional(),
  digest: z
    .object({ every: DigestEvery })
    .strict()
    .optional()
    .describe("Collect this category's notifications to the recipient into one message per slot"),
  throttle: z
    .object({
      limit: z.number().int().min(1).max(1_000),
      per: DigestEvery.describe("The period, aligned to the clock (UTC)"),
    })
    .strict()
    .optional()
    .describe(
      "At most `limit` of this category to the recipient per period; the excess is held for " +
        "the digest at the period's end",
    ),
  priority: Priority.optional().describe("Default normal"),
  send_at: z
    .string()
    .max(40)
    .optional()
    .describe("ISO 8601 instant with offset, or local date-time in the recipient's timezone"),
  delivery_window: z.optional(Window),
  immediate: z
    .boolean()
    .default(false)
    .describe(
      "Skip the delivery window: send at send_at (or now, without one) even outside the window",
    ),
  metadata: Metadata.optional(),
};

export const SendInput = z.discriminatedUnion("channel", [
  z.object({ channel: z.literal("email"), content: EmailContent, ...common }).strict(),
  z.object({ channel: z.literal("push"), content: PushContent, ...common }).strict(),
  z.object({ channel: z.literal("sms"), content: SmsContent, ...common }).strict(),
  z.object({ channel: z.literal("webhook"), content: WebhookContent, ...common }).strict(),
  z.object({ channel: z.literal("in_app"), content: InAppContent, ...common }).strict(),
]);
export type SendInput = z.input<typeof SendInput>;

/** A BCP 47 language tag such as `fr` or `fr-CA` (templates, profiles). */
export const Locale = z
  .string()
  .max(35)
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "a language tag such as fr or fr-CA");

/** A send whose content is rendered from a stored template (`template/`) at acceptance. */
export const TemplateSendInput = z
  .object({
    channel: Channel,
    template: z
      .object({
        id: z.string().min(1).max(128),
        version: z.number().int().min(1).optional().describe("Pin a version; default the latest"),
      })
      .strict(),
    data: z._default(jsonObject(64_000), {}).describe("The template's variables"),
    locale: Locale.optional().describe(
      "Default: the recipient profile's locale; fr-CA falls back to fr, then the template's",
    ),
    ...common,
  })
  .strict();
export type TemplateSendInput = z.input<typeof TemplateSendInput>;

/** What POST /v1/notifications takes: content, or a template and its data. */
export const SendRequest = z.union([SendInput, TemplateSendInput]);
export type SendRequest = z.input<typeof SendRequest>;

type ContentVariant = (typeof SendInput.options)[number];

/**
 * SendRequest with every variant (each channel's content body, and the templated body) reshaped
 * by the same `transform`: a batch item adds its own key, a topic send drops the recipient. The
 * transform is typed against the templated body; every variant has the fields a reshaping
 * touches (`common`), and each is reshaped at run time. The channel variants keep SendInput's
 * static types, the templated one has the transform's.
 */
export function mapSendInput<Templated extends z.ZodObject>(
  transform: (variant: typeof TemplateSendInput) => Templated,
) {
  return z.union([
    z.discriminatedUnion(
      "channel",
      SendInput.options.map((variant) =>
        transform(variant as unknown as typeof TemplateSendInput),
      ) as unknown as [ContentVariant, ...ContentVariant[]],
    ),
    transform(TemplateSendInput),
  ]);
}

/** The template a notification's content was rendered from. */
export const TemplateRef = z.object({
  id: z.string(),
  version: z.number().int(),
  locale: z.string().describe("The locale whose fields were rendered (after fallback)"),
});
export type TemplateRef = z.infer<typeof TemplateRef>;
export type ParsedSendInput = z.output<typeof SendInput>;

/** A notification as the API shows it. */
export const Info = z.object({
  id: z.string(),
  channel: Channel,
  status: Status,
  recipient: Recipient,
  content: Content,
  template: TemplateRef.optional().describe("Set when the content was rendered from a template"),
  metadata: Metadata.optional(),
  category: Category.optional(),
  priority: Priority.optional(),
  workflow: StepRef.optional().describe("Set on a step of a workflow"),
  digest_id: z
    .string()
    .optional()
    .describe("Status held or digested: the digest (a notification) that carries it"),
  digest: z
    .object({
      category: z.string(),
      count: z.number().int().optional().describe("How many notifications it carried"),
      items: z.array(z.string()).optional().describe("Their ids, oldest first"),
    })
    .optional()
    .describe("Set on a digest: one message for the held notifications of a category"),
  timezone: z.string(),
  scheduled_at: z.string().describe("When Herald sends it, UTC"),
  local_scheduled_time: z.string().describe("scheduled_at in the recipient's timezone"),
  appropriate_delivery: z.boolean().describe("Whether the requested time fell in the window"),
  window_adjusted: z.boolean().describe("Whether the delivery window moved the send"),
  estimated_delivery_time: z.string(),
  attempts: z.number().int(),
  last_error: z.string().optional(),
  provider_message_id: z.string().optional(),
  next_attempt_at: z
    .string()
    .optional()
    .describe("While waiting to retry: when the next attempt is planned"),
  provider_accepted_at: z
    .string()
    .optional()
    .describe(
      "When a provider accepted it although its status had meanwhile been changed by another writer; such a notification is never sent again",
    ),
  created_at: z.string(),
  updated_at: z.string(),
  delivered_at: z.string().optional(),
  sent_at: z.string().optional(),
  failed_at: z.string().optional(),
  delivery_delayed_at: z.string().optional(),
  bounced_at: z.string().optional(),
  complained_at: z.string().optional(),
  failure_reason: z
    .enum(["subscription_gone"])
    .optional()
    .describe("push: the push service said the subscription is gone (404/410); it was removed"),
  events: z.array(FeedbackEvent).optional().describe("Provider feedback, in order of arrival"),
  cancelled_at: z.string().optional(),
  skipped_at: z.string().optional(),
  skip_reason: SkipReason.optional().describe(
    "Status skipped: preference (the recipient turned this category off on this channel), " +
      "budget (the tenant's monthly budget for the channel is spent), workflow_settled (an " +
      "earlier step of its workflow was read, seen or delivered), critical_only (a step only " +
      "for critical notifications), empty_digest (a digest whose notifications were all " +
      "cancelled)",
  ),
  forced: z.boolean().optional().describe("Sent ahead of its schedule by a force request"),
  expires_at: z
    .number()
    .int()
    .optional()
    .describe(
      "Epoch seconds: from then on it is gone (the tenant's retention, default 30 days after creation)",
    ),
  test: z
    .boolean()
    .optional()
    .describe("Sent with a test key: the outcome is simulated and no provider is called"),
  digested_at: z.string().optional().describe("When the digest carrying it was sent"),
  read_at: z.string().optional().describe("In-app: when the recipient read it"),
  seen_at: z.string().optional().describe("In-app: when the recipient saw it in a list"),
});
export type Info = z.infer<typeof Info>;
