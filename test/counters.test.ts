import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const ddb = mockClient(DynamoDBDocumentClient);

describe("hourly counters", () => {
  beforeEach(() => {
    process.env.SST_RESOURCE_Table = JSON.stringify({ name: "herald-test" });
    ddb.reset();
    ddb.on(UpdateCommand).resolves({});
  });
  afterEach(() => ddb.reset());

  it("writes a batch's counts once per counter, on one of the counter's shards", async () => {
    // Prepare
    const Counters = await import("@herald/core/counters");
    const { SHARDS } = await import("@herald/core/counters/store");
    const at = new Date("2026-11-30T06:30:00Z");

    // Act
    await Counters.batched(async () => {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          Counters.record("acme", "email", i < 9 ? "sent" : "failed", at),
        ),
      );
      await Counters.record("acme", "email", "sending", at); // not a counted status
    });
    await Counters.record("acme", "email", "accepted", at); // outside a batch: at once

    // Assess
    const writes = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(writes).toHaveLength(3);
    const byCounter = Object.fromEntries(
      writes.map((w) => [
        String(w.Key?.sk).replace(/#\d+$/, ""),
        w.ExpressionAttributeValues?.[":by"],
      ]),
    );
    expect(byCounter).toEqual({
      "2026-11-30T06:00Z#email#sent": 9,
      "2026-11-30T06:00Z#email#failed": 1,
      "2026-11-30T06:00Z#email#accepted": 1,
    });
    for (const w of writes) {
      expect(w.Key?.pk).toBe("MET#acme");
      const shard = Number(String(w.Key?.sk).split("#").at(-1));
      expect(shard).toBeGreaterThanOrEqual(0);
      expect(shard).toBeLessThan(SHARDS);
    }
  });
});

describe("what the table's stream counts", () => {
  const image = (fields: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    ...Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, { S: value }])),
    ...extra,
  });
  const notification = (status: string) =>
    image({
      pk: "NTF#acme#ntf_1",
      sk: "NTF",
      tenant_id: "acme",
      channel: "email",
      status,
      created_at: "2026-11-30T06:59:59.999Z",
    });

  it("counts each notification INSERTed, skipped ones as skipped too; no digest, change or body", async () => {
    // Prepare
    const { acceptedIn } = await import("@herald/core/counters/accepted");
    const record = (eventName: "INSERT" | "MODIFY", NewImage: Record<string, unknown>) =>
      ({ eventName, dynamodb: { NewImage } }) as never;

    // Act
    const found = acceptedIn([
      record("INSERT", notification("queued")),
      record("INSERT", notification("skipped")),
      record("MODIFY", notification("sent")),
      record("INSERT", { ...notification("scheduled"), digest: { M: { category: { S: "x" } } } }),
      record("INSERT", image({ pk: "NTF#acme#ntf_1", sk: "BODY#abc" })),
      record("INSERT", image({ pk: "MET#acme", sk: "2026-11-30T06:00Z#email#sent#1" })),
    ]);

    // Assess
    expect(found).toEqual([
      {
        tenantId: "acme",
        channel: "email",
        at: new Date("2026-11-30T06:59:59.999Z"),
        skipped: false,
      },
      {
        tenantId: "acme",
        channel: "email",
        at: new Date("2026-11-30T06:59:59.999Z"),
        skipped: true,
      },
    ]);
  });
});
