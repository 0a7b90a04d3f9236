import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/clients";
import { config } from "../config";
import type { Info, Route, Status } from "./model";

/**
 * The notification entity in the single table. Private to this module folder: everything else
 * goes through the verbs in ./index.ts.
 *
 *   pk  NTF#<tenant>#<id>          sk  NTF
 *   gsi1pk TNT#<tenant>            gsi1sk <created_at>#<id>     (tenant listing, newest first)
 *   gsi2pk RCP#<tenant>#<recipient> gsi2sk <created_at>#<id>    (recipient history)
 */
export interface Item extends Info {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk?: string;
  gsi2sk?: string;
  tenant_id: string;
  route: Route;
  request_hash: string;
  lease_until?: number;
}

const SK = "NTF";

export function key(tenantId: string, id: string) {
  return { pk: `NTF#${tenantId}#${id}`, sk: SK };
}

export function toItem(tenantId: string, info: Info, route: Route, requestHash: string): Item {
  const sort = `${info.created_at}#${info.id}`;
  return {
    ...key(tenantId, info.id),
    gsi1pk: `TNT#${tenantId}`,
    gsi1sk: sort,
    ...(info.recipient.id ? { gsi2pk: `RCP#${tenantId}#${info.recipient.id}`, gsi2sk: sort } : {}),
    tenant_id: tenantId,
    route,
    request_hash: requestHash,
    ...info,
  };
}

const INTERNAL = [
  "pk",
  "sk",
  "gsi1pk",
  "gsi1sk",
  "gsi2pk",
  "gsi2sk",
  "tenant_id",
  "route",
  "request_hash",
  "lease_until",
] as const;

export function toInfo(item: Item): Info {
  const info: Record<string, unknown> = { ...item };
  for (const field of INTERNAL) delete info[field];
  return info as Info;
}

function table() {
  return config().Table.name;
}

/** Create the item unless one with the same key exists. Returns false when it already did. */
export async function create(item: Item): Promise<boolean> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: table(),
        Item: item,
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function read(tenantId: string, id: string): Promise<Item | undefined> {
  const result = await dynamo().send(
    new GetCommand({ TableName: table(), Key: key(tenantId, id), ConsistentRead: true }),
  );
  return result.Item as Item | undefined;
}

export interface Transition {
  tenantId: string;
  id: string;
  /** The statuses the item must be in for the change to apply. */
  from: Status[];
  to: Status;
  now: Date;
  /** Extra attributes to set. */
  set?: Record<string, unknown>;
  /** Attributes to set only where the item has none yet. */
  keep?: Record<string, unknown>;
  /** Attributes to remove. */
  remove?: string[];
  /**
   * Refinements of the status check: `or` admits items outside `from`, `and` narrows the match;
   * `values` are their placeholders' values (`#status` names the status attribute).
   */
  condition?: { or?: string; and?: string; values: Record<string, unknown> };
  /** Count this as a delivery attempt. */
  attempt?: boolean;
}

/**
 * One conditional write that moves a notification between statuses. Returns the item after the
 * write, or undefined when the condition did not hold (it is in another status, or gone).
 */
export async function transition(change: Transition): Promise<Item | undefined> {
  const names: Record<string, string> = { "#status": "status", "#updated": "updated_at" };
  const values: Record<string, unknown> = {
    ":to": change.to,
    ":now": change.now.toISOString(),
    ...change.condition?.values,
  };
  const sets = ["#status = :to", "#updated = :now"];
  for (const [field, value] of Object.entries(change.set ?? {})) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  for (const [field, value] of Object.entries(change.keep ?? {})) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = if_not_exists(#${field}, :${field})`);
  }
  if (change.attempt) {
    values[":one"] = 1;
    values[":zero"] = 0;
    sets.push("attempts = if_not_exists(attempts, :zero) + :one");
  }
  const fromKeys = change.from.map((status, index) => {
    values[`:from${index}`] = status;
    return `:from${index}`;
  });
  let status = `#status IN (${fromKeys.join(", ")})`;
  if (change.condition?.or) status = `(${status} OR (${change.condition.or}))`;
  let condition = `attribute_exists(pk) AND ${status}`;
  if (change.condition?.and) condition += ` AND (${change.condition.and})`;
  const remove = change.remove?.length ? ` REMOVE ${change.remove.join(", ")}` : "";
  try {
    const result = await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: key(change.tenantId, change.id),
        UpdateExpression: `SET ${sets.join(", ")}${remove}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
    );
    return result.Attributes as Item;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}
