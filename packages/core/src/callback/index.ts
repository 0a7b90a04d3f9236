import { createHmac, randomBytes } from "node:crypto";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { z } from "zod";
import { sqs } from "../aws/clients";
import { queueFor, retrySchedule, tuning } from "../config";
import { resolveDestination } from "../delivery/destination";
import { PermanentDeliveryError, TransientDeliveryError } from "../delivery/errors";
import { nextAttempt, spanSeconds } from "../delivery/retry";
import { post, USER_AGENT } from "../delivery/webhook";
import { NotFoundError, ValidationError } from "../error";
import { fn } from "../fn";
import { ulid } from "../id";
import { errorFields, log } from "../log";
import { DestinationUrl, type Info, Status } from "../notification/model";
import * as Store from "./store";

/**
 * Status callbacks: a tenant registers endpoints and the statuses it wants; every status change
 * of its notifications is POSTed to each matching endpoint, signed in the Standard Webhooks
 * format (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the
 * base64-decoded part of a `whsec_` secret.
 *
 * The status write only enqueues (`announce`, one SQS message per matching endpoint on the
 * callback queue); the callback worker (`deliverBatch`) POSTs. A failed POST is tried again on
 * the deliveries' retry schedule (SQS delays of at most 15 minutes, re-delayed until due); an
 * endpoint whose message spent the whole schedule without any success in between is disabled.
 */

/** The queue's name in the `Queues` link. */
export const QUEUE = "callback";
const MAX_ENDPOINTS = 10;
const SECRET_PREFIX = "whsec_";
/** SQS holds a message back at most this long. */
const MAX_DELAY_SECONDS = 900;

const CallbackId = z.string().regex(/^cb_[0-9A-Z]{26}$/, "not a callback id");
const TenantId = z.string().min(1);
const Events = z
  .array(Status)
  .min(1)
  .max(Status.options.length)
  .transform((events) => [...new Set(events)])
  .describe("The statuses to be called about");

export const CreateInput = z.object({
  url: DestinationUrl,
  events: Events,
});

export type CreateInputType = z.input<typeof CreateInput>;

export const RotateInput = z
  .object({
    overlap_seconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(86_400)
      .describe("How long the old secret keeps signing besides the new one (default a day)"),
  })
  .default({ overlap_seconds: 86_400 });

export type RotateInputType = z.input<typeof RotateInput>;

export const Callback = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(Status),
  created_at: z.string(),
  failing_since: z
    .string()
    .optional()
    .describe("When the current run of failed attempts began (cleared by a success)"),
  last_error: z.string().optional(),
  disabled_at: z
    .string()
    .optional()
    .describe("Set when a call failed through the whole retry schedule; nothing is sent since"),
  previous_secret_until: z
    .string()
    .optional()
    .describe("Until then the secret before the last rotation signs too"),
});
export type Callback = z.infer<typeof Callback>;

export const CallbackWithSecret = Callback.extend({
  secret: z.string().describe("whsec_ + base64 key: verify the webhook-signature header with it"),
});

export const CallbackList = z.object({ items: z.array(Callback) });

function info(item: Store.Item, now = new Date()): Callback {
  const overlap = item.previous_until && new Date(item.previous_until) > now;
  return {
    id: item.id,
    url: item.url,
    events: item.events as Callback["events"],
    created_at: item.created_at,
    ...(item.failing_since ? { failing_since: item.failing_since } : {}),
    ...(item.last_error ? { last_error: item.last_error } : {}),
    ...(item.disabled_at ? { disabled_at: item.disabled_at } : {}),
    ...(overlap ? { previous_secret_until: item.previous_until } : {}),
  };
}

const newSecret = () => SECRET_PREFIX + randomBytes(24).toString("base64");

// --- Registration ------------------------------------------------------------------------------

export const create = fn(
  z.object({ tenantId: TenantId, input: CreateInput }),
  async ({ tenantId, input }) => {
    const existing = await Store.all(tenantId);
    if (existing.length >= MAX_ENDPOINTS) {
      throw new ValidationError(
        "too_many_callbacks",
        `A tenant may register at most ${MAX_ENDPOINTS} callback endpoints`,
      );
    }
    const item: Store.Item = {
      id: `cb_${ulid()}`,
      url: input.url,
      events: input.events,
      secret: newSecret(),
      created_at: new Date().toISOString(),
    };
    await Store.put(tenantId, item);
    return { ...info(item), secret: item.secret };
  },
);

export const list = fn(z.object({ tenantId: TenantId }), async ({ tenantId }) => ({
  items: (await Store.all(tenantId)).map((item) => info(item)),
}));

export const get = fn(
  z.object({ tenantId: TenantId, id: CallbackId }),
  async ({ tenantId, id }) => {
    const item = await Store.find(tenantId, id);
    if (!item) throw new NotFoundError("callback", id);
    return info(item);
  },
);

export const remove = fn(
  z.object({ tenantId: TenantId, id: CallbackId }),
  async ({ tenantId, id }) => {
    if (!(await Store.remove(tenantId, id))) throw new NotFoundError("callback", id);
  },
);

/**
 * A new secret signs from now on; the current one keeps signing too (a second `v1,` entry in
 * the header) for `overlap_seconds`, so receivers can switch without dropping calls.
 */
export const rotate = fn(
  z.object({ tenantId: TenantId, id: CallbackId, input: RotateInput }),
  async ({ tenantId, id, input }) => {
    const item = await Store.find(tenantId, id);
    if (!item) throw new NotFoundError("callback", id);
    const secret = newSecret();
    const until = new Date(Date.now() + input.overlap_seconds * 1000).toISOString();
    const updated = await Store.update(tenantId, id, {
      secret,
      previous_secret: item.secret,
      previous_until: until,
    });
    if (!updated) throw new NotFoundError("callback", id);
    return { ...info(updated), secret };
  },
);

/** Turns a disabled endpoint back on (its failure record cleared). */
export const enable = fn(
  z.object({ tenantId: TenantId, id: CallbackId }),
  async ({ tenantId, id }) => {
    const updated = await Store.update(tenantId, id, {}, [
      "disabled_at",
      "failing_since",
      "last_error",
    ]);
    if (!updated) throw new NotFoundError("callback", id);
    return info(updated);
  },
);

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
  const endpoints = (await Store.all(tenantId)).filter(
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
    const status = await post(destination, message.body, {
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      "webhook-id": message.id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signature,
    });
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
