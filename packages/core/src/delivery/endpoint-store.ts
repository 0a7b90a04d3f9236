import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, paginateQuery, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { tableName } from "../config";

/**
 * Endpoint circuit state in the single table (`../table.ts`), one item per tenant and origin, no
 * index: keys and expressions live here only; the circuit logic is ./endpoint.ts.
 *
 *   pk EPT#<tenant>   sk EP#<origin>
 */

export interface Endpoint {
  tenantId: string;
  /** `https://host:port`: what a circuit covers. */
  origin: string;
}

export interface State {
  origin: string;
  failures: number;
  first_failure_at?: string;
  last_failure_at?: string;
  last_error?: string;
  /** Epoch ms until which the circuit is open. */
  open_until?: number;
  /** How many times in a row it opened (each failed probe opens it again, for longer). */
  opens?: number;
  disabled_at?: string;
  disabled_reason?: string;
}

function key(endpoint: Endpoint) {
  return { pk: `EPT#${endpoint.tenantId}`, sk: `EP#${endpoint.origin}` };
}

async function update(
  endpoint: Endpoint,
  expression: string,
  values: Record<string, unknown>,
  condition?: string,
): Promise<State> {
  const result = await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: key(endpoint),
      UpdateExpression: expression,
      ConditionExpression: condition,
      ExpressionAttributeValues: values,
      ReturnValues: "ALL_NEW",
    }),
  );
  return result.Attributes as State;
}

/** Eventually consistent: half the price, and a circuit may open a moment late. */
export async function read(endpoint: Endpoint): Promise<State | undefined> {
  const result = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: key(endpoint) }),
  );
  return result.Item as State | undefined;
}

/** A success after failures: the count restarts and the circuit closes. */
export function recordSuccess(endpoint: Endpoint): Promise<State> {
  return update(endpoint, "SET failures = :zero REMOVE first_failure_at, open_until, opens", {
    ":zero": 0,
  });
}

/** One more transient failure in a row. */
export function recordFailure(endpoint: Endpoint, error: string, now: Date): Promise<State> {
  return update(
    endpoint,
    "SET failures = if_not_exists(failures, :zero) + :one, last_error = :error, last_failure_at = :now, first_failure_at = if_not_exists(first_failure_at, :now), origin = :origin",
    {
      ":zero": 0,
      ":one": 1,
      ":error": error.slice(0, 500),
      ":now": stamp(now),
      ":origin": endpoint.origin,
    },
  );
}

/** Open the circuit until `until` (the `opens`-th time in a row); disabled too, with a reason. */
export function open(
  endpoint: Endpoint,
  until: number,
  opens: number,
  disable?: { now: Date; reason: string },
): Promise<State> {
  return disable
    ? update(
        endpoint,
        "SET open_until = :until, opens = :opens, disabled_at = if_not_exists(disabled_at, :now), disabled_reason = if_not_exists(disabled_reason, :reason)",
        { ":until": until, ":opens": opens, ":now": stamp(disable.now), ":reason": disable.reason },
      )
    : update(endpoint, "SET open_until = :until, opens = :opens", {
        ":until": until,
        ":opens": opens,
      });
}

/** Close the circuit and clear a disable; undefined when the endpoint has no state. */
export async function enable(endpoint: Endpoint): Promise<State | undefined> {
  try {
    return await update(
      endpoint,
      "SET failures = :zero REMOVE first_failure_at, open_until, opens, disabled_at, disabled_reason",
      { ":zero": 0 },
      "attribute_exists(pk)",
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** Every endpoint of a tenant that has state. */
export async function list(tenantId: string): Promise<State[]> {
  const items: State[] = [];
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: tableName(),
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": `EPT#${tenantId}` },
    },
  );
  for await (const page of pages) items.push(...((page.Items ?? []) as State[]));
  return items;
}

function stamp(at: Date) {
  return at.toISOString();
}
