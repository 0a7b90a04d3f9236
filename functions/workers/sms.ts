import { sms } from "@herald/core/delivery/providers/sms";
import { deliverBatch } from "@herald/core/delivery/worker";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

/** SMS channel queue consumer. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> =>
  deliverBatch("sms", sms, event.Records);
