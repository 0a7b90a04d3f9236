import { tuning } from "../config";
import { checkUrl } from "../delivery/destination";
import { ValidationError } from "../error";
import { json, jsonObject, jsonProblem, jsonSize } from "../json";
import { MAX_AHEAD_MS } from "../schedule";
import { assertZone, Window } from "../schedule/window";
import * as z from "../zod";

export * from "./status";

import { Category, Channel, FeedbackEvent, RecipientId, Status } from "./status";

/**
 * A URL Herald will call (webhook, push endpoint): a plain ASCII URI, https, no credentials, not a
 * loopback, private or metadata host (`HERALD_WEBHOOK_ALLOW_PRIVATE` lifts the last two on the
 * local cloud). Refused as `invalid_destination`. What the host resolves to is checked again by
 * the worker before each attempt.
 */
export const DestinationUrl = z.string().check(
  z.maxLength(2048),
  z.superRefine((url, ctx) => {
    const checked = checkUrl(url, tuning().HERALD_WEBHOOK_ALLOW_PRIVATE);
    if (!checked.ok) {
      ctx.addIssue({
        code: "custom",
        message: checked.reason,
        params: { code: "invalid_destination" },
      });
    }
  }),
  z.meta({
    format: "uri",
    description:
      "An https URL Herald calls; loopback, private and metadata hosts are refused " +
      "(invalid_destination)",
  }),
);

/** An IANA timezone the schedule can plan in (also a fixed offset such as `+05:30`, no DST). */
export const Timezone = z.string().check(
  z.maxLength(64),
  z.superRefine((name, ctx) => {
    try {
      assertZone(name);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      ctx.addIssue({ code: "custom", message: error.message, params: { code: error.code } });
    }
  }),
  z.describe("IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST"),
);

/** Links shown to a recipient: http(s) only, never `javascript:`, `data:` or `file:`. */
const Link = z.url({ protocol: /^https?$/ }).check(z.maxLength(1_000));

const PushKeys = z.object({
  p256dh: z.string().check(z.minLength(40), z.maxLength(200)),
  auth: z.string().check(z.minLength(8), z.maxLength(100)),
});

export const PushSubscription = z
  .object({ endpoint: DestinationUrl, keys: PushKeys })
  .check(z.describe("A browser PushSubscription (subscription.toJSON())"));
export type PushSubscription = z.infer<typeof PushSubscription>;

/** Where to reach someone; the fields a channel needs can also come from their profile. */
export const ContactPoints = {
  email: z.optional(z.email().check(z.maxLength(254))),
  phone: z.optional(
    z.string().check(z.regex(/^\+[1-9]\d{6,14}$/, "an E.164 number such as +14155550123")),
  ),
  push_subscription: z.optional(PushSubscription),
  webhook_url: z.optional(DestinationUrl),
  timezone: z.optional(Timezone),
};

export const Recipient = z.strictObject({
  id: z
    .optional(RecipientId)
    .check(z.describe("Your id for the recipient: their profile and history")),
  ...ContactPoints,
});
export type Recipient = z.infer<typeof Recipient>;

/** The contact point each channel needs. */
export const CONTACT: Record<Channel, keyof Recipient> = {
  email: "email",
  push: "push_subscription",
  sms: "phone",
  webhook: "webhook_url",
  in_app: "id",
};

/** A string of 1 to `max` characters. */
const nonEmpty = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

/**
 * The Subject header's value: one line (RFC 5322's 998 characters), without a line break or
 * another control character, so no subject, sent or rendered from a template, carries a header
 * of its own into the message.
 */
const Subject = nonEmpty(998).check(
  z.refine((subject) => !hasControlCharacter(subject), {
    message: "one line: no line break or other control character",
  }),
);

/** A C0 control character other than tab, or DEL. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

export const EmailContent = z
  .strictObject({
    subject: Subject,
    text: z.optional(nonEmpty(100_000)),
    html: z.optional(nonEmpty(200_000)),
  })
  .check(
    z.refine((content) => content.text !== undefined || content.html !== undefined, {
      message: "text or html is required",
    }),
  );

export const PushContent = z
  .strictObject({
    title: nonEmpty(200),
    body: z.optional(z.string().check(z.maxLength(1_000))),
    url: z.optional(Link),
    icon: z.optional(Link),
    data: z.optional(jsonObject(2_000)),
  })
  .check(
    // Push services accept about 4 KB of encrypted payload.
    z.refine((content) => jsonProblem(content) === undefined && jsonSize(content) <= 3_000, {
      message: "push content is over 3000 bytes",
    }),
  );

export const SmsContent = z.strictObject({ text: nonEmpty(1_600) });

export const WebhookContent = z.strictObject({ event: nonEmpty(100), data: json(64_000) });

export const InAppContent = z.strictObject({
  title: nonEmpty(200),
  body: z.optional(z.string().check(z.maxLength(5_000))),
  url: z.optional(Link),
  data: z.optional(jsonObject(16_000)),
});

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

export const Metadata = z.record(nonEmpty(64), z.string().check(z.maxLength(512))).check(
  z.refine((value) => Object.keys(value).length <= 20, { message: "at most 20 metadata keys" }),
  z.refine((value) => jsonProblem(value) === undefined, { message: "reserved key in metadata" }),
);

/** `critical` notifications bypass quiet hours and run `critical_only` fallback steps. */
export const Priority = z.enum(["normal", "critical"]);
export type Priority = z.infer<typeof Priority>;

/** What an earlier step of a workflow must not have reached for a later step to be sent. */
export const Outcome = z.enum(["seen", "read", "delivered"]);
export type Outcome = z.infer<typeof Outcome>;

/** A notification that is one step of a workflow (`workflow/`). */
export const StepRef = z.object({
  id: z.string().check(z.describe("The workflow (wfl_...)")),
  step: z.int().check(z.gte(0), z.describe("Index of this step in the workflow's steps")),
  unless: z.optional(Outcome).check(z.describe("Skipped if an earlier step reached this outcome")),
  critical_only: z.optional(z.boolean()),
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

/** The longest digest slot or throttle period: a slot must end within what Herald plans. */
export const MAX_PERIOD_HOURS = MAX_AHEAD_MS / 3_600_000;

/** A plain digest window: collect a category's notifications into slots of this length. */
export const DigestEvery = z.string().check(
  z.regex(/^([1-9]\d{0,3})(m|h)$/, 'minutes or hours, e.g. "15m" or "1h"'),
  z.refine((every) => !every.endsWith("h") || Number.parseInt(every, 10) <= MAX_PERIOD_HOURS, {
    message: `at most ${MAX_PERIOD_HOURS}h (366 days: a slot must end within what Herald plans)`,
  }),
  z.describe(
    `Collect into one digest per slot of this length (aligned to the clock, UTC); at most ${MAX_PERIOD_HOURS}h`,
  ),
);

const Digest = z.strictObject({ every: DigestEvery });

const Throttle = z.strictObject({
  limit: z.int().check(z.gte(1), z.lte(1_000)),
  per: DigestEvery.check(z.describe("The period, aligned to the clock (UTC)")),
});

const common = {
  recipient: Recipient,
  category: z.optional(Category),
  digest: z
    .optional(Digest)
    .check(
      z.describe(
        "Collect this category's notifications to the recipient into one message per slot",
      ),
    ),
  throttle: z
    .optional(Throttle)
    .check(
      z.describe(
        "At most `limit` of this category to the recipient per period; the excess is held for " +
          "the digest at the period's end",
      ),
    ),
  priority: z.optional(Priority).check(z.describe("Default normal")),
  send_at: z
    .optional(z.string().check(z.maxLength(40)))
    .check(
      z.describe("ISO 8601 instant with offset, or local date-time in the recipient's timezone"),
    ),
  delivery_window: z.optional(Window),
  immediate: z
    ._default(z.boolean(), false)
    .check(
      z.describe(
        "Skip the delivery window: send at send_at (or now, without one) even outside the window",
      ),
    ),
  metadata: z.optional(Metadata),
};

export const SendInput = z.discriminatedUnion("channel", [
  z.strictObject({ channel: z.literal("email"), content: EmailContent, ...common }),
  z.strictObject({ channel: z.literal("push"), content: PushContent, ...common }),
  z.strictObject({ channel: z.literal("sms"), content: SmsContent, ...common }),
  z.strictObject({ channel: z.literal("webhook"), content: WebhookContent, ...common }),
  z.strictObject({ channel: z.literal("in_app"), content: InAppContent, ...common }),
]);
export type SendInput = z.input<typeof SendInput>;

/** A BCP 47 language tag such as `fr` or `fr-CA` (templates, profiles). */
export const Locale = z
  .string()
  .check(
    z.maxLength(35),
    z.regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "a language tag such as fr or fr-CA"),
  );

const TemplateChoice = z.strictObject({
  id: nonEmpty(128),
  version: z
    .optional(z.int().check(z.gte(1)))
    .check(z.describe("Pin a version; default the latest")),
});

/** A send whose content is rendered from a stored template (`template/`) at acceptance. */
export const TemplateSendInput = z.strictObject({
  channel: Channel,
  template: TemplateChoice,
  data: z._default(jsonObject(64_000), {}).check(z.describe("The template's variables")),
  locale: z
    .optional(Locale)
    .check(
      z.describe(
        "Default: the recipient profile's locale; fr-CA falls back to fr, then the template's",
      ),
    ),
  ...common,
});
export type TemplateSendInput = z.input<typeof TemplateSendInput>;

/** What POST /v1/notifications takes: content, or a template and its data. */
export const SendRequest = z.union([SendInput, TemplateSendInput]);
export type SendRequest = z.input<typeof SendRequest>;

type ContentVariant = (typeof SendInput.def.options)[number];

/**
 * SendRequest with every variant (each channel's content body, and the templated body) reshaped
 * by the same `transform`: a batch item adds its own key, a topic send drops the recipient. The
 * transform is typed against the templated body; every variant has the fields a reshaping
 * touches (`common`), and each is reshaped at run time. The channel variants keep SendInput's
 * static types, the templated one has the transform's.
 */
export function mapSendInput<Templated extends z.ZodMiniObject>(
  transform: (variant: typeof TemplateSendInput) => Templated,
) {
  return z.union([
    z.discriminatedUnion(
      "channel",
      SendInput.def.options.map((variant) =>
        transform(variant as unknown as typeof TemplateSendInput),
      ) as unknown as [ContentVariant, ...ContentVariant[]],
    ),
    transform(TemplateSendInput),
  ]);
}

/** The template a notification's content was rendered from. */
export const TemplateRef = z.object({
  id: z.string(),
  version: z.int(),
  locale: z.string().check(z.describe("The locale whose fields were rendered (after fallback)")),
});
export type TemplateRef = z.infer<typeof TemplateRef>;
export type ParsedSendInput = z.output<typeof SendInput>;

/** A digest notification: the held notifications of a category it carries. */
const DigestInfo = z.object({
  category: z.string(),
  count: z.optional(z.int()).check(z.describe("How many notifications it carried")),
  items: z.optional(z.array(z.string())).check(z.describe("Their ids, oldest first")),
});

/** An optional string the API shows, with its description. */
const optionalString = (description: string) =>
  z.optional(z.string()).check(z.describe(description));

/** A notification as the API shows it. */
export const Info = z.object({
  id: z.string(),
  channel: Channel,
  status: Status,
  recipient: Recipient,
  content: Content,
  template: z
    .optional(TemplateRef)
    .check(z.describe("Set when the content was rendered from a template")),
  metadata: z.optional(Metadata),
  category: z.optional(Category),
  priority: z.optional(Priority),
  workflow: z.optional(StepRef).check(z.describe("Set on a step of a workflow")),
  digest_id: optionalString("Status held or digested: the digest (a notification) that carries it"),
  digest: z
    .optional(DigestInfo)
    .check(z.describe("Set on a digest: one message for the held notifications of a category")),
  timezone: z.string(),
  scheduled_at: z.string().check(z.describe("When Herald sends it, UTC")),
  local_scheduled_time: z.string().check(z.describe("scheduled_at in the recipient's timezone")),
  appropriate_delivery: z
    .boolean()
    .check(z.describe("Whether the requested time fell in the window")),
  window_adjusted: z.boolean().check(z.describe("Whether the delivery window moved the send")),
  estimated_delivery_time: z.string(),
  attempts: z.int(),
  last_error: z.optional(z.string()),
  provider_message_id: z.optional(z.string()),
  next_attempt_at: optionalString("While waiting to retry: when the next attempt is planned"),
  provider_accepted_at: optionalString(
    "When a provider accepted it although its status had meanwhile been changed by another writer; such a notification is never sent again",
  ),
  created_at: z.string(),
  updated_at: z.string(),
  delivered_at: z.optional(z.string()),
  sent_at: z.optional(z.string()),
  failed_at: z.optional(z.string()),
  delivery_delayed_at: z.optional(z.string()),
  bounced_at: z.optional(z.string()),
  complained_at: z.optional(z.string()),
  failure_reason: z
    .optional(z.enum(["subscription_gone"]))
    .check(
      z.describe("push: the push service said the subscription is gone (404/410); it was removed"),
    ),
  events: z
    .optional(z.array(FeedbackEvent))
    .check(z.describe("Provider feedback, in order of arrival")),
  cancelled_at: z.optional(z.string()),
  skipped_at: z.optional(z.string()),
  skip_reason: z
    .optional(SkipReason)
    .check(
      z.describe(
        "Status skipped: preference (the recipient turned this category off on this channel), " +
          "budget (the tenant's monthly budget for the channel is spent), workflow_settled (an " +
          "earlier step of its workflow was read, seen or delivered), critical_only (a step only " +
          "for critical notifications), empty_digest (a digest whose notifications were all " +
          "cancelled)",
      ),
    ),
  forced: z
    .optional(z.boolean())
    .check(z.describe("Sent ahead of its schedule by a force request")),
  expires_at: z
    .optional(z.int())
    .check(
      z.describe(
        "Epoch seconds: from then on it is gone (the tenant's retention, default 30 days after creation)",
      ),
    ),
  test: z
    .optional(z.boolean())
    .check(z.describe("Sent with a test key: the outcome is simulated and no provider is called")),
  digested_at: optionalString("When the digest carrying it was sent"),
  read_at: optionalString("In-app: when the recipient read it"),
  seen_at: optionalString("In-app: when the recipient saw it in a list"),
});
export type Info = z.infer<typeof Info>;
