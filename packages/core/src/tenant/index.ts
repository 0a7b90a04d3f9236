import { createHash, randomBytes } from "node:crypto";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { dynamo } from "../aws/clients";
import { link } from "../config";
import { fn } from "../fn";
import { createId } from "../id";

/**
 * Tenants and their API keys. A key is shown once, at creation; the table keeps only its
 * SHA-256 hash (keys are 192 random bits, so a fast hash is enough: there is nothing to guess).
 *
 *   pk KEY#<sha256 of the key>   sk KEY
 */
export const TenantId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "lowercase letters, digits, _ and - only");

const KEY_PREFIX = "hrld_";
/** Test keys: their notifications run the whole pipeline but never reach a provider. */
const TEST_PREFIX = "hrld_test_";

export interface Principal {
  tenantId: string;
  keyId: string;
  /** A test key (`hrld_test_…`): its notifications are simulated, never sent. */
  test?: boolean;
}

interface KeyItem {
  pk: string;
  sk: "KEY";
  key_id: string;
  tenant_id: string;
  created_at: string;
  revoked_at?: string;
  mode?: "test";
}

function hashOf(secret: string) {
  return createHash("sha256").update(secret).digest("base64url");
}

function keyOf(secret: string) {
  return { pk: `KEY#${hashOf(secret)}`, sk: "KEY" as const };
}

/** Issue a new API key for a tenant. The secret is returned here and nowhere else. */
export const createKey = fn(
  z.object({ tenantId: TenantId, test: z.boolean().optional() }),
  async ({ tenantId, test }) => {
    const secret = `${test ? TEST_PREFIX : KEY_PREFIX}${randomBytes(24).toString("base64url")}`;
    const item: KeyItem = {
      ...keyOf(secret),
      key_id: createId("key"),
      tenant_id: tenantId,
      created_at: new Date().toISOString(),
      ...(test ? { mode: "test" as const } : {}),
    };
    await dynamo().send(
      new PutCommand({
        TableName: link("Table").name,
        Item: item,
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return { secret, keyId: item.key_id, tenantId, test: test === true };
  },
);

/** Revoke a key by its secret; requests with it are refused from then on. */
export async function revokeKey(secret: string): Promise<boolean> {
  const result = await dynamo()
    .send(
      new UpdateCommand({
        TableName: link("Table").name,
        Key: keyOf(secret),
        UpdateExpression: "SET revoked_at = :now",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(revoked_at)",
        ExpressionAttributeValues: { ":now": new Date().toISOString() },
        ReturnValues: "ALL_NEW",
      }),
    )
    .catch((error: unknown) => {
      if (error instanceof Error && error.name === "ConditionalCheckFailedException")
        return undefined;
      throw error;
    });
  return result?.Attributes !== undefined;
}

/**
 * Who holds this credential: accepts `Bearer <key>` or the bare key. Undefined for anything
 * unknown, malformed or revoked.
 */
export async function authenticate(credential: string | undefined): Promise<Principal | undefined> {
  const secret = credential?.replace(/^Bearer\s+/i, "").trim();
  if (!secret?.startsWith(KEY_PREFIX) || secret.length > 128) return undefined;
  const result = await dynamo().send(
    new GetCommand({ TableName: link("Table").name, Key: keyOf(secret) }),
  );
  const item = result.Item as KeyItem | undefined;
  if (!item || item.revoked_at) return undefined;
  return {
    tenantId: item.tenant_id,
    keyId: item.key_id,
    ...(item.mode === "test" ? { test: true } : {}),
  };
}
