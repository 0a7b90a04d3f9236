import { describe, expect, it } from "vitest";
import { holdFor } from "../packages/core/src/digest";
import { plan } from "../packages/core/src/schedule";
import { segments } from "../packages/core/src/workflow/budget";
import { stoppedBy } from "../packages/core/src/workflow/gate";
import { combined, seconds } from "../packages/core/src/workflow/index";

// Issue 18: the pure decisions of the workflow layer (no cloud).

describe("SMS segments (budget estimate)", () => {
  it("counts GSM-7 texts by 160/153 and anything else by 70/67", () => {
    expect(segments("a".repeat(160))).toBe(1);
    expect(segments("a".repeat(161))).toBe(2);
    expect(segments("a".repeat(306))).toBe(2);
    expect(segments("a".repeat(307))).toBe(3);
    // The extension table counts two.
    expect(segments("€".repeat(80))).toBe(1);
    expect(segments("€".repeat(81))).toBe(2);
    expect(segments("é".repeat(160))).toBe(1);
    expect(segments("ł".repeat(70))).toBe(1);
    expect(segments("ł".repeat(71))).toBe(2);
  });
});

describe("workflow status and steps", () => {
  it("combines step statuses", () => {
    expect(combined(["delivered", "scheduled"], false)).toBe("active");
    expect(combined(["delivered", "sending"], true)).toBe("active");
    expect(combined(["delivered", "skipped"], true)).toBe("completed");
    expect(combined(["failed", "sent"], false)).toBe("completed");
    expect(combined(["failed", "skipped"], false)).toBe("failed");
    expect(combined(["cancelled", "cancelled"], false)).toBe("cancelled");
  });

  it("reads durations and which outcomes stop a step", () => {
    expect(seconds("10m")).toBe(600);
    expect(seconds("4h")).toBe(14_400);
    expect(seconds("2d")).toBe(172_800);
    expect(stoppedBy("seen")).toEqual(["seen", "read"]);
    expect(stoppedBy("read")).toEqual(["read"]);
    expect(stoppedBy(undefined)).toEqual([]);
  });
});

describe("holding for a digest", () => {
  const base = {
    tenantId: "t",
    recipientId: "r",
    category: "c",
    channel: "in_app" as const,
    setting: "on" as const,
    immediate: false,
  };
  const at = (now: string, timezone: string) => {
    const date = new Date(now);
    return { now: date, timezone, when: plan({ now: date, timezone }) };
  };

  it("holds a send outside the window until the opening, per recipient timezone across DST", () => {
    // 23:30 EST the night before New York springs forward: 08:00 EDT is 12:00Z.
    const hold = holdFor({ ...base, ...at("2027-03-14T04:30:00Z", "America/New_York") });
    expect(hold?.opensAt.toISOString()).toBe("2027-03-14T12:00:00.000Z");
    // Another one later that night joins the same digest.
    const later = holdFor({ ...base, ...at("2027-03-14T06:59:00Z", "America/New_York") });
    expect(later?.digestId).toBe(hold?.digestId);
  });

  it("does not hold inside the window, critical, without a category or recipient, or a step", () => {
    const night = at("2027-01-10T23:00:00Z", "UTC");
    expect(holdFor({ ...base, ...at("2027-01-10T12:00:00Z", "UTC") })).toBeUndefined();
    expect(holdFor({ ...base, ...night, priority: "critical" })).toBeUndefined();
    expect(holdFor({ ...base, ...night, category: undefined })).toBeUndefined();
    expect(holdFor({ ...base, ...night, recipientId: undefined })).toBeUndefined();
    expect(holdFor({ ...base, ...night, step: { id: "wfl_x", step: 1 } })).toBeUndefined();
    expect(holdFor({ ...base, ...night, immediate: true })).toBeUndefined();
  });

  it("puts a plain digest window's sends into clock-aligned slots, moved into the window", () => {
    const noon = at("2027-01-10T12:07:00Z", "UTC");
    const slot = holdFor({ ...base, ...noon, every: "15m" });
    expect(slot?.opensAt.toISOString()).toBe("2027-01-10T12:15:00.000Z");
    const sameSlot = holdFor({ ...base, ...at("2027-01-10T12:14:59Z", "UTC"), every: "15m" });
    expect(sameSlot?.digestId).toBe(slot?.digestId);
    // A slot ending at night opens with the window.
    const late = holdFor({ ...base, ...at("2027-01-10T21:50:00Z", "UTC"), every: "1h" });
    expect(late?.opensAt.toISOString()).toBe("2027-01-11T08:00:00.000Z");
  });
});
