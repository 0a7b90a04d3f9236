import { z } from "zod";
import { Window } from "../schedule";

export const Status = z.enum([
  "accepted",
  "scheduled",
  "queued",
  "sending",
  "delivered",
  "sent",
  "failed",
  "cancelled",
]);
export type Status = z.infer<typeof Status>;

/** Statuses a worker may claim a notification from. */
export const CLAIMABLE: Status[] = ["accepted", "scheduled", "queued"];
/** Statuses from which a notification can still be cancelled. */
export const CANCELLABLE: Status[] = ["accepted", "scheduled", "queued"];
export const FINAL: Status[] = ["delivered", "sent", "failed", "cancelled"];

/** Channels the API accepts today; the config knows every channel Herald will have. */
export const Channel = z.enum(["email"]);
export type Channel = z.infer<typeof Channel>;

const RecipientId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.@:+-]+$/, "letters, digits and . _ @ : + - only");

export const Recipient = z
  .object({
    id: RecipientId.optional().describe("Your id for the recipient; groups their history"),
    email: z.email().max(254).optional(),
    timezone: z.string().min(1).max(64).optional().describe("IANA timezone, e.g. Europe/Paris"),
  })
  .strict();
export type Recipient = z.infer<typeof Recipient>;

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
export type EmailContent = z.infer<typeof EmailContent>;

const Metadata = z
  .record(z.string().min(1).max(64), z.string().max(512))
  .refine((value) => Object.keys(value).length <= 20, { message: "at most 20 metadata keys" });

export const SendInput = z
  .object({
    channel: Channel,
    recipient: Recipient,
    content: EmailContent,
    send_at: z
      .string()
      .max(40)
      .optional()
      .describe("ISO 8601 instant with offset, or local date-time in the recipient's timezone"),
    delivery_window: Window.optional(),
    immediate: z.boolean().default(false).describe("Send now, ignoring the delivery window"),
    metadata: Metadata.optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.channel === "email" && !input.recipient.email) {
      ctx.addIssue({
        code: "custom",
        path: ["recipient", "email"],
        message: "an email address is required for the email channel",
      });
    }
  });
export type SendInput = z.input<typeof SendInput>;

/** A notification as the API shows it. */
export const Info = z.object({
  id: z.string(),
  channel: Channel,
  status: Status,
  recipient: Recipient,
  content: EmailContent,
  metadata: Metadata.optional(),
  timezone: z.string(),
  scheduled_at: z.string().describe("When Herald sends it, UTC"),
  local_scheduled_time: z.string().describe("scheduled_at in the recipient's timezone"),
  appropriate_delivery: z.boolean().describe("Whether the requested time fell in the window"),
  window_adjusted: z.boolean().describe("Whether the delivery window moved the send"),
  estimated_delivery_time: z.string(),
  attempts: z.number().int(),
  last_error: z.string().optional(),
  provider_message_id: z.string().optional(),
  created_at: z.string(),
  updated_at: z.string(),
  delivered_at: z.string().optional(),
  sent_at: z.string().optional(),
  failed_at: z.string().optional(),
  cancelled_at: z.string().optional(),
});
export type Info = z.infer<typeof Info>;

/** How a notification reaches its channel queue. */
export type Route = "immediate" | "delay" | "schedule";

/** What travels on a channel queue: just the key; the worker reads the rest in its claim. */
export const Message = z.object({ v: z.literal(1), tenant_id: z.string(), id: z.string() });
export type Message = z.infer<typeof Message>;
