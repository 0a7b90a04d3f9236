import { paginateQuery, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { tableName } from "../config";

/**
 * Hourly counters in the single table (`../table.ts`): keys and expressions live here only.
 *
 *   pk MET#<tenant>   sk <hour, ISO>#<channel>#<status>#<shard>   count
 *
 * A counter is SHARDS items (a write goes to one at random, a read sums them): one DynamoDB item
 * takes about 1,000 writes a second (a busy tenant's workers and stream batches all write to
 * the same hour's counters).
 * Counters written before sharding have no `#<shard>` and are read the same way.
 */
export const SHARDS = 8;

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

/** Add `by` to a counter (created at 0 when absent), on one of its shards. */
export async function increment(
  tenantId: string,
  hour: string,
  channel: string,
  status: string,
  by = 1,
) {
  const shard = Math.floor(Math.random() * SHARDS);
  await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: `MET#${tenantId}`, sk: `${hour}#${channel}#${status}#${shard}` },
      UpdateExpression: "ADD #count :by",
      ExpressionAttributeNames: { "#count": "count" },
      ExpressionAttributeValues: { ":by": by },
    }),
  );
}

/** Every counter of a tenant from hour `from` through hour `to` (inclusive), shards summed. */
export async function hours(tenantId: string, from: string, to: string): Promise<HourCount[]> {
  const found = new Map<string, HourCount>();
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
      const key = `${hour}#${channel}#${status}`;
      const counter = found.get(key) ?? { hour, channel, status, count: 0 };
      counter.count += Number(item.count);
      found.set(key, counter);
    }
  }
  return [...found.values()];
}
