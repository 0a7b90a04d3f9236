import { deliverBatch } from "@herald/core/callback/delivery";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

/** Callback queue consumer: POSTs signed status callbacks, re-enqueues failed ones. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => deliverBatch(event.Records);
