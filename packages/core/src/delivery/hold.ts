import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { sqs } from "../aws/sqs";
import { queueFor } from "../config";
import { errorFields, log } from "../log";
import { MAX_DELAY_SECONDS } from "../notification/dispatch";
import type { Channel, Message } from "../notification/model";

/** Early by at most this, a message waits in the worker; earlier, it goes back to the queue. */
export const MAX_WAIT_MS = 1000;

/** SendMessageBatch takes at most 10 entries. */
const SQS_BATCH = 10;

/** Whole seconds a message due at `due` still has to wait in the queue, or 0 to wait here. */
function requeueSeconds(message: Message, now = Date.now()): number {
  if (message.due === undefined) return 0;
  const early = Date.parse(message.due) - now;
  return early > MAX_WAIT_MS ? Math.min(MAX_DELAY_SECONDS, Math.floor(early / 1000)) : 0;
}

/**
 * Holding a message that arrives before its `due` time (the Scheduler fires early on purpose,
 * SQS delays are whole seconds), so its send starts on time and nothing is claimed early.
 *
 * The messages of one batch early by more than {@link MAX_WAIT_MS} (a schedule's whole batch,
 * usually) go back to the queue with `DelaySeconds` = the whole seconds left, ten to a
 * SendMessageBatch: at full batches, a tenth of a request per Scheduler send. A requeued copy
 * starts with a receive count of 0, so holding never counts toward the dead-letter queue, and
 * nothing is claimed, so nothing can be sent twice. Returns the ones to deliver now, and the
 * ones that could not be requeued (the caller reports those to SQS, which delivers them again:
 * held again).
 */
export async function holdEarly<T extends { message: Message }>(
  channel: Channel,
  items: T[],
): Promise<{ now: T[]; failed: T[] }> {
  const at = Date.now();
  const early = items.filter((item) => requeueSeconds(item.message, at) > 0);
  if (early.length === 0) return { now: items, failed: [] };
  const failed: T[] = [];
  for (let start = 0; start < early.length; start += SQS_BATCH) {
    const chunk = early.slice(start, start + SQS_BATCH);
    try {
      const result = await sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: queueFor(channel).url,
          Entries: chunk.map((item, i) => ({
            Id: String(i),
            MessageBody: JSON.stringify(item.message),
            DelaySeconds: requeueSeconds(item.message, at),
          })),
        }),
      );
      for (const refused of result.Failed ?? []) failed.push(chunk[Number(refused.Id)] as T);
    } catch (error) {
      log.warn("held messages not requeued", { count: chunk.length, ...errorFields(error) });
      failed.push(...chunk);
    }
  }
  log.debug("held: back on the queue until due", { count: early.length - failed.length });
  return { now: items.filter((item) => !early.includes(item)), failed };
}

/**
 * Wait out the rest of a message's early arrival in the worker, so the send starts on time and
 * before anything is claimed. For what `holdEarly` left to deliver now: due within
 * {@link MAX_WAIT_MS} (SQS delays are whole seconds), never earlier, since time only moves on.
 */
export async function waitUntilDue(message: Message): Promise<void> {
  if (message.due === undefined) return;
  const due = Date.parse(message.due);
  // setTimeout may wake a millisecond early; never start before the due time.
  while (Date.now() < due) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
}
