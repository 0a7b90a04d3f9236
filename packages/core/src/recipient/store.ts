import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/clients";
import { tableName } from "../config";

/**
 * Recipient profiles in the single table (`../table.ts`): keys and writes live here only.
 *
 *   pk RCP#<tenant>#<recipient>   sk PROFILE
 */

function key(tenantId: string, id: string) {
  return { pk: `RCP#${tenantId}#${id}`, sk: "PROFILE" };
}

/** Create or replace a profile's attributes. */
export async function put(tenantId: string, id: string, profile: Record<string, unknown>) {
  await dynamo().send(
    new PutCommand({ TableName: tableName(), Item: { ...key(tenantId, id), ...profile } }),
  );
}

/** A profile's attributes (keys stripped), or undefined when none is stored. */
export async function read(
  tenantId: string,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  const result = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: key(tenantId, id) }),
  );
  if (!result.Item) return undefined;
  const { pk: _pk, sk: _sk, ...profile } = result.Item;
  return profile;
}

export async function remove(tenantId: string, id: string) {
  await dynamo().send(new DeleteCommand({ TableName: tableName(), Key: key(tenantId, id) }));
}
