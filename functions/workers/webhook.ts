import { webhook } from "@herald/core/delivery/providers/webhook";
import { deliverBatch } from "@herald/core/delivery/worker";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

/** Webhook channel queue consumer. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> =>
  deliverBatch("webhook", webhook, event.Records);
