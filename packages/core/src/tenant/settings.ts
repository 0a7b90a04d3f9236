import { fn } from "../fn";
import * as z from "../zod";
import { forget, read } from "./settings-read";
import * as Store from "./settings-store";

/**
 * Tenant settings. `retention_days`: how long notifications and their side items are kept
 * (`expires_at`, then DynamoDB TTL); default 30, applies to notifications created afterwards.
 * The API's verbs and schemas; what sending reads (cached per container) is ./settings-read.
 */
export const SettingsInput = z.strictObject({
  retention_days: z
    .number()
    .check(
      z.gte(1),
      z.lte(3650),
      z.describe("Days a notification is kept after it was created (default 30)"),
    ),
  sms_monthly_budget_usd: z
    .optional(z.number().check(z.gte(0), z.lte(10_000_000)))
    .check(
      z.describe(
        "At most this much SMS spend (USD, estimated per segment) per calendar month (UTC); " +
          "an SMS that would exceed it is skipped (skip_reason budget). Absent: no limit",
      ),
    ),
});
export type SettingsInput = z.input<typeof SettingsInput>;

export const Settings = z.object({
  retention_days: z.number(),
  sms_monthly_budget_usd: z.optional(z.number()),
  sms_spent_usd_this_month: z
    .optional(z.number())
    .check(z.describe("GET: the estimated SMS spend counted against the budget this month (UTC)")),
  updated_at: z.optional(z.string()),
});
export type Settings = z.infer<typeof Settings>;

const TenantId = z.string().check(z.minLength(1), z.maxLength(64));

export const get = fn(z.object({ tenantId: TenantId }), ({ tenantId }) => read(tenantId));

export const put = fn(
  z.object({ tenantId: TenantId, settings: SettingsInput }),
  async ({ tenantId, settings }): Promise<Settings> => {
    const item = { ...settings, updated_at: new Date().toISOString() };
    await Store.write(tenantId, item);
    forget(tenantId);
    return item;
  },
);
