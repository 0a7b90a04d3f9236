/** `withTimeout` gave up waiting: `what` did not settle within `ms`. */
export class TimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/**
 * `promise`, or a TimeoutError naming `what` once `ms` have passed first. The timer is cleared
 * as soon as either settles, so a settled call leaves nothing to keep the process alive. The
 * promise itself is not cancelled: a caller that must stop the work aborts it on the error.
 */
export async function withTimeout<T>(
  promise: PromiseLike<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
