import { log } from "../log";
import * as Recipient from "../recipient";
import * as Unsubscribe from "../recipient/unsubscribe";
import { add } from "./index";

/**
 * A one-click unsubscribe (RFC 8058): the recipient's email opt-out, or the address suppressed.
 * A module of its own so that what imports Suppression for bounces and complaints (the workers,
 * the feedback function) does not load the recipient profile and its schemas with it.
 */
export async function unsubscribe(token: string) {
  const subject = Unsubscribe.verify(token);
  if (subject.r) {
    await Recipient.optOut(subject.t, subject.r, "email");
  } else {
    await add(subject.t, { address: subject.a, reason: "unsubscribed" });
  }
  log.info("unsubscribed", { recipient: subject.r });
}
