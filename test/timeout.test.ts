import { TimeoutError, withTimeout } from "@herald/core/timeout";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// The one timeout Redis calls race (the rate limiter's lease, a real-time subscription).
describe("withTimeout", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("answers what the promise answers, and clears its timer", async () => {
    // Act
    const answer = await withTimeout(Promise.resolve(42), 1_000, "the answer");

    // Assess
    expect(answer).toBe(42);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes the promise's own rejection on, and clears its timer", async () => {
    // Act
    const failed = withTimeout(Promise.reject(new Error("refused")), 1_000, "Redis");

    // Assess
    await expect(failed).rejects.toThrow("refused");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects naming what did not answer once the time is up, and leaves no timer", async () => {
    // Prepare
    let settle: (value: string) => void = () => {};
    const never = new Promise<string>((resolve) => {
      settle = resolve;
    });
    const waiting = withTimeout(never, 1_000, "Redis (rate limit lease)");
    const outcome = waiting.then(
      () => "answered",
      (error: unknown) => error,
    );

    // Act
    await vi.advanceTimersByTimeAsync(999);
    const early = vi.getTimerCount();
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    settle("too late");

    // Assess
    expect(early).toBe(1);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({
      what: "Redis (rate limit lease)",
      ms: 1_000,
      message: "Redis (rate limit lease) did not answer within 1000 ms",
    });
    expect(vi.getTimerCount()).toBe(0);
  });
});
