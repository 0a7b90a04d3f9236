import type { Info } from "@herald/core/notification/model";
import { Status } from "@herald/core/notification/status";
import * as Store from "@herald/core/notification/store";
import { settle } from "@herald/core/pool";
import { describe, expect, it } from "vitest";
import { unique, useLocalCloud } from "./support";

/**
 * `Store.admits` (the in-memory condition `take` decides on) against the condition DynamoDB
 * checks on the write (`transition`), case by case: an item per case, stored as the case says,
 * and both asked about the same condition. They must agree on every one.
 */

const cloud = useLocalCloud();

const now = new Date("2026-06-01T12:00:00.000Z");

type Case = { status: Status; attempts?: number } & Pick<
  Store.Item,
  "lease_until" | "gen" | "exhausted" | "provider_accepted_at"
>;

function itemOf(tenantId: string, state: Case): Store.Item {
  const info = {
    id: unique("ntf"),
    channel: "in_app",
    recipient: { id: "user" },
    content: { title: "t" },
    timezone: "UTC",
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
    scheduled_at: now.toISOString(),
    estimated_delivery_time: now.toISOString(),
    attempts: 0,
  } as unknown as Info;
  const item = Store.toItem(tenantId, info, "immediate", "hash");
  for (const [field, value] of Object.entries(state)) {
    if (value !== undefined) (item as unknown as Record<string, unknown>)[field] = value;
  }
  return item;
}

/** For each case: what `admits` answers for the item as stored, and whether the write applied. */
async function judge(cases: Case[], condition: Store.Condition) {
  cloud();
  const tenantId = unique("tenant");
  const results = await settle(cases, 8, async (state) => {
    const item = itemOf(tenantId, state);
    expect(await Store.create(item)).toBe(true);
    const stored = await Store.read(tenantId, item.id);
    const inMemory = Store.admits(stored, condition);
    const written = await Store.transition({
      tenantId,
      id: item.id,
      ...condition,
      to: "sending",
      now,
    });
    return { state, inMemory, dynamo: written !== undefined };
  });
  return results.map((result) => {
    if (result.status === "rejected") throw result.reason;
    return result.value;
  });
}

const LEASES = {
  none: undefined,
  "ran out": now.getTime() - 1,
  "runs out now": now.getTime(),
  live: now.getTime() + 60_000,
};

describe("the claim's condition, in memory and in DynamoDB", () => {
  it("agrees on every status, lease and generation, for a message of generation 0 and 1", async () => {
    // Prepare
    const cases: Case[] = Status.options.flatMap((status) =>
      Object.values(LEASES).flatMap((lease_until) =>
        [undefined, 0, 1, 2].map((gen) => ({ status, lease_until, gen })),
      ),
    );

    // Act
    const forGen0 = await judge(cases, Store.claimable(now, 0));
    const forGen1 = await judge(cases, Store.claimable(now, 1));

    // Assess
    const disagreements = [...forGen0, ...forGen1].filter((r) => r.inMemory !== r.dynamo);
    expect(disagreements).toEqual([]);
    // Both ways answered: the table holds cases the condition admits and cases it refuses.
    const admitted = forGen0.filter((r) => r.dynamo).map((r) => r.state);
    expect(admitted).toContainEqual({ status: "sending", lease_until: LEASES["ran out"], gen: 0 });
    expect(admitted).toContainEqual({ status: "queued", lease_until: undefined, gen: undefined });
    expect(admitted).not.toContainEqual({ status: "sending", lease_until: LEASES.live, gen: 0 });
    expect(forGen1.filter((r) => r.dynamo).every((r) => r.state.gen === 1)).toBe(true);
  });

  it("agrees on the other guards: the claiming attempt, the stored generation, retryable", async () => {
    // Prepare
    const attempts = [undefined, 1, 2].map((value) => ({
      status: "sending" as const,
      attempts: value,
    }));
    const stored = [undefined, 0, 1].map((gen) => ({ status: "queued" as const, gen }));
    const exhausted = [undefined, true].flatMap((flag) =>
      [undefined, now.toISOString()].map((accepted) => ({
        status: "failed" as const,
        exhausted: flag,
        provider_accepted_at: accepted,
      })),
    );

    // Act
    const results = [
      ...(await judge(attempts, { from: ["sending"], guard: { attempt: 1 } })),
      ...(await judge(stored, { from: ["queued"], guard: { storedGen: 1 } })),
      ...(await judge(exhausted, { from: ["failed"], guard: { retryable: true } })),
    ];

    // Assess
    expect(results.filter((r) => r.inMemory !== r.dynamo)).toEqual([]);
    expect(results.filter((r) => r.dynamo)).toHaveLength(3);
  });
});
