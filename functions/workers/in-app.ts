import { inApp } from "@herald/core/delivery/providers/in-app";
import { deliverBatch } from "@herald/core/delivery/worker";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

/** In-app channel queue consumer: files messages in recipients' inboxes. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> =>
  deliverBatch("in_app", inApp, event.Records);
