import type { Channel } from "../notification/status";
import type { Setting } from "./preferences";
import * as Store from "./store";

/**
 * The one preference read on the send path (acceptance, each attempt: workflow/gate.ts), apart
 * from ./preferences (the API's verbs and their schemas), so the workers and the sending routes
 * construct none of those at init.
 */

/** What a recipient wants for a category on a channel: `on` unless they said otherwise. */
export async function settingFor(
  tenantId: string,
  recipientId: string | undefined,
  category: string | undefined,
  channel: Channel,
): Promise<Setting> {
  if (!recipientId || !category) return "on";
  const stored = await Store.readPreferences(tenantId, recipientId);
  return (stored?.categories[category]?.[channel] as Setting | undefined) ?? "on";
}
