import { tzOffset } from "@date-fns/tz/tzOffset";
import { ValidationError } from "../error";
import { assertZone } from "./window";

/**
 * Pure send-time arithmetic: a requested time (an instant, a local wall time in the recipient's
 * timezone, or now) becomes a UTC send instant, moved to the next opening of the recipient's
 * delivery window unless the caller skips the window (`immediate`).
 *
 * The rules (README "Send times and delivery windows"; test/schedule.property.test.ts checks
 * them against an independent implementation on the Temporal polyfill):
 * - Local wall times resolve like Temporal's "compatible" disambiguation, done here explicitly:
 *   a time that does not exist (DST gap) moves forward by the length of the gap; a time that
 *   exists twice (DST overlap) takes the earlier instant.
 * - Window membership is by the local wall clock: an instant is inside when its local time of
 *   day is in [start, end) (end excluded; end before start crosses midnight; equal: always).
 * - A send outside the window goes out at the first instant after it whose wall clock is inside.
 *   So a window whose start falls in a gap opens when the clock jumps past the gap; a window
 *   wholly inside a gap does not exist that day (next day's opening); a window starting in a
 *   repeated hour opens at each occurrence of its start, and the clock jumping back into a
 *   window reopens it.
 */

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

export { assertZone, Window } from "./window";

import type { Window } from "./window";

export const DEFAULT_WINDOW: Window = { start: "08:00", end: "22:00" };
export const DEFAULT_TIMEZONE = "UTC";
/** Sends requested further in the past than this are rejected rather than sent now. */
export const PAST_TOLERANCE_MS = 5 * 60_000;
/** How far ahead a send may be scheduled. */
export const MAX_AHEAD_MS = 366 * 24 * 3_600_000;

export interface PlanInput {
  now: Date;
  /**
   * When the request was accepted, if earlier than `now`: `send_at`'s bounds (five minutes
   * past, a year ahead) are measured from it. A topic fan-out plans its later pages after the
   * send's `send_at` may have passed; a time that passed meanwhile means now, not a refusal.
   */
  acceptedAt?: Date;
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

/** A timezone the planner works in: an IANA name or a fixed offset (`+05:30`), checked. */
export interface Zone {
  readonly name: string;
  /** The zone's offset from UTC at the instant (milliseconds since the epoch), in minutes east. */
  offset(instant: number): number;
}

/** The zone of that name; throws `invalid_timezone` unless the runtime's Intl knows it. */
export function zone(name: string): Zone {
  assertZone(name);
  return { name, offset: (instant) => offsetIn(name, instant) };
}

/**
 * The offset, from the runtime's tz data through Intl (`@date-fns/tz` caches one formatter per
 * zone). @date-fns/tz 1.5.0 reads an offset between -01:00 and 00:00 (`-00:30`, or Liberia's
 * -00:44:30 until 1972) as positive (date-fns/date-fns#4279, open), so an offset under an hour
 * east is checked against the formatted one's sign.
 */
function offsetIn(name: string, instant: number): number {
  const date = new Date(instant);
  const minutes = tzOffset(name, date);
  if (minutes > 0 && minutes < 60 && longOffset(name).format(date).includes("GMT-")) {
    return -minutes;
  }
  return minutes;
}

const longOffsets = new Map<string, Intl.DateTimeFormat>();

function longOffset(name: string): Intl.DateTimeFormat {
  let format = longOffsets.get(name);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone: name, timeZoneName: "longOffset" });
    longOffsets.set(name, format);
  }
  return format;
}

/** Compute the send instant for a request. */
export function plan(input: PlanInput): Plan {
  const timezone = input.timezone ?? DEFAULT_TIMEZONE;
  const tz = zone(timezone);
  // Only an omitted send_at means now: an empty one is refused like any unreadable one.
  const requested = input.sendAt === undefined ? input.now : parseSendAt(input.sendAt, tz);
  const accepted = input.acceptedAt ?? input.now;
  if (requested.getTime() < accepted.getTime() - PAST_TOLERANCE_MS) {
    throw new ValidationError("send_at_in_past", "send_at is in the past", {
      send_at: input.sendAt,
    });
  }
  if (requested.getTime() > accepted.getTime() + MAX_AHEAD_MS) {
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
export function parseSendAt(value: string, tz: Zone): Date {
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
    // Date.UTC rolls 10:61 over to 11:01; only real clock readings are accepted.
    const clock = h < 24 && mi < 60 && s < 60;
    if (clock && check.getUTCMonth() === mo - 1 && check.getUTCDate() === d) {
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

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * The instants (0 in a gap, 1, or 2 in an overlap, ascending) whose local wall time in `tz` is
 * `wall` (milliseconds of that wall time read as if UTC). Zones change offset at most once in any
 * two days, so the offsets one day either side are the only candidates.
 */
export function instantsOf(wall: number, tz: Zone): number[] {
  const candidates = [tz.offset(wall - DAY), tz.offset(wall + DAY)].map(
    (offset) => wall - offset * MINUTE,
  );
  return [...new Set(candidates)]
    .filter((instant) => tz.offset(instant) * MINUTE === wall - instant)
    .sort((a, b) => a - b);
}

/**
 * Turn a wall time (given as milliseconds of that wall time read as if UTC) into an instant:
 * in an overlap the earlier instant; in a gap the wall time read with the offset in force
 * before the gap, which lands after it by the gap's length.
 */
export function resolveLocal(wall: number, tz: Zone): Date {
  return new Date(instantsOf(wall, tz)[0] ?? wall - tz.offset(wall - DAY) * MINUTE);
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return h * 60 + m;
}

/** The instant's local wall time, as milliseconds of that wall time read as if UTC. */
function wallClock(instant: number, tz: Zone): number {
  return instant + tz.offset(instant) * MINUTE;
}

/** Whether the instant's local time lies in [start, end), crossing midnight when end < start. */
export function inWindow(instant: Date, window: Window, tz: Zone): boolean {
  const start = minutesOf(window.start) * MINUTE;
  const end = minutesOf(window.end) * MINUTE;
  if (start === end) return true;
  const time = ((wallClock(instant.getTime(), tz) % DAY) + DAY) % DAY;
  return start < end ? time >= start && time < end : time >= start || time < end;
}

/**
 * The instants in [from, to) at which the zone's offset changes. Offsets are sampled every
 * 6 hours (no zone changes twice within that) and each change is narrowed to the second.
 */
function transitions(from: number, to: number, tz: Zone): number[] {
  const found: number[] = [];
  const step = 6 * HOUR;
  for (let low = from; low < to; low += step) {
    const high = low + step;
    const before = tz.offset(low);
    if (tz.offset(high) === before) continue;
    let lo = Math.floor(low / 1000);
    let hi = Math.ceil(high / 1000);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (tz.offset(mid * 1000) === before) lo = mid;
      else hi = mid;
    }
    found.push(hi * 1000);
  }
  return found;
}

/**
 * The first instant at or after `instant` whose local wall clock is inside the window. The
 * clock enters a window either by passing its start (each instant showing the start time) or
 * by jumping into it at a DST transition (forward past a start in a gap, or back into it).
 */
export function nextOpening(instant: Date, window: Window, tz: Zone): Date {
  if (inWindow(instant, window, tz)) return instant;
  const from = instant.getTime();
  const day = Math.floor(wallClock(from, tz) / DAY) * DAY;
  const start = minutesOf(window.start) * MINUTE;
  const candidates = [-1, 0, 1, 2, 3].flatMap((days) => instantsOf(day + days * DAY + start, tz));
  candidates.push(...transitions(from, from + 3 * DAY, tz));
  const opening = candidates
    .filter((candidate) => candidate >= from && inWindow(new Date(candidate), window, tz))
    .sort((a, b) => a - b)[0];
  if (opening === undefined) throw new Error("unreachable: a window opens within three days");
  return new Date(opening);
}

/** ISO 8601 local time with offset, to the second: `2026-03-29T08:00:00+02:00`. */
export function formatLocal(instant: Date, tz: Zone): string {
  const offset = tz.offset(instant.getTime());
  const wall = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${wall}${sign}${hh}:${mm}`;
}
