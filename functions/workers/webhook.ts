import { deliverBatch } from "@herald/core/delivery/worker";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

/** webhook channel queue consumer. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> =>
  deliverBatch("webhook", event.Records);
