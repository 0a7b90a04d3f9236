import { SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
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
 * The messages of one batch that arrived too early to wait for here (a Scheduler send fires up
 * to two minutes ahead, so a schedule's whole batch usually does), sent back to the queue as
 * `hold` sends one, but ten to a SendMessageBatch: at full batches, a tenth of a request per
 * Scheduler send instead of one. Returns the ones still to deliver now, and the ones that could
 * not be requeued (the caller reports those to SQS, which delivers them again: held again).
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
 * Holds a message that arrived before its `due` time (the Scheduler fires early on purpose, SQS
 * delays are whole seconds) so the send starts on time, before anything is claimed:
 * - up to {@link MAX_WAIT_MS} early: waits out the rest here, then "due";
 * - earlier: sends the same message again with `DelaySeconds` = the whole seconds left and
 *   answers "requeued", so the caller reports this record done. The new message starts with a
 *   receive count of 0, so holding never counts toward the dead-letter queue, and nothing is
 *   claimed, so nothing can be sent twice (a duplicate finds the notification claimed or done).
 */
export async function hold(channel: Channel, message: Message): Promise<"due" | "requeued"> {
  if (message.due === undefined) return "due";
  const due = Date.parse(message.due);
  const seconds = requeueSeconds(message);
  if (seconds > 0) {
    await sqs().send(
      new SendMessageCommand({
        QueueUrl: queueFor(channel).url,
        MessageBody: JSON.stringify(message),
        DelaySeconds: seconds,
      }),
    );
    // Every Scheduler send passes here once (it fires up to two minutes early on purpose): a
    // line at info would be a third of the bytes such a send logs.
    log.debug("held: back on the queue until due", { id: message.id, seconds });
    return "requeued";
  }
  // setTimeout may wake a millisecond early; never start before the due time.
  while (Date.now() < due) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
  return "due";
}
