import { channels, queues } from "./queues";

/**
 * EventBridge Scheduler holds sends due more than 15 minutes out: a one-time schedule per
 * notification, in Herald's own group, whose target is the channel queue itself. Scheduler
 * delivers with `role`, which may do exactly one thing: send to the channel queues (and, for a
 * send it could not deliver after its retries, to the channel's dead-letter queue).
 */

const account = aws.getCallerIdentityOutput({}).accountId;

export const group = new aws.scheduler.ScheduleGroup("SchedulerGroup", {
  name: `${$app.name}-${$app.stage}-schedules`,
});

export const role = new aws.iam.Role("SchedulerRole", {
  description: "EventBridge Scheduler delivers Herald's scheduled sends to the channel queues",
  assumeRolePolicy: aws.iam.getPolicyDocumentOutput({
    statements: [
      {
        effect: "Allow",
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: ["scheduler.amazonaws.com"] }],
        // Only Scheduler acting for this account may use the role (confused deputy).
        conditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account] }],
      },
    ],
  }).json,
  inlinePolicies: [
    {
      name: "send-to-channel-queues",
      policy: aws.iam.getPolicyDocumentOutput({
        statements: [
          {
            effect: "Allow",
            actions: ["sqs:SendMessage"],
            // The channel queues, and their dead-letter queues for what it cannot deliver.
            resources: channels.flatMap((channel) => [
              queues[channel].queue.arn,
              queues[channel].dlq.arn,
            ]),
          },
        ],
      }).json,
    },
  ],
});

/** `arn:…:schedule-group/NAME` → `arn:…:schedule/NAME/*`: every schedule in the group. */
function schedulesArn(groupArn: $util.Input<string>) {
  return $util
    .output(groupArn)
    .apply((arn) => `${arn.replace(":schedule-group/", ":schedule/")}/*`);
}

/**
 * `Resource.Scheduler`: `{ group, roleArn }`. Schedule names are notification ids chosen at run
 * time, so the grant names the group's schedules (`schedule/GROUP/*`), not single schedules.
 */
export const scheduler = new sst.Linkable("Scheduler", {
  properties: { group: group.name, roleArn: role.arn },
  include: [
    sst.aws.permission({
      actions: ["scheduler:CreateSchedule", "scheduler:DeleteSchedule"],
      resources: [schedulesArn(group.arn)],
    }),
    sst.aws.permission({
      actions: ["iam:PassRole"],
      resources: [role.arn],
      conditions: [
        {
          test: "StringEquals",
          variable: "iam:PassedToService",
          values: ["scheduler.amazonaws.com"],
        },
      ],
    }),
  ],
});
