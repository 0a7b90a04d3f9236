import { SendEmailCommand } from "@aws-sdk/client-sesv2";
import { ses } from "../aws/clients";
import { config } from "../config";
import type { Info } from "../notification/model";
import { classifyAwsError, PermanentDeliveryError } from "./errors";
import type { Outcome } from "./provider";

/**
 * Email through SES v2. SES accepting a message is not delivery, so the outcome is `sent`;
 * delivery and bounce events arrive later through the configuration set.
 */
export async function sendEmail(notification: Info): Promise<Outcome> {
  const to = notification.recipient.email;
  if (!to) throw new PermanentDeliveryError("email: the recipient has no email address");
  const { sender, configSet } = config().Email;
  const { subject, text, html } = notification.content;
  try {
    const result = await ses().send(
      new SendEmailCommand({
        FromEmailAddress: sender,
        Destination: { ToAddresses: [to] },
        ConfigurationSetName: configSet,
        Content: {
          Simple: {
            Subject: { Data: subject, Charset: "UTF-8" },
            Body: {
              ...(text ? { Text: { Data: text, Charset: "UTF-8" } } : {}),
              ...(html ? { Html: { Data: html, Charset: "UTF-8" } } : {}),
            },
          },
        },
        EmailTags: [{ Name: "notification_id", Value: notification.id }],
      }),
    );
    return { status: "sent", providerMessageId: result.MessageId };
  } catch (error) {
    throw classifyAwsError("ses", error);
  }
}
