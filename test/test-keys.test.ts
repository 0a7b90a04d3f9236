import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKeys } from "../scripts/keys";
import { client, emailBody, emailsWithSubject, eventually, unique, useLocalCloud } from "./support";

/**
 * Test keys: the whole pipeline runs (queue, worker, retries, statuses) with simulated outcomes,
 * and no provider stand-in ever sees a request.
 */
const cloud = useLocalCloud();

let receiver: Server;
let receiverUrl = "";
let hooks = 0;

beforeAll(async () => {
  receiver = createServer((_req, res) => {
    hooks++;
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

async function testKey() {
  let stdout = "";
  const code = await runKeys(["create", "--tenant", unique("acme"), "--test"], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => true },
  });
  expect(code).toBe(0);
  return stdout.trim();
}

type Api = ReturnType<typeof client>;

async function settled(api: Api, id: string, status: string) {
  return eventually(
    async () => {
      const { body } = await api.request("GET", `/v1/notifications/${id}`);
      return body.status === status ? body : undefined;
    },
    { what: `${id} ${status}`, timeoutMs: 20_000 },
  );
}

async function send(api: Api, body: Record<string, unknown>) {
  const accepted = await api.request("POST", "/v1/notifications", { immediate: true, ...body });
  expect(accepted.status).toBe(202);
  return accepted.body.id as string;
}

describe("test keys", () => {
  it("mints hrld_test_ keys", async () => {
    expect(await testKey()).toMatch(/^hrld_test_[\w-]{32}$/);
  });

  it("keeps a tenant's test and live Idempotency-Keys apart: a live send is never answered with a simulated one", async () => {
    // Prepare: one tenant, a test key and a live key, the same request and key on every route
    // that takes one (as a staging and a production job of one tenant might both send).
    const tenantId = unique("acme");
    const live = client(cloud().apiUrl, await cloud().createKey(tenantId));
    const test = client(cloud().apiUrl, await cloud().createKey(tenantId, { test: true }));
    const key = { "idempotency-key": unique("order") };
    const body = emailBody();
    const workflow = {
      recipient: { id: unique("r") },
      steps: [{ channel: "in_app", content: { title: "w" } }],
    };
    const topic = unique("topic");
    await live.request("PUT", `/v1/topics/${topic}/subscribers/${unique("r")}`);
    const topicSend = { channel: "in_app", content: { title: "t" } };
    const simulated = {
      send: await test.request("POST", "/v1/notifications", body, key),
      workflow: await test.request("POST", "/v1/workflows", workflow, key),
      topic: await test.request("POST", `/v1/topics/${topic}/notifications`, topicSend, key),
    };

    // Act
    const real = {
      send: await live.request("POST", "/v1/notifications", body, key),
      workflow: await live.request("POST", "/v1/workflows", workflow, key),
      topic: await live.request("POST", `/v1/topics/${topic}/notifications`, topicSend, key),
    };

    // Assess: new, live notifications, and the email really leaves.
    for (const route of ["send", "workflow", "topic"] as const) {
      expect(simulated[route].status, route).toBe(202);
      expect(real[route].status, route).toBe(202);
      expect(real[route].headers.get("idempotent-replayed"), route).toBeNull();
      expect(real[route].body.id, route).not.toBe(simulated[route].body.id);
    }
    const sent = await settled(live, real.send.body.id, "sent");
    expect(sent.test).toBeUndefined();
    await eventually(
      async () =>
        (await emailsWithSubject(cloud().sesUrl, body.content.subject)).length === 1 || undefined,
      "the live email at SES",
    );
  });

  it("email: SES mailbox simulator outcomes, and SES sees nothing", async () => {
    const api = client(cloud().apiUrl, await testKey());
    const cases = {
      success: "delivered",
      ooto: "delivered",
      bounce: "bounced",
      suppressionlist: "bounced",
      complaint: "complained",
    } as const;
    const subjects: string[] = [];
    const sends = Object.entries(cases).map(async ([mailbox, status]) => {
      const body = emailBody({ recipient: { email: `${mailbox}@simulator.amazonses.com` } });
      subjects.push(body.content.subject);
      const id = await send(api, body);
      return { mailbox, status, done: await settled(api, id, status) };
    });
    const plain = emailBody();
    subjects.push(plain.content.subject);
    const plainDone = settled(api, await send(api, plain), "delivered");

    const results = await Promise.all(sends);
    expect((await plainDone).test).toBe(true);
    for (const { mailbox, done } of results) {
      expect(done.test, mailbox).toBe(true);
      expect(done.provider_message_id, mailbox).toMatch(/^test_/);
    }
    const bounced = results.find((r) => r.mailbox === "bounce")?.done;
    expect(bounced.events[0]).toMatchObject({ bounce_type: "hard" });
    const complained = results.find((r) => r.mailbox === "complaint")?.done;
    expect(complained.events.map((e: { status: string }) => e.status)).toEqual([
      "delivered",
      "complained",
    ]);
    const store = (await (await fetch(`${cloud().sesUrl}/store`)).json()) as {
      emails: { subject: string }[];
    };
    expect(store.emails.filter((mail) => subjects.includes(mail.subject))).toEqual([]);
  });

  it("SMS: a temporary failure then delivery, a carrier failure, and no text leaves", async () => {
    const api = client(cloud().apiUrl, await testKey());
    const text = unique("code");
    const retried = await send(api, {
      channel: "sms",
      recipient: { phone: "+447700900003" },
      content: { text },
    });
    const failed = await send(api, {
      channel: "sms",
      recipient: { phone: "+447700900002" },
      content: { text },
    });

    const delivered = await settled(api, retried, "delivered");
    const carrier = await settled(api, failed, "failed");

    expect(delivered.attempts).toBe(2);
    expect(carrier.last_error).toContain("CARRIER_UNREACHABLE");
    expect(cloud().sms.messages.filter((message) => message.body === text)).toEqual([]);
  });

  it("push and webhook: simulated outcomes, and no push service or receiver is called", async () => {
    const api = client(cloud().apiUrl, await testKey());
    const subscription = cloud().push.subscribe();
    const pushed = await send(api, {
      channel: "push",
      recipient: { push_subscription: subscription },
      content: { title: "hi" },
    });
    const recipient = unique("r");
    const gone = { ...subscription, endpoint: "https://push.example.com/sub/gone" };
    await api.request("PUT", `/v1/recipients/${recipient}`, { push_subscription: gone });
    const goneId = await send(api, {
      channel: "push",
      recipient: { id: recipient },
      content: { title: "hi" },
    });
    const hook = await send(api, {
      channel: "webhook",
      recipient: { webhook_url: `${receiverUrl}/hook/temporary-failure` },
      content: { event: "x", data: {} },
    });
    const refused = await send(api, {
      channel: "webhook",
      recipient: { webhook_url: `${receiverUrl}/hook/permanent-failure` },
      content: { event: "x", data: {} },
    });

    await settled(api, pushed, "sent");
    expect((await settled(api, goneId, "failed")).failure_reason).toBe("subscription_gone");
    expect((await settled(api, hook, "delivered")).attempts).toBe(2);
    await settled(api, refused, "failed");

    expect(cloud().push.received(subscription.endpoint)).toEqual([]);
    expect(hooks).toBe(0);
    const { body: profile } = await api.request("GET", `/v1/recipients/${recipient}`);
    expect(profile.push_subscription).toBeUndefined();
  });
});
