import type { PushContent } from "../../notification/model";
import { contact, type Provider } from "../provider";
import { sendPush } from "../push";

/** Web push (VAPID, RFC 8291 encryption). */
export const push: Provider = ({ notification }) =>
  sendPush({
    id: notification.id,
    subscription: contact(notification, "push_subscription"),
    content: notification.content as PushContent,
  });
