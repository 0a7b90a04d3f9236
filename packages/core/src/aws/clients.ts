import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PinpointSMSVoiceV2Client } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * One client per AWS service, created on first use and reused for the life of the container.
 * Endpoints and credentials come from the standard SDK environment (`AWS_ENDPOINT_URL_<SERVICE>`),
 * which is how the local cloud redirects them; nothing here branches on where it runs.
 */
function once<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= create();
    return value;
  };
}

export const dynamo = once(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  }),
);
export const sqs = once(() => new SQSClient({}));
export const scheduler = once(() => new SchedulerClient({}));
export const ses = once(() => new SESv2Client({}));
/** End User Messaging SMS (the service id is "Pinpoint SMS Voice V2"). */
export const sms = once(() => new PinpointSMSVoiceV2Client({}));
