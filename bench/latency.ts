import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { LocalCloud } from "@herald/local/cloud";
import { finishedAt, send, sendBody, waitFinal } from "./herald";
import { percentile, pool, save, table } from "./support";

/**
 * Part 3: local API latency (POST /v1/notifications, immediate email) and pipeline throughput
 * (accepted → delivered per second), each next to the raw emulator floor measured in the same
 * run against the same emulators: the DynamoDB PutItem + SQS SendMessage a send boils down to,
 * made directly with SDK clients, consumed by a bare receive + DeleteMessageBatch loop shaped
 * like the local event-source runner's (two pollers; a 1 s long poll for one message, then one
 * zero-wait receive for up to nine more). In both runs producer and consumer work at once, as
 * they do in the pipeline.
 */

const epoch = (perfMs: number) => performance.timeOrigin + perfMs;

function stats(values: number[]) {
  return {
    "p50 ms": percentile(values, 50),
    "p99 ms": percentile(values, 99),
    "mean ms": values.reduce((a, b) => a + b, 0) / values.length,
  };
}

export async function measureLatency(cloud: LocalCloud, requests = 300, concurrency = 4) {
  const tenantId = "bench-latency";
  const key = await cloud.createKey(tenantId);
  const body = (i: number) => sendBody(cloud, "", "email", i);

  // Warm-up, not measured.
  const warm = await pool(
    Array.from({ length: 10 }, (_, i) => i),
    concurrency,
    (i) => send(cloud.apiUrl, key, body(i)),
  );
  await waitFinal(
    cloud,
    tenantId,
    warm.map((a) => a.id),
  );
  await cloud.runner.drain(30_000);

  // Herald.
  const accepted = await pool(
    Array.from({ length: requests }, (_, i) => i),
    concurrency,
    (i) => send(cloud.apiUrl, key, body(i)),
  );
  const items = await waitFinal(
    cloud,
    tenantId,
    accepted.map((a) => a.id),
    120_000,
  );
  await cloud.runner.drain(30_000);
  const heraldStart = Math.min(...accepted.map((a) => a.start));
  const herald = {
    latency: accepted.map((a) => a.end - a.start),
    acceptSeconds: (Math.max(...accepted.map((a) => a.end)) - heraldStart) / 1000,
    pipelineSeconds: (Math.max(...items.map(finishedAt)) - epoch(heraldStart)) / 1000,
    endToEnd: items.map((item, i) => finishedAt(item) - epoch(accepted[i]!.start)),
  };

  // Floor: the same put and send, without Herald.
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sqs = new SQSClient({});
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `bench-floor-${Date.now()}` }),
  );
  const queueUrl = QueueUrl as string;
  const template = items[0] as Record<string, unknown>;
  const sentAt: number[] = [];
  const deletedAt: number[] = [];
  let deleted = 0;

  const receive = async (max: number, wait: number): Promise<Message[]> =>
    (
      await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: wait,
          AttributeNames: ["All"],
        }),
      )
    ).Messages ?? [];
  const consumer = async () => {
    while (deleted < requests) {
      const batch = await receive(1, 1);
      if (!batch.length) continue;
      batch.push(...(await receive(9, 0)));
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
        }),
      );
      const now = performance.now();
      for (const m of batch) deletedAt[(JSON.parse(m.Body ?? "{}") as { i: number }).i] = now;
      deleted += batch.length;
    }
  };
  const consumers = [consumer(), consumer()];
  const floorLatency = await pool(
    Array.from({ length: requests }, (_, i) => i),
    concurrency,
    async (i) => {
      const start = performance.now();
      sentAt[i] = start;
      const id = `ntf_benchfloor${String(i).padStart(6, "0")}`;
      await dynamo.send(
        new PutCommand({
          TableName: cloud.tableName,
          Item: { ...template, pk: `NTF#bench-floor#${id}`, id, status: "queued" },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify({ v: 1, tenant_id: "bench-floor", id, i }),
        }),
      );
      return performance.now() - start;
    },
  );
  await Promise.all(consumers);
  dynamo.destroy();
  sqs.destroy();
  const floorStart = Math.min(...sentAt);
  const floor = {
    latency: floorLatency,
    acceptSeconds: (Math.max(...sentAt.map((s, i) => s + floorLatency[i]!)) - floorStart) / 1000,
    pipelineSeconds: (Math.max(...deletedAt) - floorStart) / 1000,
    endToEnd: deletedAt.map((d, i) => d - sentAt[i]!),
  };

  const latencyRows = [
    { path: "Herald: POST /v1/notifications (email, immediate)", ...stats(herald.latency) },
    { path: "floor: DynamoDB PutItem + SQS SendMessage", ...stats(floor.latency) },
  ];
  table(
    `Local API latency (N=${requests}, concurrency ${concurrency}, workers consuming meanwhile)`,
    latencyRows,
  );
  const throughputRows = [
    {
      path: "Herald: API → SQS → worker → SES emulator → delivered",
      "accepted → delivered /s": requests / herald.pipelineSeconds,
      "accepted /s": requests / herald.acceptSeconds,
      "e2e p50 ms": percentile(herald.endToEnd, 50),
      "e2e p99 ms": percentile(herald.endToEnd, 99),
    },
    {
      path: "floor: put + send → receive + DeleteMessageBatch",
      "accepted → delivered /s": requests / floor.pipelineSeconds,
      "accepted /s": requests / floor.acceptSeconds,
      "e2e p50 ms": percentile(floor.endToEnd, 50),
      "e2e p99 ms": percentile(floor.endToEnd, 99),
    },
  ];
  table(`Pipeline throughput (N=${requests})`, throughputRows);
  save("latency", {
    requests,
    concurrency,
    latency: latencyRows,
    throughput: throughputRows,
    raw: { herald, floor },
  });
  return { latencyRows, throughputRows };
}
