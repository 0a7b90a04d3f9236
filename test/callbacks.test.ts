import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, eventually, unique, useLocalCloud } from "./support";

// Status callbacks (issue 15, part 3). Signatures are checked with the `standardwebhooks`
// package, never with Herald's own code. A short retry schedule: 0, 1 s, 1 s.
const cloud = useLocalCloud({
  env: { HERALD_RETRY_SCHEDULE: "0,1s,1s", HERALD_RETRY_JITTER: "0" },
});

interface Call {
  headers: IncomingHttpHeaders;
  body: string;
}

const servers: Server[] = [];
/** A receiver answering each call with the next status of `answers` (the last one repeats). */
async function receiver(answers: number[] = [204]) {
  const calls: Call[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      calls.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.statusCode = answers[Math.min(calls.length - 1, answers.length - 1)] ?? 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`, calls };
}
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

let a: ReturnType<typeof client>;
let b: ReturnType<typeof client>;
let sink: Awaited<ReturnType<typeof receiver>>;
beforeAll(async () => {
  a = client(cloud().apiUrl, await cloud().createKey(unique("tenant-a")));
  b = client(cloud().apiUrl, await cloud().createKey(unique("tenant-b")));
  // Where the notifications themselves go (webhook channel): always 200.
  sink = await receiver([200]);
});

async function register(api: typeof a, url: string, events: string[]) {
  const created = await api.request("POST", "/v1/callbacks", { url, events });
  expect(created.status).toBe(201);
  return created.body as { id: string; secret: string };
}

/** Sends one webhook-channel notification and waits until it is delivered. */
async function deliverOne(api: typeof a) {
  const accepted = await api.request("POST", "/v1/notifications", {
    channel: "webhook",
    recipient: { webhook_url: `${sink.url}/${randomUUID()}` },
    content: { event: "callback.test", data: {} },
    immediate: true,
  });
  expect(accepted.status).toBe(202);
  const id = accepted.body.id as string;
  await eventually(
    async () => (await api.request("GET", `/v1/notifications/${id}`)).body.status === "delivered",
    { timeoutMs: 20_000, what: `${id} delivered` },
  );
  return id;
}

const headersOf = (call: Call) => ({
  "webhook-id": String(call.headers["webhook-id"]),
  "webhook-timestamp": String(call.headers["webhook-timestamp"]),
  "webhook-signature": String(call.headers["webhook-signature"]),
});

const verify = (secret: string, call: Call) =>
  new Webhook(secret).verify(call.body, headersOf(call)) as Record<string, any>;

const about = (calls: Call[], id: string) =>
  calls.filter((call) => JSON.parse(call.body).data.id === id);

describe("registering callbacks", () => {
  it("creates, lists, gets and deletes an endpoint; the secret is a whsec_ key", async () => {
    const endpoint = await receiver();
    const created = await register(a, endpoint.url, ["delivered", "failed"]);
    expect(created.id).toMatch(/^cb_/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const listed = await a.request("GET", "/v1/callbacks");
    expect(listed.body.items.map((item: { id: string }) => item.id)).toContain(created.id);
    const got = await a.request("GET", `/v1/callbacks/${created.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ url: endpoint.url, events: ["delivered", "failed"] });
    expect(got.body.secret).toBeUndefined();
    // Another tenant cannot see it.
    expect((await b.request("GET", `/v1/callbacks/${created.id}`)).status).toBe(404);
    expect((await b.request("DELETE", `/v1/callbacks/${created.id}`)).status).toBe(404);
    expect((await a.request("DELETE", `/v1/callbacks/${created.id}`)).status).toBe(204);
    expect((await a.request("GET", `/v1/callbacks/${created.id}`)).status).toBe(404);
  });

  it("refuses a URL the destination guard refuses, and unknown statuses", async () => {
    const bad = await a.request("POST", "/v1/callbacks", {
      url: "ftp://example.com/x",
      events: ["delivered"],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_destination");
    const unknown = await a.request("POST", "/v1/callbacks", {
      url: "https://example.com/x",
      events: ["opened"],
    });
    expect(unknown.status).toBe(400);
  });
});

describe("delivering callbacks", () => {
  it("POSTs each chosen status change signed (Standard Webhooks), only to its tenant", async () => {
    const delivered = await receiver();
    const failedOnly = await receiver();
    const other = await receiver();
    const onDelivered = await register(a, delivered.url, ["delivered"]);
    await register(a, failedOnly.url, ["failed"]);
    // Tenant B follows every status, on its own endpoint.
    await register(b, other.url, ["accepted", "queued", "sending", "delivered", "sent", "failed"]);

    const id = await deliverOne(a);
    const calls = await eventually(
      () => (about(delivered.calls, id).length ? about(delivered.calls, id) : undefined),
      { timeoutMs: 20_000, what: "the delivered callback" },
    );
    expect(calls).toHaveLength(1);
    const payload = verify(onDelivered.secret, calls[0] as Call);
    expect(payload).toMatchObject({
      type: "notification.delivered",
      data: { id, status: "delivered" },
    });
    expect(payload.data.content).toBeUndefined();
    // A tampered body does not verify.
    expect(() =>
      verify(onDelivered.secret, { ...(calls[0] as Call), body: `${(calls[0] as Call).body} ` }),
    ).toThrow();

    // B's notification reaches B's endpoint, so B's callbacks run; A's never does.
    const mine = await deliverOne(b);
    await eventually(() => about(other.calls, mine).length > 0 || undefined, {
      timeoutMs: 20_000,
      what: "B's callback",
    });
    expect(about(other.calls, id)).toEqual([]);
    expect(other.calls.every((call) => JSON.parse(call.body).data.id !== id)).toBe(true);
    // The endpoint that asked for `failed` only heard nothing.
    expect(failedOnly.calls).toEqual([]);
    // And A's delivered endpoint heard nothing of B.
    expect(about(delivered.calls, mine)).toEqual([]);
  });

  it("retries after a 500 with the same webhook-id, then clears the failure", async () => {
    const flaky = await receiver([500, 204]);
    const callback = await register(a, flaky.url, ["delivered"]);
    const id = await deliverOne(a);
    const calls = await eventually(
      () => (about(flaky.calls, id).length >= 2 ? about(flaky.calls, id) : undefined),
      { timeoutMs: 20_000, what: "the retried callback" },
    );
    // At least once: a slow batch can outlive the queue's (test-short) visibility timeout and
    // be handed out again, but every call is the same message.
    const [first, second] = calls as [Call, Call];
    for (const call of calls) expect(call.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(verify(callback.secret, second).data.id).toBe(id);
    const got = await eventually(
      async () => {
        const body = (await a.request("GET", `/v1/callbacks/${callback.id}`)).body;
        return body.failing_since === undefined ? body : undefined;
      },
      { what: "the failure cleared" },
    );
    expect(got.disabled_at).toBeUndefined();
    await a.request("DELETE", `/v1/callbacks/${callback.id}`);
  });

  it("disables an endpoint that failed through the whole retry schedule", async () => {
    const dead = await receiver([500]);
    const callback = await register(a, dead.url, ["delivered"]);
    const id = await deliverOne(a);
    const got = await eventually(
      async () => {
        const body = (await a.request("GET", `/v1/callbacks/${callback.id}`)).body;
        return body.disabled_at ? body : undefined;
      },
      { timeoutMs: 20_000, what: "the endpoint disabled" },
    );
    expect(got.last_error).toMatch(/500/);
    // Three attempts (0, 1 s, 1 s), of one message (at least once: a duplicate may add one).
    const attempts = about(dead.calls, id);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(new Set(attempts.map((call) => call.headers["webhook-id"])).size).toBe(1);
    // A disabled endpoint hears nothing more, until enabled. The witness hearing of `next`
    // shows its callbacks were enqueued (one decision for every endpoint of the tenant).
    const witness = await receiver();
    const watching = await register(a, witness.url, ["delivered"]);
    const next = await deliverOne(a);
    await eventually(() => about(witness.calls, next).length > 0 || undefined, {
      timeoutMs: 20_000,
      what: "the witness callback",
    });
    expect(about(dead.calls, next)).toEqual([]);
    await a.request("DELETE", `/v1/callbacks/${watching.id}`);
    const enabled = await a.request("POST", `/v1/callbacks/${callback.id}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.body.disabled_at).toBeUndefined();
    await a.request("DELETE", `/v1/callbacks/${callback.id}`);
  });
});

describe("rotating the secret", () => {
  it("signs with both secrets during the overlap, with the new one only after", async () => {
    const endpoint = await receiver();
    const callback = await register(a, endpoint.url, ["delivered"]);
    const rotated = await a.request("POST", `/v1/callbacks/${callback.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const secret = rotated.body.secret as string;
    expect(secret).not.toBe(callback.secret);
    expect(rotated.body.previous_secret_until).toBeDefined();

    const id = await deliverOne(a);
    const [call] = await eventually(
      () => (about(endpoint.calls, id).length ? about(endpoint.calls, id) : undefined),
      { timeoutMs: 20_000, what: "the callback during the overlap" },
    );
    expect(String(call?.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    // Receivers still on the old secret and those on the new one both accept it.
    expect(verify(callback.secret, call as Call).data.id).toBe(id);
    expect(verify(secret, call as Call).data.id).toBe(id);

    // No overlap: only the newest secret signs.
    const again = await a.request("POST", `/v1/callbacks/${callback.id}/rotate-secret`, {
      overlap_seconds: 0,
    });
    const newest = again.body.secret as string;
    const later = await deliverOne(a);
    const [after] = await eventually(
      () => (about(endpoint.calls, later).length ? about(endpoint.calls, later) : undefined),
      { timeoutMs: 20_000, what: "the callback after the overlap" },
    );
    expect(verify(newest, after as Call).data.id).toBe(later);
    expect(() => verify(secret, after as Call)).toThrow();
    expect(() => verify(callback.secret, after as Call)).toThrow();
  });
});
