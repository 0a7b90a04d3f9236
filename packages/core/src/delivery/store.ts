import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { link } from "../config";
import { expired } from "../retention";

/**
 * Which notification a provider's message id belongs to, so feedback (SES events, SMS delivery
 * receipts) finds it. A small index item written when the provider accepts a message, before
 * the notification is marked `sent`, rather than a sparse GSI: a consistent GetItem, no change to
 * the table's schema, and it expires with the notification. Cost: one 1-WCU put per email or
 * SMS sent and one 0.5-RCU read per feedback event (a sparse keys-only GSI would cost the same
 * write, but reads would be eventually consistent and a feedback event can arrive first).
 *
 *   pk PMID#<provider>#<message id>   sk PMID   tenant_id, id, channel, expires_at
 */
export interface ProviderRef {
  tenant_id: string;
  id: string;
  channel: string;
}

function key(provider: string, messageId: string) {
  return { pk: `PMID#${provider}#${messageId}`, sk: "PMID" };
}

export async function putProviderRef(
  provider: string,
  messageId: string,
  ref: ProviderRef,
  expiresAt: number,
) {
  await dynamo().send(
    new PutCommand({
      TableName: link("Table").name,
      Item: { ...key(provider, messageId), ...ref, expires_at: expiresAt },
    }),
  );
}

export async function findProviderRef(
  provider: string,
  messageId: string,
): Promise<ProviderRef | undefined> {
  const result = await dynamo().send(
    new GetCommand({
      TableName: link("Table").name,
      Key: key(provider, messageId),
      ConsistentRead: true,
    }),
  );
  const item = result.Item;
  if (!item || expired(item.expires_at)) {
    return undefined;
  }
  return { tenant_id: item.tenant_id, id: item.id, channel: item.channel };
}
