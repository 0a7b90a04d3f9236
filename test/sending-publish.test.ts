import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as Realtime from "@herald/core/realtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, eventually, unique, useLocalCloud } from "./support";

/**
 * The worker publishes `sending` only when an attempt is still running a moment after its
 * claim (HERALD_SENDING_PUBLISH_DELAY_MS, 1 s; 3 s here, so a busy machine does not make the
 * fast call look slow): a fast attempt publishes its outcome alone, a slow one both, in order.
 * Never awaited on the provider call's path.
 */
const cloud = useLocalCloud({ env: { HERALD_SENDING_PUBLISH_DELAY_MS: "3000" } });

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const slow = req.url?.startsWith("/slow");
    setTimeout(() => res.writeHead(204).end(), slow ? 6_000 : 0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the sending publish", () => {
  it("is dropped when the outcome comes first, and goes out before it when the call is slow", async () => {
    // Prepare
    const tenantId = unique("tenant");
    const api = client(cloud().apiUrl, await cloud().createKey(tenantId));
    const seen = new Map<string, string[]>();
    const unsubscribe = await Realtime.subscribe(Realtime.patterns.tenant(tenantId), (event) => {
      const { id, status } = event.notification;
      seen.set(id, [...(seen.get(id) ?? []), status]);
    });
    const webhook = (path: string) => ({
      channel: "webhook",
      recipient: { webhook_url: `${url}${path}` },
      content: { event: "test", data: {} },
      immediate: true,
    });

    // Act
    const fast = await api.request("POST", "/v1/notifications", webhook("/fast"));
    const slow = await api.request("POST", "/v1/notifications", webhook("/slow"));
    await eventually(
      () => (seen.get(fast.body.id)?.includes("delivered") ? true : undefined),
      "the fast one delivered",
    );
    await eventually(
      () => (seen.get(slow.body.id)?.includes("delivered") ? true : undefined),
      "the slow one delivered",
    );
    await unsubscribe();

    // Assess
    expect(seen.get(fast.body.id)).toEqual(["delivered"]);
    expect(seen.get(slow.body.id)).toEqual(["sending", "delivered"]);
  });
});
