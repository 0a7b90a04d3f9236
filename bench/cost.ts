import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { LocalCloud } from "@herald/local/cloud";
import { LAMBDA_MEMORY_GB, PRICES, PROVIDER_FEES } from "./prices";
import { pool, receiver, save, sleep, table } from "./support";

/**
 * Requests per notification, counted where they happen: middleware on the very SDK clients the
 * handlers use (same process, same singletons), and on fetch for Upstash's REST calls.
 */

type Counts = Record<string, number>;
const counts: Counts = {};
const bump = (key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

interface Countable {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: "initialize"; name: string },
    ): void;
  };
}

async function instrument(cloud: LocalCloud) {
  const clients = await import("@herald/core/aws/clients");
  const services: [string, Countable][] = [
    ["dynamodb", clients.dynamo() as unknown as Countable],
    ["sqs", clients.sqs() as unknown as Countable],
    ["scheduler", clients.scheduler() as unknown as Countable],
    ["ses", clients.ses() as unknown as Countable],
    ["sms", clients.sms() as unknown as Countable],
  ];
  for (const [service, client] of services) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        bump(`${service}.${context.commandName?.replace(/Command$/, "")}`);
        return next(args);
      },
      { step: "initialize", name: "heraldBenchCounter" },
    );
  }
  const original = globalThis.fetch;
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(cloud.redis.url)) bump("redis.command");
    return original(input, init);
  }) as typeof fetch;
}

type Route = "immediate" | "delayed" | "scheduled";
const CHANNELS = ["email", "push", "sms", "webhook", "in_app"] as const;

export async function measureCost(cloud: LocalCloud, perScenario = 10) {
  await instrument(cloud);
  const hook = await receiver();
  const tenantId = "bench-cost";
  const key = await cloud.createKey(tenantId);
  const raw = new DynamoDBClient({});
  const rows: Record<string, string | number>[] = [];
  const results: unknown[] = [];

  const body = (channel: (typeof CHANNELS)[number], route: Route, i: number) => {
    const at =
      route === "immediate"
        ? undefined
        : new Date(Date.now() + (route === "delayed" ? 1_000 : 3_000));
    const recipient = {
      email: { email: `user${i}@example.com` },
      push: { push_subscription: cloud.push.subscribe() },
      sms: { phone: "+14155550123" },
      webhook: { webhook_url: `${hook.url}/hook` },
      in_app: { id: `bench-user-${i}` },
    }[channel];
    const content = {
      email: { subject: "Bench", text: "Hello" },
      push: { title: "Bench", body: "Hello" },
      sms: { text: "Hello" },
      webhook: { event: "bench", data: { i } },
      in_app: { title: "Bench", body: "Hello" },
    }[channel];
    return {
      channel,
      recipient,
      content,
      ...(at
        ? { send_at: at.toISOString(), delivery_window: { start: "00:00", end: "00:00" } }
        : {}),
      immediate: !at,
    };
  };

  const finalStatus = async (id: string) => {
    const { Item } = await raw.send(
      new GetItemCommand({
        TableName: cloud.tableName,
        Key: { pk: { S: `NTF#${tenantId}#${id}` }, sk: { S: "NTF" } },
      }),
    );
    return Item?.status?.S;
  };

  for (const route of ["immediate", "delayed", "scheduled"] as Route[]) {
    for (const channel of CHANNELS) {
      for (const k of Object.keys(counts)) delete counts[k];
      const invocationsBefore = cloud.runner.invocations;
      const ids = await pool(
        Array.from({ length: perScenario }, (_, i) => i),
        4,
        async (i) => {
          const response = await fetch(`${cloud.apiUrl}/v1/notifications`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify(body(channel, route, i)),
          });
          if (response.status !== 202) throw new Error(`send answered ${response.status}`);
          return ((await response.json()) as { id: string }).id;
        },
      );
      const deadline = Date.now() + 30_000;
      for (;;) {
        const statuses = await Promise.all(ids.map(finalStatus));
        if (statuses.every((s) => s === "sent" || s === "delivered")) break;
        if (Date.now() > deadline)
          throw new Error(`${channel}/${route}: stuck at ${statuses.join(",")}`);
        await sleep(100);
      }
      await cloud.runner.drain(30_000);
      const per = (k: string) => (counts[k] ?? 0) / perScenario;
      const herald = Object.fromEntries(
        Object.keys(counts)
          .sort()
          .map((k) => [k, per(k)]),
      );
      const dynamoWrites = Object.entries(herald)
        .filter(([k]) => /dynamodb\.(Put|Update|Delete)/.test(k))
        .reduce((sum, [, v]) => sum + v, 0);
      const dynamoReads = Object.entries(herald)
        .filter(([k]) => /dynamodb\.(Get|Query)/.test(k))
        .reduce((sum, [, v]) => sum + v, 0);
      const sqs = Object.entries(herald)
        .filter(([k]) => k.startsWith("sqs."))
        .reduce((sum, [, v]) => sum + v, 0);
      const workerInvocations = (cloud.runner.invocations - invocationsBefore) / perScenario;
      // On Herald's behalf, paid by the account: API Gateway request, the authorizer and API
      // Lambdas (authorizer uncached: one per request), the worker Lambda, the SQS poller's
      // receive + delete (worst case one message per batch), the Scheduler's invocation.
      const pollerSqs = 2;
      const scheduled = route === "scheduled" ? 1 : 0;
      const lambdaInvocations = 2 + workerInvocations;
      const lambdaGbSeconds = lambdaInvocations * 0.1 * LAMBDA_MEMORY_GB;
      const usd =
        dynamoWrites * PRICES.dynamoWrite +
        dynamoReads * PRICES.dynamoRead +
        (sqs + pollerSqs + scheduled) * PRICES.sqsRequest +
        scheduled * PRICES.schedulerInvocation +
        lambdaInvocations * PRICES.lambdaRequest +
        lambdaGbSeconds * PRICES.lambdaGbSecond +
        PRICES.httpApiRequest +
        per("redis.command") * PRICES.redisCommand;
      rows.push({
        channel,
        route,
        "ddb writes": dynamoWrites,
        "ddb reads": dynamoReads,
        "sqs (herald)": sqs,
        "sqs (poller+sched)": pollerSqs + scheduled,
        scheduler: per("scheduler.CreateSchedule"),
        redis: per("redis.command"),
        lambdas: lambdaInvocations,
        "USD / million": usd * 1e6,
        "+ provider fee / million": PROVIDER_FEES[channel].usd * 1e6,
      });
      results.push({
        channel,
        route,
        perNotification: herald,
        workerInvocations,
        usdPerMillion: usd * 1e6,
      });
    }
  }
  raw.destroy();
  await hook.close();
  table("Requests per notification, and cost per million (USD, us-east-1)", rows);
  process.stdout.write(
    "Assumes: authorizer uncached (1 invocation per API request), SQS poller at one message per batch (receive + delete = 2), 100 ms per Lambda at 256 MB, DynamoDB items <= 1 KB. Provider fees apart: SES $0.10/1000, SMS ~$0.00581 (US), push/webhook $0.\n",
  );
  save("cost", { prices: PRICES, providerFees: PROVIDER_FEES, rows, results });
  return rows;
}
