import * as Topic from "@herald/core/topic";
import { fanOut } from "@herald/core/topic/fanout";
import * as TopicStore from "@herald/core/topic/store";
import { describe, expect, it } from "vitest";
import { client, eventually, unique, useLocalCloud } from "./support";

// Pages of three subscribers, so ten make four pages and a crash can land between them.
const cloud = useLocalCloud({ env: { HERALD_FANOUT_PAGE_SIZE: "3" } });

class Crash extends Error {}

describe("a topic fan-out that crashes", () => {
  it("resumes from its checkpoint: nobody doubled, nobody lost", async () => {
    // Prepare: ten subscribers, a topic send stored as the API stores it, not yet enqueued.
    const tenantId = unique("crash");
    const api = client(cloud().apiUrl, await cloud().createKey(tenantId));
    const topic = unique("news");
    const recipients = Array.from({ length: 10 }, (_, i) => `r${String(i).padStart(2, "0")}`);
    for (const r of recipients) await api.request("PUT", `/v1/topics/${topic}/subscribers/${r}`);
    const id = `tps_${unique("crash")}`;
    await TopicStore.createSend(tenantId, {
      id,
      topic,
      request: JSON.stringify({ channel: "in_app", content: { title: "hi" }, immediate: true }),
      request_hash: "test",
      created_at: new Date().toISOString(),
      pages: 0,
      accepted: 0,
      skipped: 0,
      done: false,
    });
    const message = { v: 1 as const, tenant_id: tenantId, topic, id };

    // Act: a worker stores and dispatches the second page, then dies before its checkpoint;
    // the message comes back (here: enqueued again) and the real worker resumes.
    await expect(
      fanOut(message, Date.now() + 60_000, {
        afterPage: (page) => {
          if (page === 1) throw new Crash("killed after storing page 1");
        },
      }),
    ).rejects.toBeInstanceOf(Crash);
    const crashed = await api.request("GET", `/v1/topics/${topic}/notifications/${id}`);
    const storedAtCrash = await api.request("GET", "/v1/notifications?limit=100");
    await Topic.enqueueFanOut(message);
    const done = await eventually(
      async () => {
        const status = await api.request("GET", `/v1/topics/${topic}/notifications/${id}`);
        return status.body.done ? status.body : undefined;
      },
      { what: "the resumed fan-out done", timeoutMs: 20_000 },
    );
    const delivered = await eventually(
      async () => {
        const listed = await api.request("GET", "/v1/notifications?limit=100");
        const items = listed.body.items as {
          recipient: { id: string };
          status: string;
          attempts: number;
        }[];
        return items.every((n) => n.status === "delivered") && items.length >= 10
          ? items
          : undefined;
      },
      { what: "every notification delivered", timeoutMs: 20_000 },
    );
    await cloud().runner.drain(20_000);

    // Assess
    expect(crashed.body).toMatchObject({ accepted: 3, done: false });
    expect(storedAtCrash.body.items).toHaveLength(6);
    expect(done).toMatchObject({ accepted: 10, skipped: 0, done: true });
    expect(delivered.map((n) => n.recipient.id).sort()).toEqual(recipients);
    expect(delivered.every((n) => n.attempts === 1)).toBe(true);
    const inbox = await api.request("GET", `/v1/recipients/${recipients[4]}/inbox`);
    expect(inbox.body.items).toHaveLength(1);
    await cloud().streams.drain();
    const metrics = await api.request("GET", "/v1/metrics");
    expect(metrics.body.totals.in_app).toMatchObject({ accepted: 10, delivered: 10 });
  });
});

describe("a topic fan-out that reaches subscribers after send_at", () => {
  it("sends now what came due while it ran, rather than skipping it as past", async () => {
    // Prepare: a topic send accepted ten minutes ago for a minute later, whose fan-out only
    // runs now (a large topic's later pages, or a redrive): send_at is nine minutes past.
    const tenantId = unique("late");
    const api = client(cloud().apiUrl, await cloud().createKey(tenantId));
    const topic = unique("news");
    const recipients = ["a", "b", "c", "d"];
    for (const r of recipients) await api.request("PUT", `/v1/topics/${topic}/subscribers/${r}`);
    const accepted = new Date(Date.now() - 10 * 60_000);
    const id = `tps_${unique("late")}`;
    await TopicStore.createSend(tenantId, {
      id,
      topic,
      request: JSON.stringify({
        channel: "in_app",
        content: { title: "hi" },
        send_at: new Date(accepted.getTime() + 60_000).toISOString(),
        delivery_window: { start: "00:00", end: "00:00" },
      }),
      request_hash: "test",
      created_at: accepted.toISOString(),
      pages: 0,
      accepted: 0,
      skipped: 0,
      done: false,
    });

    // Act
    await fanOut({ v: 1, tenant_id: tenantId, topic, id }, Date.now() + 60_000);
    const delivered = await eventually(
      async () => {
        const listed = await api.request("GET", "/v1/notifications?limit=100");
        const items = listed.body.items as { recipient: { id: string }; status: string }[];
        return items.length === recipients.length && items.every((n) => n.status === "delivered")
          ? items
          : undefined;
      },
      { what: "every subscriber's notification delivered", timeoutMs: 20_000 },
    );

    // Assess
    const status = await api.request("GET", `/v1/topics/${topic}/notifications/${id}`);
    expect(status.body).toMatchObject({ accepted: 4, skipped: 0, done: true });
    expect(delivered.map((n) => n.recipient.id).sort()).toEqual(recipients);
  });
});
