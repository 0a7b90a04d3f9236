import { tuning } from "../config";
import type { Info } from "../notification/model";
import { cachedSettings } from "../tenant/settings-read";
import * as Store from "./store";

/**
 * The tenant's monthly budget for paid channels (SMS: `sms_monthly_budget_usd` in the tenant's
 * settings). Each SMS reserves its estimated price when its first attempt begins, with one
 * conditional update that never lets the month's total pass the budget, so concurrent workers
 * cannot overshoot together. A reservation is not given back if the send then fails (the
 * estimate errs on the side of spending less).
 */

/** GSM-7 characters (and the extension table, which counts two): otherwise the text is UCS-2. */
const GSM =
  /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;

/** How many segments a text is billed as. */
export function segments(text: string): number {
  if (GSM.test(text)) {
    const length = [...text].reduce((sum, char) => sum + ("^{}\\[~]|€".includes(char) ? 2 : 1), 0);
    return length <= 160 ? 1 : Math.ceil(length / 153);
  }
  const length = [...text].length;
  return length <= 70 ? 1 : Math.ceil(length / 67);
}

/** What sending this notification costs, micro-USD (0 for free channels). */
export function costMicros(notification: Info): number {
  if (notification.channel !== "sms") return 0;
  const text = (notification.content as { text: string }).text;
  return Math.round(segments(text) * tuning().HERALD_SMS_PRICE_USD * 1_000_000);
}

export function monthOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** Reserve the price of a paid notification in this month's budget; false when over it. */
export async function reserve(tenantId: string, notification: Info, now: Date): Promise<boolean> {
  const micros = costMicros(notification);
  if (micros === 0) return true;
  const budget = (await cachedSettings(tenantId)).sms_monthly_budget_usd;
  if (budget === undefined) return true;
  return Store.spend(
    tenantId,
    monthOf(now),
    notification.channel,
    micros,
    Math.round(budget * 1_000_000),
  );
}
