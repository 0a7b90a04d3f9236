import { feedback as feedbackHandler } from "../functions/manifest";
import { configurationSet } from "./email";
import { lambda } from "./lambda";
import { queuesLink } from "./queues";
import { events } from "./realtime";
import { scheduler } from "./scheduler";
import { upstash } from "./secrets";
import { table } from "./storage";

/**
 * Provider feedback: SES publishes delivery, bounce, complaint and delay events of Herald's
 * configuration set to this topic, and End User Messaging SMS its delivery receipts (an event
 * destination on the SMS configuration set, which is a setting: point it at the `feedbackTopic`
 * output with `aws pinpoint-sms-voice-v2 create-event-destination ... --sns-destination`). One
 * function turns each into a status change; it reads and writes the table and publishes to the
 * real-time feed, nothing else.
 */

const account = aws.getCallerIdentityOutput({}).accountId;

export const topic = new sst.aws.SnsTopic("FeedbackTopic");

new aws.sns.TopicPolicy("FeedbackPublishers", {
  arn: topic.arn,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: ["ses.amazonaws.com", "sms-voice.amazonaws.com"] },
        Action: "sns:Publish",
        Resource: topic.arn,
        Condition: { StringEquals: { "aws:SourceAccount": account } },
      },
    ],
  }),
});

new aws.sesv2.ConfigurationSetEventDestination("EmailFeedback", {
  configurationSetName: configurationSet.configurationSetName,
  eventDestinationName: "herald-feedback",
  eventDestination: {
    enabled: true,
    matchingEventTypes: ["DELIVERY", "BOUNCE", "COMPLAINT", "DELIVERY_DELAY"],
    snsDestination: { topicArn: topic.arn },
  },
});

export const feedbackFunction = new sst.aws.Function("FeedbackHandler", {
  ...lambda,
  handler: feedbackHandler,
  description: "Moves email and SMS statuses on provider feedback (delivered, bounced, ...)",
  timeout: "30 seconds",
  // Events: each status change it makes is published on the WebSocket feed;
  // Queues: and enqueues the tenant's status callbacks. Scheduler: a delivered workflow step
  // stops the later steps, deleting their schedules.
  link: [table, queuesLink, upstash, events, scheduler],
});

topic.subscribe("FeedbackSubscriber", feedbackFunction.arn);

/** For alarms. */
export const functions: Record<string, sst.aws.Function> = { FeedbackHandler: feedbackFunction };
