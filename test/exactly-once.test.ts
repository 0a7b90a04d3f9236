import { randomUUID } from "node:crypto";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { GetScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, eventually, unique, useLocalCloud } from "./support";

// Issue 11: "delivered at most once, and the final status is the truth", through replays, dead
// letters and completions that find the item changed. Short timings: a message comes back after
// 1 s and dead-letters on its third receive; a worker owns a claim for 16 s.
const cloud = useLocalCloud({
  visibilityTimeoutSeconds: 1,
  maxReceiveCount: 2,
  workerTimeoutSeconds: 8,
  env: {
    HERALD_LEASE_SECONDS: "16",
    HERALD_RETRY_SCHEDULE: "0,2s,2s,2s",
    HERALD_RETRY_JITTER: "0",
    // Waits over a second go through the Scheduler, so retries use per-attempt schedules.
    HERALD_SCHEDULER_MIN_DELAY_SECONDS: "1",
    // Schedules fire at their time, not early (the early fire and hold have tests of their own),
    // so a retry's schedule is still there to be found while it waits.
    HERALD_SCHEDULER_LEAD_SECONDS: "0",
    // What today's code used for its backoff; ignored since the retry schedule replaced it.
    HERALD_RETRY_BASE_SECONDS: "1",
  },
});

/** A webhook receiver whose answers per path the test decides, in order. */
let receiver: Server;
let receiverUrl: string;
const answers = new Map<string, ((res: ServerResponse) => void)[]>();
const hits = new Map<string, { at: number; attempt: string; status?: number }[]>();

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const path = req.url ?? "";
      const list = hits.get(path) ?? [];
      const hit = { at: Date.now(), attempt: String(req.headers["herald-attempt"]) };
      list.push(hit);
      hits.set(path, list);
      const answer = answers.get(path)?.shift() ?? ((r: ServerResponse) => r.writeHead(200).end());
      const writeHead = res.writeHead.bind(res);
      res.writeHead = ((status: number, ...rest: never[]) => {
        Object.assign(hit, { status });
        return writeHead(status, ...rest);
      }) as typeof res.writeHead;
      answer(res);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

async function tenant() {
  const tenantId = unique("tenant");
  return { tenantId, api: client(cloud().apiUrl, await cloud().createKey(tenantId)) };
}

type Api = ReturnType<typeof client>;

async function waitFor(api: Api, id: string, check: (n: Record<string, any>) => boolean) {
  return eventually(
    async () => {
      const { body } = await api.request("GET", `/v1/notifications/${id}`);
      return check(body) ? body : undefined;
    },
    { timeoutMs: 20_000, what: `${id} to change` },
  );
}

async function scheduleExists(name: string) {
  const scheduler = new SchedulerClient({});
  try {
    await scheduler.send(
      new GetScheduleCommand({ Name: name, GroupName: "herald-local-schedules" }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") return false;
    throw error;
  } finally {
    scheduler.destroy();
  }
}

const ok = (path: string) => (hits.get(path) ?? []).filter((hit) => hit.status === 200);

describe("exactly once through replays, dead letters and retries", () => {
  it("a replay during backoff, a dead letter and a late 200 end delivered once, and retry refuses it", async () => {
    // Prepare: the receiver answers 500, then holds the next request until the notification
    // has been marked failed (or 4 s have passed) and answers 200.
    const { api } = await tenant();
    const path = `/hook/${randomUUID()}`;
    const key = unique("key");
    let id = "";
    answers.set(path, [
      (res) => res.writeHead(500).end(),
      (res) => {
        const started = Date.now();
        const poll = async () => {
          const { body } = await api.request("GET", `/v1/notifications/${id}`);
          if (body.status === "failed" || Date.now() - started > 4_000) res.writeHead(200).end();
          else setTimeout(poll, 100);
        };
        void poll();
      },
    ]);
    const request = {
      channel: "webhook",
      recipient: { webhook_url: `${receiverUrl}${path}` },
      content: { event: "exactly.once", data: { n: 1 } },
      immediate: true,
    };

    // Act: send; once it waits in backoff, replay the same request with the same key.
    const first = await api.request("POST", "/v1/notifications", request, {
      "idempotency-key": key,
    });
    id = first.body.id;
    await waitFor(api, id, (n) => n.status === "queued" && n.attempts === 1);
    const replay = await api.request("POST", "/v1/notifications", request, {
      "idempotency-key": key,
    });
    const done = await waitFor(api, id, (n) => ["delivered", "failed"].includes(n.status));
    // Let any copy or dead letter still in flight play out. (The second attempt outlives the
    // 1 s visibility timeout, so its message is dead-lettered while it holds the lease; the
    // dead-letter handler hands it back and judges it again 30 s later.)
    await cloud().runner.drain(45_000);
    const settled = await api.request("GET", `/v1/notifications/${id}`);
    const retried = await api.request("POST", `/v1/notifications/${id}/retry`);
    await cloud().runner.drain(20_000);

    // Assess
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(done.status).toBe("delivered");
    expect(settled.body.status).toBe("delivered");
    expect(retried.status).toBe(409);
    expect(ok(path)).toHaveLength(1);
    const [failedHit, deliveredHit] = hits.get(path) ?? [];
    expect(hits.get(path)).toHaveLength(2);
    // The replay did not skip the backoff: the second attempt came at its planned time.
    expect(deliveredHit!.at - failedHit!.at).toBeGreaterThanOrEqual(1_900);
  }, 90_000);

  it("a dead letter never overrides a live lease; it marks the notification once the lease ends", async () => {
    // Prepare: a notification claimed by a worker (live lease), and its message dead-lettered.
    const { tenantId, api } = await tenant();
    const accepted = await api.request("POST", "/v1/notifications", {
      channel: "webhook",
      recipient: { webhook_url: `${receiverUrl}/hook/${randomUUID()}` },
      content: { event: "lease", data: {} },
      send_at: new Date(Date.now() + 3_600_000).toISOString(),
      delivery_window: { start: "00:00", end: "00:00" },
    });
    const id = accepted.body.id as string;
    const Notification = await import("@herald/core/notification");
    const { exhaustBatch } = await import("@herald/core/delivery/worker");
    const now = new Date();
    const claimed = await Notification.claim(tenantId, id, now, 30);
    const record = {
      messageId: randomUUID(),
      receiptHandle: "x",
      body: JSON.stringify({ v: 1, tenant_id: tenantId, id }),
    };

    // Act
    const whileLeased = await exhaustBatch([record]);
    const during = await api.request("GET", `/v1/notifications/${id}`);
    const leaseOver = await Notification.exhaust(tenantId, id, 0, new Date(now.getTime() + 31_000));
    const after = await api.request("GET", `/v1/notifications/${id}`);

    // Assess
    expect(claimed.kind).toBe("claimed");
    expect(whileLeased.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(during.body.status).toBe("sending");
    expect(leaseOver.kind).toBe("marked");
    expect(after.body.status).toBe("failed");
  });

  it("ignores a stale dead letter while a newer dispatch carries the retry", async () => {
    // Prepare: the first attempt failed and the worker dispatched attempt 2 (generation 1).
    const { tenantId, api } = await tenant();
    const path = `/hook/${randomUUID()}`;
    answers.set(path, [(res) => res.writeHead(503).end()]);
    const accepted = await api.request("POST", "/v1/notifications", {
      channel: "webhook",
      recipient: { webhook_url: `${receiverUrl}${path}` },
      content: { event: "stale", data: {} },
      immediate: true,
    });
    const id = accepted.body.id as string;
    await waitFor(api, id, (n) => n.status === "queued" && n.attempts === 1);
    const { exhaustBatch } = await import("@herald/core/delivery/worker");

    // Act: the first message (generation 0) turns up in the dead-letter queue.
    const stale = await exhaustBatch([
      {
        messageId: randomUUID(),
        receiptHandle: "x",
        body: JSON.stringify({ v: 1, tenant_id: tenantId, id }),
      },
    ]);
    const during = await api.request("GET", `/v1/notifications/${id}`);
    const done = await waitFor(api, id, (n) => ["delivered", "failed"].includes(n.status));

    // Assess
    expect(stale.batchItemFailures).toEqual([]);
    expect(during.body.status).toBe("queued");
    expect(done.status).toBe("delivered");
    expect(done.attempts).toBe(2);
    expect(ok(path)).toHaveLength(1);
  });

  it("reports a completion that finds the item changed, and never sends it again", async () => {
    // Prepare: while the receiver holds the request, the notification is marked failed as if
    // its lease had run out and its message had been dead-lettered; then the receiver says 200.
    const { tenantId, api } = await tenant();
    const path = `/hook/${randomUUID()}`;
    const Notification = await import("@herald/core/notification");
    let id = "";
    answers.set(path, [
      (res) => {
        void Notification.exhaust(tenantId, id, 0, new Date(Date.now() + 3_600_000)).then(() =>
          res.writeHead(200).end(),
        );
      },
    ]);
    const accepted = await api.request("POST", "/v1/notifications", {
      channel: "webhook",
      recipient: { webhook_url: `${receiverUrl}${path}` },
      content: { event: "conflict", data: {} },
      send_at: new Date(Date.now() + 3_600_000).toISOString(),
      delivery_window: { start: "00:00", end: "00:00" },
    });
    id = accepted.body.id;
    const { deliverBatch } = await import("@herald/core/delivery/worker");
    const { webhook } = await import("@herald/core/delivery/providers/webhook");

    // Act
    const result = await deliverBatch("webhook", webhook, [
      {
        messageId: randomUUID(),
        receiptHandle: "x",
        body: JSON.stringify({ v: 1, tenant_id: tenantId, id }),
      },
    ]);
    const after = await api.request("GET", `/v1/notifications/${id}`);
    const retried = await api.request("POST", `/v1/notifications/${id}/retry`);
    const { redrive } = await import("../scripts/redrive");
    const redriven = await redrive(tenantId);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(after.body.status).toBe("failed");
    expect(after.body.provider_accepted_at).toBeDefined();
    expect(retried.status).toBe(409);
    expect(redriven).toEqual({ retried: [], skipped: [id] });
    expect(ok(path)).toHaveLength(1);
  });

  it("a replay dispatches again only what waits for its first attempt", async () => {
    const { mayHaveLostItsMessage } = await import("@herald/core/notification");
    expect(mayHaveLostItsMessage({ status: "queued", attempts: 0 })).toBe(true);
    expect(mayHaveLostItsMessage({ status: "scheduled", attempts: 0 })).toBe(true);
    expect(mayHaveLostItsMessage({ status: "queued", attempts: 1 })).toBe(false);
    expect(mayHaveLostItsMessage({ status: "sending", attempts: 0 })).toBe(false);
    expect(mayHaveLostItsMessage({ status: "delivered", attempts: 1 })).toBe(false);
  });

  it("cancel and force find the schedule a retry is waiting on", async () => {
    // Prepare: two notifications whose first attempt failed; each waits on a schedule.
    const { api } = await tenant();
    const paths = [`/hook/${randomUUID()}`, `/hook/${randomUUID()}`];
    for (const path of paths) answers.set(path, [(res) => res.writeHead(500).end()]);
    const ids: string[] = [];
    for (const path of paths) {
      const accepted = await api.request("POST", "/v1/notifications", {
        channel: "webhook",
        recipient: { webhook_url: `${receiverUrl}${path}` },
        content: { event: "backoff", data: {} },
        immediate: true,
      });
      ids.push(accepted.body.id);
    }
    const waiting = await Promise.all(
      ids.map((id) => waitFor(api, id, (n) => n.status === "queued" && n.attempts === 1)),
    );
    const [cancelId, forceId] = ids as [string, string];
    const before = await Promise.all(ids.map((id) => scheduleExists(`${id}.1`)));

    // Act
    const cancelled = await api.request("POST", `/v1/notifications/${cancelId}/cancel`);
    const forced = await api.request("POST", `/v1/notifications/${forceId}/force`);
    const delivered = await waitFor(api, forceId, (n) => n.status === "delivered");
    // Past the time both retries were planned for.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await cloud().runner.drain(20_000);
    const after = await Promise.all(ids.map((id) => scheduleExists(`${id}.1`)));
    const cancelledLater = await api.request("GET", `/v1/notifications/${cancelId}`);

    // Assess
    expect(waiting.map((n) => n.next_attempt_at)).toEqual([expect.any(String), expect.any(String)]);
    expect(before).toEqual([true, true]);
    expect(cancelled.body.status).toBe("cancelled");
    expect(forced.status).toBe(200);
    expect(delivered.attempts).toBe(2);
    expect(after).toEqual([false, false]);
    expect(cancelledLater.body.status).toBe("cancelled");
    expect(hits.get(paths[0]!)).toHaveLength(1);
    expect(hits.get(paths[1]!)).toHaveLength(2);
  });
});
