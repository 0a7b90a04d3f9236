import { describe, expect, it } from "vitest";
import { client, emailBody, eventually, unique, useLocalCloud } from "./support";

// Info level: this file reads what the handlers log, and API Gateway's access log.
const accessLines: string[] = [];
const cloud = useLocalCloud({
  env: { AWS_LAMBDA_LOG_LEVEL: "info", POWERTOOLS_METRICS_DISABLED: "false" },
  accessLog: (line) => accessLines.push(line),
});

async function tenant() {
  const tenantId = unique("tenant");
  const key = await cloud().createKey(tenantId);
  return { tenantId, key, api: client(cloud().apiUrl, key) };
}

/** Every log line the handlers write while `act` runs (they run in this process). */
async function captureLogs(act: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const original = { out: process.stdout.write, err: process.stderr.write };
  const tap = (chunk: unknown) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  };
  process.stdout.write = tap as typeof process.stdout.write;
  process.stderr.write = tap as typeof process.stderr.write;
  try {
    await act();
  } finally {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
  }
  return lines;
}

describe("logs", () => {
  it("are JSON lines with request ids, and carry no keys or full addresses", async () => {
    // Prepare
    const { api, key, tenantId } = await tenant();
    const address = `${unique("private")}@example.com`;

    // Act
    accessLines.length = 0;
    const lines = await captureLogs(async () => {
      const sent = await api.request(
        "POST",
        "/v1/notifications",
        emailBody({ recipient: { email: address } }),
      );
      await eventually(async () => {
        const { body } = await api.request("GET", `/v1/notifications/${sent.body.id}`);
        return body.status === "sent" ? true : undefined;
      });
      await api.request("POST", "/v1/notifications", {
        channel: "email",
        recipient: { email: address },
      });
      await client(cloud().apiUrl, "hrld_not_a_key").request("GET", "/v1/notifications");
    });

    // Assess
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    // One access line per request, API Gateway's (the manifest's format), not the handlers'.
    expect(records.filter((r) => r.message === "request")).toEqual([]);
    const access = accessLines.map((line) => JSON.parse(line) as Record<string, string>);
    const posts = access.filter((r) => r.route === "POST /v1/notifications");
    expect(posts.map((r) => r.status)).toEqual(["202", "400"]);
    for (const line of posts) {
      expect(line).toMatchObject({ tenantId, error: "-", ip: "127.0.0.1" });
      expect(line.requestId).toMatch(/\S/);
      expect(line.time).toMatch(/^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
      expect(Number(line.latencyMs)).toBeGreaterThanOrEqual(0);
    }
    // A refusal by the authorizer: API Gateway's own answer, no tenant.
    expect(access).toContainEqual(
      expect.objectContaining({
        route: "GET /v1/notifications",
        status: "403",
        tenantId: "-",
        error: "Forbidden",
      }),
    );
    // Success is not a log line of its own (the item, the metric and the feed carry it).
    expect(records.some((r) => r.message === "delivered")).toBe(false);
    // Powertools metrics: one EMF record per batch and dimension set (channel and outcome).
    const emf = records.filter((r) => r._aws !== undefined);
    expect(emf).toContainEqual(
      expect.objectContaining({ channel: "email", outcome: "sent", Notifications: 1 }),
    );
    const aws = emf[0]!._aws as { CloudWatchMetrics: { Namespace: string }[] };
    expect(aws.CloudWatchMetrics[0]?.Namespace).toBe("Herald");
    const all = [...lines, ...accessLines].join("\n");
    expect(all).not.toContain(address);
    expect(all).not.toContain(key);
  });
});
