import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { type PushService, startPushService } from "@herald/local/push-service";
import { type SmsEmulator, startSms } from "@herald/local/sms";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpush from "web-push";

/**
 * The push, SMS and webhook providers called directly against the local stand-ins (the push
 * service, the End User Messaging SMS stand-in and a plain node:http webhook receiver). The
 * configuration reaches the providers the production way, through SST links and the SDK's
 * endpoint variables, so it is set before the providers are imported.
 */

type PushModule = typeof import("@herald/core/delivery/push");
type SmsModule = typeof import("@herald/core/delivery/sms");
type WebhookModule = typeof import("@herald/core/delivery/webhook");
type DestinationModule = typeof import("@herald/core/delivery/destination");
type ErrorsModule = typeof import("@herald/core/delivery/errors");

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  hits: Hit[];
  stop(): Promise<void>;
}

/** Answers `?status=<code>` (default 204); a 3xx points at `/followed`. Records every request. */
async function startReceiver(): Promise<Receiver> {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://receiver");
      hits.push({
        path: url.pathname,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const status = Number(url.searchParams.get("status") ?? 204);
      res.writeHead(status, status >= 300 && status < 400 ? { location: "/followed" } : {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const unique = (label: string) => `${label}_${randomUUID().replaceAll("-", "")}`;
/** A port nothing listens on (TCP port 1 is reserved and refused on loopback). */
const CLOSED = "http://127.0.0.1:1";

const vapid = webpush.generateVAPIDKeys();
let pushService: PushService;
let smsService: SmsEmulator;
let receiver: Receiver;
let push: PushModule;
let sms: SmsModule;
let webhook: WebhookModule;
let destination: DestinationModule;
let errors: ErrorsModule;

// No tenant here rotated its webhook secret: the stored-secret read finds nothing, so webhooks
// are signed with the derived secret (rotation itself: test/webhook-rotation.test.ts).
mockClient(DynamoDBDocumentClient).on(GetCommand).resolves({});

beforeAll(async () => {
  [pushService, smsService, receiver] = await Promise.all([
    startPushService(),
    startSms(),
    startReceiver(),
  ]);
  Object.assign(process.env, {
    SST_RESOURCE_App: JSON.stringify({ name: "herald", stage: "test" }),
    SST_RESOURCE_Vapid: JSON.stringify({ ...vapid, subject: "mailto:test@herald.local" }),
    SST_RESOURCE_Sms: "{}",
    SST_RESOURCE_Table: JSON.stringify({ name: "herald-table" }),
    SST_RESOURCE_Webhooks: JSON.stringify({ signingKey: randomBytes(32).toString("base64url") }),
    HERALD_WEBHOOK_ALLOW_PRIVATE: "true",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    // The SDK derives the variable from the service id "Pinpoint SMS Voice V2".
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: smsService.url,
    // One attempt, so a single simulated throttle reaches the provider instead of the SDK's
    // own retry; in production the queue's backoff does the retrying.
    AWS_MAX_ATTEMPTS: "1",
  });
  [push, sms, webhook, errors, destination] = await Promise.all([
    import("@herald/core/delivery/push"),
    import("@herald/core/delivery/sms"),
    import("@herald/core/delivery/webhook"),
    import("@herald/core/delivery/errors"),
    import("@herald/core/delivery/destination"),
  ]);
});

afterAll(async () => {
  await Promise.all([pushService?.stop(), smsService?.stop(), receiver?.stop()]);
});

describe("web push", () => {
  it("delivers a payload the push service decrypts, signed with a VAPID JWT it verifies", async () => {
    // Prepare
    const subscription = pushService.subscribe({ applicationServerKey: vapid.publicKey });
    const id = unique("ntf");
    const content = { title: "Hello", body: "there", url: "https://example.com/a", data: { n: 1 } };

    // Act
    const outcome = await push.sendPush({ id, subscription, content });

    // Assess
    expect(outcome.status).toBe("sent");
    expect(outcome.providerMessageId).toMatch(new RegExp(`^${pushService.url}/message/`));
    const received = pushService.received(subscription.endpoint);
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.payload)).toEqual({ id, ...content });
    expect(received[0]!.ttl).toBe("86400");
    expect(received[0]!.urgency).toBe("normal");
    expect(received[0]!.authorization).toMatch(new RegExp(`^vapid t=.+, k=${vapid.publicKey}$`));
  });

  it("passes a custom TTL on", async () => {
    // Prepare
    const subscription = pushService.subscribe();

    // Act
    await push.sendPush({
      id: unique("ntf"),
      subscription,
      content: { title: "Soon stale" },
      ttlSeconds: 60,
    });

    // Assess
    expect(pushService.received(subscription.endpoint)[0]?.ttl).toBe("60");
  });

  it("the push service refuses a JWT that does not verify with the key it names (401)", async () => {
    // Prepare: a request signed with another key pair, claiming Herald's public key.
    const subscription = pushService.subscribe();
    const other = webpush.generateVAPIDKeys();
    const request = webpush.generateRequestDetails(subscription, "forged", {
      vapidDetails: { subject: "mailto:evil@example.com", ...other },
    });
    const authorization = String(request.headers.Authorization).replace(
      `k=${other.publicKey}`,
      `k=${vapid.publicKey}`,
    );

    // Act
    const response = await fetch(subscription.endpoint, {
      method: "POST",
      headers: { ...request.headers, Authorization: authorization },
      body: request.body,
    });

    // Assess
    expect(response.status).toBe(401);
    expect(pushService.received(subscription.endpoint)).toEqual([]);
  });

  it("fails permanently when the subscription is gone (410)", async () => {
    // Prepare
    const subscription = pushService.subscribe();
    pushService.expire(subscription.endpoint);

    // Act
    const sending = push.sendPush({ id: unique("ntf"), subscription, content: { title: "x" } });

    // Assess
    await expect(sending).rejects.toBeInstanceOf(push.PushSubscriptionGoneError);
    await expect(sending).rejects.toBeInstanceOf(errors.PermanentDeliveryError);
    await expect(sending).rejects.toThrow(/answered 410/);
  });

  it("fails permanently when the VAPID key is not the subscription's (403)", async () => {
    // Prepare
    const subscription = pushService.subscribe({
      applicationServerKey: webpush.generateVAPIDKeys().publicKey,
    });

    // Act
    const sending = push.sendPush({ id: unique("ntf"), subscription, content: { title: "x" } });

    // Assess
    await expect(sending).rejects.toBeInstanceOf(errors.PermanentDeliveryError);
    await expect(sending).rejects.toThrow(/answered 403/);
  });

  it.each([429, 500, 503])("retries after a %i, then delivers once", async (status) => {
    // Prepare
    const subscription = pushService.subscribe();
    pushService.failNext(subscription.endpoint, status);
    const input = { id: unique("ntf"), subscription, content: { title: "x" } };

    // Act
    const first = push.sendPush(input);
    await expect(first).rejects.toBeInstanceOf(errors.TransientDeliveryError);
    const second = await push.sendPush(input);

    // Assess
    await expect(first).rejects.toThrow(new RegExp(`answered ${status}`));
    expect(second.status).toBe("sent");
    expect(pushService.received(subscription.endpoint)).toHaveLength(1);
  });

  it("fails permanently, without a request, when the payload is too large", async () => {
    // Prepare
    const subscription = pushService.subscribe();
    const content = { title: "big", data: { blob: "x".repeat(5_000) } };

    // Act
    const sending = push.sendPush({ id: unique("ntf"), subscription, content });

    // Assess
    await expect(sending).rejects.toBeInstanceOf(errors.PermanentDeliveryError);
    expect(pushService.received(subscription.endpoint)).toEqual([]);
  });

  it("fails permanently on malformed subscription keys", async () => {
    // Prepare
    const subscription = { ...pushService.subscribe(), keys: { p256dh: "short", auth: "x" } };

    // Act
    const sending = push.sendPush({ id: unique("ntf"), subscription, content: { title: "x" } });

    // Assess
    await expect(sending).rejects.toBeInstanceOf(errors.PermanentDeliveryError);
  });

  it("treats an unreachable push service as transient", async () => {
    // Prepare
    const { keys } = pushService.subscribe();
    const subscription = { endpoint: `${CLOSED}/push/${unique("gone")}`, keys };

    // Act
    const sending = push.sendPush({ id: unique("ntf"), subscription, content: { title: "x" } });

    // Assess
    await expect(sending).rejects.toBeInstanceOf(errors.TransientDeliveryError);
  });
});

describe("sms", () => {
  it("sends a transactional message the stand-in records", async () => {
    // Prepare
    const id = unique("ntf");
    const text = `Your code is ${randomUUID().slice(0, 6)}`;

    // Act
    const outcome = await sms.sendSms({ tenantId: "acme", id, phone: "+14155550100", text });

    // Assess
    expect(outcome.status).toBe("sent");
    const message = smsService.messages.find(
      (each) => each.messageId === outcome.providerMessageId,
    );
    expect(message).toMatchObject({
      destination: "+14155550100",
      body: text,
      messageType: "TRANSACTIONAL",
      context: { tenant_id: "acme", notification_id: id },
    });
  });

  it.each([
    ["throttled", "TransientDeliveryError", "ThrottlingException"],
    ["server", "TransientDeliveryError", "InternalServerException"],
    ["validation", "PermanentDeliveryError", "ValidationException"],
  ] as const)("classifies a %s failure as %s", async (failure, expected, exception) => {
    // Prepare
    const before = smsService.messages.length;
    smsService.failNext(1, failure);

    // Act
    const sending = sms.sendSms({
      tenantId: "acme",
      id: unique("ntf"),
      phone: "+14155550100",
      text: "hi",
    });

    // Assess
    await expect(sending).rejects.toBeInstanceOf(errors[expected]);
    await expect(sending).rejects.toThrow(exception);
    expect(smsService.messages).toHaveLength(before);
  });

  it("fails permanently for a number that is not E.164", async () => {
    // Prepare
    const phone = "555-0100";

    // Act
    const sending = sms.sendSms({ tenantId: "acme", id: unique("ntf"), phone, text: "hi" });

    // Assess
    await expect(sending).rejects.toBeInstanceOf(errors.PermanentDeliveryError);
    await expect(sending).rejects.toThrow(/ValidationException/);
  });
});

describe("webhook", () => {
  function hitsFor(id: string) {
    return receiver.hits.filter((hit) => hit.headers["herald-id"] === id);
  }

  it("POSTs a signed body that verifyWebhook accepts", async () => {
    // Prepare
    const id = unique("ntf");
    const tenantId = unique("tenant");
    const data = { order: 42, paid: true };

    // Act
    const outcome = await webhook.sendWebhook({
      id,
      tenantId,
      url: `${receiver.url}/hooks`,
      event: "order.paid",
      data,
      attempt: 2,
    });

    // Assess
    expect(outcome.status).toBe("delivered");
    const [hit] = hitsFor(id);
    expect(hit).toBeDefined();
    expect(hit!.headers["content-type"]).toBe("application/json");
    expect(hit!.headers["user-agent"]).toBe("Herald-Webhooks/1");
    expect(hit!.headers["herald-attempt"]).toBe("2");
    expect(JSON.parse(hit!.body)).toEqual({
      id,
      event: "order.paid",
      data,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const header = String(hit!.headers["herald-signature"]);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const secret = webhook.webhookSecret(tenantId);
    expect(webhook.verifyWebhook({ secret, header, body: hit!.body })).toBe(true);
  });

  it("verifyWebhook rejects a tampered body, a stale timestamp and another tenant's secret", async () => {
    // Prepare
    const id = unique("ntf");
    const tenantId = unique("tenant");
    await webhook.sendWebhook({
      id,
      tenantId,
      url: `${receiver.url}/hooks`,
      event: "e",
      data: { amount: 1 },
      attempt: 1,
    });
    const hit = hitsFor(id)[0]!;
    const header = String(hit.headers["herald-signature"]);
    const secret = webhook.webhookSecret(tenantId);

    // Act
    const tampered = webhook.verifyWebhook({
      secret,
      header,
      body: hit.body.replace('"amount":1', '"amount":1000'),
    });
    const replayedLater = webhook.verifyWebhook({
      secret,
      header,
      body: hit.body,
      now: Date.now() + 10 * 60 * 1000,
    });
    const otherTenant = webhook.verifyWebhook({
      secret: webhook.webhookSecret(unique("tenant")),
      header,
      body: hit.body,
    });
    const garbled = webhook.verifyWebhook({ secret, header: "t=abc,v1=zz", body: hit.body });

    // Assess
    expect([tampered, replayedLater, otherTenant, garbled]).toEqual([false, false, false, false]);
  });

  it("derives a stable secret per tenant", () => {
    // Prepare
    const tenantId = unique("tenant");

    // Act
    const first = webhook.webhookSecret(tenantId);
    const again = webhook.webhookSecret(tenantId);
    const other = webhook.webhookSecret(unique("tenant"));

    // Assess
    expect(first).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  it.each([
    [500, "TransientDeliveryError"],
    [503, "TransientDeliveryError"],
    [429, "TransientDeliveryError"],
    [408, "TransientDeliveryError"],
    [400, "PermanentDeliveryError"],
    [404, "PermanentDeliveryError"],
    [302, "PermanentDeliveryError"],
  ] as const)("classifies a %i answer as %s", async (status, expected) => {
    // Prepare
    const id = unique("ntf");
    const followedBefore = receiver.hits.filter((hit) => hit.path === "/followed").length;

    // Act
    const sending = webhook.sendWebhook({
      id,
      tenantId: unique("tenant"),
      url: `${receiver.url}/hooks?status=${status}`,
      event: "e",
      data: null,
      attempt: 1,
    });

    // Assess
    await expect(sending).rejects.toBeInstanceOf(errors[expected]);
    await expect(sending).rejects.toThrow(new RegExp(`answered ${status}`));
    expect(hitsFor(id)).toHaveLength(1);
    expect(receiver.hits.filter((hit) => hit.path === "/followed")).toHaveLength(followedBefore);
  });

  it("treats an unreachable receiver as transient", async () => {
    // Prepare
    const url = `${CLOSED}/hooks`;

    // Act
    const sending = webhook.sendWebhook({
      id: unique("ntf"),
      tenantId: unique("tenant"),
      url,
      event: "e",
      data: null,
      attempt: 1,
    });

    // Assess
    await expect(sending).rejects.toBeInstanceOf(errors.TransientDeliveryError);
  });
});

describe("checkUrl", () => {
  it.each([
    ["http://example.com/hook", /https/],
    ["https://127.0.0.1/hook", /loopback/],
    ["https://10.1.2.3/hook", /private/],
    ["https://172.20.0.1/hook", /private/],
    ["https://192.168.1.1/hook", /private/],
    ["https://169.254.169.254/latest/meta-data", /link-local/],
    ["https://100.64.0.1/hook", /CGNAT/],
    ["https://0.0.0.0/hook", /unspecified/],
    ["https://2130706433/hook", /loopback/],
    ["https://[::1]/hook", /loopback/],
    ["https://[fd00:ec2::254]/hook", /unique-local/],
    ["https://[fe80::1]/hook", /link-local/],
    ["https://[::ffff:10.0.0.1]/hook", /private/],
    ["https://[64:ff9b::a9fe:a9fe]/hook", /NAT64/],
    ["https://[64:ff9b::808:808]/hook", /NAT64/],
    ["https://[64:ff9b:1::a9fe:a9fe]/hook", /NAT64/],
    ["https://[::ffff:0:a9fe:a9fe]/hook", /IPv4-translated/],
    ["https://[::a9fe:a9fe]/hook", /IPv4-compatible/],
    ["https://[::ffff:8.8.8.8]/hook", /IPv4-mapped/],
    ["https://[2002:a9fe:a9fe::1]/hook", /6to4/],
    ["https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook", /Teredo/],
    ["https://[2001:db8::1]/hook", /TEST-NET/],
    ["https://192.0.2.10/hook", /TEST-NET/],
    ["https://198.51.100.7/hook", /TEST-NET/],
    ["https://203.0.113.9/hook", /TEST-NET/],
    ["https://192.88.99.1/hook", /6to4/],
    ["https://255.255.255.255/hook", /broadcast/],
    ["https://[fec0::1]/hook", /site-local/],
    ["https://0x7f.1/hook", /loopback/],
    ["https://169.254.169.254%2Eattacker.example/x", /host/],
    ["https://example.com/a b", /valid URI/],
    ["https://example.com/%zz", /escape/],
    ["https://ex\u00e4mple.com/", /valid URI/],
    ["https://example\uff0ecom/", /valid URI/],
    ["https://localhost/hook", /loopback/],
    ["https://api.localhost./hook", /loopback/],
    ["https://user:secret@example.com/hook", /credentials/],
    ["not a url", /valid URI/],
    ["https://exa mple.com/", /valid URI/],
  ])("rejects %s in strict mode", (url, reason) => {
    // Prepare
    const allowPrivate = false;

    // Act
    const checked = destination.checkUrl(url, allowPrivate);

    // Assess
    expect(checked.ok).toBe(false);
    expect(checked.ok ? "" : checked.reason).toMatch(reason);
  });

  it.each([
    ["https://example.com/hook", false],
    ["https://93.184.215.14/hook", false],
    ["https://[2606:4700::1111]/hook", false],
    ["http://127.0.0.1:8080/hook", true],
  ])("accepts %s (allowPrivate %s)", (url, allowPrivate) => {
    // Prepare
    const expected = new URL(url).href;

    // Act
    const checked = destination.checkUrl(url, allowPrivate);

    // Assess
    expect(checked.ok && checked.url.href).toBe(expected);
  });
});
