import { cached } from "../cache";
import { DEFAULT_RETENTION_DAYS } from "../retention";
import * as Spend from "../workflow/store";
import type { Settings } from "./settings";
import * as Store from "./settings-store";

/**
 * A tenant's settings as sending reads them (retention at acceptance, the SMS budget before an
 * attempt), cached per container; apart from ./settings (the API's verbs and their schemas), so
 * the workers and the sending routes construct none of those at init.
 */

/** The stored settings with their defaults, and with a budget what this month spent against it. */
export async function read(tenantId: string): Promise<Settings> {
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
}

/** Settings change rarely: a container keeps what it read for a minute. */
const current = cached(60_000, read);

/** The tenant's settings, cached per container for a minute. */
export async function cachedSettings(tenantId: string): Promise<Settings> {
  return current(tenantId);
}

/** The tenant's retention in days, cached per container. */
export async function retentionDays(tenantId: string): Promise<number> {
  return (await current(tenantId)).retention_days;
}

/** Drop a tenant's cached settings (after they were written here). */
export function forget(tenantId: string): void {
  current.forget(tenantId);
}
