import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import { tuning } from "../config";
import { deterministicId } from "../id";
import { errorFields, log } from "../log";
import { type Dispatch, dispatchMany } from "../notification/dispatch";
import type { Channel } from "../notification/model";
import * as Notification from "../notification/send";
import * as NotificationStore from "../notification/store";
import { settle } from "../pool";
import * as Recipient from "../recipient";
import { enqueueFanOut, type FanOutMessage } from "./index";
import * as Store from "./store";

/**
 * The fan-out worker: for one topic send, page by page, every subscriber gets the notification
 * a single send to their recipient id would create (`Notification.prepareRequest`: their
 * profile's timezone, window, contact points; a recipient who opted out of the channel, or has
 * no contact point for it, is skipped and counted), stored with a conditional put and
 * dispatched with SendMessageBatch. Then the page is checkpointed on the topic send.
 *
 * Resumable without doubling anyone: each notification's id is derived from the topic send's
 * id and the recipient, so a page done again (after a crash before its checkpoint, or by a
 * duplicate message) finds its notifications stored and creates nothing new; the checkpoint is
 * conditional on the page number, so its counts grow once per page. A redone page re-dispatches
 * only what may have lost its message (the worker's claim makes a second message harmless).
 */

/** Everything a page did, for its checkpoint. */
interface PageResult {
  accepted: number;
  skipped: number;
}

/** Test seams: called after a page is stored and dispatched, before its checkpoint. */
export interface Hooks {
  afterPage?: (page: number) => void | Promise<void>;
}

/**
 * Fan out from the stored checkpoint until done or `deadline` (ms since the epoch): "done", or
 * "continue" when the time ran out (the caller enqueues the rest).
 */
export async function fanOut(
  message: FanOutMessage,
  deadline: number,
  hooks: Hooks = {},
): Promise<"done" | "continue"> {
  const { tenant_id: tenantId, topic, id } = message;
  const pageSize = tuning().HERALD_FANOUT_PAGE_SIZE;
  // The topic send pinned its template's version: read once for every page of this run.
  const templates = Notification.templateCache();
  for (;;) {
    const send = await Store.readSend(tenantId, topic, id);
    if (!send || send.done) return "done";
    const page = await Store.pageSubscribers(tenantId, topic, pageSize, send.after);
    const now = new Date();
    const recipients = page.items.map((subscriber) => subscriber.recipient);
    const result = await sendPage(tenantId, send, recipients, now, templates);
    await hooks.afterPage?.(send.pages);
    const moved = await Store.checkpoint(tenantId, topic, id, {
      page: send.pages,
      after: page.next,
      accepted: result.accepted,
      skipped: result.skipped,
      now,
    });
    // Another run recorded this page first: it counted it, and carries on from there.
    if (!moved) return "done";
    if (page.next === undefined) return "done";
    if (Date.now() >= deadline) return "continue";
  }
}

/** Plan, store and dispatch one page of recipients; throws if any could not be dispatched. */
async function sendPage(
  tenantId: string,
  send: Store.Send,
  recipients: string[],
  now: Date,
  templates: Notification.TemplateLookup,
): Promise<PageResult> {
  const result: PageResult = { accepted: 0, skipped: 0 };
  if (recipients.length === 0) return result;
  const request = JSON.parse(send.request) as Record<string, unknown>;
  const channel = request.channel as Channel;
  const profiles = await Recipient.findMany(tenantId, recipients);
  const lookup: Notification.ProfileLookup = async (_tenant, recipientId) =>
    profiles.get(recipientId);
  const planned = await settle(recipients, 16, async (recipient) => {
    if (profiles.get(recipient)?.opt_out?.includes(channel)) return undefined;
    return Notification.prepareRequest({
      tenantId,
      input: { ...request, recipient: { id: recipient } },
      id: deterministicId("ntf", tenantId, "topic", send.id, recipient),
      test: send.test,
      now,
      // send_at is bounded from the topic send's acceptance: one that passed while earlier
      // pages were fanned out means now for this page, not send_at_in_past.
      acceptedAt: new Date(send.created_at),
      profiles: lookup,
      templates,
    });
  });
  const prepared: Notification.Prepared[] = [];
  planned.forEach((outcome, i) => {
    if (outcome.status === "fulfilled" && outcome.value) prepared.push(outcome.value);
    else {
      result.skipped++;
      if (outcome.status === "rejected") {
        log.info("topic subscriber skipped", {
          topicSend: send.id,
          recipient: recipients[i],
          ...errorFields(outcome.reason),
        });
      }
    }
  });
  const stored = await settle(prepared, 16, async (p) => {
    if (await NotificationStore.create(p.item)) return { created: true, item: p.item };
    return { created: false, item: await NotificationStore.read(tenantId, p.info.id) };
  });
  const dispatches: Dispatch[] = [];
  // Held ones join their digest (again, when redone) instead of a dispatch.
  const joins: (() => Promise<void>)[] = [];
  stored.forEach((outcome, i) => {
    if (outcome.status === "rejected") throw outcome.reason;
    const p = prepared[i] as Notification.Prepared;
    const { created, item } = outcome.value;
    if (!item) throw new Error(`Notification ${p.info.id} vanished between write and read`);
    // Counted once per page (only the run whose checkpoint moves counts), so a page done again
    // after a crash counts what the crashed run stored too. (The hourly `accepted` counter
    // counts each stored notification once, from the table's stream: ../counters/accepted.ts.)
    result.accepted++;
    const first = created ? Notification.dispatchOf(p) : undefined;
    if (first) dispatches.push(first);
    else if (created) joins.push(() => Notification.joinDigest(p));
    else if (item.status === "held") {
      joins.push(() => Notification.rejoinDigest(tenantId, item, now));
    } else if (NotificationStore.mayHaveLostItsMessage(item)) {
      dispatches.push(Notification.redispatchOf(tenantId, item, now));
    }
  });
  const joined = await settle(joins, 16, (join) => join());
  const notJoined = joined.find((outcome) => outcome.status === "rejected");
  if (notJoined) throw notJoined.reason;
  const failed = await dispatchMany(dispatches);
  if (failed.size > 0) {
    // Stored but not dispatched: the page is done again on the message's redelivery, which
    // re-dispatches exactly those (still waiting for a first attempt).
    throw new Error(`${failed.size} notifications of topic send ${send.id} not dispatched`, {
      cause: failed.values().next().value,
    });
  }
  return result;
}

/**
 * The fan-out queue's consumer: each message continues one topic send for up to
 * HERALD_FANOUT_BUDGET_SECONDS, then enqueues its continuation. A failure leaves the message to
 * SQS, which delivers it again: the fan-out resumes from the checkpoint.
 */
export async function handleBatch(
  records: SQSRecord[],
  hooks: Hooks = {},
): Promise<SQSBatchResponse> {
  const deadline = Date.now() + tuning().HERALD_FANOUT_BUDGET_SECONDS * 1000;
  const failures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of records) {
    try {
      const message = JSON.parse(record.body) as FanOutMessage;
      if ((await fanOut(message, deadline, hooks)) === "continue") await enqueueFanOut(message);
    } catch (error) {
      log.warn("fan-out interrupted; it resumes from its checkpoint", {
        messageId: record.messageId,
        ...errorFields(error),
      });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}
