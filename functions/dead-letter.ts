import { exhaustBatch } from "@herald/core/delivery/worker";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

/** Consumer of every channel's dead-letter queue: marks exhausted notifications failed. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => exhaustBatch(event.Records);
