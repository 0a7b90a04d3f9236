import { Resource } from "sst";
import { z } from "zod";

/**
 * The one place configuration reaches code from: linked resources (`SST_RESOURCE_*`, read by
 * `Resource` from `sst`) plus a few tuning knobs. In AWS, SST sets the links; locally,
 * `packages/local` sets the same variables, so no code here knows which cloud it runs in.
 */

export const Channels = ["email", "push", "sms", "webhook", "in_app"] as const;
export type Channel = (typeof Channels)[number];

const QueueLink = z.object({ url: z.string(), arn: z.string() });

const Links = z.object({
  App: z.object({ name: z.string(), stage: z.string() }),
  Table: z.object({ name: z.string() }),
  Queues: z.record(z.string(), QueueLink),
  Scheduler: z.object({ group: z.string(), roleArn: z.string() }),
  Email: z.object({ sender: z.string(), configSet: z.string().optional() }),
  Upstash: z.object({ url: z.string(), token: z.string() }),
});
export type Links = z.infer<typeof Links>;

const Tuning = z.object({
  /** Sends due further out than this go to EventBridge Scheduler; closer ones use SQS DelaySeconds (max 900). */
  HERALD_SCHEDULER_MIN_DELAY_SECONDS: z.coerce.number().int().min(0).max(900).default(900),
  /** How long a worker owns a claimed notification; keep it at least the worker's timeout. */
  HERALD_LEASE_SECONDS: z.coerce.number().int().min(1).default(60),
});

let cached: (Links & { tuning: z.infer<typeof Tuning> }) | undefined;

/** Typed, validated configuration, read once per container. */
export function config() {
  if (cached) return cached;
  const resource = Resource as unknown as Record<string, unknown>;
  const links = Links.parse({
    App: resource.App,
    Table: resource.Table,
    Queues: resource.Queues,
    Scheduler: resource.Scheduler,
    Email: resource.Email,
    Upstash: resource.Upstash,
  });
  cached = { ...links, tuning: Tuning.parse(process.env) };
  return cached;
}

export function queueFor(channel: Channel) {
  const queue = config().Queues[channel];
  if (!queue) throw new Error(`No queue is linked for channel "${channel}"`);
  return queue;
}
