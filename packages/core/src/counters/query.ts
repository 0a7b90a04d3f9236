import { costOf } from "../cost";
import { ValidationError } from "../error";
import { fn } from "../fn";
import { retentionDays } from "../tenant/settings-read";
import * as z from "../zod";
import * as Store from "./store";

/**
 * `GET /v1/metrics`: the counts over a period (./index writes them). A module of its own, so the
 * workers, which only count, construct none of its schemas and load neither the price list
 * (../cost) nor the tenant's settings at init.
 */

const MAX_RANGE_MS = 31 * 24 * 3_600_000;

export const QueryInput = z.strictObject({
  from: z.optional(z.iso.datetime({ offset: true })),
  to: z.optional(z.iso.datetime({ offset: true })),
});
export type QueryInput = z.input<typeof QueryInput>;

export interface Counts {
  from: string;
  to: string;
  /** channel → status → count over the whole period */
  totals: Record<string, Record<string, number>>;
  hours: { hour: string; channel: string; status: string; count: number }[];
  /** What the period's accepted notifications cost (../cost: list prices × usage per channel). */
  cost: ReturnType<typeof costOf>;
}

/** Counts for a tenant over a period (default: the last 24 hours; at most 31 days). */
export const query = fn(
  z.object({
    tenantId: z.string().check(z.minLength(1)),
    query: QueryInput,
    now: z.optional(z.date()),
  }),
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
    const cost = costOf(totals, await retentionDays(tenantId));
    return { from: from.toISOString(), to: to.toISOString(), totals, hours, cost };
  },
);
