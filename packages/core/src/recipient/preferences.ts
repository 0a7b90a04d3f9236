import { fn } from "../fn";
import { Category, Channel, RecipientId } from "../notification/status";
import * as z from "../zod";
import * as Store from "./store";

/**
 * Per-recipient preferences, per category × channel: `on` (the default), `off` (opted out: a
 * send of that category on that channel is `skipped`, reason `preference`) or `digest` (held
 * and sent in the recipient's next digest of the category, once digests exist; until then the
 * same as `on`). Set through the API (`PUT /v1/recipients/{id}/preferences`) or by the
 * recipient through a signed preference link (`/v1/preferences/{token}`). Checked when a
 * notification is accepted and again when each notification (each workflow step) is sent
 * (`settingFor`, ./setting: what sending imports, without these schemas).
 */
export const Setting = z.enum(["on", "off", "digest"]);
export type Setting = z.infer<typeof Setting>;

const ChannelSettings = z.partialRecord(Channel, Setting);

export const PreferencesInput = z.strictObject({
  categories: z.record(Category, ChannelSettings).check(
    z.refine((categories) => Object.keys(categories).length <= 100, {
      message: "at most 100 categories",
    }),
    z.describe("category → channel → on | off | digest; anything not named is on"),
  ),
});
export type PreferencesInput = z.input<typeof PreferencesInput>;

export const Preferences = z.object({
  categories: z.record(z.string(), z.partialRecord(Channel, Setting)),
  updated_at: z.optional(z.string()),
});
export type Preferences = z.infer<typeof Preferences>;

const Ref = z.object({ tenantId: z.string().check(z.minLength(1)), id: RecipientId });

export const get = fn(Ref, async ({ tenantId, id }): Promise<Preferences> => {
  return (await Store.readPreferences(tenantId, id)) ?? { categories: {} };
});

/** Replace every preference of a recipient. */
export const put = fn(
  z.extend(Ref, { preferences: PreferencesInput }),
  async ({ tenantId, id, preferences }): Promise<Preferences> => {
    const item = { categories: preferences.categories, updated_at: new Date().toISOString() };
    await Store.writePreferences(tenantId, id, item as Store.PreferencesItem);
    return item;
  },
);

/**
 * Change some settings and keep the rest (the preference page): read, merge, write back only
 * if nobody changed them meanwhile (else read again).
 */
export async function merge(
  tenantId: string,
  id: string,
  changes: Record<string, Partial<Record<Channel, Setting>>>,
): Promise<Preferences> {
  for (let round = 0; round < 5; round++) {
    const current = await Store.readPreferences(tenantId, id);
    const categories: Record<string, Record<string, string>> = {
      ...(current?.categories ?? {}),
    };
    for (const [category, channels] of Object.entries(changes)) {
      categories[category] = { ...(categories[category] ?? {}), ...channels };
    }
    const item = { categories, updated_at: new Date().toISOString() };
    if (await Store.replacePreferences(tenantId, id, item, current?.updated_at)) {
      return item as Preferences;
    }
  }
  throw new Error(`preferences of ${id} kept changing while being merged`);
}
