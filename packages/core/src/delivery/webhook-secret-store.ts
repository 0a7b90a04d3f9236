import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { link } from "../config";

/**
 * A tenant's rotated webhook signing secret: one item per tenant, written only by a rotation
 * (until then the secret is derived from the master key, ./webhook.ts).
 *
 *   pk WHS#<tenant>   sk SECRET   secret, previous_secret, previous_until, rotated_at
 */
export interface SecretItem {
  secret: string;
  previous_secret: string;
  /** ISO time until which `previous_secret` still signs. */
  previous_until: string;
  rotated_at: string;
}

const key = (tenantId: string) => ({ pk: `WHS#${tenantId}`, sk: "SECRET" });

/** Strongly consistent: a rotation is read back at once by the container that made it. */
export async function read(tenantId: string): Promise<SecretItem | undefined> {
  const result = await dynamo().send(
    new GetCommand({ TableName: link("Table").name, Key: key(tenantId), ConsistentRead: true }),
  );
  if (!result.Item) return undefined;
  const { pk: _pk, sk: _sk, ...item } = result.Item;
  return item as SecretItem;
}

export async function write(tenantId: string, item: SecretItem): Promise<void> {
  await dynamo().send(
    new PutCommand({ TableName: link("Table").name, Item: { ...key(tenantId), ...item } }),
  );
}
