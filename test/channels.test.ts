import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, emailsWithSubject, eventually, unique, useLocalCloud } from "./support";

// Short timings so retries, leases and the dead-letter queue show within seconds.
const cloud = useLocalCloud({
  visibilityTimeoutSeconds: 2,
  maxReceiveCount: 5,
  workerTimeoutSeconds: 2,
  env: {
    // Five attempts a second apart; the endpoint circuit is exercised in test/endpoints.test.ts.
    HERALD_RETRY_SCHEDULE: "0,1s,1s,1s,1s",
    HERALD_LEASE_SECONDS: "2",
    HERALD_ENDPOINT_FAILURE_THRESHOLD: "1000",
    HERALD_ENDPOINT_SLOW_MS: "60000",
  },
});

/** A webhook receiver whose answer per path the test decides. */
interface Hit {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}
let receiver: Server;
let receiverUrl: string;
const hits: Hit[] = [];
const behaviour = new Map<string, (hit: Hit, res: ServerResponse) => void>();

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const hit = {
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      hits.push(hit);
      const answer = behaviour.get(hit.path);
      if (answer) answer(hit, res);
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

const hitsFor = (path: string) => hits.filter((hit) => hit.path === path);

async function tenant() {
  const tenantId = unique("tenant");
  return { tenantId, api: client(cloud().apiUrl, await cloud().createKey(tenantId)) };
}

async function settle(
  api: ReturnType<typeof client>,
  id: string,
  statuses = ["sent", "delivered", "failed"],
) {
  return eventually(
    async () => {
      const { body } = await api.request("GET", `/v1/notifications/${id}`);
      return statuses.includes(body.status) ? body : undefined;
    },
    { timeoutMs: 20_000, what: `${id} to reach ${statuses.join("|")}` },
  );
}

describe("every channel delivers end to end", () => {
  it("web push: encrypted with VAPID, decrypted at the push service", async () => {
    // Prepare
    const { api } = await tenant();
    const subscription = cloud().push.subscribe();
    const title = unique("title");

    // Act
    const accepted = await api.request("POST", "/v1/notifications", {
      channel: "push",
      recipient: { push_subscription: subscription },
      content: { title, body: "You have mail", url: "https://example.com/inbox" },
      immediate: true,
    });
    const done = await settle(api, accepted.body.id);

    // Assess
    expect(accepted.status).toBe(202);
    expect(done.status).toBe("sent");
    const received = cloud().push.received(subscription.endpoint);
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.payload)).toMatchObject({
      id: accepted.body.id,
      title,
      body: "You have mail",
    });
    expect(received[0]!.authorization).toMatch(/^vapid t=.+, k=.+/);
  });

  it("SMS: through End User Messaging, recorded by the stand-in", async () => {
    // Prepare
    const { api } = await tenant();
    const text = `Your code is ${unique("code")}`;

    // Act
    const accepted = await api.request("POST", "/v1/notifications", {
      channel: "sms",
      recipient: { phone: "+14155550123" },
      content: { text },
      immediate: true,
    });
    const done = await settle(api, accepted.body.id);

    // Assess
    expect(done.status).toBe("sent");
    const sms = cloud().sms.messages.filter((m) => m.body === text);
    expect(sms).toHaveLength(1);
    expect(sms[0]!.destination).toBe("+14155550123");
    expect(done.provider_message_id).toBe(sms[0]!.messageId);
  });

  it("webhook: signed with the tenant's secret, verifiable by the receiver", async () => {
    // Prepare
    const { api } = await tenant();
    const path = `/hook/${randomUUID()}`;
    const { verifyWebhook } = await import("@herald/core/delivery/webhook");

    // Act
    const accepted = await api.request("POST", "/v1/notifications", {
      channel: "webhook",
      recipient: { webhook_url: `${receiverUrl}${path}` },
      content: { event: "order.shipped", data: { order: 42 } },
      immediate: true,
    });
    const done = await settle(api, accepted.body.id);
    const { body: secret } = await api.request("GET", "/v1/webhooks/secret");

    // Assess
    expect(done.status).toBe("delivered");
    const [hit] = hitsFor(path);
    expect(JSON.parse(hit!.body)).toMatchObject({
      id: accepted.body.id,
      event: "order.shipped",
      data: { order: 42 },
    });
    expect(hit!.headers["herald-id"]).toBe(accepted.body.id);
    const header = hit!.headers["herald-signature"] as string;
    expect(verifyWebhook({ secret: secret.secret, header, body: hit!.body })).toBe(true);
    expect(verifyWebhook({ secret: secret.secret, header, body: `${hit!.body} ` })).toBe(false);
  });

  it("in-app: filed in the recipient's inbox, with read marks and an unread count", async () => {
    // Prepare
    const { api } = await tenant();
    const recipient = unique("user");
    const send = (title: string) =>
      api.request("POST", "/v1/notifications", {
        channel: "in_app",
        recipient: { id: recipient },
        content: { title, body: "hello" },
        immediate: true,
      });

    // Act
    const first = await send("first");
    const second = await send("second");
    await settle(api, first.body.id);
    await settle(api, second.body.id);
    const inbox = await api.request("GET", `/v1/recipients/${recipient}/inbox`);
    const before = await api.request("GET", `/v1/recipients/${recipient}/inbox/unread-count`);
    const read = await api.request(
      "POST",
      `/v1/recipients/${recipient}/inbox/${first.body.id}/read`,
    );
    const readAgain = await api.request(
      "POST",
      `/v1/recipients/${recipient}/inbox/${first.body.id}/read`,
    );
    const after = await api.request("GET", `/v1/recipients/${recipient}/inbox/unread-count`);
    const unread = await api.request("GET", `/v1/recipients/${recipient}/inbox?unread=true`);
    const wrongBox = await api.request(
      "POST",
      `/v1/recipients/someone-else/inbox/${first.body.id}/read`,
    );

    // Assess
    expect(inbox.body.items.map((n: { id: string }) => n.id).sort()).toEqual(
      [first.body.id, second.body.id].sort(),
    );
    expect(inbox.body.items.every((n: { status: string }) => n.status === "delivered")).toBe(true);
    expect(before.body.unread).toBe(2);
    expect(read.body.read_at).toBeTruthy();
    expect(readAgain.body.read_at).toBe(read.body.read_at);
    expect(after.body.unread).toBe(1);
    expect(unread.body.items.map((n: { id: string }) => n.id)).toEqual([second.body.id]);
    expect(wrongBox.status).toBe(404);
  });
});

describe("retries that never send twice", () => {
  it("sends once when the same message arrives ten times at once", async () => {
    // Prepare: a notification waiting on its schedule, then ten copies of its queue message.
    const { tenantId, api } = await tenant();
    const path = `/hook/${randomUUID()}`;
    const accepted = await api.request("POST", "/v1/notifications", {
      channel: "webhook",
      recipient: { webhook_url: `${receiverUrl}${path}` },
      content: { event: "dup.test", data: {} },
      send_at: new Date(Date.now() + 3_600_000).toISOString(),
      delivery_window: { start: "00:00", end: "00:00" },
    });
    const sqs = new SQSClient({});
    const body = JSON.stringify({ v: 1, tenant_id: tenantId, id: accepted.body.id });

    // Act
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: cloud().queues.webhook!.url,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `copy${i}`, MessageBody: body })),
      }),
    );
    const done = await settle(api, accepted.body.id);
    await cloud().runner.drain(20_000);
    sqs.destroy();

    // Assess
    expect(done.status).toBe("delivered");
    expect(done.attempts).toBe(1);
    expect(hitsFor(path)).toHaveLength(1);
  });

  it("delivers once after the provider fails three times", async () => {
    // Prepare
    const { api } = await tenant();
    const path = `/hook/${randomUUID()}`;
    let calls = 0;
    behaviour.set(path, (_hit, res) => {
      calls++;
      res.writeHead(calls <= 3 ? 503 : 200).end();
    });

    // Act
    const accepted = await api.request("POST", "/v1/notifications", {
      channel: "webhook",
      recipient: { webhook_url: `${receiverUrl}${path}` },
      content: { event: "flaky", data: {} },
      immediate: true,
    });
    const done = await settle(api, accepted.body.id, ["delivered", "failed"]);
    await cloud().runner.drain(20_000);

    // Assess
    expect(done.status).toBe("delivered");
    expect(done.attempts).toBe(4);
    expect(done.last_error).toMatch(/503/);
    expect(hitsFor(path).map((hit) => hit.headers["herald-attempt"])).toEqual(["1", "2", "3", "4"]);
  });

  it("loses nothing when a worker dies mid-batch", async () => {
    // Prepare: five webhooks in one batch; one receiver hangs past the worker's timeout the
    // first time, so the whole invocation is abandoned as a crashed Lambda's would be.
    const { tenantId, api } = await tenant();
    const paths = Array.from({ length: 5 }, () => `/hook/${randomUUID()}`);
    let hung = false;
    behaviour.set(paths[2]!, (_hit, res) => {
      if (!hung) {
        hung = true;
        setTimeout(() => res.writeHead(200).end(), 4_000);
        return;
      }
      res.writeHead(200).end();
    });
    const created = [];
    for (const path of paths) {
      const accepted = await api.request("POST", "/v1/notifications", {
        channel: "webhook",
        recipient: { webhook_url: `${receiverUrl}${path}` },
        content: { event: "batch", data: {} },
        send_at: new Date(Date.now() + 3_600_000).toISOString(),
        delivery_window: { start: "00:00", end: "00:00" },
      });
      created.push(accepted.body.id as string);
    }
    const sqs = new SQSClient({});

    // Act: one batch of five.
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: cloud().queues.webhook!.url,
        Entries: created.map((id, i) => ({
          Id: `m${i}`,
          MessageBody: JSON.stringify({ v: 1, tenant_id: tenantId, id }),
        })),
      }),
    );
    const finals = await Promise.all(created.map((id) => settle(api, id, ["delivered", "failed"])));
    await cloud().runner.drain(20_000);
    sqs.destroy();

    // Assess
    expect(finals.map((n) => n.status)).toEqual(Array(5).fill("delivered"));
    for (const path of paths) {
      const delivered = hitsFor(path);
      expect(delivered.length).toBeGreaterThanOrEqual(1);
      if (path !== paths[2]) expect(delivered).toHaveLength(1);
    }
  });

  it("marks notifications failed once their queue gives up, and redrives them", async () => {
    // Prepare: two webhooks to a receiver that is down.
    const { tenantId, api } = await tenant();
    const path = `/hook/${randomUUID()}`;
    let healthy = false;
    behaviour.set(path, (_hit, res) => res.writeHead(healthy ? 200 : 500).end());
    const send = () =>
      api.request("POST", "/v1/notifications", {
        channel: "webhook",
        recipient: { webhook_url: `${receiverUrl}${path}` },
        content: { event: "doomed", data: {} },
        immediate: true,
      });
    const [first, second] = await Promise.all([send(), send()]);
    const failed = await Promise.all(
      [first!.body.id, second!.body.id].map((id) =>
        eventually(
          async () => {
            const { body } = await api.request("GET", `/v1/notifications/${id}`);
            return body.status === "failed" ? body : undefined;
          },
          { timeoutMs: 60_000, what: "dead-lettering" },
        ),
      ),
    );

    // Act: the receiver recovers; one is retried through the API, the rest by the command.
    healthy = true;
    const retried = await api.request("POST", `/v1/notifications/${first!.body.id}/retry`);
    const { redrive } = await import("../scripts/redrive");
    const redriven = await redrive(tenantId);
    const done = await Promise.all(
      [first!.body.id, second!.body.id].map((id) => settle(api, id, ["delivered"])),
    );

    // Assess
    for (const notification of failed) {
      expect(notification.last_error).toMatch(/500/);
      expect(notification.attempts).toBe(5);
    }
    expect(retried.status).toBe(200);
    expect(redriven).toEqual({ retried: [second!.body.id], skipped: [] });
    expect(done.map((n) => n.status)).toEqual(["delivered", "delivered"]);
  }, 90_000);

  it("fails a permanent provider error at once, without retrying", async () => {
    // Prepare
    const { tenantId, api } = await tenant();
    const path = `/hook/${randomUUID()}`;
    behaviour.set(path, (_hit, res) => res.writeHead(410).end());

    // Act
    const accepted = await api.request("POST", "/v1/notifications", {
      channel: "webhook",
      recipient: { webhook_url: `${receiverUrl}${path}` },
      content: { event: "gone", data: {} },
      immediate: true,
    });
    const done = await settle(api, accepted.body.id);
    const retry = await api.request("POST", `/v1/notifications/${accepted.body.id}/retry`);
    const { redrive } = await import("../scripts/redrive");
    const redriven = await redrive(tenantId);

    // Assess
    expect(redriven).toEqual({ retried: [], skipped: [accepted.body.id] });
    expect(done.status).toBe("failed");
    expect(done.attempts).toBe(1);
    expect(hitsFor(path)).toHaveLength(1);
    expect(retry.status).toBe(409);
  });
});

describe("recipient profiles", () => {
  it("fill in contact points and honour opt-outs at send time", async () => {
    // Prepare
    const { api } = await tenant();
    const recipient = unique("user");
    const subject = unique("subject");
    const text = `opted out ${unique("sms")}`;
    await api.request("PUT", `/v1/recipients/${recipient}`, {
      email: `${recipient}@example.com`,
      phone: "+14155550199",
      timezone: "Europe/Paris",
    });

    // Act
    const email = await api.request("POST", "/v1/notifications", {
      channel: "email",
      recipient: { id: recipient },
      content: { subject, text: "from the profile" },
      immediate: true,
    });
    const sms = await api.request("POST", "/v1/notifications", {
      channel: "sms",
      recipient: { id: recipient },
      content: { text },
      send_at: new Date(Date.now() + 3_000).toISOString(),
      immediate: true,
    });
    await api.request("PUT", `/v1/recipients/${recipient}`, {
      phone: "+14155550199",
      opt_out: ["sms"],
    });
    const emailDone = await settle(api, email.body.id);
    const smsDone = await settle(api, sms.body.id);
    const noContact = await api.request("POST", "/v1/notifications", {
      channel: "push",
      recipient: { id: recipient },
      content: { title: "nowhere to go" },
    });

    // Assess
    expect(email.body.timezone).toBe("Europe/Paris");
    expect(emailDone.status).toBe("sent");
    expect((await emailsWithSubject(cloud().sesUrl, subject))[0]?.destination.to).toEqual([
      `${recipient}@example.com`,
    ]);
    expect(smsDone.status).toBe("failed");
    expect(smsDone.last_error).toMatch(/opted out/);
    expect(cloud().sms.messages.filter((m) => m.body === text)).toHaveLength(0);
    expect(noContact.status).toBe(400);
    expect(noContact.body.error.code).toBe("missing_contact_point");
  });
});
