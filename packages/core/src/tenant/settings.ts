import * as z from "zod";
import { cached } from "../cache";
import { fn } from "../fn";
import { DEFAULT_RETENTION_DAYS } from "../retention";
import * as Store from "./settings-store";

/**
 * Tenant settings. `retention_days`: how long notifications and their side items are kept
 * (`expires_at`, then DynamoDB TTL); default 30, applies to notifications created afterwards.
 */
export const SettingsInput = z
  .object({
    retention_days: z
      .number()
      .min(1)
      .max(3650)
      .describe("Days a notification is kept after it was created (default 30)"),
  })
  .strict();
export type SettingsInput = z.input<typeof SettingsInput>;

export const Settings = z.object({
  retention_days: z.number(),
  updated_at: z.string().optional(),
});
export type Settings = z.infer<typeof Settings>;

const TenantId = z.string().min(1).max(64);

export const get = fn(z.object({ tenantId: TenantId }), async ({ tenantId }): Promise<Settings> => {
  const stored = await Store.read(tenantId);
  return { retention_days: DEFAULT_RETENTION_DAYS, ...stored };
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

/** The tenant's retention in days, cached per container. */
export async function retentionDays(tenantId: string): Promise<number> {
  return (await current(tenantId)).retention_days;
}
