import { createHmac } from "node:crypto";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { sqs } from "../aws/sqs";
import { queueFor, retrySchedule, tuning } from "../config";
import { resolveDestination } from "../delivery/destination";
import { PermanentDeliveryError, TransientDeliveryError } from "../delivery/errors";
import { nextAttempt, spanSeconds } from "../delivery/retry";
import { post, USER_AGENT } from "../delivery/webhook";
import { ulid } from "../id";
import { errorFields, log } from "../log";
import type { Info } from "../notification/model";
import { endpointsOf } from "./endpoints";
import * as Store from "./store";
import { SECRET_PREFIX } from "./store";

/**
 * Delivering status callbacks. The status write only enqueues (`announce`: one SQS message per
 * matching endpoint on the callback queue, sent alongside the real-time publish); the callback
 * worker (`deliverBatch`) POSTs. A failed POST is tried again on the deliveries' retry schedule
 * (`HERALD_RETRY_SCHEDULE`, or `HERALD_RETRY_SCHEDULE_CALLBACK`) as SQS delays of at most 15
 * minutes, re-delayed until due; an endpoint whose call spent the whole schedule, with no
 * success since it began failing, is disabled.
 */

/** The queue's name in the `Queues` link. */
export const QUEUE = "callback";
/** SQS holds a message back at most this long. */
const MAX_DELAY_SECONDS = 900;

// --- Signatures --------------------------------------------------------------------------------

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` keyed with the secret's decoded key. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

/** The secrets that sign now: the current one, and the previous one during its overlap. */
function signingSecrets(item: Store.Item, now: Date): string[] {
  const overlap =
    item.previous_secret && item.previous_until && new Date(item.previous_until) > now;
  return overlap ? [item.secret, item.previous_secret as string] : [item.secret];
}

// --- Enqueueing (on the status write path) -----------------------------------------------------

/** One callback message: what the worker POSTs, and where its retries stand. */
interface Message {
  tenant: string;
  callback: string;
  /** `webhook-id`: the same across retries, so receivers dedupe on it. */
  id: string;
  body: string;
  /** Attempt number within the retry round (1, 2, ...). */
  step: number;
  /** Not to be sent before (ISO); absent for the first attempt. */
  due?: string;
}

/**
 * After a status write: one message per endpoint of the tenant that asked for this status. The
 * body is built once (without the notification's content), so every retry sends the same bytes.
 */
export async function announce(tenantId: string, notification: Info): Promise<void> {
  const endpoints = (await endpointsOf(tenantId)).filter(
    (item) => !item.disabled_at && item.events.includes(notification.status),
  );
  if (endpoints.length === 0) return;
  const { content: _content, ...data } = notification;
  const body = JSON.stringify({
    type: `notification.${notification.status}`,
    timestamp: notification.updated_at,
    data,
  });
  await Promise.all(
    endpoints.map((item) =>
      enqueue({ tenant: tenantId, callback: item.id, id: `msg_${ulid()}`, body, step: 1 }, 0),
    ),
  );
}

async function enqueue(message: Message, delaySeconds: number): Promise<void> {
  await sqs().send(
    new SendMessageCommand({
      QueueUrl: queueFor(QUEUE).url,
      MessageBody: JSON.stringify(message),
      DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds))),
    }),
  );
}

// --- Delivering (the callback worker) ----------------------------------------------------------

/**
 * The callback queue's consumer. A record whose work failed unexpectedly is reported back for
 * SQS to hand out again; failed POSTs are not failures of the record: they are re-enqueued.
 */
export async function deliverBatch(records: SQSRecord[]) {
  const failures: { itemIdentifier: string }[] = [];
  await Promise.all(
    records.map(async (record) => {
      try {
        await deliver(JSON.parse(record.body) as Message);
      } catch (error) {
        log.error("callback record failed", { messageId: record.messageId, ...errorFields(error) });
        failures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
}

export async function deliver(message: Message, now = new Date()): Promise<void> {
  if (message.due && new Date(message.due) > now) {
    // Further out than SQS can delay: hold it again.
    await enqueue(message, (new Date(message.due).getTime() - now.getTime()) / 1000);
    return;
  }
  const item = await Store.find(message.tenant, message.callback);
  if (!item || item.disabled_at) return;
  try {
    const destination = await resolveDestination(item.url, "callback");
    const timestamp = Math.floor(now.getTime() / 1000);
    const signature = signingSecrets(item, now)
      .map((secret) => sign(secret, message.id, timestamp, message.body))
      .join(" ");
    const status = await post(
      destination,
      message.body,
      {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signature,
      },
      "callback",
    );
    if (status >= 200 && status < 300) {
      if (item.failing_since) {
        await Store.update(message.tenant, item.id, {}, ["failing_since", "last_error"]);
      }
      return;
    }
    const error = `callback: ${destination.url.host} answered ${status}`;
    // Standard Webhooks: any answer but 2xx is a failed attempt, to be retried.
    throw new TransientDeliveryError(error);
  } catch (error) {
    if (!(error instanceof TransientDeliveryError || error instanceof PermanentDeliveryError)) {
      throw error;
    }
    await failed(message, item, error, now);
  }
}

async function failed(message: Message, item: Store.Item, error: Error, now: Date) {
  const failingSince = item.failing_since ?? now.toISOString();
  const plan =
    error instanceof PermanentDeliveryError
      ? ({ kind: "exhausted" } as const)
      : nextAttempt(retrySchedule(QUEUE), message.step, now, tuning().HERALD_RETRY_JITTER);
  // Sustained failure: this call spent the whole schedule, and no call succeeded since it began
  // (a success clears failing_since, so it would be younger than the schedule's span).
  const span = spanSeconds(retrySchedule(QUEUE)) * 1000;
  const disable =
    plan.kind === "exhausted" &&
    error instanceof TransientDeliveryError &&
    now.getTime() - new Date(failingSince).getTime() >= span;
  await Store.update(message.tenant, item.id, {
    failing_since: failingSince,
    last_error: error.message,
    ...(disable ? { disabled_at: now.toISOString() } : {}),
  });
  log.warn("callback attempt failed", {
    callback: item.id,
    step: message.step,
    plan: plan.kind,
    disabled: disable,
    ...errorFields(error),
  });
  if (plan.kind === "retry") {
    await enqueue({ ...message, step: plan.step, due: plan.at.toISOString() }, plan.delaySeconds);
  }
}
