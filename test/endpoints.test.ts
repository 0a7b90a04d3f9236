import { randomUUID } from "node:crypto";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, eventually, unique, useLocalCloud } from "./support";

// Per-endpoint circuits (issue 11, part 3), with short timings: a circuit opens after three
// failures in a row for 2 s, an endpoint failing for 10 s without a success is disabled, and a
// call unanswered after 500 ms marks its endpoint slow.
const cloud = useLocalCloud({
  env: {
    HERALD_RETRY_SCHEDULE: "0,1s,1s,1s,1s,1s,1s,1s,1s,1s",
    HERALD_RETRY_JITTER: "0",
    HERALD_ENDPOINT_FAILURE_THRESHOLD: "3",
    HERALD_ENDPOINT_COOLDOWN_SECONDS: "2",
    HERALD_ENDPOINT_DISABLE_AFTER_SECONDS: "10",
    HERALD_ENDPOINT_SLOW_MS: "500",
  },
});

/** One receiver per test (a circuit covers an origin), answering as the test says. */
const servers: Server[] = [];
async function receiver(answer: (res: ServerResponse) => void) {
  const state = { hits: 0, inFlight: 0, maxInFlight: 0 };
  const server = createServer((req, res) => {
    req.resume();
    state.hits++;
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on("close", () => state.inFlight--);
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, state };
}
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

let api: ReturnType<typeof client>;
beforeAll(async () => {
  api = client(cloud().apiUrl, await cloud().createKey(unique("tenant")));
});

async function send(url: string) {
  const accepted = await api.request("POST", "/v1/notifications", {
    channel: "webhook",
    recipient: { webhook_url: `${url}/hook/${randomUUID()}` },
    content: { event: "endpoint.test", data: {} },
    immediate: true,
  });
  return accepted.body.id as string;
}

async function waitFor(id: string, check: (n: Record<string, any>) => boolean, timeoutMs = 20_000) {
  return eventually(
    async () => {
      const { body } = await api.request("GET", `/v1/notifications/${id}`);
      return check(body) ? body : undefined;
    },
    { timeoutMs, what: `${id} to change` },
  );
}

async function endpoint(url: string) {
  const { body } = await api.request("GET", "/v1/endpoints");
  return body.items.find((item: { origin: string }) => item.origin === url);
}

describe("endpoint circuits", () => {
  it("open after repeated failures: later records wait without calling, then deliver", async () => {
    // Prepare: a receiver that is down.
    let healthy = false;
    const { url, state } = await receiver((res) => res.writeHead(healthy ? 200 : 503).end());
    const first = await send(url);
    await waitFor(first, (n) => n.attempts >= 3);

    // Act: while the circuit is open, another notification for the same endpoint.
    const hitsBefore = state.hits;
    const second = await send(url);
    const deferred = await waitFor(second, (n) => /circuit open/.test(n.last_error ?? ""));
    const open = await endpoint(url);
    healthy = true;
    const done = await Promise.all(
      [first, second].map((id) => waitFor(id, (n) => n.status === "delivered", 30_000)),
    );
    const closed = await endpoint(url);

    // Assess
    expect(state.hits).toBeGreaterThanOrEqual(hitsBefore);
    expect(deferred.status).toBe("queued");
    expect(deferred.attempts).toBe(0);
    expect(open).toMatchObject({ status: "open", failures: 3 });
    expect(done.map((n) => n.status)).toEqual(["delivered", "delivered"]);
    expect(done[1]!.attempts).toBe(1);
    expect(closed).toMatchObject({ status: "healthy", failures: 0 });
  }, 40_000);

  it("disables an endpoint that keeps failing, says why, and can be enabled again", async () => {
    // Prepare
    let healthy = false;
    const { url } = await receiver((res) => res.writeHead(healthy ? 200 : 500).end());
    const id = await send(url);

    // Act
    const failed = await waitFor(id, (n) => n.status === "failed", 30_000);
    const disabled = await endpoint(url);
    const refused = await send(url);
    const refusedDone = await waitFor(refused, (n) => n.status === "failed");
    healthy = true;
    const enabled = await api.request("POST", `/v1/endpoints/${disabled.id}/enable`);
    const retried = await api.request("POST", `/v1/notifications/${id}/retry`);
    const done = await waitFor(id, (n) => n.status === "delivered");
    const unknown = await api.request("POST", "/v1/endpoints/bm9wZQ/enable");

    // Assess
    expect(failed.last_error).toMatch(/disabled since .*re-enable it with POST \/v1\/endpoints\//);
    expect(disabled).toMatchObject({ status: "disabled", origin: url });
    expect(disabled.disabled_reason).toMatch(/no successful call/);
    expect(refusedDone.attempts).toBe(1);
    expect(refusedDone.last_error).toMatch(/disabled/);
    expect(enabled.status).toBe(200);
    expect(enabled.body.status).toBe("healthy");
    expect(retried.status).toBe(200);
    expect(done.status).toBe("delivered");
    expect(unknown.status).toBe(404);
  }, 60_000);

  it("lets a hanging endpoint hold one call, not one per record", async () => {
    // Prepare: a receiver that answers only when the test lets it.
    const held: ServerResponse[] = [];
    let answering = false;
    const { url, state } = await receiver((res) =>
      answering ? res.writeHead(200).end() : held.push(res),
    );
    const first = await send(url);
    await eventually(() => (state.hits === 1 ? true : undefined), { what: "the first call" });
    await new Promise((resolve) => setTimeout(resolve, 700));

    // Act: three more for the same endpoint while the first call hangs.
    const later = await Promise.all([send(url), send(url), send(url)]);
    const deferred = await Promise.all(
      later.map((id) => waitFor(id, (n) => /slow to answer/.test(n.last_error ?? ""))),
    );
    const hitsWhileHanging = state.hits;
    answering = true;
    for (const res of held.splice(0)) res.writeHead(200).end();
    // Deferred until the hanging call's time limit (10 s) has passed.
    const settled = await Promise.all(
      [first, ...later].map((id) => waitFor(id, (n) => n.status === "delivered", 30_000)),
    );

    // Assess
    expect(deferred.map((n) => n.status)).toEqual(["queued", "queued", "queued"]);
    expect(hitsWhileHanging).toBe(1);
    expect(settled.map((n) => n.attempts)).toEqual([1, 1, 1, 1]);
    expect(state.hits).toBe(4);
  }, 40_000);
});
