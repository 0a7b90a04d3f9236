import { dispatch } from "./dispatch";
import { changed } from "./lifecycle";
import type { Info } from "./model";
import * as Store from "./store";

/**
 * A held notification's two ways out of a digest's hold (digest/ calls them while composing),
 * apart from ./manage (the API's verbs and their schemas), so what accepts a send, which imports
 * digest/ to hold it, constructs none of those at init.
 */

/**
 * A held notification goes out in digest `digestId` (which is being sent): `digested`, final.
 * Undefined when it is no longer held (cancelled, or released to be sent alone).
 */
export async function digestMember(
  tenantId: string,
  id: string,
  digestId: string,
  now = new Date(),
): Promise<Info | undefined> {
  const item = await Store.transition({
    tenantId,
    id,
    from: ["held"],
    to: "digested",
    now,
    set: { digest_id: digestId, digested_at: now.toISOString() },
  });
  return item && changed(tenantId, item);
}

/**
 * A held notification whose digest had already begun sending when it tried to join: send it
 * on its own, now (the window has opened). Undefined when it is no longer held.
 */
export async function releaseHeld(tenantId: string, id: string, now = new Date()) {
  const item = await Store.transition({
    tenantId,
    id,
    from: ["held"],
    to: "queued",
    now,
    set: {
      scheduled_at: now.toISOString(),
      estimated_delivery_time: now.toISOString(),
      route: "immediate",
    },
    remove: ["digest_id"],
  });
  if (!item) return undefined;
  await dispatch({ tenantId, id, channel: item.channel, sendAt: now, now, gen: item.gen });
  return changed(tenantId, item);
}
