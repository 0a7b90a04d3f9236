import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { tableName } from "../config";

/**
 * Per-recipient throttle counters in the single table (`../table.ts`); keys live here only.
 *
 *   throttle  pk THR#<tenant>#<recipient>#<category>   sk <period start, ISO>   count, expires_at
 *
 * (A digest is a notification: its keys are the notification's, `notification/store.ts`.)
 */

/**
 * Count one more notification in this period, only while fewer than `limit` were counted: one
 * conditional update, so concurrent sends never pass the limit together. False when it is
 * reached (nothing is counted).
 */
export async function take(
  tenantId: string,
  recipientId: string,
  category: string,
  periodStart: string,
  limit: number,
  expiresAt: number,
  /** A test key's sends: counted apart (`sk test#<period start>`), never against live ones. */
  test = false,
): Promise<boolean> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: {
          pk: `THR#${tenantId}#${recipientId}#${category}`,
          sk: test ? `test#${periodStart}` : periodStart,
        },
        UpdateExpression: "ADD #count :one SET expires_at = :expires",
        ConditionExpression: "attribute_not_exists(#count) OR #count < :limit",
        ExpressionAttributeNames: { "#count": "count" },
        ExpressionAttributeValues: { ":one": 1, ":limit": limit, ":expires": expiresAt },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
