import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { dynamo } from "../aws/clients";
import { link } from "../config";
import { NotFoundError } from "../error";
import { fn } from "../fn";
import { Channel, ContactPoints, RecipientId } from "../notification/model";
import { Window } from "../schedule";

/**
 * Recipient profiles: where and when to reach someone, and what they opted out of. A send that
 * names a recipient id takes its missing contact points, timezone and window from here; opt-outs
 * are checked again when the notification is sent, so a late opt-out still counts.
 *
 *   pk RCP#<tenant>#<recipient>   sk PROFILE
 */
export const ProfileInput = z
  .object({
    ...ContactPoints,
    delivery_window: Window.optional(),
    opt_out: z.array(Channel).max(5).default([]).describe("Channels this recipient refuses"),
  })
  .strict();
export type ProfileInput = z.input<typeof ProfileInput>;

export const Profile = ProfileInput.extend({ id: RecipientId, updated_at: z.string() });
export type Profile = z.infer<typeof Profile>;

const Ref = z.object({ tenantId: z.string().min(1), id: RecipientId });

function key(tenantId: string, id: string) {
  return { pk: `RCP#${tenantId}#${id}`, sk: "PROFILE" };
}

/** Create or replace a profile. */
export const put = fn(
  Ref.extend({ profile: ProfileInput }),
  async ({ tenantId, id, profile }): Promise<Profile> => {
    const item: Profile = { ...profile, id, updated_at: new Date().toISOString() };
    await dynamo().send(
      new PutCommand({ TableName: link("Table").name, Item: { ...key(tenantId, id), ...item } }),
    );
    return item;
  },
);

/** A profile, or undefined when none was stored. */
export async function find(tenantId: string, id: string): Promise<Profile | undefined> {
  const result = await dynamo().send(
    new GetCommand({ TableName: link("Table").name, Key: key(tenantId, id) }),
  );
  if (!result.Item) return undefined;
  const { pk: _pk, sk: _sk, ...profile } = result.Item;
  return profile as Profile;
}

export const get = fn(Ref, async ({ tenantId, id }): Promise<Profile> => {
  const profile = await find(tenantId, id);
  if (!profile) throw new NotFoundError("recipient", id);
  return profile;
});

export const remove = fn(Ref, async ({ tenantId, id }) => {
  await dynamo().send(new DeleteCommand({ TableName: link("Table").name, Key: key(tenantId, id) }));
});

/**
 * The push service said this subscription is gone (404/410): remove it from the profile, if the
 * profile still holds that one (the recipient may have subscribed again since). True if removed.
 */
export async function dropPushSubscription(
  tenantId: string,
  id: string,
  endpoint: string,
): Promise<boolean> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: link("Table").name,
        Key: key(tenantId, id),
        UpdateExpression: "REMOVE push_subscription SET updated_at = :now",
        ConditionExpression: "push_subscription.endpoint = :endpoint",
        ExpressionAttributeValues: { ":endpoint": endpoint, ":now": new Date().toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Add a channel to a recipient's opt-outs (creating the profile if there is none). */
export async function optOut(tenantId: string, id: string, channel: Channel): Promise<void> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: link("Table").name,
        Key: key(tenantId, id),
        UpdateExpression:
          "SET opt_out = list_append(if_not_exists(opt_out, :empty), :channel), id = if_not_exists(id, :id), updated_at = :now",
        ConditionExpression: "attribute_not_exists(opt_out) OR NOT contains(opt_out, :name)",
        ExpressionAttributeValues: {
          ":empty": [],
          ":channel": [channel],
          ":name": channel,
          ":id": id,
          ":now": new Date().toISOString(),
        },
      }),
    );
  } catch (error) {
    // Already opted out.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
