/// <reference path="./.sst/platform/config.d.ts" />

/**
 * Herald on AWS. A table of contents: each concern lives in `stacks/`, and routes, workers and
 * queue settings come from `functions/manifest.ts`, which the local cloud reads too.
 */
export default $config({
  app(input) {
    return {
      name: "herald",
      home: "aws",
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
      providers: { aws: "7.20.0" },
    };
  },
  async run() {
    const { data } = await import("./stacks/storage");
    const { queues } = await import("./stacks/queues");
    const { group, role } = await import("./stacks/scheduler");
    const { ses } = await import("./stacks/email");
    await import("./stacks/sms");
    await import("./stacks/secrets");
    const workers = await import("./stacks/workers");
    const api = await import("./stacks/api");
    const realtime = await import("./stacks/realtime");
    const { alarmDeadLetters, alarmErrors } = await import("./stacks/alarms");

    alarmDeadLetters(queues);
    alarmErrors({ ...api.functions, ...workers.functions, ...realtime.functions });

    return {
      api: api.api.url,
      feed: realtime.feed.url,
      table: data.name,
      schedulerGroup: group.name,
      schedulerRole: role.arn,
      sender: ses.sender,
      queues: Object.fromEntries(Object.entries(queues).map(([c, { queue }]) => [c, queue.url])),
    };
  },
});
