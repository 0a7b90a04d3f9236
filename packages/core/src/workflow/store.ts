import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { tableName } from "../config";
import type { Outcome } from "../notification/model";
import { expired } from "../retention";

/**
 * Workflows and spend in the single table (`../table.ts`); keys and expressions live here only.
 *
 *   workflow  pk WFL#<tenant>#<id>   sk WFL               the parent of a workflow's steps
 *   spend     pk BUD#<tenant>        sk <YYYY-MM>#<channel> spent (micro-USD) this month
 *
 * The parent item is where a step's send and an outcome (read, seen, delivered) meet: both are
 * single conditional writes on it, so DynamoDB orders them and a step never begins after an
 * outcome that stops it has been recorded.
 */
export interface StepItem {
  id: string;
  channel: string;
  after_seconds: number;
  unless?: Outcome;
  critical_only?: boolean;
}

export interface WorkflowItem {
  id: string;
  tenant_id: string;
  recipient_id?: string;
  category?: string;
  priority?: string;
  steps: StepItem[];
  created_at: string;
  expires_at: number;
  request_hash: string;
  /** When an outcome was first reached by one of its steps (ISO), and by which step. */
  seen_at?: string;
  read_at?: string;
  delivered_at?: string;
  settled_by_step?: number;
  /** Per step index: when its latest attempt began (the begin write). */
  begun?: Record<string, string>;
  /**
   * `begun` as it was when the first outcome was recorded: the steps that had begun before it.
   * No step that stops on that outcome can begin after it.
   */
  begun_before_settled?: Record<string, string>;
}

function key(tenantId: string, id: string) {
  return { pk: `WFL#${tenantId}#${id}`, sk: "WFL" };
}

/** Create the parent unless it exists (an Idempotency-Key replay); false when it did. */
export async function create(item: WorkflowItem): Promise<boolean> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...key(item.tenant_id, item.id), ...item, begun: {} },
        ConditionExpression: "attribute_not_exists(pk) OR expires_at <= :now_s",
        ExpressionAttributeValues: { ":now_s": Math.floor(Date.now() / 1000) },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function read(tenantId: string, id: string): Promise<WorkflowItem | undefined> {
  const result = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: key(tenantId, id), ConsistentRead: true }),
  );
  if (!result.Item) return undefined;
  const { pk: _pk, sk: _sk, ...item } = result.Item;
  return expired(item.expires_at) ? undefined : (item as WorkflowItem);
}

/**
 * A step is about to be sent: record it, only while no outcome in `stoppedBy` has been
 * recorded. False when one has (the step must not send). Made for every attempt, so a retry
 * after a read never sends either.
 */
export async function begin(
  tenantId: string,
  id: string,
  step: number,
  stoppedBy: Outcome[],
  now: Date,
): Promise<boolean> {
  const names: Record<string, string> = { "#begun": "begun", "#step": String(step) };
  const conditions = ["attribute_exists(pk)"];
  for (const outcome of stoppedBy) {
    names[`#${outcome}`] = `${outcome}_at`;
    conditions.push(`attribute_not_exists(#${outcome})`);
  }
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key(tenantId, id),
        UpdateExpression: "SET #begun.#step = :now",
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ":now": now.toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Record that a step reached outcomes (the first time each counts): the item after the write,
 * or undefined when there is no such workflow.
 */
export async function reach(
  tenantId: string,
  id: string,
  outcomes: Outcome[],
  step: number,
  now: Date,
): Promise<WorkflowItem | undefined> {
  const names: Record<string, string> = {
    "#by": "settled_by_step",
    "#snapshot": "begun_before_settled",
    "#begun": "begun",
  };
  const sets = outcomes.map((outcome) => {
    names[`#${outcome}`] = `${outcome}_at`;
    return `#${outcome} = if_not_exists(#${outcome}, :now)`;
  });
  try {
    const result = await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key(tenantId, id),
        UpdateExpression: `SET ${[
          ...sets,
          "#by = if_not_exists(#by, :step)",
          "#snapshot = if_not_exists(#snapshot, #begun)",
        ].join(", ")}`,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ":now": now.toISOString(), ":step": step },
        ReturnValues: "ALL_NEW",
      }),
    );
    const { pk: _pk, sk: _sk, ...item } = result.Attributes ?? {};
    return item as WorkflowItem;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

function spendKey(tenantId: string, month: string, channel: string) {
  return { pk: `BUD#${tenantId}`, sk: `${month}#${channel}` };
}

/**
 * Add `micros` to this month's spend on a channel, only if the total stays within
 * `limitMicros`: one conditional update, so concurrent sends never overshoot together. False
 * when it would exceed the limit (nothing is added).
 */
export async function spend(
  tenantId: string,
  month: string,
  channel: string,
  micros: number,
  limitMicros: number,
): Promise<boolean> {
  if (micros > limitMicros) return false;
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: spendKey(tenantId, month, channel),
        UpdateExpression: "ADD spent :micros",
        ConditionExpression: "attribute_not_exists(spent) OR spent <= :max",
        ExpressionAttributeValues: { ":micros": micros, ":max": limitMicros - micros },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** This month's spend on a channel, micro-USD. */
export async function spent(tenantId: string, month: string, channel: string): Promise<number> {
  const result = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: spendKey(tenantId, month, channel) }),
  );
  return (result.Item?.spent as number | undefined) ?? 0;
}
