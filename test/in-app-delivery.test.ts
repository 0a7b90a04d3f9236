import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import * as Notification from "@herald/core/notification/lifecycle";
import { describe, expect, it } from "vitest";
import { client, eventually, unique, useLocalCloud } from "./support";

// An in-app message is delivered by one conditional write, without a claim before it
// (Notification.take). These tests hold that write to what the claim guaranteed: one delivery
// per notification whatever copies arrive, a cancel or force that lands between the worker's
// read and its write wins, and a crash on either side of the write neither doubles nor loses it.
// Sends more than a second out go through the Scheduler emulator (up to 1 s late, set 2 s early).
const cloud = useLocalCloud({
  schedulerLateMs: 1_000,
  env: { HERALD_SCHEDULER_MIN_DELAY_SECONDS: "1", HERALD_SCHEDULER_LEAD_SECONDS: "2" },
});

const ALWAYS = { start: "00:00", end: "00:00" };

async function tenant() {
  const tenantId = unique("tenant");
  return { tenantId, api: client(cloud().apiUrl, await cloud().createKey(tenantId)) };
}

/** An in-app send due in `inMs` (an hour: its schedule never fires during the test). */
function inApp(recipient: string, inMs = 3_600_000) {
  return {
    channel: "in_app",
    recipient: { id: recipient },
    content: { title: unique("title"), body: "hello" },
    send_at: new Date(Date.now() + inMs).toISOString(),
    delivery_window: ALWAYS,
  };
}

/** `copies` copies of a notification's queue message (generation `gen`), as SQS may hand out. */
async function enqueue(tenantId: string, id: string, copies = 1, gen = 0) {
  const sqs = new SQSClient({});
  const body = JSON.stringify({ v: 1, tenant_id: tenantId, id, gen });
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: cloud().queues.in_app!.url,
      Entries: Array.from({ length: copies }, (_, i) => ({ Id: `copy${i}`, MessageBody: body })),
    }),
  );
  sqs.destroy();
}

async function settled(api: ReturnType<typeof client>, id: string, statuses: string[]) {
  return eventually(
    async () => {
      const { body } = await api.request("GET", `/v1/notifications/${id}`);
      return statuses.includes(body.status) ? body : undefined;
    },
    { timeoutMs: 20_000, what: `${id} to reach ${statuses.join("|")}` },
  );
}

async function inboxIds(api: ReturnType<typeof client>, recipient: string): Promise<string[]> {
  const { body } = await api.request("GET", `/v1/recipients/${recipient}/inbox`);
  return body.items.map((n: { id: string }) => n.id);
}

/** The worker's first step on a message, as it takes it: read, not claimed. */
async function take(tenantId: string, id: string, gen = 0) {
  const taken = await Notification.take("in_app", tenantId, id, new Date(), 60, gen);
  if (taken.kind !== "claimed") throw new Error(`not taken: ${JSON.stringify(taken)}`);
  return taken;
}

/** The worker's delivery write for what `take` returned. */
function deliver(tenantId: string, taken: Awaited<ReturnType<typeof take>>) {
  return Notification.complete(tenantId, taken.notification, Notification.ownerOf(taken), {
    status: "delivered",
  });
}

describe("in-app delivery in one write", () => {
  it("delivers once, counted once, when ten copies of its message arrive at once", async () => {
    // Prepare
    const { tenantId, api } = await tenant();
    const recipient = unique("user");
    const accepted = await api.request("POST", "/v1/notifications", inApp(recipient));

    // Act
    await enqueue(tenantId, accepted.body.id, 10);
    const done = await settled(api, accepted.body.id, ["delivered"]);
    await cloud().runner.drain(20_000);

    // Assess
    const final = await api.request("GET", `/v1/notifications/${accepted.body.id}`);
    expect(final.body).toMatchObject({ status: "delivered", attempts: 1 });
    expect(final.body.delivered_at).toBe(done.delivered_at);
    expect(await inboxIds(api, recipient)).toEqual([accepted.body.id]);
    await cloud().streams.drain();
    const metrics = await api.request("GET", "/v1/metrics");
    expect(metrics.body.totals.in_app).toMatchObject({ accepted: 1, delivered: 1 });
  });

  it("a cancel between the worker's read and its write wins: nothing delivered", async () => {
    // Prepare
    const { tenantId, api } = await tenant();
    const recipient = unique("user");
    const accepted = await api.request("POST", "/v1/notifications", inApp(recipient));

    // Act
    const taken = await take(tenantId, accepted.body.id);
    const cancelled = await api.request("POST", `/v1/notifications/${accepted.body.id}/cancel`);
    const written = await deliver(tenantId, taken);

    // Assess
    expect(cancelled.status).toBe(200);
    expect(written).toBeUndefined();
    const final = await api.request("GET", `/v1/notifications/${accepted.body.id}`);
    expect(final.body.status).toBe("cancelled");
    expect(await inboxIds(api, recipient)).toEqual([]);
  });

  it("a force between the read and the write makes the read message stale: delivered once", async () => {
    // Prepare
    const { tenantId, api } = await tenant();
    const recipient = unique("user");
    const accepted = await api.request("POST", "/v1/notifications", inApp(recipient));

    // Act: the forced message (generation 1) goes through the real worker.
    const taken = await take(tenantId, accepted.body.id);
    const forced = await api.request("POST", `/v1/notifications/${accepted.body.id}/force`);
    const written = await deliver(tenantId, taken);
    await settled(api, accepted.body.id, ["delivered"]);
    await cloud().runner.drain(20_000);

    // Assess
    expect(forced.status).toBe(200);
    expect(written).toBeUndefined();
    const final = await api.request("GET", `/v1/notifications/${accepted.body.id}`);
    expect(final.body).toMatchObject({ status: "delivered", attempts: 1, forced: true });
    expect(await inboxIds(api, recipient)).toEqual([accepted.body.id]);
  });

  it("a worker that dies right after its write: the redelivered message changes nothing", async () => {
    // Prepare: the worker's read and write, then nothing more (no publish, callback, count).
    const { tenantId, api } = await tenant();
    const recipient = unique("user");
    const accepted = await api.request("POST", "/v1/notifications", inApp(recipient));
    const written = await deliver(tenantId, await take(tenantId, accepted.body.id));

    // Act: SQS hands the crashed invocation's message out again.
    await enqueue(tenantId, accepted.body.id);
    await cloud().runner.drain(20_000);

    // Assess
    expect(written).toMatchObject({ status: "delivered", attempts: 1 });
    const final = await api.request("GET", `/v1/notifications/${accepted.body.id}`);
    expect(final.body).toMatchObject({ status: "delivered", attempts: 1 });
    expect(final.body.delivered_at).toBe(written?.delivered_at);
    expect(final.body.updated_at).toBe(written?.updated_at);
    expect(await inboxIds(api, recipient)).toEqual([accepted.body.id]);
  });

  it("a worker that dies between its read and its write leaves no lease to wait out", async () => {
    // Prepare: a read, then the worker is gone before writing.
    const { tenantId, api } = await tenant();
    const recipient = unique("user");
    const accepted = await api.request("POST", "/v1/notifications", inApp(recipient));
    await take(tenantId, accepted.body.id);
    const between = await api.request("GET", `/v1/notifications/${accepted.body.id}`);

    // Act
    await enqueue(tenantId, accepted.body.id);
    await settled(api, accepted.body.id, ["delivered"]);
    await cloud().runner.drain(20_000);

    // Assess
    expect(between.body).toMatchObject({ status: "scheduled", attempts: 0 });
    const final = await api.request("GET", `/v1/notifications/${accepted.body.id}`);
    expect(final.body).toMatchObject({ status: "delivered", attempts: 1 });
    expect(await inboxIds(api, recipient)).toEqual([accepted.body.id]);
  });

  it("a message that finds a live lease (an older worker's claim) is kept, not delivered", async () => {
    // Prepare
    const { tenantId, api } = await tenant();
    const accepted = await api.request("POST", "/v1/notifications", inApp(unique("user")));
    const claimed = await Notification.claim(tenantId, accepted.body.id, new Date(), 60);
    await Notification.settle(accepted.body.id);

    // Act
    const taken = await Notification.take("in_app", tenantId, accepted.body.id, new Date(), 60);

    // Assess
    expect(claimed.kind).toBe("claimed");
    expect(taken).toEqual({ kind: "busy" });
  });

  it("races the schedule firing against cancel: never both cancelled and in the inbox", async () => {
    // Prepare
    const { api } = await tenant();
    const recipient = unique("user");
    const bodies = Array.from({ length: 8 }, (_, i) => inApp(recipient, 1_500 + i * 10));
    const accepted = await Promise.all(
      bodies.map((b) => api.request("POST", "/v1/notifications", b)),
    );

    // Act: cancel each right around the instant its schedule fires.
    const cancels = await Promise.all(
      bodies.map(async (b, i) => {
        await sleepUntil(Date.parse(b.send_at) + (i % 4) * 15 - 20);
        return api.request("POST", `/v1/notifications/${accepted[i]!.body.id}/cancel`);
      }),
    );
    await sleepUntil(Date.parse(bodies.at(-1)!.send_at) + 1_000);
    await cloud().runner.drain(20_000);

    // Assess
    const inbox = await inboxIds(api, recipient);
    for (const [i, sent] of accepted.entries()) {
      const final = await api.request("GET", `/v1/notifications/${sent.body.id}`);
      if (cancels[i]!.status === 200) {
        expect(final.body.status).toBe("cancelled");
        expect(inbox).not.toContain(sent.body.id);
      } else {
        expect(cancels[i]!.status).toBe(409);
        expect(final.body).toMatchObject({ status: "delivered", attempts: 1 });
        expect(inbox.filter((id) => id === sent.body.id)).toHaveLength(1);
      }
    }
  });
});

const sleepUntil = (at: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
