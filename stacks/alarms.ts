import { pascal } from "./lambda";
import type { ChannelQueues } from "./queues";
import { settings } from "./settings";

/**
 * Alarms go to one SNS topic (emailed to HERALD_ALARM_EMAIL when set): any message that reaches
 * a dead-letter queue, any scheduled send EventBridge Scheduler could not hand to its queue, and
 * any error of any Herald function.
 */

export const topic = new sst.aws.SnsTopic("Alarms");
if (settings.alarms.email) {
  new aws.sns.TopicSubscription("AlarmsEmail", {
    topic: topic.arn,
    protocol: "email",
    endpoint: settings.alarms.email,
  });
}

const common = {
  comparisonOperator: "GreaterThanThreshold",
  threshold: 0,
  evaluationPeriods: 1,
  period: 60,
  statistic: "Maximum",
  treatMissingData: "notBreaching",
  alarmActions: [topic.arn],
  okActions: [topic.arn],
};

/**
 * A message in a dead-letter queue is a notification Herald gave up on. The dead-letter handler
 * drains each DLQ within seconds, so its depth (`ApproximateNumberOfMessagesVisible`) is almost
 * always 0 when CloudWatch samples it; what the handler cannot hide is that it received
 * something (`NumberOfMessagesReceived`, counted per minute).
 */
export function alarmDeadLetters(queues: Record<string, ChannelQueues>) {
  for (const [channel, { dlq }] of Object.entries(queues)) deadLetterAlarm(pascal(channel), dlq);
}

/**
 * A dead-letter queue nothing consumes (the status callbacks'): whatever lands there stays, so
 * its depth is what to watch.
 */
export function alarmDeadLetterDepth(name: string, dlq: sst.aws.Queue) {
  return new aws.cloudwatch.MetricAlarm(`${name}DlqDepthAlarm`, {
    ...common,
    alarmDescription: $interpolate`Messages wait in the dead-letter queue ${dlq.nodes.queue.name}`,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    statistic: "Maximum",
    dimensions: { QueueName: dlq.nodes.queue.name },
  });
}

/** Any invocation error (an uncaught exception or a timeout) of these functions, by name. */
export function alarmErrors(functions: Record<string, { name: $util.Input<string> }>) {
  for (const [name, fn] of Object.entries(functions)) errorAlarm(name, fn);
}

function deadLetterAlarm(name: string, queue: sst.aws.Queue) {
  return new aws.cloudwatch.MetricAlarm(`${name}DlqDepthAlarm`, {
    ...common,
    alarmDescription: $interpolate`Messages reached the dead-letter queue ${queue.nodes.queue.name}`,
    namespace: "AWS/SQS",
    metricName: "NumberOfMessagesReceived",
    statistic: "Sum",
    dimensions: { QueueName: queue.nodes.queue.name },
  });
}

/**
 * EventBridge Scheduler retries a target it cannot reach, then hands the event to the schedule's
 * dead-letter queue (the channel DLQ, whose handler marks the notification failed). Either step
 * means a scheduled send did not reach its queue on time; a drop or a failed hand-over to the
 * DLQ means it would have been lost.
 */
export function alarmScheduler(group: aws.scheduler.ScheduleGroup) {
  return [
    "TargetErrorCount",
    "InvocationsSentToDeadLetterCount",
    "InvocationsFailedToBeSentToDeadLetterCount",
    "InvocationDroppedCount",
  ].map(
    (metricName) =>
      new aws.cloudwatch.MetricAlarm(`Scheduler${metricName}Alarm`, {
        ...common,
        alarmDescription: $interpolate`Scheduler group ${group.name}: ${metricName}`,
        namespace: "AWS/Scheduler",
        metricName,
        statistic: "Sum",
        dimensions: { ScheduleGroup: group.name },
      }),
  );
}

function errorAlarm(name: string, fn: { name: $util.Input<string> }) {
  return new aws.cloudwatch.MetricAlarm(`${name}ErrorsAlarm`, {
    ...common,
    alarmDescription: $interpolate`${fn.name} failed`,
    namespace: "AWS/Lambda",
    metricName: "Errors",
    statistic: "Sum",
    period: 300,
    dimensions: { FunctionName: fn.name },
  });
}
