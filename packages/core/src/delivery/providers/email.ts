import type { EmailContent } from "../../notification/model";
import { headers as unsubscribeHeaders } from "../../recipient/unsubscribe";
import { sendEmail } from "../email";
import { contact, type Provider } from "../provider";

/** Email through SES v2. Content was validated against the channel's schema at acceptance. */
export const email: Provider = ({ notification, tenantId }) => {
  const to = contact(notification, "email");
  return sendEmail({
    tenantId,
    id: notification.id,
    to,
    content: notification.content as EmailContent,
    headers: unsubscribeHeaders({ t: tenantId, r: notification.recipient.id, a: to }),
  });
};
