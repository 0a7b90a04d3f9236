import * as z from "zod";
import { NotFoundError } from "../error";
import { fn } from "../fn";
import { Channel, ContactPoints, Locale, RecipientId } from "../notification/model";
import { Window } from "../schedule/window";
import { find } from "./lookup";
import * as Store from "./store";

/**
 * Recipient profiles: where and when to reach someone, and what they opted out of. A send that
 * names a recipient id takes its missing contact points, timezone and window from here; opt-outs
 * are checked again when the notification is sent, so a late opt-out still counts. Stored by
 * ./store.ts.
 */
export const ProfileInput = z
  .object({
    ...ContactPoints,
    delivery_window: Window.optional(),
    locale: z
      .optional(Locale)
      .describe("Their language (BCP 47): templated sends render in it unless the send names one"),
    opt_out: z.array(Channel).max(5).default([]).describe("Channels this recipient refuses"),
  })
  .strict();
export type ProfileInput = z.input<typeof ProfileInput>;

export const Profile = ProfileInput.extend({ id: RecipientId, updated_at: z.string() });
export type Profile = z.infer<typeof Profile>;

const Ref = z.object({ tenantId: z.string().min(1), id: RecipientId });

/** Create or replace a profile. */
export const put = fn(
  Ref.extend({ profile: ProfileInput }),
  async ({ tenantId, id, profile }): Promise<Profile> => {
    const item: Profile = { ...profile, id, updated_at: new Date().toISOString() };
    await Store.put(tenantId, id, item);
    return item;
  },
);

export { dropPushSubscription, find } from "./lookup";

/** Many profiles at once, by recipient id (absent: no profile stored). */
export async function findMany(tenantId: string, ids: string[]): Promise<Map<string, Profile>> {
  return (await Store.readMany(tenantId, ids)) as Map<string, Profile>;
}

export const get = fn(Ref, async ({ tenantId, id }): Promise<Profile> => {
  const profile = await find(tenantId, id);
  if (!profile) throw new NotFoundError("recipient", id);
  return profile;
});

export const remove = fn(Ref, async ({ tenantId, id }) => {
  await Store.remove(tenantId, id);
});

/** Add a channel to a recipient's opt-outs (creating the profile if there is none). */
export function optOut(tenantId: string, id: string, channel: Channel): Promise<void> {
  return Store.addOptOut(tenantId, id, channel, new Date());
}
