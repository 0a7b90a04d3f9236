import { retrySchedule, tuning } from "../config";
import * as Counters from "../counters";
import * as Digest from "../digest";
import { errorFields, log } from "../log";
import { dispatch, routeFor } from "../notification/dispatch";
import * as Notification from "../notification/lifecycle";
import type { Channel, Info } from "../notification/model";
import { Message } from "../notification/status";
import * as Recipient from "../recipient/lookup";
import * as Telemetry from "../telemetry";
import { recordConflict, recordDeferral, recordOutcome, recordSkip } from "../telemetry";
import * as Gate from "../workflow/gate";
import * as Endpoint from "./endpoint";
import { PermanentDeliveryError } from "./errors";
import { suppressOn } from "./feedback";
import { holdEarly, waitUntilDue } from "./hold";
import type { Provider } from "./provider";
import { nextAttempt } from "./retry";
import { isSimulated, simulate } from "./simulate";

export interface QueueRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
}

export interface BatchResult {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * Deliver one SQS batch for a channel. Each record is claimed with a conditional write, so a
 * duplicate, stale or cancelled message stops before the provider is called. A transient
 * failure is not handed back to SQS: the next attempt is dispatched as a new message (or
 * schedule) at the time the retry schedule plans, and this one is deleted, so a planned wait
 * never counts as a receive toward the dead-letter queue. What is reported back to SQS is only
 * what could not be decided: a copy whose notification another worker holds, and bookkeeping
 * that failed. Records run concurrently, and what one endpoint does never holds another's.
 */
export async function deliverBatch(
  channel: Channel,
  provider: Provider,
  records: QueueRecord[],
): Promise<BatchResult> {
  // Early ones (a schedule's batch, fired ahead on purpose) go back to the queue together.
  const parsed = records.flatMap((record) => {
    const message = parse(record);
    return message ? [{ record, message }] : [];
  });
  const held = await holdEarly(channel, parsed);
  // The batch's hourly counts and CloudWatch metrics are written when it is done, once per
  // counter and one EMF line per dimension set, not once per notification.
  const outcomes = await Counters.batched(() =>
    Telemetry.batched(() =>
      Promise.all(
        held.now.map(async ({ record, message }) =>
          (await deliverOne(channel, provider, message, record)) ? undefined : record,
        ),
      ),
    ),
  );
  return {
    batchItemFailures: [...held.failed.map(({ record }) => record), ...outcomes]
      .filter((record) => record !== undefined)
      .map((record) => ({ itemIdentifier: record.messageId })),
  };
}

type Claimed = Extract<Notification.Claim, { kind: "claimed" }>;

/** True when the record is settled (SQS may delete it), false to have it delivered again. */
async function deliverOne(
  channel: Channel,
  provider: Provider,
  message: Message,
  record: QueueRecord,
): Promise<boolean> {
  const { tenant_id: tenantId, id, gen = 0 } = message;
  let claimedHere = false;
  try {
    // Due within a second (the batch's earlier ones went back to the queue): wait out the rest.
    await waitUntilDue(message);
    // Claimed, or for in-app only read: its delivery is one conditional write (`take`).
    const claimed = await Notification.take(
      channel,
      tenantId,
      id,
      new Date(),
      tuning().HERALD_LEASE_SECONDS,
      gen,
    );
    if (claimed.kind === "busy") {
      // Another worker is sending it. Keep this copy until that worker's lease has run out:
      // if it died, this copy finishes the job.
      log.info("deferred: another worker holds it", { id, messageId: record.messageId });
      return false;
    }
    if (claimed.kind === "done") {
      log.info(
        claimed.stale ? "skipped: a newer dispatch carries it" : "skipped: nothing to send",
        {
          id,
          status: claimed.status,
          gen,
        },
      );
      return true;
    }
    claimedHere = true;
    return await attempt(channel, provider, tenantId, claimed);
  } catch (error) {
    log.error("delivery bookkeeping failed", { id, ...errorFields(error) });
    return false;
  } finally {
    // This record's attempt is over: its `sending` publish, if still held back, is dropped, and
    // one under way finishes in this invocation. Only the record that claimed: a duplicate
    // copy that found the notification busy must not touch the attempt another record runs.
    if (claimedHere) await Notification.settle(id);
  }
}

async function attempt(
  channel: Channel,
  provider: Provider,
  tenantId: string,
  claimed: Claimed,
): Promise<boolean> {
  const { attempt } = claimed;
  const { id } = claimed.notification;
  // Who may write the outcome: this claim, or (in-app, not claimed) the outcome write itself.
  const owner = Notification.ownerOf(claimed);
  const conflict = (write: string) => conflicted(channel, claimed, write);
  // Preferences, budget, a settled workflow: not sent, and nothing failed. A digest's content
  // is composed here.
  const gated = await Gate.beforeSend(tenantId, claimed.notification, attempt);
  if ("skip" in gated) {
    const skipped = await Notification.skip(tenantId, id, owner, gated.skip);
    if (!skipped) return conflict("skip");
    log.info("skipped", { id, channel, reason: gated.skip });
    recordSkip(channel, gated.skip);
    return true;
  }
  const { notification } = gated;
  const simulated = isSimulated(notification);
  // A test notification calls no endpoint, so no circuit applies to it.
  const endpoint = simulated ? undefined : Endpoint.endpointOf(channel, tenantId, notification);
  if (endpoint) {
    const gate = await Endpoint.admit(endpoint);
    if (gate.kind === "disabled") {
      recordDeferral(channel, "disabled");
      const failed = await Notification.fail(tenantId, id, owner, gate.reason, new Date(), {
        exhausted: true,
      });
      if (!failed) conflict("fail");
      else log.warn("failed: endpoint disabled", { id, channel, attempt });
      return true;
    }
    if (gate.kind === "deferred") {
      recordDeferral(channel, "open");
      // Spread the deferred records, so the endpoint is not hit by all of them the moment its
      // circuit half-opens.
      const at = new Date(
        Math.max(gate.until.getTime(), Date.now()) + gate.spreadMs * Math.random(),
      );
      log.info("deferred: endpoint circuit", { id, channel, until: at.toISOString() });
      return redispatch(channel, tenantId, claimed, gate.reason, at, false);
    }
  }
  try {
    await checkConsent(tenantId, notification);
    const send = () => (simulated ? simulate : provider)({ notification, tenantId, attempt });
    const outcome = endpoint ? await Endpoint.call(endpoint, send) : await send();
    const completed = await Notification.complete(tenantId, notification, owner, outcome);
    if (!completed) {
      // Not claimed: this write was the delivery, and it did not happen (see `conflicted`).
      if (claimed.direct) return conflict("complete");
      // The provider has it, but the item moved on without us: say so, never "delivered".
      await Notification.acceptedAnyway(tenantId, id, attempt, outcome.providerMessageId);
      conflict("complete");
      return true;
    }
    // Success is on the item, in the Notifications metric and on the feed: a line per delivery
    // would be most of the log bytes a notification costs, so it is a debug line.
    log.debug("delivered", { id, channel, status: outcome.status, attempt });
    recordOutcome(channel, outcome.status, Date.now() - Date.parse(notification.scheduled_at));
    // Test keys: what the provider would report next, through the same status machine.
    for (const event of outcome.simulated ?? []) {
      const observed = await Notification.observe(tenantId, id, event);
      if (observed.kind === "moved" || observed.kind === "late") {
        await suppressOn(tenantId, observed.notification, event);
      }
    }
    return true;
  } catch (error) {
    // Not claimed, nothing written: the message is handed back to SQS, to be taken again.
    if (claimed.direct && !(error instanceof PermanentDeliveryError)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof PermanentDeliveryError && error.name === "PushSubscriptionGoneError") {
      const { recipient } = notification;
      const dropped =
        recipient.id && recipient.push_subscription
          ? await Recipient.dropPushSubscription(
              tenantId,
              recipient.id,
              recipient.push_subscription.endpoint,
            )
          : false;
      const failed = await Notification.fail(tenantId, id, owner, reason, new Date(), {
        reason: "subscription_gone",
      });
      if (!failed) return conflict("fail");
      log.warn("failed: push subscription gone", { id, attempt, dropped });
      recordOutcome(channel, "failed");
      return true;
    }
    if (error instanceof PermanentDeliveryError) {
      const failed = await Notification.fail(tenantId, id, owner, reason);
      if (!failed) return conflict("fail");
      log.warn("failed permanently", { id, channel, attempt, reason });
      recordOutcome(channel, "failed");
      return true;
    }
    const plan = nextAttempt(
      retrySchedule(channel),
      attempt - claimed.roundStart,
      new Date(),
      tuning().HERALD_RETRY_JITTER,
    );
    if (plan.kind === "exhausted") {
      const failed = await Notification.fail(tenantId, id, owner, reason, new Date(), {
        exhausted: true,
      });
      if (!failed) return conflict("fail");
      log.warn("failed: retry schedule spent", { id, channel, attempt, reason });
      recordOutcome(channel, "failed");
      return true;
    }
    log.warn("failed transiently; will retry", {
      id,
      channel,
      attempt,
      reason,
      next: plan.at.toISOString(),
    });
    recordOutcome(channel, "retried");
    return redispatch(channel, tenantId, claimed, reason, plan.at, true);
  }
}

/**
 * Dispatch the next attempt as a new message (or schedule) of the next generation at `at`,
 * then hand the notification back (`queued`, with the planned time). The dispatch comes first,
 * so a notification is never left waiting for a message nobody sent; should it fail, the
 * notification is released in its current generation and this record is handed back to SQS.
 */
async function redispatch(
  channel: Channel,
  tenantId: string,
  { notification, attempt, gen }: Claimed,
  error: string,
  at: Date,
  counted: boolean,
): Promise<boolean> {
  const { id } = notification;
  const now = new Date();
  const next = gen + 1;
  const route = routeFor(at, now);
  // One schedule per attempt: names must be unique while the last one may not be deleted yet.
  const scheduleName = route === "schedule" ? `${id}.${next}` : undefined;
  try {
    await dispatch({ tenantId, id, channel, sendAt: at, now, gen: next, scheduleName });
  } catch (dispatchError) {
    log.error("could not dispatch the next attempt", { id, ...errorFields(dispatchError) });
    const released = await Notification.release(tenantId, id, attempt, error);
    if (!released) conflict(channel, id, attempt, "release");
    return false;
  }
  const rescheduled = await Notification.reschedule(tenantId, id, attempt, {
    error,
    at,
    gen: next,
    route,
    scheduleName,
    counted,
  });
  if (!rescheduled) return conflict(channel, id, attempt, "reschedule");
  return true;
}

/**
 * A completion's conditional write found the item changed: another writer acted on it after
 * this worker's lease ran out. Reported (log line and metric), never counted as an outcome.
 * The record is settled either way: whoever changed the item owns it now. For a message `take`
 * did not claim, it is the ordinary race its write settles (a cancel, a force or a duplicate
 * copy landed between the read and the write): nothing was delivered, and nothing is wrong.
 */
function conflicted(channel: string, claimed: Claimed, write: string): true {
  const { attempt } = claimed;
  const { id } = claimed.notification;
  if (claimed.direct) {
    log.info("skipped: the notification changed before its outcome was written", {
      id,
      channel,
      write,
    });
    return true;
  }
  return conflict(channel, id, attempt, write);
}

function conflict(channel: string, id: string, attempt: number, write: string): true {
  log.error("completion conflict: the notification changed while it was being sent", {
    id,
    channel,
    attempt,
    write,
  });
  recordConflict(channel, write);
  return true;
}

/** A recipient who opted out of the channel since the notification was accepted gets nothing. */
async function checkConsent(tenantId: string, notification: Info) {
  if (!notification.recipient.id) return;
  const profile = await Recipient.find(tenantId, notification.recipient.id);
  if (profile?.opt_out?.includes(notification.channel)) {
    throw new PermanentDeliveryError(`recipient opted out of ${notification.channel}`);
  }
}

function parse(record: QueueRecord): Message | undefined {
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
  const parsed = Message.safeParse(body);
  if (parsed.success) return parsed.data;
  log.error("dropped: message body is not a Herald message", { messageId: record.messageId });
  return undefined;
}

/**
 * Dead-letter queue: a message SQS gave up on (a poison message, or workers that kept crashing
 * on it). Its notification is marked `failed`, unless a worker holds a live lease on it (the
 * message is handed back, to be judged again once the lease has run out) or the message is
 * stale (a newer dispatch carries the notification). A digest failed so, before it was composed,
 * releases its held members to be sent alone (digest/, `releaseFailed`).
 */
export async function exhaustBatch(records: QueueRecord[]): Promise<BatchResult> {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of records) {
    const message = parse(record);
    if (!message) continue;
    try {
      const result = await Notification.exhaust(message.tenant_id, message.id, message.gen ?? 0);
      if (result.kind === "busy") {
        log.info("dead letter held: a worker holds a live lease", { id: message.id });
        failures.push({ itemIdentifier: record.messageId });
      } else {
        log.warn("dead-lettered", { id: message.id, marked: result.kind === "marked" });
        // A digest failed before it was composed: its held members are sent alone. Also when
        // it was failed already (a redelivery of this message after a crash here).
        const digest = result.kind === "marked" ? result.notification.digest : undefined;
        if (digest || (result.kind === "ignored" && result.status === "failed")) {
          await Digest.releaseFailed(message.tenant_id, message.id);
        }
      }
    } catch (error) {
      log.error("dead-letter bookkeeping failed", { id: message.id, ...errorFields(error) });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}
