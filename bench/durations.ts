import { randomUUID } from "node:crypto";
import { type LocalCloud, loader } from "@herald/local/cloud";
import { createContext } from "@herald/local/lambda";
import type { Context } from "aws-lambda";
import * as manifest from "../functions/manifest";
import { CHANNELS, type Channel, sendBody } from "./herald";
import { median } from "./support";

/**
 * How long each Lambda runs per invocation, for the GB-s part of the cost: the very handler
 * modules the local cloud runs (warm, same module instances), invoked directly with the events
 * API Gateway and the SQS event source would build, timed around the call. Everything else (the
 * emulators) runs in this process too, so the time a handler waits for "DynamoDB" includes the
 * emulator's own work, as a real call includes the service's.
 */

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface Durations {
  /** Median ms per invocation. */
  authorizer: number;
  /** POST /v1/notifications: dispatch to SQS (immediate and delayed) or to the Scheduler. */
  send: Record<Channel, { queue: number; schedule: number }>;
  /** Channel worker per invocation, with 1 record and with a full batch of 10. */
  worker: Record<Channel, { batch1: number; batch10: number }>;
  /**
   * The counter function (the table's stream) per invocation, with 1 INSERT record and with a
   * full batch of the manifest's `counter.batchSize`.
   */
  counter: { batch1: number; full: number };
  runs: {
    authorizer: number;
    send: number;
    worker1: number;
    worker10: number;
    counter1: number;
    counterFull: number;
  };
}

const RUNS = { authorizer: 20, send: 10, worker1: 10, worker10: 3, counter1: 10, counterFull: 3 };

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

function context(functionName: string): Context {
  return createContext({
    functionName,
    timeoutMs: 30_000,
    deadline: Date.now() + 30_000,
    memoryLimitInMB: 1024,
  });
}

export async function measureDurations(cloud: LocalCloud, hookUrl: string): Promise<Durations> {
  const Tenant = await import("@herald/core/tenant");
  const tenantId = "bench-durations";
  const { secret, keyId } = await Tenant.createKey({ tenantId });
  const authorizer = await loader<Handler>(manifest.authorizer)();
  const sendRoute = manifest.routes.find((r) => r.route === "POST /v1/notifications");
  if (!sendRoute) throw new Error("No POST /v1/notifications in the manifest");
  const sendHandler = await loader<Handler>(sendRoute.handler)();

  const authorizerEvent = {
    version: "2.0",
    type: "REQUEST",
    routeKey: "POST /v1/notifications",
    headers: { authorization: `Bearer ${secret}` },
  };
  const answer = (await authorizer(authorizerEvent, context("authorizer"))) as {
    isAuthorized: boolean;
  };
  if (!answer.isAuthorized) throw new Error("The authorizer refused the bench's key");
  for (let i = 0; i < 2; i++) await authorizer(authorizerEvent, context("authorizer"));
  const authorizerMs: number[] = [];
  for (let i = 0; i < RUNS.authorizer; i++) {
    authorizerMs.push(await timed(() => authorizer(authorizerEvent, context("authorizer"))));
  }

  const apiEvent = (body: unknown) => ({
    version: "2.0",
    routeKey: "POST /v1/notifications",
    rawPath: "/v1/notifications",
    rawQueryString: "",
    headers: { "content-type": "application/json" },
    requestContext: {
      requestId: randomUUID(),
      routeKey: "POST /v1/notifications",
      stage: "$default",
      http: { method: "POST", path: "/v1/notifications", protocol: "HTTP/1.1" },
      authorizer: { lambda: { tenantId, keyId } },
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  });
  const invokeSend = async (body: unknown) => {
    let id = "";
    const ms = await timed(async () => {
      const response = (await sendHandler(apiEvent(body), context("send"))) as {
        statusCode: number;
        body: string;
      };
      if (response.statusCode !== 202) throw new Error(`send answered ${response.statusCode}`);
      id = (JSON.parse(response.body) as { id: string }).id;
    });
    return { id, ms };
  };

  const send = {} as Durations["send"];
  const worker = {} as Durations["worker"];
  for (const channel of CHANNELS) {
    // Immediate: one at a time, each delivered before the next, so no worker runs meanwhile.
    const queued: number[] = [];
    for (let i = 0; i < RUNS.send; i++) {
      queued.push((await invokeSend(sendBody(cloud, hookUrl, channel, i))).ms);
      await cloud.runner.drain(30_000);
    }
    // Scheduled an hour out: nothing fires during the bench, and these notifications are the
    // ones the worker then delivers (a `scheduled` notification is claimable).
    const later = new Date(Date.now() + 3_600_000);
    const scheduled: { id: string; ms: number }[] = [];
    for (let i = 0; i < RUNS.worker1 + 10 * RUNS.worker10; i++) {
      scheduled.push(await invokeSend(sendBody(cloud, hookUrl, channel, i, { sendAt: later })));
    }

    const workerHandler = await loader<Handler>(manifest.workers[channel])();
    const records = (ids: string[]) => ({
      Records: ids.map((id) => ({
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body: JSON.stringify({ v: 1, tenant_id: tenantId, id }),
      })),
    });
    const deliver = async (ids: string[]) => {
      const result = (await workerHandler(records(ids), context(`worker-${channel}`))) as {
        batchItemFailures: unknown[];
      };
      if (result.batchItemFailures.length) throw new Error(`${channel} worker failed a record`);
    };
    const ids = scheduled.map((s) => s.id);
    const batch1: number[] = [];
    for (let i = 0; i < RUNS.worker1; i++) batch1.push(await timed(() => deliver([ids[i]!])));
    const batch10: number[] = [];
    for (let i = 0; i < RUNS.worker10; i++) {
      const start = RUNS.worker1 + 10 * i;
      batch10.push(await timed(() => deliver(ids.slice(start, start + 10))));
    }
    send[channel] = { queue: median(queued), schedule: median(scheduled.map((s) => s.ms)) };
    worker[channel] = { batch1: median(batch1), batch10: median(batch10) };
  }
  return {
    authorizer: median(authorizerMs),
    send,
    worker,
    counter: await measureCounter(tenantId),
    runs: RUNS,
  };
}

/** The counter function on stream batches of INSERTed notifications, as the mapping hands them. */
async function measureCounter(tenantId: string): Promise<Durations["counter"]> {
  const counter = await loader<Handler>(manifest.counter.handler)();
  const event = (n: number) => ({
    Records: Array.from({ length: n }, () => {
      const id = `ntf_${randomUUID()}`;
      return {
        eventName: "INSERT",
        eventSource: "aws:dynamodb",
        dynamodb: {
          Keys: { pk: { S: `NTF#${tenantId}#${id}` }, sk: { S: "NTF" } },
          NewImage: {
            pk: { S: `NTF#${tenantId}#${id}` },
            sk: { S: "NTF" },
            tenant_id: { S: tenantId },
            id: { S: id },
            channel: { S: "email" },
            status: { S: "queued" },
            created_at: { S: new Date().toISOString() },
          },
          StreamViewType: "NEW_IMAGE",
        },
      };
    }),
  });
  const run = (n: number) => timed(() => counter(event(n), context("counter")));
  await run(1);
  const batch1: number[] = [];
  for (let i = 0; i < RUNS.counter1; i++) batch1.push(await run(1));
  const full: number[] = [];
  for (let i = 0; i < RUNS.counterFull; i++) full.push(await run(manifest.counter.batchSize));
  return { batch1: median(batch1), full: median(full) };
}
