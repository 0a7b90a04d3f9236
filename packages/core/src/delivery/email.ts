import { SendEmailCommand } from "@aws-sdk/client-sesv2";
import { ses } from "../aws/ses";
import { link } from "../config";
import type { EmailContent } from "../notification/model";
import { emailTags } from "./correlation";
import { classifyAwsError } from "./errors";
import type { Outcome } from "./provider";

/**
 * Email through SES v2. SES accepting a message is not delivery, so the outcome is `sent`;
 * delivery and bounce events arrive later through the configuration set, carrying the message's
 * tags (the tenant and notification ids, ./correlation.ts) in `mail.tags`.
 */
export async function sendEmail(input: {
  tenantId: string;
  id: string;
  to: string;
  content: EmailContent;
  /** Extra headers (List-Unsubscribe). */
  headers?: { name: string; value: string }[];
}): Promise<Outcome> {
  const { sender, configSet } = link("Email");
  const { subject, text, html } = input.content;
  try {
    const result = await ses().send(
      new SendEmailCommand({
        FromEmailAddress: sender,
        Destination: { ToAddresses: [input.to] },
        ConfigurationSetName: configSet,
        Content: {
          Simple: {
            Subject: { Data: subject, Charset: "UTF-8" },
            ...(input.headers?.length
              ? { Headers: input.headers.map(({ name, value }) => ({ Name: name, Value: value })) }
              : {}),
            Body: {
              ...(text ? { Text: { Data: text, Charset: "UTF-8" } } : {}),
              ...(html ? { Html: { Data: html, Charset: "UTF-8" } } : {}),
            },
          },
        },
        EmailTags: emailTags({ tenant_id: input.tenantId, id: input.id }),
      }),
    );
    return { status: "sent", providerMessageId: result.MessageId };
  } catch (error) {
    throw classifyAwsError("ses", error);
  }
}
