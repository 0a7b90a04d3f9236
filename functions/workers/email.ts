import { email } from "@herald/core/delivery/providers/email";
import { deliverBatch } from "@herald/core/delivery/worker";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

/** Email channel queue consumer. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> =>
  deliverBatch("email", email, event.Records);
