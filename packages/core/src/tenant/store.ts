import { createHash } from "node:crypto";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { tableName } from "../config";

/**
 * API keys in the single table (`../table.ts`), by the SHA-256 of the secret: keys and writes
 * live here only. The secret itself is never stored.
 *
 *   pk KEY#<sha256 of the key>   sk KEY
 */
export interface KeyRecord {
  key_id: string;
  tenant_id: string;
  created_at: string;
  revoked_at?: string;
  /** A test key: its notifications are simulated, never sent. */
  mode?: "test";
}

function hashOf(secret: string) {
  return createHash("sha256").update(secret).digest("base64url");
}

function keyOf(secret: string) {
  return { pk: `KEY#${hashOf(secret)}`, sk: "KEY" };
}

/** Store a new key's record unless one with the same hash exists (it cannot, 192 random bits). */
export async function createKey(secret: string, record: KeyRecord) {
  await dynamo().send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...keyOf(secret), ...record },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
}

/** Mark a key revoked; false when it is unknown or revoked already. */
export async function revokeKey(secret: string, now: Date): Promise<boolean> {
  try {
    const result = await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keyOf(secret),
        UpdateExpression: "SET revoked_at = :now",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(revoked_at)",
        ExpressionAttributeValues: { ":now": now.toISOString() },
        ReturnValues: "ALL_NEW",
      }),
    );
    return result.Attributes !== undefined;
  } catch (error) {
    if (error instanceof Error && error.name === "ConditionalCheckFailedException") return false;
    throw error;
  }
}

export async function readKey(secret: string): Promise<KeyRecord | undefined> {
  const result = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: keyOf(secret) }),
  );
  return result.Item as KeyRecord | undefined;
}
