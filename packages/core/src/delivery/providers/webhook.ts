import type { WebhookContent } from "../../notification/model";
import { contact, type Provider } from "../provider";
import { sendWebhook } from "../webhook";

/** A signed POST to the recipient's webhook URL. */
export const webhook: Provider = ({ notification, tenantId, attempt }) => {
  const content = notification.content as WebhookContent;
  return sendWebhook({
    id: notification.id,
    tenantId,
    url: contact(notification, "webhook_url"),
    event: content.event,
    data: content.data,
    attempt,
  });
};
