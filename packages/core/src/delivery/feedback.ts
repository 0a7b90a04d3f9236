import { log } from "../log";
import * as Notification from "../notification/lifecycle";
import type { FeedbackEvent, Info } from "../notification/model";
import * as Suppression from "../suppression";
import { recordFeedback } from "../telemetry";
import { type Ref, refOf } from "./correlation";
import { findProviderRef } from "./store";

/**
 * Provider feedback: what SES (configuration-set event destination) and End User Messaging SMS
 * (configuration-set event destination) report after accepting a message, published to SNS
 * (or EventBridge) and handed to `receive`. Correlated by the tenant and notification ids the
 * message carries and the provider echoes (SES `mail.tags`, SMS `context`: ./correlation.ts);
 * an event without them, about a message sent before they were added, by the index item the
 * worker wrote then (./store.ts).
 */

export interface Report {
  provider: "ses" | "sms";
  messageId: string;
  /** The notification the event's tags (SES) or context (SMS) name, if they name one. */
  ref?: Ref;
  event: FeedbackEvent;
  /** The addresses the report is about (bounced or complaining recipients). */
  addresses: string[];
}

/** A report about a message Herald may not have recorded yet is retried this long. */
const EARLY_GRACE_MS = 15 * 60_000;

interface SesRecipient {
  emailAddress?: string;
  status?: string;
  diagnosticCode?: string;
}

interface SesEvent {
  eventType?: string;
  notificationType?: string;
  /** `tags`: the message's tags, `{ name: [values] }`. */
  mail?: { messageId?: string; timestamp?: string; tags?: Record<string, string[]> };
  bounce?: {
    bounceType?: string;
    bounceSubType?: string;
    bouncedRecipients?: SesRecipient[];
    timestamp?: string;
  };
  complaint?: {
    complainedRecipients?: SesRecipient[];
    complaintFeedbackType?: string;
    timestamp?: string;
  };
  delivery?: { timestamp?: string; smtpResponse?: string; recipients?: string[] };
  deliveryDelay?: {
    timestamp?: string;
    delayType?: string;
    delayedRecipients?: SesRecipient[];
  };
}

interface SmsEvent {
  eventType?: string;
  eventTimestamp?: number;
  messageId?: string;
  messageStatus?: string;
  messageStatusDescription?: string;
  destinationPhoneNumber?: string;
  /** The `Context` the message was sent with. */
  context?: Record<string, string>;
}

const SMS_PENDING = new Set(["TEXT_QUEUED", "TEXT_PENDING", "TEXT_SUCCESSFUL"]);

/** An SES event (SNS message body or EventBridge `detail`) as a report; undefined to ignore. */
export function sesReport(body: SesEvent, receivedAt: Date): Report | undefined {
  const type = body.eventType ?? body.notificationType;
  const messageId = body.mail?.messageId;
  if (!type || !messageId) return undefined;
  const ref = refOf(body.mail?.tags);
  const base = { provider: "ses" as const, received_at: receivedAt.toISOString() };
  const at = (value?: string) => value ?? body.mail?.timestamp ?? receivedAt.toISOString();
  const emails = (list?: SesRecipient[]) =>
    (list ?? []).map((r) => r.emailAddress).filter((a): a is string => !!a);
  switch (type) {
    case "Delivery":
      return {
        provider: "ses",
        messageId,
        ref,
        addresses: body.delivery?.recipients ?? [],
        event: {
          ...base,
          status: "delivered",
          at: at(body.delivery?.timestamp),
          detail: body.delivery?.smtpResponse,
        },
      };
    case "Bounce": {
      const bounce = body.bounce ?? {};
      const hard = bounce.bounceType === "Permanent";
      const first = bounce.bouncedRecipients?.[0];
      const detail = [
        `${bounce.bounceType ?? "Undetermined"}/${bounce.bounceSubType ?? "General"}`,
        first?.diagnosticCode ?? first?.status,
      ]
        .filter(Boolean)
        .join(": ");
      return {
        provider: "ses",
        messageId,
        ref,
        addresses: emails(bounce.bouncedRecipients),
        event: {
          ...base,
          status: "bounced",
          at: at(bounce.timestamp),
          bounce_type: hard ? "hard" : "soft",
          detail,
        },
      };
    }
    case "Complaint":
      return {
        provider: "ses",
        messageId,
        ref,
        addresses: emails(body.complaint?.complainedRecipients),
        event: {
          ...base,
          status: "complained",
          at: at(body.complaint?.timestamp),
          detail: body.complaint?.complaintFeedbackType,
        },
      };
    case "DeliveryDelay": {
      const first = body.deliveryDelay?.delayedRecipients?.[0];
      return {
        provider: "ses",
        messageId,
        ref,
        addresses: emails(body.deliveryDelay?.delayedRecipients),
        event: {
          ...base,
          status: "delivery_delayed",
          at: at(body.deliveryDelay?.timestamp),
          detail: [body.deliveryDelay?.delayType, first?.diagnosticCode].filter(Boolean).join(": "),
        },
      };
    }
    default:
      return undefined;
  }
}

/** An End User Messaging SMS event as a report; undefined for in-flight ones (queued, sent). */
export function smsReport(body: SmsEvent, receivedAt: Date): Report | undefined {
  if (!body.eventType?.startsWith("TEXT_") || !body.messageId) return undefined;
  if (SMS_PENDING.has(body.eventType)) return undefined;
  const at = body.eventTimestamp
    ? new Date(body.eventTimestamp).toISOString()
    : receivedAt.toISOString();
  const detail = [body.messageStatus ?? body.eventType, body.messageStatusDescription]
    .filter(Boolean)
    .join(": ");
  return {
    provider: "sms",
    messageId: body.messageId,
    ref: refOf(body.context),
    addresses: body.destinationPhoneNumber ? [body.destinationPhoneNumber] : [],
    event: {
      status: body.eventType === "TEXT_DELIVERED" ? "delivered" : "failed",
      at,
      received_at: receivedAt.toISOString(),
      provider: "sms",
      detail,
    },
  };
}

/** One feedback message (SNS `Message` parsed, or an EventBridge event) as a report. */
export function reportOf(message: unknown, receivedAt = new Date()): Report | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const record = message as Record<string, unknown>;
  const body = (
    typeof record.detail === "object" && record.detail !== null ? record.detail : record
  ) as Record<string, unknown>;
  if (typeof body.mail === "object") return sesReport(body as SesEvent, receivedAt);
  return smsReport(body as SmsEvent, receivedAt);
}

export type Received = Notification.Observed | { kind: "ignored" | "unmatched" };

/**
 * Apply one feedback message. Throws when the report is about a message Herald is still
 * recording (it came first; the event source retries), so none is lost.
 *
 * The tags name a tenant and a notification; only the item keyed by both is ever written (every
 * write `observe` makes is conditional on the item existing), so a tag naming another tenant's
 * notification id finds nothing. Tags come only from Herald's own sends through Herald's
 * configuration sets, but an unknown tenant and id is treated as an unknown message all the same.
 */
export async function receive(message: unknown, now = new Date()): Promise<Received> {
  const report = reportOf(message, now);
  if (!report) return { kind: "ignored" };
  const recent = now.getTime() - Date.parse(report.event.at) < EARLY_GRACE_MS;
  // No tags: sent before they named the tenant; the legacy index item (./store.ts) may.
  const ref = report.ref ?? (await findProviderRef(report.provider, report.messageId));
  if (!ref) return unknownMessage(report, recent);
  const result = await Notification.observe(ref.tenant_id, ref.id, report.event, {}, now);
  if (result.kind === "unknown") return unknownMessage(report, recent, ref);
  if (result.kind === "early" && recent) {
    throw new Error(`feedback for ${ref.id} came before it was marked sent`);
  }
  if (result.kind === "moved" || result.kind === "late") {
    await suppressOn(ref.tenant_id, result.notification, report.event);
  }
  recordFeedback(report.provider, report.event.status, result.kind);
  log.info("feedback", {
    id: ref.id,
    provider: report.provider,
    status: report.event.status,
    result: result.kind,
  });
  return result;
}

/**
 * A report about no notification Herald knows: retried within the grace (the notification may
 * still be on its way to being recorded), then logged and dropped.
 */
function unknownMessage(report: Report, recent: boolean, ref?: Ref): Received {
  if (recent) {
    throw new Error(`feedback for ${report.provider} message ${report.messageId} came early`);
  }
  log.info("feedback for an unknown message", {
    provider: report.provider,
    messageId: report.messageId,
    ...(ref ? { tenant: ref.tenant_id, id: ref.id } : {}),
  });
  return { kind: "unmatched" };
}

/**
 * A hard bounce or a complaint puts the address on the tenant's suppression list (a late one
 * too: the address is just as bad), so the next send to it is refused at acceptance.
 */
export async function suppressOn(tenantId: string, notification: Info, event: FeedbackEvent) {
  const address = notification.recipient.email;
  if (notification.channel !== "email" || !address) return;
  const reason =
    event.status === "complained"
      ? "complaint"
      : event.status === "bounced" && event.bounce_type === "hard"
        ? "hard_bounce"
        : undefined;
  if (!reason) return;
  await Suppression.add(tenantId, {
    address,
    reason,
    notification_id: notification.id,
    detail: event.detail,
  });
}
