import { cached } from "../cache";
import { fn } from "../fn";
import { DEFAULT_RETENTION_DAYS } from "../retention";
import * as Spend from "../workflow/store";
import * as z from "../zod";
import * as Store from "./settings-store";

/**
 * Tenant settings. `retention_days`: how long notifications and their side items are kept
 * (`expires_at`, then DynamoDB TTL); default 30, applies to notifications created afterwards.
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

export const get = fn(z.object({ tenantId: TenantId }), async ({ tenantId }): Promise<Settings> => {
  const stored = await Store.read(tenantId);
  // With a budget, what this month has spent against it.
  const spent =
    stored?.sms_monthly_budget_usd === undefined
      ? undefined
      : (await Spend.spent(tenantId, new Date().toISOString().slice(0, 7), "sms")) / 1_000_000;
  return {
    retention_days: DEFAULT_RETENTION_DAYS,
    ...stored,
    ...(spent === undefined ? {} : { sms_spent_usd_this_month: spent }),
  };
});

export const put = fn(
  z.object({ tenantId: TenantId, settings: SettingsInput }),
  async ({ tenantId, settings }): Promise<Settings> => {
    const item = { ...settings, updated_at: new Date().toISOString() };
    await Store.write(tenantId, item);
    current.forget(tenantId);
    return item;
  },
);

/** Settings change rarely: a container keeps what it read for a minute. */
const current = cached(60_000, (tenantId: string) => get({ tenantId }));

/** The tenant's settings, cached per container for a minute. */
export async function cachedSettings(tenantId: string): Promise<Settings> {
  return current(tenantId);
}

/** The tenant's retention in days, cached per container. */
export async function retentionDays(tenantId: string): Promise<number> {
  return (await current(tenantId)).retention_days;
}
