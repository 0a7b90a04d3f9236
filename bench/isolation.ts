import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { LocalCloud } from "@herald/local/cloud";
import { pool, save, sleep, table } from "./support";

/**
 * Part 4 (issue 11): one slow receiver must not stall everyone. 2,000 webhooks across 20 local
 * endpoints of one tenant, all due at the same moment (SQS DelaySeconds), delivered by the
 * webhook worker at its mapping's concurrency. Run twice: every endpoint healthy, then one
 * endpoint hanging (it never answers; the worker gives up after the webhook timeout, 10 s).
 * Reported: the healthy endpoints' throughput (deliveries per second, from the first delivery
 * to the last healthy one), and how many calls reached the hanging endpoint. Goal: with the
 * hanging endpoint, healthy throughput within 20 % of the run without it.
 */

interface Endpoint {
  url: string;
  hits: number[];
  server: Server;
  held: ServerResponse[];
}

async function endpoint(hang: boolean): Promise<Endpoint> {
  const state: Endpoint = { url: "", hits: [], server: undefined as unknown as Server, held: [] };
  state.server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      state.hits.push(performance.now());
      if (hang) state.held.push(res);
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

async function close(endpoints: Endpoint[]) {
  for (const e of endpoints) {
    for (const res of e.held) res.destroy();
    e.server.closeAllConnections();
    await new Promise((resolve) => e.server.close(resolve));
  }
}

async function run(cloud: LocalCloud, label: string, hanging: boolean, total: number) {
  const Notification = await import("@herald/core/notification");
  const tenantId = `bench-isolation-${label}-${Date.now()}`;
  const endpoints = await Promise.all(
    Array.from({ length: 20 }, (_, i) => endpoint(hanging && i === 0)),
  );
  // Accepted straight through the domain (no HTTP in between), all due together a little later.
  const due = new Date(Date.now() + 25_000);
  const ingest = performance.now();
  await pool(
    Array.from({ length: total }, (_, i) => i),
    16,
    (i) =>
      Notification.send({
        tenantId,
        input: {
          channel: "webhook",
          recipient: { webhook_url: `${endpoints[i % 20]!.url}/hook/${i}` },
          content: { event: "bench.isolation", data: { i } },
          send_at: due.toISOString(),
          delivery_window: { start: "00:00", end: "00:00" },
        },
      }),
  );
  const ingestSeconds = (performance.now() - ingest) / 1000;
  const invocationsBefore = cloud.runner.invocations;
  if (Date.now() > due.getTime()) throw new Error("ingest took longer than the due delay");
  const healthy = endpoints.filter((_, i) => !(hanging && i === 0));
  const expected = total - (hanging ? total / 20 : 0);
  const deadline = Date.now() + 180_000;
  const count = () => healthy.reduce((sum, e) => sum + e.hits.length, 0);
  while (count() < expected && Date.now() < deadline) await sleep(100);
  const hits = healthy.flatMap((e) => e.hits).sort((a, b) => a - b);
  const seconds = ((hits.at(-1) ?? 0) - (hits[0] ?? 0)) / 1000;
  const result = {
    run: label,
    "ingest s": ingestSeconds,
    "healthy delivered": hits.length,
    "healthy s": seconds,
    "healthy per s": hits.length / seconds,
    "calls to hanging endpoint": hanging ? endpoints[0]!.hits.length : 0,
    "batches run": cloud.runner.invocations - invocationsBefore,
  };
  await close(endpoints);
  return result;
}

export async function measureIsolation(cloud: LocalCloud, total = 2_000) {
  const baseline = await run(cloud, "all healthy", false, total);
  const withHang = await run(cloud, "one hanging", true, total);
  const ratio = withHang["healthy per s"] / baseline["healthy per s"];
  table("Isolation: 2,000 webhooks over 20 endpoints (webhook worker concurrency 10)", [
    baseline,
    withHang,
  ]);
  process.stdout.write(
    `healthy throughput with one hanging endpoint: ${(ratio * 100).toFixed(0)} % of the run without it (goal ≥ 80 %)\n`,
  );
  save("isolation", { at: new Date().toISOString(), baseline, withHang, ratio });
}
