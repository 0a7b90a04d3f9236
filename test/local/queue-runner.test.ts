import { createHash } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { LambdaTimeoutError } from "@herald/local/lambda";
import {
  DrainTimeoutError,
  type QueueMapping,
  type QueueRunner,
  startQueueRunner,
  succeededRecords,
} from "@herald/local/queue-runner";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { createSqsServer } from "local-aws-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually, unique } from "../support";

/**
 * The local SQS event-source mapping against real local-aws-sqs queues: the events it builds,
 * deletes, partial batch failures, redelivery, dead-lettering, drain and stop.
 */

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

type Worker = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

let server: Server;
let endpoint: string;
let sqs: SQSClient;
const runners: QueueRunner[] = [];

beforeAll(async () => {
  server = (await createSqsServer({
    port: 0,
    hostname: "127.0.0.1",
    emulateQueueCreationLifecycle: false,
  })) as Server;
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sqs = new SQSClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop()));
});

afterAll(async () => {
  sqs?.destroy();
  await new Promise<void>((resolve) => {
    server?.close(() => resolve());
    server?.closeAllConnections();
  });
});

async function arnOf(queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  return Attributes?.QueueArn as string;
}

/** A queue (with a dead-letter queue when maxReceiveCount is given). */
async function createQueue(
  label: string,
  {
    visibilityTimeout = 1,
    maxReceiveCount,
  }: { visibilityTimeout?: number; maxReceiveCount?: number } = {},
) {
  let dlq: { url: string; arn: string } | undefined;
  if (maxReceiveCount) {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: unique(`${label}-dlq`) }));
    const url = created.QueueUrl as string;
    dlq = { url, arn: await arnOf(url) };
  }
  const created = await sqs.send(
    new CreateQueueCommand({
      QueueName: unique(label),
      Attributes: {
        VisibilityTimeout: String(visibilityTimeout),
        ...(dlq && {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
        }),
      },
    }),
  );
  const url = created.QueueUrl as string;
  return { url, arn: await arnOf(url), dlq };
}

async function send(queueUrl: string, ...bodies: string[]): Promise<string[]> {
  const { Successful = [] } = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: bodies.map((body, i) => ({ Id: String(i), MessageBody: body })),
    }),
  );
  return Successful.map((entry) => entry.MessageId as string);
}

async function depth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible) +
    Number(Attributes.ApproximateNumberOfMessagesDelayed)
  );
}

/** Start a runner on one queue; every event the worker receives is recorded. */
function run(
  queue: { url: string; arn: string },
  worker: Worker,
  mapping: Partial<QueueMapping> = {},
  errors: unknown[] = [],
) {
  const events: SQSEvent[] = [];
  const contexts: Context[] = [];
  const runner = startQueueRunner({
    sqsEndpoint: endpoint,
    onError: (error) => errors.push(error),
    mappings: [
      {
        queueUrl: queue.url,
        queueArn: queue.arn,
        handler: async () => async (event, context) => {
          events.push(event);
          contexts.push(context);
          return worker(event, context);
        },
        ...mapping,
      },
    ],
  });
  runners.push(runner);
  const records = () => events.flatMap((event) => event.Records);
  const receivesOf = (body: string) => records().filter((r) => r.body === body);
  return { runner, events, contexts, records, receivesOf, errors };
}

const ok: Worker = async () => undefined;

describe("local SQS event-source mapping", () => {
  it("invokes the worker with SQS records shaped like Lambda's", async () => {
    // Prepare
    const queue = await createQueue("shape");
    const body = JSON.stringify({ id: "ntf_1", text: "héllo" });
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: body,
        MessageAttributes: {
          channel: { DataType: "String", StringValue: "email" },
          attempt: { DataType: "Number", StringValue: "1" },
          blob: { DataType: "Binary", BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );

    // Act
    const { records, contexts } = run(queue, ok, { functionName: "worker-email" });
    const record = await eventually(() => records()[0], "a record");

    // Assess
    expect(Object.keys(record)).toEqual([
      "messageId",
      "receiptHandle",
      "body",
      "attributes",
      "messageAttributes",
      "md5OfMessageAttributes",
      "md5OfBody",
      "eventSource",
      "eventSourceARN",
      "awsRegion",
    ]);
    expect(record).toMatchObject({
      messageId: sent.MessageId,
      body,
      md5OfBody: md5(body),
      md5OfMessageAttributes: sent.MD5OfMessageAttributes,
      eventSource: "aws:sqs",
      eventSourceARN: queue.arn,
      awsRegion: "us-east-1",
    });
    expect(record.receiptHandle).toEqual(expect.any(String));
    expect(record.attributes.ApproximateReceiveCount).toBe("1");
    expect(record.attributes.SentTimestamp).toMatch(/^\d{13}$/);
    expect(record.attributes.ApproximateFirstReceiveTimestamp).toMatch(/^\d{13}$/);
    expect(record.attributes.SenderId).toEqual(expect.any(String));
    expect(record.messageAttributes).toEqual({
      channel: {
        stringValue: "email",
        stringListValues: [],
        binaryListValues: [],
        dataType: "String",
      },
      attempt: { stringValue: "1", stringListValues: [], binaryListValues: [], dataType: "Number" },
      blob: {
        binaryValue: Buffer.from([1, 2, 3]).toString("base64"),
        stringListValues: [],
        binaryListValues: [],
        dataType: "Binary",
      },
    });
    expect(contexts[0]?.functionName).toBe("worker-email");
    expect(contexts[0]?.getRemainingTimeInMillis()).toBeLessThanOrEqual(30_000);
  });

  it("batches up to batchSize records and deletes the ones that succeeded", async () => {
    // Prepare
    const queue = await createQueue("batch");
    const bodies = ["a", "b", "c", "d", "e"];
    await send(queue.url, ...bodies);

    // Act
    const { runner, events } = run(queue, ok, { batchSize: 10, concurrency: 1 });
    await runner.drain(10_000);

    // Assess
    expect(events).toHaveLength(1);
    expect(events[0]?.Records.map((r) => r.body).sort()).toEqual(bodies);
    expect(runner.invocations).toBe(1);
    expect(await depth(queue.url)).toBe(0);
  });

  it("gathers records that arrive within the batching window into one event", async () => {
    // Prepare
    // The window must be well inside the visibility timeout, as AWS requires.
    const queue = await createQueue("window", { visibilityTimeout: 10 });
    const { runner, events } = run(queue, ok, {
      batchSize: 10,
      concurrency: 1,
      maximumBatchingWindowMs: 2_000,
    });

    // Act: one message, then two more while the window is open.
    await send(queue.url, "first");
    await new Promise((resolve) => setTimeout(resolve, 300));
    await send(queue.url, "second", "third");
    await runner.drain(10_000);

    // Assess
    expect(events).toHaveLength(1);
    expect(events[0]?.Records.map((r) => r.body).sort()).toEqual(["first", "second", "third"]);
  });

  it("never puts more than batchSize records in one event", async () => {
    // Prepare
    const queue = await createQueue("small-batch");
    await send(queue.url, "1", "2", "3", "4", "5", "6", "7");

    // Act
    const { runner, events, records } = run(queue, ok, { batchSize: 3 });
    await runner.drain(10_000);

    // Assess
    expect(records()).toHaveLength(7);
    expect(Math.max(...events.map((e) => e.Records.length))).toBeLessThanOrEqual(3);
  });

  it("redelivers only the records listed in batchItemFailures", async () => {
    // Prepare
    const queue = await createQueue("partial");
    await send(queue.url, "fine", "flaky");
    const worker: Worker = async (event) => ({
      batchItemFailures: event.Records.filter(
        (r) => r.body === "flaky" && r.attributes.ApproximateReceiveCount === "1",
      ).map((r) => ({ itemIdentifier: r.messageId })),
    });

    // Act
    const { runner, receivesOf } = run(queue, worker, { concurrency: 1 });
    const retried = await eventually(() => receivesOf("flaky")[1], "the flaky record again");
    await runner.drain(10_000);

    // Assess
    expect(retried.attributes.ApproximateReceiveCount).toBe("2");
    expect(receivesOf("fine")).toHaveLength(1);
    expect(receivesOf("flaky")).toHaveLength(2);
  });

  it("fails the whole batch when an itemIdentifier is not in it", async () => {
    // Prepare
    const queue = await createQueue("bad-ids");
    await send(queue.url, "one", "two");
    let answered = false;
    const worker: Worker = async () => {
      if (answered) return undefined;
      answered = true;
      return { batchItemFailures: [{ itemIdentifier: "not-a-message-id" }] };
    };

    // Act
    const { runner, receivesOf, errors } = run(queue, worker, { concurrency: 1 });
    await runner.drain(10_000);

    // Assess
    expect(receivesOf("one").map((r) => r.attributes.ApproximateReceiveCount)).toEqual(["1", "2"]);
    expect(receivesOf("two").map((r) => r.attributes.ApproximateReceiveCount)).toEqual(["1", "2"]);
    expect((errors[0] as Error).name).toBe("BatchFailedError");
    expect(((errors[0] as Error).cause as Error).name).toBe("InvalidBatchResponseError");
  });

  it("ignores returned failures when reportBatchItemFailures is off", async () => {
    // Prepare
    const queue = await createQueue("no-report");
    await send(queue.url, "only");
    const worker: Worker = async (event) => ({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
    });

    // Act
    const { runner, receivesOf } = run(queue, worker, { reportBatchItemFailures: false });
    await runner.drain(10_000);

    // Assess
    expect(receivesOf("only")).toHaveLength(1);
  });

  it("redelivers every record of a batch whose handler throws", async () => {
    // Prepare
    const queue = await createQueue("throws");
    await send(queue.url, "x", "y");
    let thrown = false;
    const worker: Worker = async () => {
      if (thrown) return undefined;
      thrown = true;
      throw new Error("worker blew up");
    };

    // Act
    const { runner, receivesOf, errors } = run(queue, worker, { concurrency: 1 });
    await runner.drain(10_000);

    // Assess
    expect(receivesOf("x").map((r) => r.attributes.ApproximateReceiveCount)).toEqual(["1", "2"]);
    expect(receivesOf("y").map((r) => r.attributes.ApproximateReceiveCount)).toEqual(["1", "2"]);
    expect(((errors[0] as Error).cause as Error).message).toBe("worker blew up");
  });

  it("treats a timed-out invocation as failed and redelivers its records", async () => {
    // Prepare
    const queue = await createQueue("timeout");
    await send(queue.url, "slow");
    let slow = true;
    const worker: Worker = async () => {
      if (slow) {
        slow = false;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      return undefined;
    };

    // Act
    const { runner, receivesOf, errors } = run(queue, worker, { timeoutMs: 100 });
    await runner.drain(10_000);

    // Assess
    expect(receivesOf("slow")).toHaveLength(2);
    expect((errors[0] as Error).cause).toBeInstanceOf(LambdaTimeoutError);
  });

  it("lets the queue's RedrivePolicy move a message to the DLQ after maxReceiveCount", async () => {
    // Prepare
    const queue = await createQueue("poison", { maxReceiveCount: 2 });
    const [messageId] = await send(queue.url, "poison");
    const worker: Worker = async () => {
      throw new Error("cannot handle this");
    };

    // Act
    const { receivesOf } = run(queue, worker);
    const dead = await eventually(async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.dlq?.url, WaitTimeSeconds: 0 }),
      );
      return Messages?.[0];
    }, "the message in the dead-letter queue");

    // Assess
    expect(dead.MessageId).toBe(messageId);
    expect(dead.Body).toBe("poison");
    expect(receivesOf("poison").map((r) => r.attributes.ApproximateReceiveCount)).toEqual([
      "1",
      "2",
    ]);
    expect(await depth(queue.url)).toBe(0);
  });

  it("drain() resolves once the queues are empty and nothing runs", async () => {
    // Prepare
    const queue = await createQueue("drain");
    const bodies = Array.from({ length: 25 }, (_, i) => `m${i}`);
    for (let i = 0; i < bodies.length; i += 10) await send(queue.url, ...bodies.slice(i, i + 10));
    let done = 0;
    const worker: Worker = async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      done += event.Records.length;
      return undefined;
    };

    // Act
    const { runner } = run(queue, worker);
    await runner.drain(10_000);

    // Assess
    expect(done).toBe(25);
    expect(await depth(queue.url)).toBe(0);
  });

  it("drain() rejects with DrainTimeoutError while a message keeps failing", async () => {
    // Prepare
    const queue = await createQueue("stuck", { visibilityTimeout: 5 });
    await send(queue.url, "stuck");
    const worker: Worker = async () => {
      throw new Error("always");
    };

    // Act
    const { runner, records } = run(queue, worker);
    await eventually(() => records()[0], "a first attempt");
    const drained = runner.drain(300);

    // Assess
    await expect(drained).rejects.toBeInstanceOf(DrainTimeoutError);
  });

  it("stop() waits for the in-flight invocation, which still deletes its records", async () => {
    // Prepare
    const queue = await createQueue("stop");
    await send(queue.url, "in-flight");
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let finished = false;
    const worker: Worker = async () => {
      await gate;
      finished = true;
      return undefined;
    };
    const { runner, records } = run(queue, worker);
    await eventually(() => records()[0], "the invocation to start");

    // Act
    let stopped = false;
    const stopping = runner.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stoppedEarly = stopped;
    release();
    await stopping;

    // Assess
    expect(stoppedEarly).toBe(false);
    expect(finished).toBe(true);
    expect(await depth(queue.url)).toBe(0);
  });

  it("keeps polling through receive errors and reports them", async () => {
    // Prepare
    const queue = await createQueue("healthy");
    const errors: unknown[] = [];
    const events: SQSEvent[] = [];
    const runner = startQueueRunner({
      sqsEndpoint: endpoint,
      onError: (error) => errors.push(error),
      mappings: [
        {
          queueUrl: `${endpoint}/123456789012/${unique("missing")}`,
          queueArn: "arn:aws:sqs:us-east-1:123456789012:missing",
          handler: async () => ok,
        },
        {
          queueUrl: queue.url,
          queueArn: queue.arn,
          handler: async () => async (event) => {
            events.push(event);
          },
        },
      ],
    });
    runners.push(runner);

    // Act
    await eventually(() => (errors.length >= 2 ? true : undefined), "repeated poll errors");
    await send(queue.url, "still served");

    // Assess
    const event = await eventually(() => events[0], "the healthy queue's event");
    expect(event.Records[0]?.body).toBe("still served");
    expect((errors[0] as Error).name).toBe("PollError");
  });
});

describe("Lambda's batchItemFailures rules", () => {
  const record = (messageId: string) => ({ messageId }) as SQSRecord;
  const batch = [record("a"), record("b")];

  it.each([
    ["no response", undefined, ["a", "b"]],
    ["null", null, ["a", "b"]],
    ["an empty response", {}, ["a", "b"]],
    ["a null list", { batchItemFailures: null }, ["a", "b"]],
    ["an empty list", { batchItemFailures: [] }, ["a", "b"]],
    ["one failure", { batchItemFailures: [{ itemIdentifier: "b" }] }, ["a"]],
  ])("%s → succeeded %j", (_, response, expected) => {
    expect(succeededRecords(batch, response, true).map((r) => r.messageId)).toEqual(expected);
  });

  it.each([
    ["a null itemIdentifier", { batchItemFailures: [{ itemIdentifier: null }] }],
    ["an empty itemIdentifier", { batchItemFailures: [{ itemIdentifier: "" }] }],
    ["a wrong key", { batchItemFailures: [{ id: "a" }] }],
    ["an unknown id", { batchItemFailures: [{ itemIdentifier: "zzz" }] }],
    ["a list that is not one", { batchItemFailures: "a" }],
  ])("%s fails the whole batch", (_, response) => {
    expect(() => succeededRecords(batch, response, true)).toThrow(/Invalid batch response/);
  });
});
