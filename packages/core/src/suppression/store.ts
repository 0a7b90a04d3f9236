import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { link } from "../config";
import * as Cursor from "../cursor";

/**
 * A tenant's suppression list: one item per address, in one partition per tenant.
 *
 *   pk SUP#<tenant>   sk <address, lowercased>   reason, notification_id, detail, created_at
 */
export interface Entry {
  address: string;
  reason: "hard_bounce" | "complaint" | "unsubscribed";
  notification_id?: string;
  detail?: string;
  created_at: string;
}

const partition = (tenantId: string) => `SUP#${tenantId}`;

export async function put(tenantId: string, entry: Entry): Promise<void> {
  await dynamo().send(
    new PutCommand({
      TableName: link("Table").name,
      Item: { pk: partition(tenantId), sk: entry.address, ...entry },
    }),
  );
}

export async function find(tenantId: string, address: string): Promise<Entry | undefined> {
  const result = await dynamo().send(
    new GetCommand({
      TableName: link("Table").name,
      Key: { pk: partition(tenantId), sk: address },
    }),
  );
  return result.Item ? strip(result.Item) : undefined;
}

/** True when there was an entry to remove. */
export async function remove(tenantId: string, address: string): Promise<boolean> {
  const result = await dynamo().send(
    new DeleteCommand({
      TableName: link("Table").name,
      Key: { pk: partition(tenantId), sk: address },
      ReturnValues: "ALL_OLD",
    }),
  );
  return result.Attributes !== undefined;
}

/** Addresses in order, `limit` at a time, after the address `after`. */
/**
 * A page for the API: the cursor is signed for this tenant's list (`../cursor.ts`), so a forged
 * or another tenant's cursor is `invalid_cursor`.
 */
export async function listPage(
  tenantId: string,
  limit: number,
  cursor?: string,
): Promise<{ items: Entry[]; next_cursor?: string }> {
  const scope = partition(tenantId);
  const page = await list(tenantId, limit, Cursor.afterOf(cursor, scope));
  return { items: page.items, ...Cursor.nextAfter(page.next, scope) };
}

export async function list(tenantId: string, limit: number, after?: string) {
  const result = await dynamo().send(
    new QueryCommand({
      TableName: link("Table").name,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": partition(tenantId) },
      Limit: limit,
      ExclusiveStartKey: after ? { pk: partition(tenantId), sk: after } : undefined,
    }),
  );
  return {
    items: (result.Items ?? []).map(strip),
    next: result.LastEvaluatedKey?.sk as string | undefined,
  };
}

function strip(item: Record<string, unknown>): Entry {
  const { pk: _pk, sk: _sk, ...entry } = item;
  return entry as unknown as Entry;
}
