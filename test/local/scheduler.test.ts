import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from "@aws-sdk/client-scheduler";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { type SchedulerEmulator, startScheduler } from "@herald/local/scheduler";
import { createSqsServer } from "local-aws-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, unique } from "../support";

/**
 * The EventBridge Scheduler emulator, driven only through `@aws-sdk/client-scheduler` and
 * `@aws-sdk/client-sqs` as production code drives AWS, against a real local SQS server.
 */

const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
const ROLE_ARN = "arn:aws:iam::123456789012:role/herald-test-scheduler";
const OFF = { Mode: "OFF" } as const;

let sqsServer: Server;
let emulator: SchedulerEmulator;
let scheduler: SchedulerClient;
let sqs: SQSClient;

beforeAll(async () => {
  sqsServer = (await createSqsServer({
    port: 0,
    hostname: "127.0.0.1",
    region: REGION,
    emulateQueueCreationLifecycle: false,
  })) as Server;
  const sqsEndpoint = `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`;
  emulator = await startScheduler({ port: 0, sqsEndpoint, region: REGION });
  scheduler = new SchedulerClient({
    endpoint: emulator.url,
    region: REGION,
    credentials: CREDENTIALS,
  });
  sqs = new SQSClient({ endpoint: sqsEndpoint, region: REGION, credentials: CREDENTIALS });
});

afterAll(async () => {
  scheduler?.destroy();
  sqs?.destroy();
  await emulator?.stop();
  await new Promise((resolve) => sqsServer?.close(resolve));
});

// ---------------------------------------------------------------------------------------------
// Helpers

/** A whole second (at() has second precision) at least `inMs` from now, as ms since the epoch. */
const wholeSecondIn = (inMs: number) => Math.ceil((Date.now() + inMs) / 1000) * 1000;

/** `at(...)` for an instant, written as UTC wall-clock time. */
const atUtc = (ms: number) => `at(${new Date(ms).toISOString().slice(0, 19)})`;

/** `at(...)` for an instant, written as wall-clock time in `timeZone` (via Intl). */
function atIn(ms: number, timeZone: string): string {
  const local = new Intl.DateTimeFormat("sv-SE", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).format(ms);
  return `at(${local.replace(" ", "T")})`;
}

async function createQueue(name: string) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/** Long-polls `queueUrl` until one message arrives, or fails after `timeoutMs`. */
async function receiveOne(queueUrl: string, timeoutMs = 5_000): Promise<Message> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 1,
        MaxNumberOfMessages: 1,
        AttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    const message = Messages?.[0];
    if (message) return message;
  }
  throw new Error(`No message arrived on ${queueUrl} within ${timeoutMs} ms`);
}

async function queueIsEmpty(queueUrl: string): Promise<boolean> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }),
  );
  return (Messages ?? []).length === 0;
}

/** The error `request` fails with, or undefined when it succeeds. */
async function failureOf(request: Promise<unknown>): Promise<unknown> {
  return request.then(
    () => undefined,
    (error: unknown) => error,
  );
}

const firesOf = (name: string) => emulator.fired.filter((fire) => fire.name === name);

/** Polls until `name` has fired, or fails after `timeoutMs`. */
const fireOf = (name: string, timeoutMs = 5_000) =>
  eventually(() => firesOf(name)[0], { timeoutMs, intervalMs: 10, what: `${name} to fire` });

function oneTime(
  name: string,
  queueArn: string,
  expression: string,
  overrides: Partial<CreateScheduleCommandInput> = {},
): CreateScheduleCommandInput {
  return {
    Name: name,
    ScheduleExpression: expression,
    FlexibleTimeWindow: OFF,
    Target: { Arn: queueArn, RoleArn: ROLE_ARN, Input: JSON.stringify({ name }) },
    ...overrides,
  };
}

/**
 * Fires a fresh schedule due at `dueAt` and waits for it: by then every timer armed for an
 * earlier instant has had its turn (instead of sleeping past a due time and hoping).
 */
async function afterTimersUpTo(dueAt: number) {
  const queue = await createQueue(unique("sentinel"));
  const name = unique("sentinel");
  await scheduler.send(new CreateScheduleCommand(oneTime(name, queue.arn, atUtc(dueAt))));
  return fireOf(name);
}

// ---------------------------------------------------------------------------------------------
// The firing tests mostly wait for real due times (at() has second precision): they run
// concurrently, each on its own queue and schedule names.

describe.concurrent("firing", () => {
  it("delivers Input to the target queue within a second of the due time", async () => {
    // Prepare
    const queue = await createQueue(unique("fire"));
    const name = unique("fire");
    const dueAt = wholeSecondIn(1_500);
    const input = JSON.stringify({ id: "ntf_01J", text: "héllo 🚀" });
    const request = oneTime(name, queue.arn, atUtc(dueAt), {
      Target: { Arn: queue.arn, RoleArn: ROLE_ARN, Input: input },
    });

    // Act
    const created = await scheduler.send(new CreateScheduleCommand(request));
    const message = await receiveOne(queue.url);

    // Assess
    expect(created.ScheduleArn).toBe(
      `arn:aws:scheduler:${REGION}:123456789012:schedule/default/${name}`,
    );
    expect(message.Body).toBe(input);
    const fire = await fireOf(name);
    expect(fire).toMatchObject({ group: "default", dueAt, ok: true, attempts: 1 });
    expect(fire.firedAt - fire.dueAt).toBeGreaterThanOrEqual(0);
    expect(fire.firedAt - fire.dueAt).toBeLessThan(1_000);
    const kept = await scheduler.send(new GetScheduleCommand({ Name: name }));
    expect(kept.ActionAfterCompletion).toBe("NONE"); // the default keeps a fired schedule
  });

  it("deletes a fired schedule when ActionAfterCompletion is DELETE", async () => {
    // Prepare
    const queue = await createQueue(unique("delete-after"));
    const name = unique("delete-after");
    const request = oneTime(name, queue.arn, atUtc(wholeSecondIn(1_000)), {
      ActionAfterCompletion: "DELETE",
    });

    // Act
    await scheduler.send(new CreateScheduleCommand(request));
    const message = await receiveOne(queue.url);
    const afterFiring = await failureOf(scheduler.send(new GetScheduleCommand({ Name: name })));

    // Assess
    expect(JSON.parse(message.Body!)).toEqual({ name });
    expect(afterFiring).toBeInstanceOf(ResourceNotFoundException);
    expect((await fireOf(name)).ok).toBe(true);
  });

  it("never fires a schedule deleted before its due time", async () => {
    // Prepare
    const queue = await createQueue(unique("deleted"));
    const name = unique("deleted");
    const dueAt = wholeSecondIn(1_000);
    await scheduler.send(new CreateScheduleCommand(oneTime(name, queue.arn, atUtc(dueAt))));

    // Act
    await scheduler.send(new DeleteScheduleCommand({ Name: name }));
    await afterTimersUpTo(dueAt + 1_000); // a second for a wrongly fired send to land

    // Assess
    expect(firesOf(name)).toEqual([]);
    expect(await queueIsEmpty(queue.url)).toBe(true);
  });

  it("reads at() as wall-clock time in ScheduleExpressionTimezone", async () => {
    // Prepare
    const queue = await createQueue(unique("tz"));
    const name = unique("tz");
    const dueAt = wholeSecondIn(1_500);
    const request = oneTime(name, queue.arn, atIn(dueAt, "America/New_York"), {
      ScheduleExpressionTimezone: "America/New_York",
    });

    // Act
    await scheduler.send(new CreateScheduleCommand(request));
    const fire = await fireOf(name);

    // Assess
    expect(fire.dueAt).toBe(dueAt);
    expect(fire.firedAt - dueAt).toBeGreaterThanOrEqual(0);
    expect(fire.firedAt - dueAt).toBeLessThan(1_000);
    expect(JSON.parse((await receiveOne(queue.url)).Body!)).toEqual({ name });
  });

  it("reads an at() wall time a DST change skips or repeats as Herald's planner does", async () => {
    // Prepare: past times (they fire at once), in Paris's 2025 gap and repeated hour.
    const queue = await createQueue(unique("dst"));
    const [gap, overlap] = [unique("dst-gap"), unique("dst-overlap")];
    const inParis = { ScheduleExpressionTimezone: "Europe/Paris" };

    // Act
    await scheduler.send(
      new CreateScheduleCommand(oneTime(gap, queue.arn, "at(2025-03-30T02:30:00)", inParis)),
    );
    await scheduler.send(
      new CreateScheduleCommand(oneTime(overlap, queue.arn, "at(2025-10-26T02:30:00)", inParis)),
    );

    // Assess: the gap moves forward by its hour (03:30 CEST); the overlap is the earlier 02:30.
    expect((await fireOf(gap)).dueAt).toBe(Date.parse("2025-03-30T01:30:00Z"));
    expect((await fireOf(overlap)).dueAt).toBe(Date.parse("2025-10-26T00:30:00Z"));
  });

  it("fires an at() time already in the past at once", async () => {
    // Prepare
    const queue = await createQueue(unique("past"));
    const name = unique("past");
    const dueAt = wholeSecondIn(-10_000);

    // Act
    await scheduler.send(new CreateScheduleCommand(oneTime(name, queue.arn, atUtc(dueAt))));
    const fire = await fireOf(name);

    // Assess
    expect(fire).toMatchObject({ dueAt, ok: true });
    expect(fire.firedAt - Date.now()).toBeLessThan(1_000);
    expect(JSON.parse((await receiveOne(queue.url)).Body!)).toEqual({ name });
  });

  it("keeps a schedule more than 24.8 days away pending (setTimeout's limit)", async () => {
    // Prepare
    const queue = await createQueue(unique("far"));
    const name = unique("far");
    const request = oneTime(name, queue.arn, "at(2099-01-01T00:00:00)", {
      ActionAfterCompletion: "DELETE", // firing would remove it
    });

    // Act
    await scheduler.send(new CreateScheduleCommand(request));
    await afterTimersUpTo(Date.now());
    const pending = await scheduler.send(new GetScheduleCommand({ Name: name }));

    // Assess
    expect(pending.Name).toBe(name);
    expect(firesOf(name)).toEqual([]);
    expect(await queueIsEmpty(queue.url)).toBe(true);
  });

  it("retries a failing send, records the failure and dead-letters the Input", async () => {
    // Prepare
    const deadLetter = await createQueue(unique("dlq"));
    const missing = `arn:aws:sqs:${REGION}:123456789012:${unique("missing")}`;
    const name = unique("failing");
    const request = oneTime(name, missing, atUtc(wholeSecondIn(0)), {
      Target: {
        Arn: missing,
        RoleArn: ROLE_ARN,
        Input: "undeliverable",
        DeadLetterConfig: { Arn: deadLetter.arn },
      },
    });

    // Act
    await scheduler.send(new CreateScheduleCommand(request));
    const fire = await fireOf(name);
    const dead = await receiveOne(deadLetter.url);

    // Assess
    expect(fire).toMatchObject({ ok: false, attempts: 4 });
    expect(fire.error).toMatch(/QueueDoesNotExist|does not exist/i);
    expect(dead.Body).toBe("undeliverable");
    expect(dead.MessageAttributes?.TARGET_ARN?.StringValue).toBe(missing);
    expect(dead.MessageAttributes?.RETRY_ATTEMPTS?.StringValue).toBe("3");
  });

  it("lets a schedule be deleted while its invocation is retrying", async () => {
    // Prepare
    const missing = `arn:aws:sqs:${REGION}:123456789012:${unique("missing")}`;
    const name = unique("in-flight");
    await scheduler.send(new CreateScheduleCommand(oneTime(name, missing, atUtc(Date.now()))));
    // A schedule due at the same instant, armed after this one, has fired: this one has been
    // claimed and is retrying (100 + 200 + 400 ms), not merely pending.
    await afterTimersUpTo(Date.now());

    // Act
    const deleted = await scheduler.send(new DeleteScheduleCommand({ Name: name }));
    const fire = await fireOf(name);
    const afterDelete = await failureOf(scheduler.send(new GetScheduleCommand({ Name: name })));

    // Assess
    expect(deleted.$metadata.httpStatusCode).toBe(200);
    expect(fire).toMatchObject({ ok: false, attempts: 4 });
    expect(afterDelete).toBeInstanceOf(ResourceNotFoundException);
  });

  it("fires each schedule at its own random moment after the due time, never before (lateMs)", async () => {
    // Prepare: a second emulator, late by up to 1.5 s like AWS by up to a minute.
    const late = await startScheduler({
      sqsEndpoint: `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`,
      region: REGION,
      lateMs: 1_500,
    });
    const client = new SchedulerClient({
      endpoint: late.url,
      region: REGION,
      credentials: CREDENTIALS,
    });
    const queue = await createQueue(unique("late"));
    const dueAt = wholeSecondIn(1_000);
    const names = Array.from({ length: 6 }, () => unique("late"));

    try {
      // Act
      for (const name of names) {
        await client.send(new CreateScheduleCommand(oneTime(name, queue.arn, atUtc(dueAt))));
      }
      await eventually(() => (late.fired.length >= names.length ? true : undefined), {
        intervalMs: 20,
        what: "every late schedule to fire",
      });

      // Assess
      expect(late.fired.map((fire) => fire.name).sort()).toEqual([...names].sort());
      for (const fire of late.fired) {
        expect(fire).toMatchObject({ dueAt, ok: true });
        expect(fire.firedAt).toBeGreaterThanOrEqual(dueAt);
      }
      // Six independent draws from 0–1.5 s: not all in the same 100 ms.
      const spread = new Set(late.fired.map((fire) => Math.floor((fire.firedAt - dueAt) / 100)));
      expect(spread.size).toBeGreaterThan(1);
    } finally {
      client.destroy();
      await late.stop();
    }
  });
});

describe("API", () => {
  it("round-trips a schedule through GetSchedule", async () => {
    // Prepare: the request Herald sends (packages/core/src/notification/dispatch.ts).
    const group = unique("group");
    const name = unique("details");
    const queueArn = `arn:aws:sqs:${REGION}:123456789012:${unique("q")}`;
    const deadLetterArn = `arn:aws:sqs:${REGION}:123456789012:${unique("dlq")}`;
    await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
    const request = oneTime(name, queueArn, "at(2099-06-01T09:30:00)", {
      GroupName: group,
      ScheduleExpressionTimezone: "Europe/Paris",
      ActionAfterCompletion: "DELETE",
      Target: {
        Arn: queueArn,
        RoleArn: ROLE_ARN,
        Input: '{"id":"ntf_1"}',
        DeadLetterConfig: { Arn: deadLetterArn },
      },
    });

    // Act
    const before = Date.now();
    await scheduler.send(new CreateScheduleCommand(request));
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));

    // Assess
    expect(schedule).toMatchObject({
      Arn: `arn:aws:scheduler:${REGION}:123456789012:schedule/${group}/${name}`,
      Name: name,
      GroupName: group,
      ScheduleExpression: "at(2099-06-01T09:30:00)",
      ScheduleExpressionTimezone: "Europe/Paris",
      State: "ENABLED",
      Target: request.Target,
      FlexibleTimeWindow: OFF,
      ActionAfterCompletion: "DELETE",
    });
    expect(schedule.CreationDate).toBeInstanceOf(Date);
    expect(schedule.CreationDate!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(schedule.LastModificationDate).toEqual(schedule.CreationDate);
  });

  it("reports a duplicate name as ConflictException", async () => {
    // Prepare
    const name = unique("dup");
    const group = unique("dup-group");
    const queueArn = `arn:aws:sqs:${REGION}:123456789012:${unique("q")}`;
    const request = oneTime(name, queueArn, "at(2099-01-01T00:00:00)");
    await scheduler.send(new CreateScheduleCommand(request));
    const createdGroup = await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));

    // Act
    const duplicate = await failureOf(scheduler.send(new CreateScheduleCommand(request)));
    const duplicateGroup = await failureOf(
      scheduler.send(new CreateScheduleGroupCommand({ Name: group })),
    );
    const sameNameOtherGroup = await scheduler.send(
      new CreateScheduleCommand({ ...request, GroupName: group }),
    );

    // Assess
    expect(createdGroup.ScheduleGroupArn).toBe(
      `arn:aws:scheduler:${REGION}:123456789012:schedule-group/${group}`,
    );
    expect(duplicate).toBeInstanceOf(ConflictException);
    expect(duplicate).toMatchObject({ $metadata: { httpStatusCode: 409 } });
    expect(duplicateGroup).toBeInstanceOf(ConflictException);
    expect(sameNameOtherGroup.ScheduleArn).toContain(`/${group}/${name}`);
  });

  it("reports a missing schedule as ResourceNotFoundException", async () => {
    // Prepare
    const name = unique("absent");

    // Act
    const get = await failureOf(scheduler.send(new GetScheduleCommand({ Name: name })));
    const remove = await failureOf(scheduler.send(new DeleteScheduleCommand({ Name: name })));

    // Assess
    expect(get).toBeInstanceOf(ResourceNotFoundException);
    expect(get).toMatchObject({
      $metadata: { httpStatusCode: 404 },
      message: expect.stringContaining(name),
    });
    expect(remove).toBeInstanceOf(ResourceNotFoundException);
  });

  it("reports a missing group as ResourceNotFoundException", async () => {
    // Prepare
    const group = unique("no-group");
    const queueArn = `arn:aws:sqs:${REGION}:123456789012:${unique("q")}`;
    const request = oneTime(unique("orphan"), queueArn, "at(2099-01-01T00:00:00)", {
      GroupName: group,
    });

    // Act
    const create = await failureOf(scheduler.send(new CreateScheduleCommand(request)));

    // Assess
    expect(create).toBeInstanceOf(ResourceNotFoundException);
    expect(create).toMatchObject({ message: expect.stringContaining(group) });
  });

  it("rejects invalid requests, and fields Herald never sends, with ValidationException", async () => {
    // Prepare
    const queueArn = `arn:aws:sqs:${REGION}:123456789012:${unique("q")}`;
    const valid = oneTime(unique("valid"), queueArn, "at(2099-01-01T00:00:00)");
    const { Target: _target, ...withoutTarget } = valid;
    const { FlexibleTimeWindow: _window, ...withoutWindow } = valid;
    const invalid: Record<string, CreateScheduleCommandInput> = {
      "bad name": { ...valid, Name: "has space" },
      "long name": { ...valid, Name: "x".repeat(65) },
      "rate()": { ...valid, ScheduleExpression: "rate(5 minutes)" },
      "cron()": { ...valid, ScheduleExpression: "cron(0 8 * * ? *)" },
      "impossible date": { ...valid, ScheduleExpression: "at(2099-02-30T00:00:00)" },
      "garbage expression": { ...valid, ScheduleExpression: "tomorrow" },
      "unknown timezone": { ...valid, ScheduleExpressionTimezone: "Mars/Olympus_Mons" },
      "missing Target": withoutTarget as CreateScheduleCommandInput,
      "missing FlexibleTimeWindow": withoutWindow as CreateScheduleCommandInput,
      "non-SQS target": {
        ...valid,
        Target: { Arn: "arn:aws:lambda:us-east-1:123456789012:function:f", RoleArn: ROLE_ARN },
      },
      "FLEXIBLE window": {
        ...valid,
        FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 5 },
      },
      "unsupported State": { ...valid, State: "DISABLED" },
      "unsupported SqsParameters": {
        ...valid,
        Target: { ...valid.Target!, SqsParameters: { MessageGroupId: "g" } },
      },
      "unsupported RetryPolicy": {
        ...valid,
        Target: { ...valid.Target!, RetryPolicy: { MaximumRetryAttempts: 1 } },
      },
    };

    // Act
    const outcomes = await Promise.all(
      Object.entries(invalid).map(async ([label, request]) => {
        const error = await failureOf(scheduler.send(new CreateScheduleCommand(request)));
        return [label, error instanceof ValidationException ? "ValidationException" : error];
      }),
    );
    const rate = await failureOf(scheduler.send(new CreateScheduleCommand(invalid["rate()"]!)));
    const state = await failureOf(
      scheduler.send(new CreateScheduleCommand(invalid["unsupported State"]!)),
    );

    // Assess
    expect(Object.fromEntries(outcomes)).toEqual(
      Object.fromEntries(Object.keys(invalid).map((label) => [label, "ValidationException"])),
    );
    expect(rate).toMatchObject({
      $metadata: { httpStatusCode: 400 },
      message: expect.stringMatching(/supports one-time at\(/),
    });
    expect(state).toMatchObject({ message: expect.stringContaining("State") });
  });

  it("answers an operation Herald never calls with UnknownOperationException", async () => {
    // Act
    const list = await failureOf(scheduler.send(new ListSchedulesCommand({})));

    // Assess
    expect(list).toMatchObject({
      name: "UnknownOperationException",
      $metadata: { httpStatusCode: 404 },
    });
  });
});
