import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { link } from "../config";
import { expired } from "../retention";
import type { Ref } from "./correlation";

/**
 * Legacy correlation, read only. Until messages carried the tenant and notification ids in their
 * tags (./correlation.ts), the worker wrote this index item for every email and SMS the provider
 * accepted, before marking the notification `sent`, and feedback found the notification by it
 * (a consistent GetItem). Nothing writes it any more; feedback still reads it for an event that
 * carries no tags (a message sent before the change). When it can go: once no such event can
 * come any more. End User Messaging reports a final status within 72 hours; SES complaints can
 * come weeks late; no later than the last item's `expires_at` (it expires with its notification:
 * the longest `retention_days` in force at the deploy, 30 by default) nothing is found anyway.
 * Then delete this module and its call in ./feedback.ts.
 *
 *   pk PMID#<provider>#<message id>   sk PMID   tenant_id, id, channel, expires_at
 */
export async function findProviderRef(
  provider: string,
  messageId: string,
): Promise<Ref | undefined> {
  const result = await dynamo().send(
    new GetCommand({
      TableName: link("Table").name,
      Key: { pk: `PMID#${provider}#${messageId}`, sk: "PMID" },
      ConsistentRead: true,
    }),
  );
  const item = result.Item;
  if (!item || expired(item.expires_at)) {
    return undefined;
  }
  return { tenant_id: item.tenant_id, id: item.id };
}
