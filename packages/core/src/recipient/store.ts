import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { tableName } from "../config";

/**
 * Recipient profiles in the single table (`../table.ts`): keys and writes live here only.
 *
 *   pk RCP#<tenant>#<recipient>   sk PROFILE
 *   pk RCP#<tenant>#<recipient>   sk PREFS     categories: {<category>: {<channel>: setting}}
 *
 * Preferences are an item of their own, so replacing a profile (a PUT) keeps them.
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

/** BatchGetItem reads at most 100 items. */
const READ_BATCH = 100;

/**
 * Many profiles at once (`BatchGetItem`, 100 a call, unprocessed keys read again): attributes
 * by recipient id; a recipient without a profile is absent from the map.
 */
export async function readMany(
  tenantId: string,
  ids: string[],
): Promise<Map<string, Record<string, unknown>>> {
  const profiles = new Map<string, Record<string, unknown>>();
  const unique = [...new Set(ids)];
  for (let start = 0; start < unique.length; start += READ_BATCH) {
    let keys = unique.slice(start, start + READ_BATCH).map((id) => key(tenantId, id));
    for (let round = 0; keys.length > 0; round++) {
      if (round === 5) throw new Error("DynamoDB left profile reads unprocessed after 5 rounds");
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
      const result = await dynamo().send(
        new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: keys } } }),
      );
      for (const { pk: _pk, sk: _sk, ...profile } of result.Responses?.[tableName()] ?? []) {
        profiles.set(profile.id as string, profile);
      }
      keys = (result.UnprocessedKeys?.[tableName()]?.Keys ?? []) as typeof keys;
    }
  }
  return profiles;
}

export async function remove(tenantId: string, id: string) {
  await dynamo().send(new DeleteCommand({ TableName: tableName(), Key: key(tenantId, id) }));
}

/** Remove the push subscription if it is still the one with this endpoint; true if removed. */
export async function dropPushSubscription(
  tenantId: string,
  id: string,
  endpoint: string,
  now: Date,
): Promise<boolean> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key(tenantId, id),
        UpdateExpression: "REMOVE push_subscription SET updated_at = :now",
        ConditionExpression: "push_subscription.endpoint = :endpoint",
        ExpressionAttributeValues: { ":endpoint": endpoint, ":now": now.toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Add a channel to the opt-outs (creating the profile if there is none); already there: no-op. */
export async function addOptOut(tenantId: string, id: string, channel: string, now: Date) {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key(tenantId, id),
        UpdateExpression:
          "SET opt_out = list_append(if_not_exists(opt_out, :empty), :channel), id = if_not_exists(id, :id), updated_at = :now",
        ConditionExpression: "attribute_not_exists(opt_out) OR NOT contains(opt_out, :name)",
        ExpressionAttributeValues: {
          ":empty": [],
          ":channel": [channel],
          ":name": channel,
          ":id": id,
          ":now": now.toISOString(),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

function prefsKey(tenantId: string, id: string) {
  return { pk: `RCP#${tenantId}#${id}`, sk: "PREFS" };
}

export interface PreferencesItem {
  categories: Record<string, Record<string, string>>;
  updated_at: string;
}

/** A recipient's preferences, or undefined when none are stored. */
export async function readPreferences(
  tenantId: string,
  id: string,
): Promise<PreferencesItem | undefined> {
  const result = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: prefsKey(tenantId, id) }),
  );
  if (!result.Item) return undefined;
  return { categories: result.Item.categories ?? {}, updated_at: result.Item.updated_at };
}

/** Replace a recipient's preferences. */
export async function writePreferences(tenantId: string, id: string, item: PreferencesItem) {
  await dynamo().send(
    new PutCommand({ TableName: tableName(), Item: { ...prefsKey(tenantId, id), ...item } }),
  );
}

/**
 * Replace a recipient's preferences only if they are still as read (`updated_at` of what was
 * read; undefined when none were stored). False when someone changed them meanwhile.
 */
export async function replacePreferences(
  tenantId: string,
  id: string,
  item: PreferencesItem,
  previous: string | undefined,
): Promise<boolean> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...prefsKey(tenantId, id), ...item },
        ConditionExpression:
          previous === undefined ? "attribute_not_exists(pk)" : "updated_at = :previous",
        ...(previous === undefined ? {} : { ExpressionAttributeValues: { ":previous": previous } }),
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
