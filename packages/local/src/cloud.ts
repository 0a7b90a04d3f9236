import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateScheduleGroupCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import dynalite from "dynalite";
import { createSqsServer } from "local-aws-sqs";
import webpush from "web-push";
import * as manifest from "../../../functions/manifest";
import { keyAttributes, schema } from "../../core/src/table";
import { type ApiRoute, type LocalApiGateway, startApiGateway } from "./api-gateway";
import { type LocalAppSyncEvents, startAppSyncEvents } from "./appsync-events";
import { type DynamoStreams, type StreamViewType, startDynamoStreams } from "./dynamo-streams";
import { type FeedbackEmulator, startFeedback } from "./feedback";
import { startFunctionUrl } from "./function-url";
import { close, listen } from "./net";
import { type PushService, startPushService } from "./push-service";
import { type QueueMapping, type QueueRunner, startQueueRunner } from "./queue-runner";
import { type RedisEmulator, startRedis } from "./redis";
import { type SchedulerEmulator, startScheduler } from "./scheduler";
import { startSes } from "./ses";
import { type SmsEmulator, startSms } from "./sms";
import { startTtlSweeper, type TtlSweeper } from "./ttl";

/**
 * Herald's local cloud: every AWS piece Herald uses, started in this process, with the same
 * handlers production runs. Production code finds it only through `AWS_ENDPOINT_URL_*` and
 * `SST_RESOURCE_*`, which `startLocalCloud` sets on `process.env` before any handler loads.
 */

export interface LocalCloudOptions {
  /** Fixed ports for `npm run dev`; 0 (default) picks free ones. */
  ports?: Partial<
    Record<
      | "api"
      | "dynamodb"
      | "sqs"
      | "ses"
      | "scheduler"
      | "redis"
      | "sms"
      | "push"
      | "feed"
      | "socket",
      number
    >
  >;
  stage?: string;
  /** Shorter than production so tests see redelivery quickly. */
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
  /**
   * Concurrent batches per channel worker (default: the manifest's maximumConcurrency, as the
   * event-source mapping in AWS).
   */
  workerConcurrency?: number;
  /** API Gateway's authorizer result cache, seconds (default the manifest's). */
  authorizerCacheSeconds?: number;
  /** The channel workers' batching window (default the manifest's `batchingWindowSeconds`). */
  batchingWindowMs?: number;
  /**
   * The counter function's batching window on the table's stream (default 250 ms: the
   * manifest's 5 s would only make tests wait; batches are as large either way under load).
   */
  streamBatchingWindowMs?: number;
  /** Channel worker timeout (the runner abandons a batch after it, as Lambda would). */
  workerTimeoutSeconds?: number;
  /** Scheduler emulator in AWS-like mode: schedules fire up to this many ms late (AWS: 60 000). */
  schedulerLateMs?: number;
  /** Extra environment for the handlers (tuning knobs such as HERALD_SCHEDULER_MIN_DELAY_SECONDS). */
  env?: Record<string, string>;
  /** Where handler and infrastructure errors go; default stderr. */
  onError?: (error: unknown) => void;
  /**
   * API Gateway's access log (the manifest's format, as the stage writes it to CloudWatch Logs
   * in AWS): one line per request, handed here. Default: not written.
   */
  accessLog?: (line: string) => void;
}

export interface LocalCloud {
  apiUrl: string;
  /** The real-time feed: a Function URL with response streaming. */
  feedUrl: string;
  /** The WebSocket feed (AppSync Events emulator): `ws://…/event/realtime`. */
  socketUrl: string;
  /** Its publish endpoint's host, as browsers name it in their authorization. */
  socketHost: string;
  socket: LocalAppSyncEvents;
  /** The SES emulator's mail viewer; `${sesUrl}/store` lists sent mail as JSON. */
  sesUrl: string;
  env: Record<string, string>;
  queues: Record<string, { url: string; arn: string; dlqUrl: string; dlqArn: string }>;
  tableName: string;
  scheduler: SchedulerEmulator;
  redis: RedisEmulator;
  /** End User Messaging SMS stand-in: records every text. */
  sms: SmsEmulator;
  /** A Web Push service: hands out real subscriptions and decrypts what reaches them. */
  push: PushService;
  /**
   * Provider feedback, as the Feedback SNS topic delivers it: answers SES mailbox simulator
   * addresses; `publish` sends any other SES event or SMS receipt to the same handler.
   */
  feedback: FeedbackEmulator;
  /**
   * The table's stream, which dynalite lacks, and the counter function it feeds
   * (`streams.drain()` waits until every record is counted).
   */
  streams: DynamoStreams;
  /** DynamoDB TTL, which dynalite lacks: deletes expired items (every 10 s, or `sweep()` now). */
  ttl: TtlSweeper;
  runner: QueueRunner;
  api: LocalApiGateway;
  /** Issue an API key for a tenant (the secret, as a client sends it); `test` for a test key. */
  createKey(tenantId: string, options?: { test?: boolean }): Promise<string>;
  stop(): Promise<void>;
}

const REGION = "us-east-1";
/** The AppSync Events channel namespace Herald publishes in (packages/core/src/realtime/socket.ts). */
const SocketNamespace = "feed";
const ROOT = new URL("../../../", import.meta.url);
const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** Load `path/to/file.exportName` (SST's handler notation) relative to the repo root. */
export function loader<T>(handler: string): () => Promise<T> {
  const dot = handler.lastIndexOf(".");
  const file = new URL(`${handler.slice(0, dot)}.ts`, ROOT).href;
  const name = handler.slice(dot + 1);
  return async () => {
    const module = (await import(file)) as Record<string, T>;
    const fn = module[name];
    if (!fn) throw new Error(`${file} has no export "${name}"`);
    return fn;
  };
}

async function startDynamo(port: number, tableName: string) {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const url = `http://127.0.0.1:${await listen(server, port)}`;
  const client = new DynamoDBClient({ endpoint: url, region: REGION, credentials: CREDENTIALS });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: keyAttributes.map((name) => ({
        AttributeName: name,
        AttributeType: "S",
      })),
      KeySchema: [
        { AttributeName: schema.partitionKey, KeyType: "HASH" },
        { AttributeName: schema.sortKey, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: Object.entries(schema.indexes).map(([name, index]) => ({
        IndexName: name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: "HASH" as const },
          { AttributeName: index.sortKey, KeyType: "RANGE" as const },
        ],
        Projection: { ProjectionType: index.projection === "all" ? "ALL" : "KEYS_ONLY" },
      })),
    }),
  );
  // dynalite has no TTL; what can expire is filtered on read (see table.ts).
  client.destroy();
  return { url, stop: () => close(server) };
}

async function createQueues(
  url: string,
  prefix: string,
  channels: string[],
  visibilityTimeoutSeconds: number,
  maxReceiveCount: number,
) {
  const client = new SQSClient({ endpoint: url, region: REGION, credentials: CREDENTIALS });
  const arnOf = async (queueUrl: string) => {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
    );
    if (!Attributes?.QueueArn) throw new Error(`No ARN for ${queueUrl}`);
    return Attributes.QueueArn;
  };
  const queues: LocalCloud["queues"] = {};
  for (const channel of channels) {
    const dlq = await client.send(
      new CreateQueueCommand({
        QueueName: `${prefix}-${channel}-dlq`,
        Attributes: { MessageRetentionPeriod: String(14 * 86_400) },
      }),
    );
    const dlqUrl = dlq.QueueUrl as string;
    const dlqArn = await arnOf(dlqUrl);
    const queue = await client.send(
      new CreateQueueCommand({
        QueueName: `${prefix}-${channel}`,
        Attributes: {
          VisibilityTimeout: String(visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
        },
      }),
    );
    const queueUrl = queue.QueueUrl as string;
    queues[channel] = { url: queueUrl, arn: await arnOf(queueUrl), dlqUrl, dlqArn };
  }
  client.destroy();
  return queues;
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const ports = options.ports ?? {};
  const stage = options.stage ?? "local";
  const prefix = `herald-${stage}`;
  const tableName = `${prefix}-table`;
  const onError =
    options.onError ??
    ((error: unknown) => process.stderr.write(`local cloud: ${String(error)}\n`));
  const workerTimeoutSeconds =
    options.workerTimeoutSeconds ?? manifest.queueSettings.workerTimeoutSeconds;
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };

  try {
    const dynamo = await startDynamo(0, tableName);
    stops.push(dynamo.stop);
    // Herald's clients talk to the stream's proxy, never to dynalite itself.
    const streams = await startDynamoStreams({
      port: ports.dynamodb ?? 0,
      dynamoUrl: dynamo.url,
      tableName,
      keys: [schema.partitionKey, schema.sortKey],
      viewType: schema.stream.toUpperCase().replaceAll("-", "_") as StreamViewType,
      region: REGION,
      onError,
      mappings: [
        {
          functionName: `${prefix}-counter`,
          handler: loader(manifest.counter.handler),
          batchSize: manifest.counter.batchSize,
          batchingWindowMs: options.streamBatchingWindowMs ?? 250,
          filters: manifest.counter.filters,
          maximumRetryAttempts: manifest.counter.maximumRetryAttempts,
          timeoutMs: manifest.counter.timeoutSeconds * 1000,
        },
      ],
    });
    stops.push(streams.stop);

    const ttl = startTtlSweeper({
      endpoint: streams.url,
      region: REGION,
      credentials: CREDENTIALS,
      tableName,
      onError,
    });
    stops.push(ttl.stop);

    const sqsServer = (await createSqsServer({
      port: ports.sqs ?? 0,
      hostname: "127.0.0.1",
      region: REGION,
      emulateQueueCreationLifecycle: false,
    })) as Server;
    stops.push(() => close(sqsServer));
    const sqsUrl = `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`;
    // Every channel's queue, the status callbacks' one and the topic fan-out's.
    const channels = [
      ...Object.keys(manifest.workers),
      manifest.callbacks.queue,
      manifest.fanout.queue,
    ];
    const queues = await createQueues(
      sqsUrl,
      prefix,
      channels,
      options.visibilityTimeoutSeconds ?? manifest.queueSettings.visibilityTimeoutSeconds,
      options.maxReceiveCount ?? manifest.queueSettings.maxReceiveCount,
    );

    const ses = await startSes({ port: ports.ses ?? 0 });
    stops.push(ses.stop);
    const sesUrl = ses.url;

    const scheduler = await startScheduler({
      port: ports.scheduler ?? 0,
      sqsEndpoint: sqsUrl,
      region: REGION,
      lateMs: options.schedulerLateMs,
    });
    stops.push(scheduler.stop);
    const group = `${prefix}-schedules`;
    const schedulerClient = new SchedulerClient({
      endpoint: scheduler.url,
      region: REGION,
      credentials: CREDENTIALS,
    });
    await schedulerClient.send(new CreateScheduleGroupCommand({ Name: group }));
    schedulerClient.destroy();

    const redis = await startRedis({ port: ports.redis ?? 0 });
    stops.push(redis.stop);
    // Stopped before Redis, so open feeds end before their subscriptions' server goes.
    const feed = await startFunctionUrl({
      port: ports.feed ?? 0,
      handler: loader(manifest.stream),
      functionName: `${prefix}-feed`,
      timeoutMs: 900_000,
      onError,
      cors: manifest.streamCors,
    });
    stops.push(feed.stop);

    // The WebSocket feed: AppSync Events, asking the same authorizer as in AWS.
    const socket = await startAppSyncEvents({
      port: ports.socket ?? 0,
      region: REGION,
      namespaces: [SocketNamespace],
      authorizer: {
        functionName: `${prefix}-socket-authorizer`,
        handler: loader(manifest.socket.authorizer),
      },
      onError,
    });
    stops.push(socket.stop);

    const sms = await startSms({ port: ports.sms ?? 0 });
    stops.push(sms.stop);
    const push = await startPushService({ port: ports.push ?? 0 });
    stops.push(push.stop);
    const vapid = webpush.generateVAPIDKeys();

    const env: Record<string, string> = {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: streams.url,
      AWS_ENDPOINT_URL_SQS: sqsUrl,
      AWS_ENDPOINT_URL_SCHEDULER: scheduler.url,
      AWS_ENDPOINT_URL_SESV2: sesUrl,
      AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: sms.url,
      SST_RESOURCE_App: JSON.stringify({ name: "herald", stage }),
      SST_RESOURCE_Table: JSON.stringify({ name: tableName }),
      SST_RESOURCE_Queues: JSON.stringify(
        Object.fromEntries(
          Object.entries(queues).map(([c, q]) => [c, { url: q.url, arn: q.arn, dlq: q.dlqArn }]),
        ),
      ),
      SST_RESOURCE_Scheduler: JSON.stringify({
        group,
        roleArn: "arn:aws:iam::123456789012:role/herald-local-scheduler",
      }),
      SST_RESOURCE_Email: JSON.stringify({ sender: "notifications@herald.local" }),
      SST_RESOURCE_Upstash: JSON.stringify({ url: redis.url, token: redis.token }),
      SST_RESOURCE_Vapid: JSON.stringify({ ...vapid, subject: "mailto:dev@herald.local" }),
      SST_RESOURCE_Sms: JSON.stringify({}),
      SST_RESOURCE_Webhooks: JSON.stringify({ signingKey: randomBytes(32).toString("base64url") }),
      SST_RESOURCE_Events: JSON.stringify({
        http: socket.httpUrl,
        realtime: socket.realtimeUrl,
        feed: feed.url,
      }),
      SST_RESOURCE_Realtime: JSON.stringify({
        tokenKey: randomBytes(32).toString("base64url"),
        url: feed.url,
      }),
      HERALD_LEASE_SECONDS: String(workerTimeoutSeconds * 2),
      // CloudWatch EMF lines would only clutter a terminal; tests that read them turn them on.
      POWERTOOLS_METRICS_DISABLED: "true",
      // Webhooks and push endpoints on this machine are the point of a local cloud.
      HERALD_WEBHOOK_ALLOW_PRIVATE: "true",
      ...options.env,
    };
    Object.assign(process.env, env);
    // The handlers run in this process, which may have loaded core's logger before (tests do):
    // it takes the level just set, e.g. the tests' `silent`.
    (await import("@herald/core/log")).log.followEnvironment();

    const feedback = startFeedback({
      sesUrl,
      tagsOf: ses.tagsOf,
      handler: loader(manifest.feedback),
      onError,
    });
    stops.push(feedback.stop);

    const runner = startQueueRunner({
      sqsEndpoint: sqsUrl,
      region: REGION,
      onError,
      mappings: Object.entries(queues).flatMap(([channel, queue]): QueueMapping[] => {
        // Not channels: their dead-letter queues have no consumer, as in AWS.
        const own = [manifest.callbacks, manifest.fanout].find((q) => q.queue === channel);
        const worker: QueueMapping = {
          queueUrl: queue.url,
          queueArn: queue.arn,
          functionName: `${prefix}-worker-${channel}`,
          handler: loader(
            own ? own.worker : manifest.workers[channel as keyof typeof manifest.workers],
          ),
          batchSize: manifest.queueSettings.batchSize,
          maximumBatchingWindowMs:
            options.batchingWindowMs ?? manifest.queueSettings.batchingWindowSeconds * 1000,
          timeoutMs: workerTimeoutSeconds * 1000,
          concurrency: options.workerConcurrency ?? manifest.queueSettings.maximumConcurrency,
        };
        if (own) return [worker];
        return [
          worker,
          {
            queueUrl: queue.dlqUrl,
            queueArn: queue.dlqArn,
            functionName: `${prefix}-dead-letter`,
            handler: loader(manifest.deadLetter),
            batchSize: manifest.queueSettings.batchSize,
          },
        ];
      }),
    });
    stops.push(() => runner.stop());

    const routes: ApiRoute[] = manifest.routes.map((spec) => ({
      route: spec.route,
      auth: spec.auth ?? true,
      functionName: `${prefix}-${spec.handler.split("/").pop()?.replace(".handler", "")}`,
      handler: loader(spec.handler),
    }));
    const api = await startApiGateway({
      port: ports.api ?? 0,
      routes,
      authorizer: {
        handler: loader(manifest.authorizer),
        resultsTtlSeconds: options.authorizerCacheSeconds ?? manifest.authorizerCacheSeconds,
      },
      onError,
      ...(options.accessLog
        ? { accessLog: { format: manifest.accessLogFormat, write: options.accessLog } }
        : {}),
    });
    stops.push(api.stop);
    // Emails link back to the API (one-click unsubscribe); its port is known only now.
    env.HERALD_API_URL = api.url;
    process.env.HERALD_API_URL = api.url;

    return {
      apiUrl: api.url,
      feedUrl: feed.url,
      socketUrl: socket.realtimeUrl,
      socketHost: new URL(socket.httpUrl).host,
      socket,
      sesUrl,
      env,
      queues,
      tableName,
      scheduler,
      redis,
      sms,
      push,
      feedback,
      streams,
      ttl,
      runner,
      api,
      createKey: async (tenantId, keyOptions) => {
        const Tenant = await import("@herald/core/tenant");
        return (await Tenant.createKey({ tenantId, test: keyOptions?.test })).secret;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
