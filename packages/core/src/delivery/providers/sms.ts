import type { SmsContent } from "../../notification/model";
import { contact, type Provider } from "../provider";
import { sendSms } from "../sms";

/** SMS through End User Messaging. */
export const sms: Provider = ({ notification, tenantId }) =>
  sendSms({
    tenantId,
    id: notification.id,
    phone: contact(notification, "phone"),
    text: (notification.content as SmsContent).text,
  });
