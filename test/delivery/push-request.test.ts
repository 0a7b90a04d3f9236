import { createPublicKey, randomBytes, randomUUID, verify } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type PushService, startPushService } from "@herald/local/push-service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpush from "web-push";

/**
 * What the push provider puts on the wire, checked byte by byte where the local push service
 * (test/delivery/providers.test.ts) only checks that it verifies and decrypts: the request
 * web-push used to send (headers, one 4096-byte aes128gcm record with a fresh salt and key),
 * and the VAPID JWT's header and claims (RFC 8292: aud the push service's origin, exp within
 * 24 hours, sub the linked subject, an r || s signature).
 */

interface Hit {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const SUBJECT = "mailto:push-request@herald.local";
const hits: Hit[] = [];
const receiver: Server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    hits.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
    res.writeHead(201, { location: "/message/1" });
    res.end();
  });
});
let origin: string;
let pushService: PushService;

const vapid = webpush.generateVAPIDKeys();

function subscriptionKeys() {
  return {
    p256dh: webpush.generateVAPIDKeys().publicKey,
    auth: randomBytes(16).toString("base64url"),
  };
}

let push: typeof import("@herald/core/delivery/push");

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  pushService = await startPushService();
  Object.assign(process.env, {
    SST_RESOURCE_App: JSON.stringify({ name: "herald", stage: "test" }),
    // The receivers are on loopback: the address ranges are not what these tests are about.
    HERALD_WEBHOOK_ALLOW_PRIVATE: "true",
    SST_RESOURCE_Vapid: JSON.stringify({ ...vapid, subject: SUBJECT }),
  });
  push = await import("@herald/core/delivery/push");
});

afterAll(async () => {
  receiver.closeAllConnections();
  await Promise.all([new Promise((resolve) => receiver.close(resolve)), pushService?.stop()]);
});

function decodeSegment(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
}

function vapidOf(authorization: string | undefined) {
  const match = /^vapid t=([^,]+), k=(\S+)$/.exec(authorization ?? "");
  if (!match) throw new Error(`not a vapid Authorization header: ${authorization}`);
  const [header = "", claims = "", signature = ""] = (match[1] as string).split(".");
  return { header, claims, signature, key: match[2] as string };
}

describe("the web push request", () => {
  it("is the request web-push sent: POST, TTL, Urgency, aes128gcm in one 4096-byte record", async () => {
    // Prepare
    const path = `/push/${randomUUID()}?channel=a&b=1`;
    const subscription = { endpoint: `${origin}${path}`, keys: subscriptionKeys() };
    const id = `ntf_${randomUUID().replaceAll("-", "")}`;
    const content = { title: "Hello" };
    const plaintext = Buffer.byteLength(JSON.stringify({ id, ...content }));

    // Act
    const outcome = await push.sendPush({ id, subscription, content, ttlSeconds: 120 });
    await push.sendPush({ id, subscription, content, ttlSeconds: 120 });

    // Assess
    expect(outcome).toEqual({ status: "sent", providerMessageId: "/message/1" });
    const [first, second] = hits.filter((hit) => hit.path === path);
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    const { method, headers, body } = first as Hit;
    expect(method).toBe("POST");
    expect(headers).toMatchObject({
      ttl: "120",
      urgency: "normal",
      "content-encoding": "aes128gcm",
      "content-type": "application/octet-stream",
      "content-length": String(body.length),
    });
    // RFC 8188 header: salt (16), record size (4), key id length (1), the sender's P-256 key.
    expect(body.readUInt32BE(16)).toBe(4096);
    expect(body[20]).toBe(65);
    expect(body[21]).toBe(4);
    // One record: the payload, the last-record delimiter, no padding, the 16-byte tag.
    expect(body.length).toBe(21 + 65 + plaintext + 1 + 16);
    // A fresh salt and sender key for every message.
    const other = (second as Hit).body;
    expect(other.subarray(0, 16).equals(body.subarray(0, 16))).toBe(false);
    expect(other.subarray(21, 86).equals(body.subarray(21, 86))).toBe(false);
  });

  it("carries an ES256 VAPID JWT for the push service's origin, expiring within 24 hours", async () => {
    // Prepare
    const path = `/push/${randomUUID()}`;
    const subscription = { endpoint: `${origin}${path}`, keys: subscriptionKeys() };
    const before = Math.floor(Date.now() / 1000);

    // Act
    await push.sendPush({ id: "ntf_jwt", subscription, content: { title: "x" } });

    // Assess
    const after = Math.ceil(Date.now() / 1000);
    const hit = hits.find((h) => h.path === path);
    const jwt = vapidOf(hit?.headers.authorization);
    expect(jwt.key).toBe(vapid.publicKey);
    expect(decodeSegment(jwt.header)).toEqual({ typ: "JWT", alg: "ES256" });
    const claims = decodeSegment(jwt.claims) as { aud: string; exp: number; sub: string };
    expect(claims.aud).toBe(origin);
    expect(claims.sub).toBe(SUBJECT);
    // 12 hours, as web-push signed; RFC 8292 allows at most 24.
    expect(claims.exp).toBeGreaterThanOrEqual(before + 12 * 60 * 60);
    expect(claims.exp).toBeLessThanOrEqual(after + 12 * 60 * 60);
    // JWS ES256 is r || s, 64 bytes, verifying with the key named in k.
    const signature = Buffer.from(jwt.signature, "base64url");
    expect(signature).toHaveLength(64);
    const point = Buffer.from(jwt.key, "base64url");
    const key = createPublicKey({
      key: {
        kty: "EC",
        crv: "P-256",
        x: point.subarray(1, 33).toString("base64url"),
        y: point.subarray(33).toString("base64url"),
      },
      format: "jwk",
    });
    const signed = Buffer.from(`${jwt.header}.${jwt.claims}`);
    expect(verify("sha256", signed, { key, dsaEncoding: "ieee-p1363" }, signature)).toBe(true);
  });

  it("names the origin only, port included, as aud: the push service accepts it", async () => {
    // Prepare: the push service checks aud against its own origin (http://127.0.0.1:PORT).
    const subscription = pushService.subscribe({ applicationServerKey: vapid.publicKey });

    // Act
    const outcome = await push.sendPush({ id: "ntf_aud", subscription, content: { title: "x" } });

    // Assess
    expect(outcome.status).toBe("sent");
    const [received] = pushService.received(subscription.endpoint);
    const claims = decodeSegment(vapidOf(received?.authorization).claims) as { aud: string };
    expect(claims.aud).toBe(pushService.url);
    expect(new URL(subscription.endpoint).origin).toBe(pushService.url);
  });
});
