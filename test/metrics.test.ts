import { AsyncLocalStorage } from "node:async_hooks";
import { beforeAll, describe, expect, it } from "vitest";
import { client, eventually, inAppBody as inApp, unique, useLocalCloud } from "./support";

/**
 * `accepted` and `skipped` in GET /v1/metrics come from the table's stream (the counter
 * function), not from the request path: each stored notification counts once, whichever path
 * stored it, and what a path stores besides (a digest) or does not store (a replay) does not.
 */

const cloud = useLocalCloud();

/** The DynamoDB writes made inside `requestPath.run(...)`, as `Operation pk`. */
const requestPath = new AsyncLocalStorage<string[]>();

beforeAll(async () => {
  // The core client the handlers use, in this process: what a call made under
  // `requestPath.run` writes is recorded (the counter function runs outside that context).
  const { dynamo } = await import("@herald/core/aws/dynamo");
  dynamo().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: { pk?: string }; Item?: { pk?: string } };
      const operation = context.commandName?.replace(/Command$/, "");
      requestPath.getStore()?.push(`${operation} ${input.Key?.pk ?? input.Item?.pk ?? ""}`);
      return next(args);
    },
    { step: "initialize", name: "testRequestPathWrites" },
  );
});

async function tenant() {
  const tenantId = unique("metrics");
  const key = await cloud().createKey(tenantId);
  return { tenantId, api: client(cloud().apiUrl, key) };
}

/** This hour's totals once the stream has been counted. */
async function totals(api: ReturnType<typeof client>) {
  await cloud().streams.drain();
  const { body } = await api.request("GET", "/v1/metrics");
  return body.totals as Record<string, Record<string, number>>;
}

describe("accepted and skipped, counted from the table's stream", () => {
  it("a single send writes no counter on the request path; counted once, its replay not again", async () => {
    // Prepare
    const { tenantId, api } = await tenant();
    const { accept } = await import("@herald/core/notification/send");
    const input = inApp(unique("r"));
    const idempotencyKey = unique("key");
    const writes: string[] = [];

    // Act
    const first = await requestPath.run(writes, () => accept({ tenantId, input, idempotencyKey }));
    const replay = await requestPath.run(writes, () => accept({ tenantId, input, idempotencyKey }));

    // Assess
    expect(replay).toMatchObject({ replayed: true, notification: { id: first.notification.id } });
    expect(writes.filter((write) => write.includes("MET#"))).toEqual([]);
    expect(writes).toContain(`PutItem NTF#${tenantId}#${first.notification.id}`);
    const counted = await totals(api);
    expect(counted.in_app).toMatchObject({ accepted: 1 });
    expect(counted.in_app?.skipped).toBeUndefined();
  });

  it("a batch writes no counter on its request path; its skipped, held and queued items count once, its digest not", async () => {
    // Prepare: the recipient turned marketing off in-app.
    const { tenantId, api } = await tenant();
    const recipient = unique("r");
    await api.request("PUT", `/v1/recipients/${recipient}/preferences`, {
      categories: { marketing: { in_app: "off" } },
    });
    const held = inApp(recipient, {
      category: "likes",
      digest: { every: "15m" },
      idempotency_key: unique("k"),
    });
    const items = [inApp(recipient, { category: "marketing" }), held, inApp(recipient)];
    const Batch = await import("@herald/core/notification/batch");
    const writes: string[] = [];

    // Act
    const first = await requestPath.run(writes, () => Batch.send({ tenantId, batch: { items } }));
    const replay = await api.request("POST", "/v1/notifications/batch", { items: [held] });

    // Assess: three stored (one skipped), and a digest for the held one, which is no send.
    expect(first).toMatchObject({ accepted: 3, failed: 0 });
    expect(replay.body.results[0]).toMatchObject({ replayed: true });
    expect(writes.filter((write) => write.includes("MET#"))).toEqual([]);
    const member = await api.request(
      "GET",
      `/v1/notifications/${(first.results[1] as { id: string }).id}`,
    );
    expect(member.body.digest_id).toBeDefined();
    expect((await totals(api)).in_app).toMatchObject({ accepted: 3, skipped: 1 });
  });

  it("a topic send counts each subscriber it stored once", async () => {
    // Prepare: one subscriber opted out of in-app (not stored, not counted).
    const { tenantId, api } = await tenant();
    const topic = unique("topic");
    const recipients = Array.from({ length: 4 }, (_, i) => `${tenantId}-r${i}`);
    for (const [i, r] of recipients.entries()) {
      await api.request("PUT", `/v1/recipients/${r}`, { opt_out: i === 0 ? ["in_app"] : [] });
      await api.request("PUT", `/v1/topics/${topic}/subscribers/${r}`);
    }

    // Act
    const sent = await api.request("POST", `/v1/topics/${topic}/notifications`, {
      channel: "in_app",
      content: { title: "We launched" },
    });
    await eventually(
      async () => {
        const { body } = await api.request(
          "GET",
          `/v1/topics/${topic}/notifications/${sent.body.id}`,
        );
        return body.done ? body : undefined;
      },
      { what: "the fan-out done", timeoutMs: 20_000 },
    );

    // Assess
    expect((await totals(api)).in_app).toMatchObject({ accepted: 3 });
  });

  it("a workflow counts each step it stored, as a send", async () => {
    // Prepare
    const { api } = await tenant();

    // Act
    const started = await api.request("POST", "/v1/workflows", {
      recipient: { id: unique("r"), email: `${unique("u")}@example.com` },
      steps: [
        { channel: "in_app", content: { title: "Your report is ready" } },
        {
          channel: "email",
          after: "1h",
          unless: "read",
          content: { subject: "Report", text: "ready" },
        },
      ],
      immediate: true,
    });

    // Assess
    expect(started.status).toBe(202);
    const counted = await totals(api);
    expect(counted.in_app).toMatchObject({ accepted: 1 });
    expect(counted.email).toMatchObject({ accepted: 1 });
  });
});
