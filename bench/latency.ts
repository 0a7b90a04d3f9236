import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { LocalCloud } from "@herald/local/cloud";
import { percentile, pool, save, sleep, table } from "./support";

/**
 * Local API latency (POST /v1/notifications, immediate email) and pipeline throughput
 * (accepted → sent per second), each against the raw emulator floor measured in the same run:
 * the same DynamoDB put + SQS send without Herald, and a bare receive + delete loop.
 */
export async function measureLatency(cloud: LocalCloud, requests = 300, concurrency = 4) {
  const key = await cloud.createKey("bench-latency");
  const dynamo = new DynamoDBClient({});
  const sqs = new SQSClient({});
  const { QueueUrl: rawQueue } = await sqs.send(
    new CreateQueueCommand({ QueueName: "bench-floor" }),
  );

  const timed = async (work: () => Promise<unknown>) => {
    const start = performance.now();
    await work();
    return performance.now() - start;
  };

  const heraldStart = performance.now();
  const herald = await pool(
    Array.from({ length: requests }, (_, i) => i),
    concurrency,
    (i) =>
      timed(async () => {
        const response = await fetch(`${cloud.apiUrl}/v1/notifications`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({
            channel: "email",
            recipient: { email: `latency${i}@example.com` },
            content: { subject: "Latency", text: "Hello" },
            immediate: true,
          }),
        });
        if (response.status !== 202) throw new Error(`send answered ${response.status}`);
        await response.arrayBuffer();
      }),
  );
  await cloud.runner.drain(120_000);
  const pipelineSeconds = (performance.now() - heraldStart) / 1000;

  const floor = await pool(
    Array.from({ length: requests }, (_, i) => i),
    concurrency,
    (i) =>
      timed(async () => {
        await dynamo.send(
          new PutItemCommand({
            TableName: cloud.tableName,
            Item: { pk: { S: `BENCH#${i}` }, sk: { S: "X" }, body: { S: "x".repeat(300) } },
          }),
        );
        await sqs.send(new SendMessageCommand({ QueueUrl: rawQueue, MessageBody: `{"i":${i}}` }));
      }),
  );
  const floorStart = performance.now();
  let received = 0;
  while (received < requests) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: rawQueue,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    if (!Messages.length) {
      await sleep(10);
      continue;
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: rawQueue,
        Entries: Messages.map((m, i) => ({
          Id: String(i),
          ReceiptHandle: m.ReceiptHandle as string,
        })),
      }),
    );
    received += Messages.length;
  }
  const floorDrainSeconds = (performance.now() - floorStart) / 1000;
  dynamo.destroy();
  sqs.destroy();

  const rows = [
    {
      path: "Herald POST /v1/notifications (email, immediate)",
      requests,
      concurrency,
      "p50 ms": percentile(herald, 50),
      "p99 ms": percentile(herald, 99),
    },
    {
      path: "floor: DynamoDB PutItem + SQS SendMessage",
      requests,
      concurrency,
      "p50 ms": percentile(floor, 50),
      "p99 ms": percentile(floor, 99),
    },
  ];
  table("Local API latency", rows);
  const throughput = [
    {
      path: "Herald accepted → sent (API + worker + SES emulator)",
      "per second": requests / pipelineSeconds,
    },
    { path: "floor: receive + delete batches of 10", "per second": requests / floorDrainSeconds },
  ];
  table("Pipeline throughput", throughput);
  save("latency", { rows, throughput });
  return { rows, throughput };
}
