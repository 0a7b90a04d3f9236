import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import { sqs } from "../aws/clients";
import { queueFor, tuning } from "../config";
import { errorFields, log } from "../log";
import * as Notification from "../notification";
import * as Recipient from "../recipient";
import { recordOutcome } from "../telemetry";
import { PermanentDeliveryError } from "./errors";
import { hold } from "./hold";
import type { Provider } from "./provider";

export interface QueueRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
}

export interface BatchResult {
  batchItemFailures: { itemIdentifier: string }[];
}

/** SQS allows at most 12 h of visibility; a notification that late is better failed. */
const MAX_BACKOFF_SECONDS = 900;

/**
 * Deliver one SQS batch for a channel. Each record is claimed with a conditional write, so a
 * duplicate or cancelled message stops before the provider is called. Records that failed
 * transiently are reported back for SQS to redeliver after a backoff; everything else is done.
 */
export async function deliverBatch(
  channel: Notification.Channel,
  provider: Provider,
  records: QueueRecord[],
): Promise<BatchResult> {
  const outcomes = await Promise.all(
    records.map(async (record) =>
      (await deliverOne(channel, provider, record)) ? undefined : record,
    ),
  );
  return {
    batchItemFailures: outcomes
      .filter((record) => record !== undefined)
      .map((record) => ({ itemIdentifier: record.messageId })),
  };
}

type Result = "done" | "retry";

async function deliverOne(
  channel: Notification.Channel,
  provider: Provider,
  record: QueueRecord,
): Promise<boolean> {
  const message = parse(record);
  if (!message) return true;
  const { tenant_id: tenantId, id } = message;
  try {
    // Early (a Scheduler send fires ahead on purpose): wait out the rest before claiming.
    if ((await hold(channel, message)) === "requeued") return true;
    const claimed = await Notification.claim(
      tenantId,
      id,
      new Date(),
      tuning().HERALD_LEASE_SECONDS,
    );
    if (claimed.kind === "busy") {
      // Another worker is sending it. Keep this copy until that worker's lease has run out:
      // if it died, this copy finishes the job.
      log.info("deferred: another worker holds it", { id, messageId: record.messageId });
      return false;
    }
    if (claimed.kind === "done") {
      log.info("skipped: nothing to send", { id, status: claimed.status });
      return true;
    }
    const result = await attempt(channel, provider, tenantId, claimed);
    if (result === "retry") await backoff(channel, record, claimed.attempt);
    return result === "done";
  } catch (error) {
    log.error("delivery bookkeeping failed", { id, ...errorFields(error) });
    return false;
  }
}

async function attempt(
  channel: Notification.Channel,
  provider: Provider,
  tenantId: string,
  { notification, attempt }: Extract<Notification.Claim, { kind: "claimed" }>,
): Promise<Result> {
  const { id } = notification;
  try {
    await checkConsent(tenantId, notification);
    const outcome = await provider({ notification, tenantId, attempt });
    await Notification.complete(tenantId, notification, attempt, outcome);
    log.info("delivered", { id, channel, status: outcome.status, attempt });
    recordOutcome(channel, outcome.status, Date.now() - Date.parse(notification.scheduled_at));
    return "done";
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof PermanentDeliveryError) {
      await Notification.fail(tenantId, id, attempt, reason);
      log.warn("failed permanently", { id, channel, attempt, reason });
      recordOutcome(channel, "failed");
      return "done";
    }
    await Notification.release(tenantId, id, attempt, reason);
    log.warn("failed transiently; will retry", { id, channel, attempt, reason });
    recordOutcome(channel, "retried");
    return "retry";
  }
}

/** A recipient who opted out of the channel since the notification was accepted gets nothing. */
async function checkConsent(tenantId: string, notification: Notification.Info) {
  if (!notification.recipient.id) return;
  const profile = await Recipient.find(tenantId, notification.recipient.id);
  if (profile?.opt_out?.includes(notification.channel)) {
    throw new PermanentDeliveryError(`recipient opted out of ${notification.channel}`);
  }
}

/**
 * Exponential backoff with full jitter: the message stays invisible for a random time up to
 * base·2^(attempt-1) seconds (capped), so retries of a struggling provider spread out.
 */
export function backoffSeconds(attempt: number, base: number, random = Math.random()): number {
  const ceiling = Math.min(MAX_BACKOFF_SECONDS, base * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(ceiling * random));
}

async function backoff(channel: Notification.Channel, record: QueueRecord, attempt: number) {
  const seconds = backoffSeconds(attempt, tuning().HERALD_RETRY_BASE_SECONDS);
  try {
    await sqs().send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueFor(channel).url,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  } catch (error) {
    // The queue's own visibility timeout still brings the message back; only the spacing is lost.
    log.warn("could not set retry backoff", { messageId: record.messageId, ...errorFields(error) });
  }
}

function parse(record: QueueRecord): Notification.Message | undefined {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (error) {
    log.error("dropped: message body is not JSON", {
      messageId: record.messageId,
      ...errorFields(error),
    });
    return undefined;
  }
  const parsed = Notification.Message.safeParse(body);
  if (parsed.success) return parsed.data;
  log.error("dropped: message body is not a Herald message", { messageId: record.messageId });
  return undefined;
}

/** Dead-letter queue: the channel queue gave up on these; mark each `failed`. */
export async function exhaustBatch(records: QueueRecord[]): Promise<BatchResult> {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of records) {
    const message = parse(record);
    if (!message) continue;
    try {
      const item = await Notification.exhaust(message.tenant_id, message.id);
      log.warn("dead-lettered", { id: message.id, marked: item !== undefined });
    } catch (error) {
      log.error("dead-letter bookkeeping failed", { id: message.id, ...errorFields(error) });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}
