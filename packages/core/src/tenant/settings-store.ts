import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { link } from "../config";

/**
 * A tenant's settings: one item per tenant.
 *
 *   pk TNT#<tenant>   sk SETTINGS   retention_days, sms_monthly_budget_usd, updated_at
 */
export interface SettingsItem {
  retention_days?: number;
  sms_monthly_budget_usd?: number;
  updated_at: string;
}

const key = (tenantId: string) => ({ pk: `TNT#${tenantId}`, sk: "SETTINGS" });

export async function read(tenantId: string): Promise<SettingsItem | undefined> {
  const result = await dynamo().send(
    new GetCommand({ TableName: link("Table").name, Key: key(tenantId) }),
  );
  if (!result.Item) return undefined;
  const { pk: _pk, sk: _sk, ...settings } = result.Item;
  return settings as SettingsItem;
}

export async function write(tenantId: string, settings: SettingsItem): Promise<void> {
  await dynamo().send(
    new PutCommand({ TableName: link("Table").name, Item: { ...key(tenantId), ...settings } }),
  );
}
