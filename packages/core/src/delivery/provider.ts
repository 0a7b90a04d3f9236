import type {
  Channel,
  EmailContent,
  Info,
  PushContent,
  Recipient,
  SmsContent,
  WebhookContent,
} from "../notification/model";
import { sendEmail } from "./email";
import { PermanentDeliveryError } from "./errors";
import { sendPush } from "./push";
import { sendSms } from "./sms";
import { sendWebhook } from "./webhook";

export interface Outcome {
  status: "delivered" | "sent";
  providerMessageId?: string;
}

export interface Delivery {
  notification: Info;
  tenantId: string;
  /** 1 for the first try; webhooks tell receivers. */
  attempt: number;
}

/** Sends one notification; throws PermanentDeliveryError or TransientDeliveryError. */
export type Provider = (delivery: Delivery) => Promise<Outcome>;

function contact<Field extends keyof Recipient>(notification: Info, field: Field) {
  const value = notification.recipient[field];
  if (value === undefined) {
    throw new PermanentDeliveryError(`${notification.channel}: the recipient has no ${field}`);
  }
  return value as NonNullable<Recipient[Field]>;
}

// Content was validated against its channel's schema when the notification was accepted, so
// each provider may read it as that channel's shape.
export const providers: Record<Channel, Provider> = {
  email: ({ notification }) =>
    sendEmail({
      id: notification.id,
      to: contact(notification, "email"),
      content: notification.content as EmailContent,
    }),
  push: ({ notification }) =>
    sendPush({
      id: notification.id,
      subscription: contact(notification, "push_subscription"),
      content: notification.content as PushContent,
    }),
  sms: ({ notification }) =>
    sendSms({
      id: notification.id,
      phone: contact(notification, "phone"),
      text: (notification.content as SmsContent).text,
    }),
  webhook: ({ notification, tenantId, attempt }) => {
    const content = notification.content as WebhookContent;
    return sendWebhook({
      id: notification.id,
      tenantId,
      url: contact(notification, "webhook_url"),
      event: content.event,
      data: content.data,
      attempt,
    });
  },
  // Delivering in-app is storing it in the recipient's inbox, which the completing status write
  // does (see Notification.complete).
  in_app: async () => ({ status: "delivered" }),
};
