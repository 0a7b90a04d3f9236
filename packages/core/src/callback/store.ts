import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { link } from "../config";

/**
 * A tenant's callback endpoints: one item per endpoint, in one partition per tenant.
 *
 *   pk CBK#<tenant>   sk <callback id>   url, events, secret, previous_secret, previous_until,
 *                                        created_at, failing_since, last_error, disabled_at
 */
export interface Item {
  id: string;
  url: string;
  events: string[];
  secret: string;
  /** The secret before the last rotation, still signing (besides `secret`) until `previous_until`. */
  previous_secret?: string;
  previous_until?: string;
  created_at: string;
  /** When the current run of failed attempts began (cleared by any success). */
  failing_since?: string;
  last_error?: string;
  disabled_at?: string;
}

/** Secrets are `whsec_` + the base64 key (the Standard Webhooks convention). */
export const SECRET_PREFIX = "whsec_";

const partition = (tenantId: string) => `CBK#${tenantId}`;
const table = () => link("Table").name;

export async function put(tenantId: string, item: Item): Promise<void> {
  await dynamo().send(
    new PutCommand({ TableName: table(), Item: { pk: partition(tenantId), sk: item.id, ...item } }),
  );
}

export async function find(tenantId: string, id: string): Promise<Item | undefined> {
  const result = await dynamo().send(
    new GetCommand({ TableName: table(), Key: { pk: partition(tenantId), sk: id } }),
  );
  return result.Item ? strip(result.Item) : undefined;
}

/** Every endpoint of the tenant (a handful: registration is capped). */
export async function all(tenantId: string): Promise<Item[]> {
  const result = await dynamo().send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": partition(tenantId) },
    }),
  );
  return (result.Items ?? []).map(strip);
}

export async function remove(tenantId: string, id: string): Promise<boolean> {
  const result = await dynamo().send(
    new DeleteCommand({
      TableName: table(),
      Key: { pk: partition(tenantId), sk: id },
      ReturnValues: "ALL_OLD",
    }),
  );
  return result.Attributes !== undefined;
}

/** Sets (and removes) attributes of an existing endpoint; undefined when there is none. */
export async function update(
  tenantId: string,
  id: string,
  set: Partial<Item>,
  remove: (keyof Item)[] = [],
): Promise<Item | undefined> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = Object.entries(set).map(([key, value], i) => {
    names[`#s${i}`] = key;
    values[`:s${i}`] = value;
    return `#s${i} = :s${i}`;
  });
  const removes = remove.map((key, i) => {
    names[`#r${i}`] = key;
    return `#r${i}`;
  });
  try {
    const result = await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: { pk: partition(tenantId), sk: id },
        UpdateExpression: [
          sets.length ? `SET ${sets.join(", ")}` : "",
          removes.length ? `REMOVE ${removes.join(", ")}` : "",
        ].join(" "),
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: sets.length ? values : undefined,
        ReturnValues: "ALL_NEW",
      }),
    );
    return result.Attributes ? strip(result.Attributes) : undefined;
  } catch (error) {
    if ((error as Error).name === "ConditionalCheckFailedException") return undefined;
    throw error;
  }
}

function strip(item: Record<string, unknown>): Item {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as Item;
}
