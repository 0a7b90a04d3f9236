import { push } from "@herald/core/delivery/providers/push";
import { deliverBatch } from "@herald/core/delivery/worker";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

/** Web push channel queue consumer. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> =>
  deliverBatch("push", push, event.Records);
