import type { EmailContent } from "../../notification/model";
import { sendEmail } from "../email";
import { contact, type Provider } from "../provider";

/** Email through SES v2. Content was validated against the channel's schema at acceptance. */
export const email: Provider = ({ notification }) =>
  sendEmail({
    id: notification.id,
    to: contact(notification, "email"),
    content: notification.content as EmailContent,
  });
