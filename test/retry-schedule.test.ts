import {
  DEFAULT_RETRY_SCHEDULE,
  parseRetrySchedule,
  retrySchedule,
  tuning,
} from "@herald/core/config";
import { nextAttempt, spanSeconds } from "@herald/core/delivery/retry";
import { routeFor } from "@herald/core/notification/dispatch";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// Pure decisions: no cloud. The clock is vitest's fake one, moved to each planned attempt.

beforeAll(() => {
  process.env.HERALD_RETRY_SCHEDULE_SMS = "0,30s,1h";
});
afterEach(() => {
  vi.useRealTimers();
});

/** Fail every attempt of one round, moving the fake clock to each planned time. */
function failEveryAttempt(schedule: number[], jitter: number, random: () => number) {
  vi.useFakeTimers();
  const start = new Date("2026-11-30T03:00:00Z");
  vi.setSystemTime(start);
  const attempts: { at: number; route: string }[] = [{ at: start.getTime(), route: "immediate" }];
  for (let step = 1; ; step++) {
    const now = new Date();
    const plan = nextAttempt(schedule, step, now, jitter, random);
    if (plan.kind === "exhausted") break;
    expect(plan.step).toBe(step + 1);
    attempts.push({ at: plan.at.getTime(), route: routeFor(plan.at, now) });
    vi.setSystemTime(plan.at);
  }
  return attempts;
}

describe("the retry schedule", () => {
  it("spans more than 24 hours by default, in eight attempts, routed by delay", () => {
    // Prepare
    const schedule = parseRetrySchedule(DEFAULT_RETRY_SCHEDULE);

    // Act: no jitter, then the earliest and the latest jitter allows.
    const planned = failEveryAttempt(schedule, 0, () => 0.5);
    const earliest = failEveryAttempt(schedule, tuning().HERALD_RETRY_JITTER, () => 0);
    const latest = failEveryAttempt(schedule, tuning().HERALD_RETRY_JITTER, () => 0.999_999);

    // Assess
    expect(schedule).toEqual([0, 5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]);
    expect(planned).toHaveLength(8);
    const gaps = planned.slice(1).map((attempt, i) => (attempt.at - planned[i]!.at) / 1000);
    expect(gaps).toEqual([5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]);
    // SQS holds waits up to 15 minutes; longer ones are one-time Scheduler schedules, so no
    // message stays invisible for hours and no wait counts as a receive.
    expect(planned.map((attempt) => attempt.route)).toEqual([
      "immediate",
      "delay",
      "delay",
      "schedule",
      "schedule",
      "schedule",
      "schedule",
      "schedule",
    ]);
    const span = (attempts: { at: number }[]) => (attempts.at(-1)!.at - attempts[0]!.at) / 1000;
    expect(span(planned)).toBe(99_305);
    expect(span(earliest)).toBe(99_305);
    expect(span(earliest)).toBeGreaterThanOrEqual(24 * 3_600);
    expect(span(latest)).toBeGreaterThan(99_305 * 1.19);
    expect(span(latest)).toBeLessThanOrEqual(spanSeconds(schedule, 0.2));
  });

  it("keeps every jittered wait within its bounds", () => {
    const schedule = parseRetrySchedule(DEFAULT_RETRY_SCHEDULE);
    for (let trial = 0; trial < 200; trial++) {
      const attempts = failEveryAttempt(schedule, 0.2, Math.random);
      attempts.slice(1).forEach((attempt, i) => {
        const gap = (attempt.at - attempts[i]!.at) / 1000;
        expect(gap).toBeGreaterThanOrEqual(schedule[i + 1]!);
        expect(gap).toBeLessThanOrEqual(Math.round(schedule[i + 1]! * 1.2) + 1);
      });
    }
  });

  it("starts a new round after a retry through the API", () => {
    // The worker passes the attempt's number within its round: attempts - round_start.
    const schedule = [0, 5, 60];
    const now = new Date("2026-11-30T03:00:00Z");
    expect(nextAttempt(schedule, 3, now, 0).kind).toBe("exhausted");
    expect(nextAttempt(schedule, 8 - 6, now, 0)).toMatchObject({ kind: "retry", step: 3 });
  });

  it("is configurable per channel, and refuses nonsense", () => {
    expect(retrySchedule("sms")).toEqual([0, 30, 3_600]);
    expect(retrySchedule("email")).toEqual(parseRetrySchedule(DEFAULT_RETRY_SCHEDULE));
    expect(parseRetrySchedule("0, 1.5m, 2d")).toEqual([0, 90, 172_800]);
    expect(() => parseRetrySchedule("0,5 minutes")).toThrow(/Invalid retry schedule/);
    expect(() => parseRetrySchedule("")).toThrow(/Invalid retry schedule/);
  });
});
