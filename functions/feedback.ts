import { receive } from "@herald/core/delivery/feedback";
import type { SNSEvent } from "aws-lambda";

/**
 * Provider feedback: SES configuration-set events and End User Messaging SMS delivery receipts,
 * through the Feedback SNS topic. A throw makes the invocation fail, so SNS/Lambda retry it.
 */
export const handler = async (event: SNSEvent): Promise<void> => {
  for (const record of event.Records) {
    await receive(JSON.parse(record.Sns.Message));
  }
};
