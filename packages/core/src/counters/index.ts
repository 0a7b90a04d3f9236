import { AsyncLocalStorage } from "node:async_hooks";
import { errorFields, log } from "../log";
import * as Store from "./store";

/**
 * Hourly counters per tenant, channel and status, served as `GET /v1/metrics` (the CloudWatch
 * metrics are ../telemetry.ts): how many notifications entered each status in each hour. Only
 * `accepted` and the final statuses are counted, which is what dashboards ask for. `accepted`
 * (and `skipped` at acceptance) is counted from the table's stream (./accepted.ts), the rest by
 * the workers; each batch writes each counter once (`batched`), and every counter is spread over
 * shards (./store.ts), so no single item takes a write per notification.
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

interface Pending {
  tenantId: string;
  hour: string;
  channel: string;
  status: string;
  count: number;
}

/** Counts gathered by `batched`, by counter. */
const gathering = new AsyncLocalStorage<Map<string, Pending>>();

/**
 * Add one (or `by`: a batch send or a fan-out page counts its items in one call) to this hour's
 * counter: at once, or inside `batched` when the batch is done. Best effort: a lost count is
 * logged, never an error.
 */
export async function record(
  tenantId: string,
  channel: string,
  status: string,
  at = new Date(),
  by = 1,
) {
  if (!(COUNTED as readonly string[]).includes(status) || by === 0) return;
  const hour = Store.hourOf(at);
  const pending = gathering.getStore();
  if (!pending) return add({ tenantId, hour, channel, status, count: by });
  const key = `${tenantId}\n${hour}\n${channel}\n${status}`;
  const counter = pending.get(key);
  if (counter) counter.count += by;
  else pending.set(key, { tenantId, hour, channel, status, count: by });
}

/**
 * Run `work` (a worker's batch) with its counts gathered, then written once per counter: one
 * write per tenant, hour, channel and status a batch touched, instead of one per notification.
 * Counts of a batch that crashes before the end are lost, as a failed write's would be.
 */
export async function batched<T>(work: () => Promise<T>): Promise<T> {
  const pending = new Map<string, Pending>();
  try {
    return await gathering.run(pending, work);
  } finally {
    await Promise.all([...pending.values()].map(add));
  }
}

async function add({ tenantId, hour, channel, status, count }: Pending) {
  try {
    await Store.increment(tenantId, hour, channel, status, count);
  } catch (error) {
    log.warn("metrics counter update failed", { channel, status, count, ...errorFields(error) });
  }
}
