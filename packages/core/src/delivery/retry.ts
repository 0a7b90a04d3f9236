/**
 * The retry plan: when the next attempt of a notification happens, from its channel's schedule
 * (`retrySchedule` in config.ts). Pure, so the whole span can be tested with a fake clock.
 *
 * Entry n of the schedule is the wait before attempt n + 1 of a round (entry 0, usually 0, is
 * the first attempt's). A round starts when the notification is accepted and again when it is
 * retried through the API; it ends after its last entry's attempt failed.
 */

export type RetryPlan =
  /** Try again at `at`; `step` is the attempt's number within the round (2, 3, ...). */
  | { kind: "retry"; at: Date; step: number; delaySeconds: number }
  /** The schedule is spent: the notification fails (exhausted, retryable through the API). */
  | { kind: "exhausted" };

/**
 * After attempt `step` (1-based, within its round) failed transiently at `now`: when to try
 * again. Each wait is lengthened by up to `jitter` of itself (`random` in [0, 1)), so a thousand
 * notifications failing together do not come back together, and none comes back before its
 * planned wait (so the schedule's span is a minimum).
 */
export function nextAttempt(
  schedule: readonly number[],
  step: number,
  now: Date,
  jitter: number,
  random: () => number = Math.random,
): RetryPlan {
  const wait = schedule[step];
  if (wait === undefined) return { kind: "exhausted" };
  const delaySeconds = Math.max(0, Math.round(wait * (1 + jitter * random())));
  return {
    kind: "retry",
    at: new Date(now.getTime() + delaySeconds * 1000),
    step: step + 1,
    delaySeconds,
  };
}

/** How long a full round takes at most (every wait at its jittered maximum), in seconds. */
export function spanSeconds(schedule: readonly number[], jitter = 0): number {
  return schedule.slice(1).reduce((total, wait) => total + Math.round(wait * (1 + jitter)), 0);
}
