import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { sqs } from "../aws/sqs";
import { queueFor } from "../config";
import { log } from "../log";
import { MAX_DELAY_SECONDS } from "../notification/dispatch";
import type { Channel, Message } from "../notification/model";

/** Early by at most this, a message waits in the worker; earlier, it goes back to the queue. */
export const MAX_WAIT_MS = 1000;

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
  const early = due - Date.now();
  if (early > MAX_WAIT_MS) {
    const seconds = Math.min(MAX_DELAY_SECONDS, Math.floor(early / 1000));
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
