import { SendTextMessageCommand } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { sms } from "../aws/sms";
import { link } from "../config";
import { smsContext } from "./correlation";
import { classifyAwsError } from "./errors";
import type { Outcome } from "./provider";

/**
 * SMS through AWS End User Messaging SMS (the `pinpoint-sms-voice-v2` API). Acceptance is not
 * delivery, so the outcome is `sent`; delivery receipts arrive later through the configuration
 * set's event destinations, carrying `Context` (the tenant and notification ids,
 * ./correlation.ts) in their `context` field.
 */
export async function sendSms(input: {
  tenantId: string;
  id: string;
  phone: string;
  text: string;
}): Promise<Outcome> {
  const { originationIdentity, configurationSet } = link("Sms");
  try {
    const result = await sms().send(
      new SendTextMessageCommand({
        DestinationPhoneNumber: input.phone,
        MessageBody: input.text,
        MessageType: "TRANSACTIONAL",
        OriginationIdentity: originationIdentity,
        ConfigurationSetName: configurationSet,
        Context: smsContext({ tenant_id: input.tenantId, id: input.id }),
      }),
    );
    return { status: "sent", providerMessageId: result.MessageId };
  } catch (error) {
    throw classifyAwsError("sms", error);
  }
}
