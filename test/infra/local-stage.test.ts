import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, type Synth, synth } from "./synth";

/**
 * `npx sst dev --stage local`: the offline front door. The config must ask no cloud for anything
 * (no credentials, no provider calls) and create only the dev command that runs the local cloud.
 */

let s: Synth;

beforeAll(async () => {
  // Nothing set: no sender, no secrets, no region. The local stage needs none of them.
  s = await synth({}, "local");
}, 300_000);

describe("the local stage", () => {
  it("creates only the dev command that runs Herald's local cloud", () => {
    const created = s.resources.filter((r) => !r.type.startsWith("pulumi:"));
    expect(created.map((r) => `${r.type} ${r.name}`)).toEqual(["sst:sst:DevCommand Herald"]);
    expect(s.builds).toEqual([]);
  });

  it("calls no cloud provider", () => {
    expect(s.invokes).toEqual([]);
  });

  it("keeps its state on this machine and configures no AWS provider", async () => {
    const config = (await import(join(ROOT, "sst.config.ts"))).default as {
      app(input: { stage: string }): { home: string; providers?: unknown };
    };
    expect(config.app({ stage: "local" })).toMatchObject({ home: "local" });
    expect(config.app({ stage: "local" }).providers).toBeUndefined();
  });
});
