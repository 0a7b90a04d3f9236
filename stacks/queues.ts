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

export const queues = Object.fromEntries(
  channels.map((channel) => {
    const name = pascal(channel);
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
    return [channel, { queue, dlq }];
  }),
) as Record<Channel, ChannelQueues>;

/**
 * A queue that is not a channel, with a dead-letter queue nothing consumes: a message lands
 * there only when its worker kept crashing on it, and stays 14 days (its depth is alarmed).
 */
function ownQueue(name: string): ChannelQueues {
  const dlq = new sst.aws.Queue(`${name}Dlq`, {
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

/** The status callbacks' queue (no notification rides on it). */
export const callbackQueues = ownQueue("Callback");

/** The topic fan-out queue: a fan-out redriven from its DLQ resumes from its checkpoint. */
export const fanoutQueues = ownQueue("Fanout");

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
