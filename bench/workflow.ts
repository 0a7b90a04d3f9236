import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import type { LocalCloud } from "@herald/local/cloud";
import { type Durations, measureDurations } from "./durations";
import { call } from "./herald";
import { attachMeter, type Reading } from "./meter";
import { LAMBDA, PRICES, PROVIDER_FEES } from "./prices";
import { pool, receiver, save, sleep, table } from "./support";

/**
 * `npm run bench -- workflow`: what a 3-step fallback costs (in_app → email after 6 s unless
 * read → sms after 8 s unless read; in AWS these would be 10 min and 1 h, which changes
 * nothing counted here: both later steps go through the Scheduler, set early and held by the
 * worker, as they would be there). Two cases, N workflows each, metered like `bench cost`:
 * - unread: nobody reads, all three steps are sent;
 * - read: the in-app message is read once filed, so the two later steps are skipped at once
 *   (their schedules deleted) and never fire.
 * Compared with three plain sends of the same channels (what fallback done by the caller with
 * three requests would at least cost).
 */

type Case = "unread" | "read" | "three plain sends";

interface Measured {
  scenario: Case;
  workflows: number;
  requests: Record<string, number>;
  redisCommands: Record<string, number>;
  dynamo: { readUnits: number; writeUnits: number };
  schedulerInvocations: number;
  apiRequests: number;
  workerInvocations: number;
  stepsSent: number;
}

const per = (counts: Record<string, number>, n: number) =>
  Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / n]));
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function steps(i: number) {
  return [
    { channel: "in_app", content: { title: `Report ${i} is ready` } },
    {
      channel: "email",
      after: "6s",
      unless: "read",
      content: { subject: `Report ${i} is ready`, text: "Open Herald to read it." },
    },
    { channel: "sms", after: "8s", unless: "read", content: { text: `Report ${i} is ready` } },
  ];
}

export async function measureWorkflow(cloud: LocalCloud, n = 20) {
  const meter = await attachMeter();
  const hook = await receiver(() => {});
  const tenantId = "bench-workflow";
  const key = await cloud.createKey(tenantId);
  const recipientOf = (scenario: string, i: number) => ({
    id: `bench-wf-${scenario}-${i}`,
    email: `wf${i}@example.com`,
    phone: `+1555${String(1_000_000 + i).slice(1)}`,
  });
  // Status polling reads the table with a client of its own, which the meter does not count.
  const raw = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const statusOf = async (id: string) =>
    String(
      (
        await raw.send(
          new GetCommand({
            TableName: cloud.tableName,
            Key: { pk: `NTF#${tenantId}#${id}`, sk: "NTF" },
            ConsistentRead: true,
          }),
        )
      ).Item?.status,
    );
  const waitFor = async (ids: string[], done: (status: string) => boolean) => {
    for (const id of ids) {
      while (!done(await statusOf(id))) await sleep(100);
    }
  };
  const final = (status: string) =>
    ["sent", "delivered", "skipped", "failed", "cancelled"].includes(status);

  // Warm-up, not counted.
  const warm = await call(cloud.apiUrl, key, "POST", "/v1/workflows", {
    recipient: recipientOf("warm", 0),
    steps: steps(0),
    immediate: true,
  });
  await waitFor(
    (warm.json.steps as { id: string }[]).map((step) => step.id),
    final,
  );
  await cloud.runner.drain(30_000);

  const measured: Measured[] = [];
  for (const scenario of ["unread", "read", "three plain sends"] as Case[]) {
    const before = { invocations: cloud.runner.invocations, fired: cloud.scheduler.fired.length };
    meter.start();
    let apiRequests = 0;
    const ids = await pool(
      Array.from({ length: n }, (_, i) => i),
      4,
      async (i) => {
        const recipient = recipientOf(scenario.replace(/ /g, "-"), i);
        if (scenario === "three plain sends") {
          const sent = [];
          for (const step of steps(i)) {
            apiRequests++;
            sent.push(
              (
                await call(cloud.apiUrl, key, "POST", "/v1/notifications", {
                  channel: step.channel,
                  content: step.content,
                  recipient,
                  immediate: true,
                })
              ).json.id,
            );
          }
          return sent.map(String);
        }
        apiRequests++;
        const accepted = await call(cloud.apiUrl, key, "POST", "/v1/workflows", {
          recipient,
          steps: steps(i),
          immediate: true,
        });
        const stepIds = (accepted.json.steps as { id: string }[]).map((step) => step.id);
        const first = stepIds[0] ?? "";
        if (scenario === "read") {
          await waitFor([first], (status) => status === "delivered");
          apiRequests++;
          await call(
            cloud.apiUrl,
            key,
            "POST",
            `/v1/recipients/${recipient.id}/inbox/${first}/read`,
            undefined,
          );
        }
        return stepIds;
      },
    );
    await waitFor(ids.flat(), final);
    // Let every schedule that is left fire (none, once the read skipped them).
    await sleep(9_000);
    await cloud.runner.drain(30_000);
    const reading: Reading = meter.stop();
    const requests = { ...reading.requests };
    measured.push({
      scenario,
      workflows: n,
      requests: per(requests, n),
      redisCommands: per(reading.redisCommands, n),
      dynamo: {
        readUnits: reading.dynamo.readUnits / n,
        writeUnits: (reading.dynamo.tableWriteUnits + reading.dynamo.indexWriteUnits) / n,
      },
      schedulerInvocations: (cloud.scheduler.fired.length - before.fired) / n,
      apiRequests: apiRequests / n,
      workerInvocations: (cloud.runner.invocations - before.invocations) / n,
      stepsSent: scenario === "read" ? 1 : 3,
    });
  }
  raw.destroy();
  const durations = await measureDurations(cloud, hook.url);
  await hook.close();
  const priced = measured.map((m) => ({ ...m, usdPerMillion: usd(m, durations) }));
  table(
    `3-step fallback (in_app → email → sms), per workflow (N=${n}), SQS batches of 1`,
    priced.map((m) => ({
      scenario: m.scenario,
      "API requests": m.apiRequests,
      "worker runs": m.workerInvocations,
      "Scheduler fires": m.schedulerInvocations,
      "DDB read units": m.dynamo.readUnits,
      "DDB write units": m.dynamo.writeUnits,
      "SQS requests": sumOf(m.requests, "SQS "),
      "Scheduler API": sumOf(m.requests, "Scheduler "),
      "Redis commands": sum(Object.values(m.redisCommands)),
      "USD / million (plumbing)": m.usdPerMillion.total,
      "+ provider fees": m.usdPerMillion.providerFees,
    })),
  );
  save("workflow", { prices: PRICES, durationsMs: durations, scenarios: priced });
  return priced;
}

const sumOf = (requests: Record<string, number>, prefix: string) =>
  sum(
    Object.entries(requests)
      .filter(([k]) => k.startsWith(prefix))
      .map(([, v]) => v),
  );

/**
 * USD per million workflows (or triples of plain sends), batches of 1 (the worst case):
 * DynamoDB units, Herald's SQS requests plus the poller's 2 per worker run plus the Scheduler's
 * SendMessage per firing, Scheduler invocations, API Gateway + authorizer + API Lambda per API
 * request, worker Lambdas per run (billed at the measured single-record worker median of the
 * channel, averaged over the three), Redis commands. The API Lambda is billed at the
 * authorizer's plus a send's measured median per request (a workflow POST does more: an
 * underestimate of its compute, which is a small share).
 */
function usd(m: Measured, d: Durations) {
  const gb = LAMBDA.memoryMb / 1024;
  const workerMs = (d.worker.in_app.batch1 + d.worker.email.batch1 + d.worker.sms.batch1) / 3;
  const apiMs = d.authorizer + (d.send.in_app.queue + d.send.email.queue + d.send.sms.queue) / 3;
  const parts = {
    dynamodb:
      m.dynamo.readUnits * PRICES.dynamoReadUnit + m.dynamo.writeUnits * PRICES.dynamoWriteUnit,
    sqs:
      (sumOf(m.requests, "SQS ") + 2 * m.workerInvocations + m.schedulerInvocations) *
      PRICES.sqsRequest,
    scheduler: m.schedulerInvocations * PRICES.schedulerInvocation,
    lambda:
      (2 * m.apiRequests + m.workerInvocations) * PRICES.lambdaRequest +
      ((m.apiRequests * Math.ceil(apiMs) + m.workerInvocations * Math.ceil(workerMs)) / 1000) *
        gb *
        PRICES.lambdaGbSecond,
    apiGateway: m.apiRequests * PRICES.httpApiRequest,
    redis: sum(Object.values(m.redisCommands)) * PRICES.redisCommand,
  };
  const total = sum(Object.values(parts)) * 1e6;
  const fees =
    (PROVIDER_FEES.in_app.usd +
      (m.stepsSent === 3 ? PROVIDER_FEES.email.usd + PROVIDER_FEES.sms.usd : 0)) *
    1e6;
  return {
    ...Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v * 1e6])),
    total,
    providerFees: fees,
  };
}
