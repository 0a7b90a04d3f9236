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

/** A single metric is written as soon as its value is added, with its own dimensions. */
function emit(
  name: string,
  unit: (typeof MetricUnit)[keyof typeof MetricUnit],
  value: number,
  dimensions: Record<string, string>,
) {
  const single = instance().singleMetric();
  single.addDimensions(dimensions);
  single.addMetric(name, unit, value);
}
