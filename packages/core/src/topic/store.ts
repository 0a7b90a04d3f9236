import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { tableName } from "../config";
import * as Cursor from "../cursor";
import { expired } from "../retention";

/**
 * Topics in the single table (`../table.ts`): subscribers and topic sends share the topic's
 * partition; keys and expressions live here only.
 *
 *   subscriber  pk TOP#<tenant>#<topic>   sk SUB#<recipient>
 *   topic send  pk TOP#<tenant>#<topic>   sk SND#<id>   (the fan-out's request and checkpoint)
 */

const partition = (tenantId: string, topic: string) => `TOP#${tenantId}#${topic}`;
const SUB = "SUB#";
const SND = "SND#";

export interface Subscriber {
  recipient: string;
  subscribed_at: string;
}

/** Subscribe (idempotent: a repeat keeps the first `subscribed_at`). */
export async function subscribe(
  tenantId: string,
  topic: string,
  recipient: string,
  now: Date,
): Promise<Subscriber> {
  const result = await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: partition(tenantId, topic), sk: `${SUB}${recipient}` },
      UpdateExpression:
        "SET recipient = :recipient, subscribed_at = if_not_exists(subscribed_at, :now)",
      ExpressionAttributeValues: { ":recipient": recipient, ":now": now.toISOString() },
      ReturnValues: "ALL_NEW",
    }),
  );
  return toSubscriber(result.Attributes ?? {});
}

/** Unsubscribe; true when there was a subscription. */
export async function unsubscribe(tenantId: string, topic: string, recipient: string) {
  const result = await dynamo().send(
    new DeleteCommand({
      TableName: tableName(),
      Key: { pk: partition(tenantId, topic), sk: `${SUB}${recipient}` },
      ReturnValues: "ALL_OLD",
    }),
  );
  return result.Attributes !== undefined;
}

function toSubscriber(item: Record<string, unknown>): Subscriber {
  return { recipient: item.recipient as string, subscribed_at: item.subscribed_at as string };
}

/**
 * One page of a topic's subscribers in recipient order, after the subscriber `after` (a
 * recipient id; absent: from the start). `next` is the last recipient returned when more may
 * follow.
 */
export async function pageSubscribers(
  tenantId: string,
  topic: string,
  limit: number,
  after?: string,
): Promise<{ items: Subscriber[]; next?: string }> {
  const pk = partition(tenantId, topic);
  const result = await dynamo().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :sub)",
      ExpressionAttributeValues: { ":pk": pk, ":sub": SUB },
      ExclusiveStartKey: after === undefined ? undefined : { pk, sk: `${SUB}${after}` },
      Limit: limit,
    }),
  );
  const items = (result.Items ?? []).map(toSubscriber);
  return {
    items,
    next: result.LastEvaluatedKey ? items.at(-1)?.recipient : undefined,
  };
}

/** A page for the API: the cursor is signed for this tenant's topic (`../cursor.ts`). */
export async function listSubscribers(
  tenantId: string,
  topic: string,
  limit: number,
  cursor?: string,
): Promise<{ items: Subscriber[]; next_cursor?: string }> {
  const scope = partition(tenantId, topic);
  const page = await pageSubscribers(tenantId, topic, limit, Cursor.afterOf(cursor, scope));
  return { items: page.items, ...Cursor.nextAfter(page.next, scope) };
}

/** A topic send as stored: what to send to each subscriber, and how far the fan-out got. */
export interface Send {
  id: string;
  topic: string;
  /** The send body every subscriber gets (without `recipient`), as JSON. */
  request: string;
  request_hash: string;
  test?: boolean;
  created_at: string;
  /** Pages of subscribers fanned out so far (the checkpoint's version). */
  pages: number;
  /** The last subscriber of the last page fanned out; absent before the first. */
  after?: string;
  accepted: number;
  /** Subscribers not sent to: opted out of the channel, or no contact point for it. */
  skipped: number;
  done: boolean;
  done_at?: string;
  /** Epoch seconds: DynamoDB TTL removes it after the tenant's retention. */
  expires_at?: number;
}

/** Store a new topic send; false when one with this id exists (an Idempotency-Key replay). */
export async function createSend(tenantId: string, send: Send): Promise<boolean> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: { pk: partition(tenantId, send.topic), sk: `${SND}${send.id}`, ...send },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function readSend(
  tenantId: string,
  topic: string,
  id: string,
): Promise<Send | undefined> {
  const result = await dynamo().send(
    new GetCommand({
      TableName: tableName(),
      Key: { pk: partition(tenantId, topic), sk: `${SND}${id}` },
      ConsistentRead: true,
    }),
  );
  // TTL deletes up to days after expiry: an expired send is gone already.
  if (!result.Item || expired(result.Item.expires_at)) return undefined;
  const { pk: _pk, sk: _sk, ...send } = result.Item;
  return send as Send;
}

/**
 * Record that page `page` (0-based) is fanned out: the checkpoint moves to the page's last
 * subscriber and the counts grow, only if no one recorded this page before (a duplicate or
 * resumed fan-out finds it moved on). False when it had.
 */
export async function checkpoint(
  tenantId: string,
  topic: string,
  id: string,
  step: { page: number; after?: string; accepted: number; skipped: number; now: Date },
): Promise<boolean> {
  const done = step.after === undefined;
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: partition(tenantId, topic), sk: `${SND}${id}` },
        UpdateExpression: `SET pages = :next, accepted = accepted + :accepted, skipped = skipped + :skipped, done = :done${
          done ? ", done_at = :now REMOVE #after" : ", #after = :after"
        }`,
        ConditionExpression: "pages = :page",
        ExpressionAttributeNames: { "#after": "after" },
        ExpressionAttributeValues: {
          ":page": step.page,
          ":next": step.page + 1,
          ":accepted": step.accepted,
          ":skipped": step.skipped,
          ":done": done,
          ...(done ? { ":now": step.now.toISOString() } : { ":after": step.after }),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
