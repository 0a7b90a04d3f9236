import { config } from "../config";
import { errorFields, log } from "../log";
import * as Notification from "../notification";
import { PermanentDeliveryError } from "./errors";
import { providers } from "./provider";

export interface QueueRecord {
  messageId: string;
  body: string;
}

export interface BatchResult {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * Deliver one SQS batch for a channel. Each record is claimed with a conditional write, so a
 * duplicate or cancelled message stops before the provider is called. Records that failed
 * transiently are reported back for SQS to redeliver; everything else is done.
 */
export async function deliverBatch(
  channel: Notification.Channel,
  records: QueueRecord[],
): Promise<BatchResult> {
  const outcomes = await Promise.all(
    records.map(async (record) => ((await deliverOne(channel, record)) ? undefined : record)),
  );
  return {
    batchItemFailures: outcomes
      .filter((record) => record !== undefined)
      .map((record) => ({ itemIdentifier: record.messageId })),
  };
}

/** Returns false when the message should come back later. */
async function deliverOne(channel: Notification.Channel, record: QueueRecord): Promise<boolean> {
  const message = parse(record);
  if (!message) return true;
  const { tenant_id: tenantId, id } = message;
  try {
    const claimed = await Notification.claim(
      tenantId,
      id,
      new Date(),
      config().tuning.HERALD_LEASE_SECONDS,
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
    return await attempt(channel, tenantId, claimed);
  } catch (error) {
    log.error("delivery bookkeeping failed", { id, ...errorFields(error) });
    return false;
  }
}

async function attempt(
  channel: Notification.Channel,
  tenantId: string,
  { notification, attempt }: Extract<Notification.Claim, { kind: "claimed" }>,
): Promise<boolean> {
  const { id } = notification;
  try {
    const outcome = await providers[channel](notification);
    await Notification.complete(tenantId, id, attempt, outcome);
    log.info("delivered", { id, channel, status: outcome.status, attempt });
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof PermanentDeliveryError) {
      await Notification.fail(tenantId, id, attempt, reason);
      log.warn("failed permanently", { id, channel, attempt, reason });
      return true;
    }
    await Notification.release(tenantId, id, attempt, reason);
    log.warn("failed transiently; will retry", { id, channel, attempt, reason });
    return false;
  }
}

function parse(record: QueueRecord): Notification.Message | undefined {
  try {
    const parsed = Notification.Message.safeParse(JSON.parse(record.body));
    if (parsed.success) return parsed.data;
  } catch (error) {
    log.error("dropped: message body is not JSON", {
      messageId: record.messageId,
      ...errorFields(error),
    });
    return undefined;
  }
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
