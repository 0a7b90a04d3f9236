import { IANAZone } from "luxon";
import { z } from "zod";
import { ValidationError } from "../error";

/**
 * Pure send-time arithmetic: a requested time (an instant, a local wall time in the recipient's
 * timezone, or now) becomes a UTC send instant, moved to the next opening of the recipient's
 * delivery window unless the caller forces immediate delivery.
 *
 * Local wall times resolve like Temporal's "compatible" disambiguation, done here explicitly:
 * a time that does not exist (DST gap) moves forward by the length of the gap; a time that exists
 * twice (DST overlap) takes the earlier instant.
 */

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

export const Window = z
  .object({
    start: z.string().regex(HHMM, "expected HH:mm"),
    end: z.string().regex(HHMM, "expected HH:mm"),
  })
  .describe("Local hours in which delivery is appropriate; end before start crosses midnight");
export type Window = z.infer<typeof Window>;

export const DEFAULT_WINDOW: Window = { start: "08:00", end: "22:00" };
export const DEFAULT_TIMEZONE = "UTC";
/** Sends requested further in the past than this are rejected rather than sent now. */
export const PAST_TOLERANCE_MS = 5 * 60_000;
/** How far ahead a send may be scheduled. */
export const MAX_AHEAD_MS = 366 * 24 * 3_600_000;

export interface PlanInput {
  now: Date;
  /** An ISO instant with offset (`2026-03-29T01:30:00Z`) or a local wall time (`2026-03-29T02:30`). */
  sendAt?: string;
  timezone?: string;
  window?: Window;
  /** Skip the delivery window. */
  immediate?: boolean;
}

export interface Plan {
  /** When to send, UTC. */
  sendAt: Date;
  /** The same instant as local time in the recipient's timezone, ISO with offset. */
  local: string;
  timezone: string;
  /** Whether the requested time already fell inside the delivery window. */
  appropriate: boolean;
  /** Whether the window moved the send. */
  adjusted: boolean;
}

export function zone(name: string): IANAZone {
  const tz = IANAZone.create(name);
  if (!tz.isValid) {
    throw new ValidationError("invalid_timezone", `Unknown IANA timezone "${name}"`, {
      timezone: name,
    });
  }
  return tz;
}

/** Compute the send instant for a request. */
export function plan(input: PlanInput): Plan {
  const timezone = input.timezone ?? DEFAULT_TIMEZONE;
  const tz = zone(timezone);
  const requested = input.sendAt ? parseSendAt(input.sendAt, tz) : input.now;
  if (requested.getTime() < input.now.getTime() - PAST_TOLERANCE_MS) {
    throw new ValidationError("send_at_in_past", "send_at is in the past", {
      send_at: input.sendAt,
    });
  }
  if (requested.getTime() > input.now.getTime() + MAX_AHEAD_MS) {
    throw new ValidationError("send_at_too_far", "send_at is more than a year ahead", {
      send_at: input.sendAt,
    });
  }
  const start = new Date(Math.max(requested.getTime(), input.now.getTime()));
  const window = input.window ?? DEFAULT_WINDOW;
  const appropriate = inWindow(start, window, tz);
  const sendAt = appropriate || input.immediate ? start : nextOpening(start, window, tz);
  return {
    sendAt,
    local: formatLocal(sendAt, tz),
    timezone,
    appropriate,
    adjusted: sendAt.getTime() !== start.getTime(),
  };
}

/** Parse `send_at`: an instant with an offset, or a wall time in the given zone. */
export function parseSendAt(value: string, tz: IANAZone): Date {
  if (INSTANT.test(value)) {
    const instant = new Date(value);
    if (!Number.isNaN(instant.getTime()) && sameCalendarDate(value, instant)) return instant;
  }
  const local = LOCAL.exec(value);
  if (local) {
    const [y, mo, d, h, mi, s] = local.slice(1).map((part) => Number(part ?? 0)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    const check = new Date(wall);
    if (check.getUTCMonth() === mo - 1 && check.getUTCDate() === d && h < 24) {
      return resolveLocal(wall, tz);
    }
  }
  throw new ValidationError(
    "invalid_send_at",
    "send_at must be an ISO 8601 instant with offset or a local date-time YYYY-MM-DDTHH:mm[:ss]",
    { send_at: value },
  );
}

/** `Date` accepts 2026-02-31 and rolls it over; reject dates that do not exist. */
function sameCalendarDate(value: string, instant: Date): boolean {
  const [y, m, d] = value.slice(0, 10).split("-").map(Number) as [number, number, number];
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(value);
  const minutes = offset
    ? (offset[1] === "-" ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]))
    : 0;
  const wall = new Date(instant.getTime() + minutes * 60_000);
  return wall.getUTCFullYear() === y && wall.getUTCMonth() === m - 1 && wall.getUTCDate() === d;
}

/**
 * Turn a wall time (given as milliseconds of that wall time read as if UTC) into an instant.
 * Zones change offset at most once in any two days, so the offsets one day either side are the
 * only candidates.
 */
export function resolveLocal(wall: number, tz: IANAZone): Date {
  const day = 86_400_000;
  const before = tz.offset(wall - day);
  const after = tz.offset(wall + day);
  const valid = [before, after]
    .map((offset) => wall - offset * 60_000)
    .filter((instant) => tz.offset(instant) * 60_000 === wall - instant)
    .sort((a, b) => a - b);
  // Overlap: two valid instants, take the earlier. Gap: none, read the wall time with the
  // offset in force before the gap, which lands after it by the gap's length.
  return new Date(valid[0] ?? wall - before * 60_000);
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return h * 60 + m;
}

function wallClock(instant: Date, tz: IANAZone): Date {
  return new Date(instant.getTime() + tz.offset(instant.getTime()) * 60_000);
}

/** Whether the instant's local time lies in [start, end), crossing midnight when end < start. */
export function inWindow(instant: Date, window: Window, tz: IANAZone): boolean {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === end) return true;
  const wall = wallClock(instant, tz);
  const minute = wall.getUTCHours() * 60 + wall.getUTCMinutes();
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** The first instant at or after `instant` whose local time is the window's start. */
export function nextOpening(instant: Date, window: Window, tz: IANAZone): Date {
  const wall = wallClock(instant, tz);
  const startMinutes = minutesOf(window.start);
  for (let days = 0; days <= 2; days++) {
    const candidate = resolveLocal(
      Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate() + days) +
        startMinutes * 60_000,
      tz,
    );
    if (candidate.getTime() >= instant.getTime()) return candidate;
  }
  throw new Error("unreachable: a window opening exists within two days");
}

/** ISO 8601 local time with offset, to the second: `2026-03-29T08:00:00+02:00`. */
export function formatLocal(instant: Date, tz: IANAZone): string {
  const offset = tz.offset(instant.getTime());
  const wall = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${wall}${sign}${hh}:${mm}`;
}
