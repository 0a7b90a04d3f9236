import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { tableName } from "../config";

/**
 * Templates in the single table (`../table.ts`): keys and expressions live here only.
 *
 *   pk TPL#<tenant>#<id>   sk HEAD              latest: the last version number handed out
 *                          sk V#<version, 8 digits>  one item per version, never changed
 *
 * Version numbers come from the head's atomic counter, so two concurrent PUTs get different
 * versions, and a template deleted and created again continues its numbering: a version number
 * a sent notification names is never reused.
 */

const partition = (tenantId: string, id: string) => `TPL#${tenantId}#${id}`;
const versionKey = (version: number) => `V#${String(version).padStart(8, "0")}`;

/** The next version number of a template (1 for a new one). */
export async function nextVersion(tenantId: string, id: string): Promise<number> {
  const result = await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: partition(tenantId, id), sk: "HEAD" },
      UpdateExpression: "ADD latest :one",
      ExpressionAttributeValues: { ":one": 1 },
      ReturnValues: "UPDATED_NEW",
    }),
  );
  return Number(result.Attributes?.latest);
}

export async function putVersion(
  tenantId: string,
  id: string,
  version: number,
  item: Record<string, unknown>,
) {
  await dynamo().send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...item, pk: partition(tenantId, id), sk: versionKey(version) },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
}

/** One version, or the latest when `version` is left out; undefined when there is none. */
export async function readVersion(
  tenantId: string,
  id: string,
  version?: number,
): Promise<Record<string, unknown> | undefined> {
  const result = await dynamo().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression:
        version === undefined ? "pk = :pk AND begins_with(sk, :v)" : "pk = :pk AND sk = :v",
      ExpressionAttributeValues: {
        ":pk": partition(tenantId, id),
        ":v": version === undefined ? "V#" : versionKey(version),
      },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  const item = result.Items?.[0];
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest;
}

/** Delete every version (the head stays, so numbering continues); true if there was one. */
export async function removeVersions(tenantId: string, id: string): Promise<boolean> {
  let removed = false;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :v)",
        ExpressionAttributeValues: { ":pk": partition(tenantId, id), ":v": "V#" },
        ProjectionExpression: "pk, sk",
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      await dynamo().send(
        new DeleteCommand({ TableName: tableName(), Key: { pk: item.pk, sk: item.sk } }),
      );
      removed = true;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return removed;
}
