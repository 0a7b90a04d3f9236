import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-scheduler";
import { SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { scheduler } from "../aws/scheduler";
import { sqs } from "../aws/sqs";
import { link, queueFor, tuning } from "../config";
import { settle } from "../pool";
import type { Channel, Message, Route } from "./model";

/** SQS holds a message back for at most 15 minutes. */
export const MAX_DELAY_SECONDS = 900;

/**
 * How a send due at `sendAt` reaches its queue: straight away, held back by SQS (cheapest: no
 * extra request), or by a one-time EventBridge Scheduler schedule that targets the channel
 * queue itself, so no Lambda runs in between.
 */
export function routeFor(sendAt: Date, now: Date): Route {
  const seconds = Math.ceil((sendAt.getTime() - now.getTime()) / 1000);
  if (seconds <= 0) return "immediate";
  const limit = Math.min(MAX_DELAY_SECONDS, tuning().HERALD_SCHEDULER_MIN_DELAY_SECONDS);
  return seconds <= limit ? "delay" : "schedule";
}

export interface Dispatch {
  tenantId: string;
  id: string;
  channel: Channel;
  sendAt: Date;
  now: Date;
  /** The dispatch generation the message carries (see `Message`); default 0. */
  gen?: number;
  /** Name for a Scheduler schedule; default the id. Retries use one name per attempt. */
  scheduleName?: string;
}

/**
 * Put the notification on its way; safe to repeat, since the worker's claim is idempotent.
 * A later send carries its due time and arrives a little early (SQS delays are whole seconds,
 * the Scheduler fires early on purpose): the worker holds it the rest of the way.
 */
export async function dispatch(input: Dispatch): Promise<Route> {
  const route = routeFor(input.sendAt, input.now);
  const queue = queueFor(input.channel);
  if (route === "schedule") {
    await scheduleFor(input);
    return route;
  }
  await sqs().send(new SendMessageCommand({ QueueUrl: queue.url, ...messageOf(input, route) }));
  return route;
}

/** The channel message that carries a dispatch (and its delay, on the `delay` route). */
function messageOf(input: Dispatch, route: Route) {
  const body: Message = {
    v: 1,
    tenant_id: input.tenantId,
    id: input.id,
    ...(input.gen ? { gen: input.gen } : {}),
  };
  if (route !== "immediate") body.due = input.sendAt.toISOString();
  const delay = Math.floor((input.sendAt.getTime() - input.now.getTime()) / 1000);
  return {
    MessageBody: JSON.stringify(body),
    ...(route === "delay" ? { DelaySeconds: delay } : {}),
  };
}

function scheduleFor(input: Dispatch) {
  return createSchedule(
    input.scheduleName ?? input.id,
    queueFor(input.channel),
    messageOf(input, "schedule").MessageBody,
    fireTime(input.sendAt),
  );
}

/** SendMessageBatch takes at most 10 entries. */
const SQS_BATCH = 10;
/** Rounds of SendMessageBatch for the entries SQS refused (throttling, an internal error). */
const SQS_ROUNDS = 3;

/**
 * Put many notifications on their way, as `dispatch` does one: messages go 10 to a
 * `SendMessageBatch` per channel queue, an entry SQS refuses is sent again (up to three rounds
 * in all), schedules are created one by one. Returns what could not be dispatched, by id: the
 * caller must not report those as accepted.
 */
export async function dispatchMany(inputs: Dispatch[]): Promise<Map<string, unknown>> {
  const failed = new Map<string, unknown>();
  const byQueue = new Map<string, Dispatch[]>();
  const schedules: Dispatch[] = [];
  for (const input of inputs) {
    if (routeFor(input.sendAt, input.now) === "schedule") {
      schedules.push(input);
      continue;
    }
    const url = queueFor(input.channel).url;
    byQueue.set(url, [...(byQueue.get(url) ?? []), input]);
  }
  const chunks = [...byQueue].flatMap(([url, queued]) =>
    Array.from({ length: Math.ceil(queued.length / SQS_BATCH) }, (_, i) => ({
      url,
      entries: queued.slice(i * SQS_BATCH, (i + 1) * SQS_BATCH),
    })),
  );
  const sent = await settle(chunks, 16, ({ url, entries }) => sendBatch(url, entries, failed));
  sent.forEach((result, i) => {
    if (result.status === "rejected") {
      for (const entry of chunks[i]?.entries ?? []) failed.set(entry.id, result.reason);
    }
  });
  const scheduled = await settle(schedules, 16, scheduleFor);
  scheduled.forEach((result, i) => {
    if (result.status === "rejected") failed.set((schedules[i] as Dispatch).id, result.reason);
  });
  return failed;
}

async function sendBatch(url: string, entries: Dispatch[], failed: Map<string, unknown>) {
  let pending = entries;
  for (let round = 1; pending.length > 0; round++) {
    const result = await sqs().send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: pending.map((entry, i) => ({
          Id: String(i),
          ...messageOf(entry, routeFor(entry.sendAt, entry.now)),
        })),
      }),
    );
    const refused = (result.Failed ?? []).map((entry) => ({
      entry: pending[Number(entry.Id)] as Dispatch,
      error: new Error(`SQS refused the message: ${entry.Code} ${entry.Message ?? ""}`),
      // A sender's fault (a malformed entry) is not worth another round.
      final: entry.SenderFault === true,
    }));
    const again = refused.filter((refusal) => !refusal.final && round < SQS_ROUNDS);
    for (const refusal of refused) {
      if (!again.includes(refusal)) failed.set(refusal.entry.id, refusal.error);
    }
    pending = again.map((refusal) => refusal.entry);
  }
}

/**
 * When the schedule for a send due at `sendAt` fires: EventBridge Scheduler invokes a one-time
 * schedule up to a minute after its `at()` time, so it is set HERALD_SCHEDULER_LEAD_SECONDS
 * early (default 2 minutes), rounded down to the minute (to the second for leads under 2 min,
 * which tests use), and arrives ahead of time whatever its lateness.
 */
export function fireTime(sendAt: Date, lead = tuning().HERALD_SCHEDULER_LEAD_SECONDS): Date {
  const unit = lead >= 120 ? 60_000 : 1000;
  return new Date(Math.floor((sendAt.getTime() - lead * 1000) / unit) * unit);
}

/** `at()` takes whole seconds; round up so the schedule never fires before `instant`. */
export function atExpression(instant: Date): string {
  const seconds = new Date(Math.ceil(instant.getTime() / 1000) * 1000);
  return `at(${seconds.toISOString().slice(0, 19)})`;
}

async function createSchedule(
  name: string,
  queue: { arn: string; dlq?: string },
  input: string,
  sendAt: Date,
) {
  const { group, roleArn } = link("Scheduler");
  try {
    await scheduler().send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: group,
        ScheduleExpression: atExpression(sendAt),
        ScheduleExpressionTimezone: "UTC",
        FlexibleTimeWindow: { Mode: "OFF" },
        ActionAfterCompletion: "DELETE",
        Target: {
          Arn: queue.arn,
          RoleArn: roleArn,
          Input: input,
          // Whatever Scheduler cannot hand to the queue after its retries goes to the channel's
          // dead-letter queue, whose handler marks the notification failed: never silently lost.
          ...(queue.dlq ? { DeadLetterConfig: { Arn: queue.dlq } } : {}),
        },
      }),
    );
  } catch (error) {
    // A retried request finds the schedule it created the first time.
    if (!(error instanceof ConflictException)) throw error;
  }
}

/** Remove a pending schedule; one that already fired or never existed is fine. */
export async function unschedule(name: string): Promise<void> {
  try {
    await scheduler().send(
      new DeleteScheduleCommand({ Name: name, GroupName: link("Scheduler").group }),
    );
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
}
