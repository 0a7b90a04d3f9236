import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyWebhook } from "@herald/core/delivery/webhook";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, eventually, unique, useLocalCloud } from "./support";

const cloud = useLocalCloud();

/** A webhook receiver that records every request and answers 204. */
interface Hit {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}
let receiver: Server;
let receiverUrl: string;
const hits: Hit[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      hits.push({
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(204).end();
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
  return client(cloud().apiUrl, await cloud().createKey(tenantId));
}

/** Sends one webhook and returns the request the receiver got. */
async function deliverOne(api: ReturnType<typeof client>): Promise<Hit> {
  const path = `/hook/${randomUUID()}`;
  const accepted = await api.request("POST", "/v1/notifications", {
    channel: "webhook",
    recipient: { webhook_url: `${receiverUrl}${path}` },
    content: { event: "order.shipped", data: { order: 42 } },
    immediate: true,
  });
  expect(accepted.status).toBe(202);
  return eventually(() => hits.find((hit) => hit.path === path), {
    timeoutMs: 20_000,
    what: `the webhook at ${path}`,
  });
}

const signaturesIn = (hit: Hit) =>
  String(hit.headers["herald-signature"])
    .split(",")
    .filter((part) => part.startsWith("v1="));
const verifies = (secret: string, hit: Hit) =>
  verifyWebhook({ secret, header: String(hit.headers["herald-signature"]), body: hit.body });

describe("webhook secret rotation", () => {
  it("signs with both secrets during the overlap, the new one first", async () => {
    // Prepare
    const api = await tenant();
    const { body: old } = await api.request("GET", "/v1/webhooks/secret");
    const before = await deliverOne(api);

    // Act
    const rotated = await api.request("POST", "/v1/webhooks/secret/rotate");
    const during = await deliverOne(api);
    const { body: current } = await api.request("GET", "/v1/webhooks/secret");

    // Assess
    expect(signaturesIn(before)).toHaveLength(1);
    expect(verifies(old.secret, before)).toBe(true);
    expect(old.previous_valid_until).toBeUndefined();

    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(old.secret);
    const until = Date.parse(rotated.body.previous_valid_until);
    expect(until - Date.now()).toBeGreaterThan(86_000_000);
    expect(until - Date.now()).toBeLessThanOrEqual(86_400_000);
    expect(current).toEqual(rotated.body);

    const [first, second] = signaturesIn(during);
    expect(signaturesIn(during)).toHaveLength(2);
    expect(verifies(rotated.body.secret, during)).toBe(true);
    expect(verifies(old.secret, during)).toBe(true);
    // The new secret's signature comes first.
    const header = (v1: string | undefined) =>
      `t=${String(during.headers["herald-signature"]).split(",")[0]!.slice(2)},${v1}`;
    expect(
      verifyWebhook({ secret: rotated.body.secret, header: header(first), body: during.body }),
    ).toBe(true);
    expect(verifyWebhook({ secret: old.secret, header: header(second), body: during.body })).toBe(
      true,
    );
  });

  it("with overlap_seconds 0 only the new secret signs, and a second rotation replaces a stored one", async () => {
    // Prepare
    const api = await tenant();
    const { body: derived } = await api.request("GET", "/v1/webhooks/secret");
    const { body: first } = await api.request("POST", "/v1/webhooks/secret/rotate", {
      overlap_seconds: 60,
    });

    // Act
    const rotated = await api.request("POST", "/v1/webhooks/secret/rotate", { overlap_seconds: 0 });
    const hit = await deliverOne(api);
    const { body: current } = await api.request("GET", "/v1/webhooks/secret");

    // Assess
    expect(rotated.status).toBe(200);
    expect(rotated.body.previous_valid_until).toBeUndefined();
    expect(current).toEqual({ secret: rotated.body.secret, header: "herald-signature" });
    expect(signaturesIn(hit)).toHaveLength(1);
    expect(verifies(rotated.body.secret, hit)).toBe(true);
    expect(verifies(first.secret, hit)).toBe(false);
    expect(verifies(derived.secret, hit)).toBe(false);
  });

  it("rotating one tenant's secret leaves another's alone", async () => {
    // Prepare
    const a = await tenant();
    const b = await tenant();
    const { body: before } = await b.request("GET", "/v1/webhooks/secret");

    // Act
    await a.request("POST", "/v1/webhooks/secret/rotate", { overlap_seconds: 0 });
    const { body: after } = await b.request("GET", "/v1/webhooks/secret");
    const hit = await deliverOne(b);

    // Assess
    expect(after).toEqual(before);
    expect(signaturesIn(hit)).toHaveLength(1);
    expect(verifies(before.secret, hit)).toBe(true);
  });

  it("rejects an overlap longer than 7 days", async () => {
    const api = await tenant();
    const rotated = await api.request("POST", "/v1/webhooks/secret/rotate", {
      overlap_seconds: 604_801,
    });
    expect(rotated.status).toBe(400);
    const { body } = await api.request("GET", "/v1/webhooks/secret");
    expect(body.previous_valid_until).toBeUndefined();
  });
});
