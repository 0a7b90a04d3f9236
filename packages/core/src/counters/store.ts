import { paginateQuery, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { tableName } from "../config";

/**
 * Hourly counters in the single table (`../table.ts`): keys and expressions live here only.
 *
 *   pk MET#<tenant>   sk <hour, ISO>#<channel>#<status>   count
 */

export interface HourCount {
  hour: string;
  channel: string;
  status: string;
  count: number;
}

/** The hour an instant falls in, as counters are keyed: `2026-01-02T03:00Z`. */
export function hourOf(at: Date): string {
  return `${at.toISOString().slice(0, 13)}:00Z`;
}

/** Add one to a counter (created at 0 when absent). */
export async function increment(tenantId: string, hour: string, channel: string, status: string) {
  await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: `MET#${tenantId}`, sk: `${hour}#${channel}#${status}` },
      UpdateExpression: "ADD #count :one",
      ExpressionAttributeNames: { "#count": "count" },
      ExpressionAttributeValues: { ":one": 1 },
    }),
  );
}

/** Every counter of a tenant from hour `from` through hour `to` (inclusive). */
export async function hours(tenantId: string, from: string, to: string): Promise<HourCount[]> {
  const found: HourCount[] = [];
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: tableName(),
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": `MET#${tenantId}`, ":from": from, ":to": `${to}~` },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const [hour = "", channel = "", status = ""] = String(item.sk).split("#");
      found.push({ hour, channel, status, count: Number(item.count) });
    }
  }
  return found;
}
