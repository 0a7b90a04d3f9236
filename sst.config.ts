/// <reference path="./.sst/platform/config.d.ts" />

/**
 * Herald on AWS. A table of contents: each concern lives in `stacks/`, and routes, workers and
 * queue settings come from `functions/manifest.ts`, which the local cloud reads too.
 *
 * The `local` stage is the offline front door: `npx sst dev --stage local` keeps its state on
 * this machine, talks to no cloud and runs Herald's local cloud as a dev command (what
 * `npm run dev` runs). Every other stage deploys to AWS.
 */
export default $config({
  app(input) {
    const stage = input?.stage;
    if (stage === "local") return { name: "herald", home: "local", removal: "remove" };
    const region = process.env.HERALD_AWS_REGION?.trim();
    if (stage === "production" && !region) {
      // A laptop whose default region differs from CI's would otherwise create a second
      // production next to the first.
      throw new Error("Set HERALD_AWS_REGION (e.g. eu-west-1) to deploy the production stage");
    }
    return {
      name: "herald",
      home: "aws",
      removal: stage === "production" ? "retain" : "remove",
      protect: stage === "production",
      providers: { aws: { version: "7.20.0", ...(region ? { region } : {}) } },
    };
  },
  async run() {
    if ($app.stage === "local") {
      const { local } = await import("./stacks/local");
      return { local: local.urn };
    }
    const { data } = await import("./stacks/storage");
    const { queues, callbackQueues, fanoutQueues } = await import("./stacks/queues");
    const { group, role } = await import("./stacks/scheduler");
    const { ses } = await import("./stacks/email");
    await import("./stacks/sms");
    await import("./stacks/secrets");
    const workers = await import("./stacks/workers");
    const api = await import("./stacks/api");
    const realtime = await import("./stacks/realtime");
    const feedback = await import("./stacks/feedback");
    const alarms = await import("./stacks/alarms");

    alarms.alarmDeadLetters(queues);
    alarms.alarmDeadLetterDepth("Callback", callbackQueues.dlq);
    alarms.alarmDeadLetterDepth("Fanout", fanoutQueues.dlq);
    alarms.alarmScheduler(group);
    alarms.alarmErrors({
      ...api.functions,
      ...workers.functions,
      ...realtime.functions,
      ...feedback.functions,
    });

    return {
      api: api.api.url,
      feed: realtime.feed.url,
      socket: realtime.socketUrl,
      table: data.name,
      schedulerGroup: group.name,
      schedulerRole: role.arn,
      sender: ses.sender,
      feedbackTopic: feedback.topic.arn,
      queues: Object.fromEntries(Object.entries(queues).map(([c, { queue }]) => [c, queue.url])),
    };
  },
});
