import { countAccepted } from "@herald/core/counters/accepted";
import type { DynamoDBStreamEvent } from "aws-lambda";

/** The table's stream consumer: counts accepted (and skipped) notifications for /v1/metrics. */
export const handler = (event: DynamoDBStreamEvent): Promise<void> => countAccepted(event.Records);
