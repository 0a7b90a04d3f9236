import { AsyncLocalStorage } from "node:async_hooks";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

/**
 * CloudWatch metrics through Powertools (Embedded Metric Format lines on stdout: no API call,
 * CloudWatch extracts them from the logs). Turned off with POWERTOOLS_METRICS_DISABLED=true,
 * which the local cloud sets unless asked otherwise.
 */
let metrics: Metrics | undefined;

function instance(): Metrics {
  metrics ??= new Metrics({ namespace: "Herald", serviceName: "herald" });
  return metrics;
}

export type AttemptResult = "sent" | "delivered" | "failed" | "retried";

/** One delivery attempt's outcome per channel, and on success how late it was against plan. */
export function recordOutcome(channel: string, outcome: AttemptResult, lateByMs?: number): void {
  emit("Notifications", MetricUnit.Count, 1, { channel, outcome });
  if (lateByMs !== undefined) {
    emit("DeliveryDelay", MetricUnit.Milliseconds, Math.max(0, lateByMs), { channel, outcome });
  }
}

/**
 * A completion (`complete`, `fail`, `release`, `reschedule`) found the item changed by another
 * writer: never counted as an outcome, always worth an alarm.
 */
export function recordConflict(channel: string, write: string): void {
  emit("CompletionConflict", MetricUnit.Count, 1, { channel, write });
}

/** A record deferred without calling its endpoint (circuit open, slow or disabled). */
export function recordDeferral(channel: string, reason: string): void {
  emit("EndpointDeferred", MetricUnit.Count, 1, { channel, reason });
}

/** A notification not sent by a send-time check (preference, budget, settled workflow). */
export function recordSkip(channel: string, reason: string): void {
  emit("Skipped", MetricUnit.Count, 1, { channel, reason });
}

/** A provider's feedback report and what it did (moved the status, late, duplicate, ...). */
export function recordFeedback(provider: string, status: string, result: string): void {
  emit("Feedback", MetricUnit.Count, 1, { provider, status, result });
}

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** Values gathered by `batched`, by dimension set, then metric name. */
type Gathered = Map<
  string,
  { dimensions: Record<string, string>; metrics: Map<string, { unit: Unit; values: number[] }> }
>;
const gathering = new AsyncLocalStorage<Gathered>();

/**
 * Run `work` (a worker's batch) with its metrics gathered and written when it is done: one EMF
 * line per dimension set, each metric with all its values, instead of one line per value. EMF
 * lines are log lines, billed by the byte, and a delivery adds two.
 */
export async function batched<T>(work: () => Promise<T>): Promise<T> {
  const gathered: Gathered = new Map();
  try {
    return await gathering.run(gathered, work);
  } finally {
    for (const { dimensions, metrics } of gathered.values()) {
      const line = new Metrics({ namespace: "Herald", serviceName: "herald" });
      line.addDimensions(dimensions);
      for (const [name, { unit, values }] of metrics) {
        for (const value of values) line.addMetric(name, unit, value);
      }
      line.publishStoredMetrics();
    }
  }
}

/** A metric value: gathered inside `batched`, else written at once with its own dimensions. */
function emit(name: string, unit: Unit, value: number, dimensions: Record<string, string>) {
  const gathered = gathering.getStore();
  if (!gathered) {
    const single = instance().singleMetric();
    single.addDimensions(dimensions);
    single.addMetric(name, unit, value);
    return;
  }
  const key = JSON.stringify(Object.entries(dimensions).sort());
  let set = gathered.get(key);
  if (!set) {
    set = { dimensions, metrics: new Map() };
    gathered.set(key, set);
  }
  const metric = set.metrics.get(name) ?? { unit, values: [] };
  metric.values.push(value);
  set.metrics.set(name, metric);
}
