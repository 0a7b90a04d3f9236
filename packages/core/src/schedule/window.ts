import { ValidationError } from "../error";
import * as z from "../zod";

/**
 * What request schemas need of the schedule, without the planner: the delivery window's shape
 * and the timezone check. Apart from ./index.ts (the planner), so a module that validates a
 * notification does not load the time arithmetic; only accepting a send plans one.
 */

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const Window = z
  .strictObject({
    start: z.string().check(z.regex(HHMM, "expected HH:mm")),
    end: z.string().check(z.regex(HHMM, "expected HH:mm")),
  })
  .check(
    z.describe("Local hours in which delivery is appropriate; end before start crosses midnight"),
  );
export type Window = z.infer<typeof Window>;

/**
 * Throws `invalid_timezone` unless the runtime's Intl knows the zone: the planner reads offsets
 * through Intl, so what passes here it can plan in (IANA names, and fixed offsets such as
 * `+05:30`).
 */
export function assertZone(name: string): void {
  let valid = false;
  try {
    if (name) {
      new Intl.DateTimeFormat("en-US", { timeZone: name }).format();
      valid = true;
    }
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new ValidationError("invalid_timezone", `Unknown IANA timezone "${name}"`, {
      timezone: name,
    });
  }
}
