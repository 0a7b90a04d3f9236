import { handleBatch } from "@herald/core/topic/fanout";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

/** Fan-out queue consumer: sends a topic send to its subscribers, a page at a time. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => handleBatch(event.Records);
