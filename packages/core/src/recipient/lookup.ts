import type { Profile } from "./index";
import * as Store from "./store";

/**
 * What workers ask of a recipient's profile (opt-outs at send time, a push subscription gone),
 * apart from the profile schemas in ./index.ts, which a worker has no use for.
 */

/** A profile, or undefined when none was stored. */
export async function find(tenantId: string, id: string): Promise<Profile | undefined> {
  return (await Store.read(tenantId, id)) as Profile | undefined;
}

/**
 * The push service said this subscription is gone (404/410): remove it from the profile, if the
 * profile still holds that one (the recipient may have subscribed again since). True if removed.
 */
export function dropPushSubscription(tenantId: string, id: string, endpoint: string) {
  return Store.dropPushSubscription(tenantId, id, endpoint, new Date());
}
