import { cached } from "@herald/core/cache";
import { afterEach, describe, expect, it, vi } from "vitest";

describe("cached(ttl)", () => {
  afterEach(() => vi.useRealTimers());

  it("reads once per key within the TTL, again after it, and shares a read in flight", async () => {
    // Prepare
    vi.useFakeTimers();
    const reads: string[] = [];
    const load = cached(5_000, async (key: string) => {
      reads.push(key);
      return `${key}@${reads.length}`;
    });

    // Act
    const [a, b] = await Promise.all([load("a"), load("a")]);
    const c = await load("b");
    vi.advanceTimersByTime(4_999);
    const d = await load("a");
    vi.advanceTimersByTime(1);
    const e = await load("a");

    // Assess
    expect([a, b, c, d, e]).toEqual(["a@1", "a@1", "b@2", "a@1", "a@3"]);
    expect(reads).toEqual(["a", "b", "a"]);
  });

  it("serves what this container set, reloads what it forgot, and peeks at any age", async () => {
    // Prepare
    vi.useFakeTimers();
    let version = 0;
    const load = cached(
      () => 1_000,
      async (key: { id: string }) => `${key.id}v${++version}`,
      (key) => key.id,
    );
    await load({ id: "x" });

    // Act
    load.set({ id: "x" }, "written");
    const afterSet = await load({ id: "x" });
    load.forget({ id: "x" });
    const afterForget = await load({ id: "x" });
    vi.advanceTimersByTime(60_000);
    const peeked = load.peek({ id: "x" });

    // Assess
    expect(afterSet).toBe("written");
    expect(afterForget).toBe("xv2");
    expect(peeked).toBe("xv2");
    expect(load.peek({ id: "nothing" })).toBeUndefined();
  });
});
