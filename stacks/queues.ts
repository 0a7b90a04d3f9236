import { callbacks, fanout, queueSettings, workers } from "../functions/manifest";
import { pascal } from "./lambda";

/**
 * One SQS queue per channel with its own dead-letter queue, mirroring the local cloud: the
 * redrive policy and visibility timeout come from `functions/manifest.ts`.
 */

export type Channel = keyof typeof workers;
export const channels = Object.keys(workers) as Channel[];

const FOURTEEN_DAYS = 14 * 24 * 60 * 60;

export interface ChannelQueues {
  queue: sst.aws.Queue;
  dlq: sst.aws.Queue;
}

/** A queue and its own dead-letter queue, which keeps what lands there 14 days. */
function queueWithDlq(name: string): ChannelQueues {
  const dlq = new sst.aws.Queue(`${name}Dlq`, {
    // At least the dead-letter handler's timeout, as for any queue Lambda consumes.
    visibilityTimeout: `${queueSettings.visibilityTimeoutSeconds} seconds`,
    transform: {
      queue: (args) => {
        args.messageRetentionSeconds = FOURTEEN_DAYS;
      },
    },
  });
  const queue = new sst.aws.Queue(`${name}Queue`, {
    visibilityTimeout: `${queueSettings.visibilityTimeoutSeconds} seconds`,
    dlq: { queue: dlq.arn, retry: queueSettings.maxReceiveCount },
  });
  return { queue, dlq };
}

export const queues = Object.fromEntries(
  channels.map((channel) => [channel, queueWithDlq(pascal(channel))]),
) as Record<Channel, ChannelQueues>;

/**
 * The status callbacks' queue (no notification rides on it). Like the fan-out's below, not a
 * channel: its dead-letter queue has no consumer, so a message lands there only when the worker
 * kept crashing on it (its depth is alarmed).
 */
export const callbackQueues = queueWithDlq("Callback");

/** The topic fan-out queue: a fan-out redriven from its DLQ resumes from its checkpoint. */
export const fanoutQueues = queueWithDlq("Fanout");

/**
 * `Resource.Queues`: `{ [channel]: { url, arn, dlq } }`. The built-in queue link has no `arn` and
 * grants `sqs:*`; the API only sends to these queues (workers' receive/delete/visibility rights
 * come with their event-source subscription). `dlq` is the channel's dead-letter queue, which
 * one-time schedules name as theirs: what Scheduler cannot hand to the queue lands there.
 */
export const queuesLink = new sst.Linkable("Queues", {
  properties: {
    ...Object.fromEntries(
      channels.map((channel) => [
        channel,
        {
          url: queues[channel].queue.url,
          arn: queues[channel].queue.arn,
          dlq: queues[channel].dlq.arn,
        },
      ]),
    ),
    [callbacks.queue]: {
      url: callbackQueues.queue.url,
      arn: callbackQueues.queue.arn,
      dlq: callbackQueues.dlq.arn,
    },
    [fanout.queue]: {
      url: fanoutQueues.queue.url,
      arn: fanoutQueues.queue.arn,
      dlq: fanoutQueues.dlq.arn,
    },
  },
  include: [
    sst.aws.permission({
      actions: ["sqs:SendMessage"],
      resources: [
        ...channels.map((channel) => queues[channel].queue.arn),
        callbackQueues.queue.arn,
        fanoutQueues.queue.arn,
      ],
    }),
  ],
});
