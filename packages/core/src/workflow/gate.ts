import type { Channel, Info, SkipReason } from "../notification/model";
import * as Preferences from "../recipient/preferences";

/**
 * The checks a notification passes before it is sent, apart from the channel opt-out (which
 * fails it, `delivery/worker.ts`): each answers a reason to skip it (status `skipped`), or
 * nothing. Run when a send is accepted (so the answer already says `skipped`) and again by the
 * worker before every attempt, since preferences can change while a notification waits.
 */
export interface Subject {
  tenantId: string;
  recipientId?: string;
  category?: string;
  channel: Channel;
}

/** At acceptance: the recipient's preference for the category on this channel. */
export async function atAcceptance(subject: Subject): Promise<SkipReason | undefined> {
  const setting = await Preferences.settingFor(
    subject.tenantId,
    subject.recipientId,
    subject.category,
    subject.channel,
  );
  return setting === "off" ? "preference" : undefined;
}

/** In the worker, after the claim and before the provider is called. */
export async function beforeSend(
  tenantId: string,
  notification: Info,
  _attempt: number,
): Promise<SkipReason | undefined> {
  return atAcceptance({
    tenantId,
    recipientId: notification.recipient.id,
    category: notification.category,
    channel: notification.channel,
  });
}
