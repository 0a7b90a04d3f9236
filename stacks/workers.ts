import {
  callbacks,
  counter,
  deadLetter,
  fanout,
  workers as handlers,
  queueSettings,
} from "../functions/manifest";
import { api } from "./api";
import { email } from "./email";
import { lambda, pascal } from "./lambda";
import {
  type Channel,
  type ChannelQueues,
  callbackQueues,
  channels,
  fanoutQueues,
  queues,
  queuesLink,
} from "./queues";
import { events } from "./realtime";
import { scheduler } from "./scheduler";
import { upstash, vapid, webhooks } from "./secrets";
import { sms } from "./sms";
import { data, table } from "./storage";

/**
 * One worker per channel queue and one dead-letter handler for every channel's DLQ. Each reports
 * partial batch failures, so one bad record never sends its batch-mates again.
 */

const batch = {
  size: queueSettings.batchSize,
  window: `${queueSettings.batchingWindowSeconds} seconds` as const,
  partialResponses: true,
};

/** What each channel's provider needs besides the table, the queues and Redis. */
const providerLinks: Record<Channel, unknown[]> = {
  email: [email],
  push: [vapid],
  sms: [sms],
  webhook: [],
  in_app: [],
};

export const workers = Object.fromEntries(
  channels.map((channel) => [
    channel,
    queueWorker(`${pascal(channel)}Worker`, queues[channel], {
      handler: handlers[channel],
      description: `Delivers the ${channel} channel queue`,
      // The scheduler link: a retry due in more than 15 minutes is a one-time schedule.
      // Webhooks: keys derived from its signing key sign the webhook channel's requests, the
      // email unsubscribe link's token and the cursors of the listing a digest pages through.
      link: [table, queuesLink, scheduler, upstash, events, webhooks, ...providerLinks[channel]],
      environment: {
        ...lambda.environment,
        // A worker owns a claimed notification for twice its timeout, as in the local cloud.
        HERALD_LEASE_SECONDS: String(queueSettings.workerTimeoutSeconds * 2),
        // Email carries a one-click unsubscribe link to the API (RFC 8058).
        ...(channel === "email" ? { HERALD_API_URL: api.url } : {}),
      },
    }),
  ]),
) as Record<Channel, sst.aws.Function>;

/** Marks notifications whose message exhausted its receives as failed, for every channel. */
export const deadLetterHandler = new sst.aws.Function("DeadLetter", {
  ...lambda,
  handler: deadLetter,
  description: "Marks notifications failed once their message reaches a dead-letter queue",
  timeout: `${queueSettings.workerTimeoutSeconds} seconds`,
  // Queues: a status change enqueues its callbacks (the callback queue), and a digest failed
  // before it was composed sends its held members alone (their channel's queue; the scheduler
  // link with dispatch; webhooks: the signing key of the listing that finds the members).
  link: [table, queuesLink, scheduler, upstash, events, webhooks],
  permissions: [consumes(channels.map((channel) => queues[channel].dlq.arn))],
});

for (const channel of channels) {
  queues[channel].dlq.subscribe(deadLetterHandler.arn, { batch });
}

/** What the event source mapping of a function does with the queues it consumes. */
function consumes(resources: ChannelQueues["queue"]["arn"][]) {
  return {
    actions: [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ],
    resources,
  };
}

/**
 * The worker of a queue (a channel's, the callbacks', the fan-out's), which it alone consumes:
 * partial batch responses, the shared batch settings and a concurrency cap.
 */
function queueWorker(
  name: string,
  queues: ChannelQueues,
  args: {
    handler: string;
    description: string;
    link: unknown[];
    environment?: Record<string, $util.Input<string>>;
  },
) {
  const worker = new sst.aws.Function(name, {
    ...lambda,
    ...args,
    timeout: `${queueSettings.workerTimeoutSeconds} seconds`,
    permissions: [consumes([queues.queue.arn])],
  });
  queues.queue.subscribe(worker.arn, {
    batch,
    transform: {
      eventSourceMapping: (mapping) => {
        mapping.scalingConfig = { maximumConcurrency: queueSettings.maximumConcurrency };
      },
    },
  });
  return worker;
}

/** POSTs signed status callbacks; re-enqueues (delays) failed ones on the retry schedule. */
export const callbackWorker = queueWorker("CallbackWorker", callbackQueues, {
  handler: callbacks.worker,
  description: "Delivers status callbacks from the callback queue",
  link: [table, queuesLink],
});

/**
 * Fans topic sends out to their subscribers: plans, stores and enqueues (or schedules) one
 * notification per subscriber, a page at a time, checkpointing each page.
 */
export const fanoutWorker = queueWorker("FanoutWorker", fanoutQueues, {
  handler: fanout.worker,
  description: "Fans topic sends out to their subscribers",
  // Scheduler: a subscriber's send due in more than 15 minutes is a one-time schedule. Upstash
  // and Events: a held send whose digest is already sending is released, and that publishes.
  link: [table, queuesLink, scheduler, upstash, events],
});

/**
 * Counts accepted notifications from the table's stream: only INSERTs of notification items
 * reach it (the manifest's filter), gathered into batches of up to `batchSize` for up to
 * `batchingWindowSeconds`. The Table link grants its counter writes; SST's subscription grants
 * the stream reads.
 */
export const counterSubscriber = data.subscribe(
  "Counter",
  {
    ...lambda,
    handler: counter.handler,
    description: "Counts accepted notifications from the table's stream",
    timeout: `${counter.timeoutSeconds} seconds`,
    link: [table],
  },
  {
    filters: counter.filters,
    transform: {
      eventSourceMapping: (mapping) => {
        mapping.batchSize = counter.batchSize;
        mapping.maximumBatchingWindowInSeconds = counter.batchingWindowSeconds;
        mapping.maximumRetryAttempts = counter.maximumRetryAttempts;
      },
    },
  },
);

/** Every function of this stack, by logical name (for alarms). */
export const functions: Record<string, { name: $util.Input<string> }> = {
  ...Object.fromEntries(channels.map((channel) => [`${pascal(channel)}Worker`, workers[channel]])),
  DeadLetter: deadLetterHandler,
  CallbackWorker: callbackWorker,
  FanoutWorker: fanoutWorker,
  Counter: { name: counterSubscriber.apply((subscriber) => subscriber.nodes.function.name) },
};
