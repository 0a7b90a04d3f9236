import { z } from "zod";
import { ValidationError } from "../error";
import { fn } from "../fn";
import { errorFields, log } from "../log";
import * as Store from "./store";

/**
 * Hourly counters per tenant, channel and status, served as `GET /v1/metrics` (the CloudWatch
 * metrics are ../telemetry.ts): how many notifications entered each status in each hour. Only `accepted` and the final statuses are counted, which is what dashboards
 * ask for and keeps the cost at two extra writes per notification. Stored by ./store.ts.
 */
export const COUNTED = [
  "accepted",
  "sent",
  "delivered",
  "delivery_delayed",
  "bounced",
  "complained",
  "failed",
  "cancelled",
  "skipped",
  "digested",
] as const;

/** Add one to this hour's counter. Best effort: a lost count is logged, never an error. */
export async function record(tenantId: string, channel: string, status: string, at = new Date()) {
  if (!(COUNTED as readonly string[]).includes(status)) return;
  try {
    await Store.increment(tenantId, Store.hourOf(at), channel, status);
  } catch (error) {
    log.warn("metrics counter update failed", { channel, status, ...errorFields(error) });
  }
}

const MAX_RANGE_MS = 31 * 24 * 3_600_000;

export const QueryInput = z
  .object({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type QueryInput = z.input<typeof QueryInput>;

export interface Counts {
  from: string;
  to: string;
  /** channel → status → count over the whole period */
  totals: Record<string, Record<string, number>>;
  hours: { hour: string; channel: string; status: string; count: number }[];
}

/** Counts for a tenant over a period (default: the last 24 hours; at most 31 days). */
export const query = fn(
  z.object({ tenantId: z.string().min(1), query: QueryInput, now: z.date().optional() }),
  async ({ tenantId, query, now = new Date() }): Promise<Counts> => {
    const to = query.to ? new Date(query.to) : now;
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 86_400_000);
    if (from > to || to.getTime() - from.getTime() > MAX_RANGE_MS) {
      throw new ValidationError("invalid_period", "from must be before to, at most 31 days apart");
    }
    const hours = await Store.hours(tenantId, Store.hourOf(from), Store.hourOf(to));
    const totals: Counts["totals"] = {};
    for (const { channel, status, count } of hours) {
      totals[channel] ??= {};
      totals[channel][status] = (totals[channel][status] ?? 0) + count;
    }
    return { from: from.toISOString(), to: to.toISOString(), totals, hours };
  },
);
