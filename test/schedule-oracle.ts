import { Temporal } from "temporal-polyfill";

/**
 * An independent implementation of Herald's documented send-time rules (README "Send times and
 * delivery windows"), written on the Temporal polyfill rather than on @date-fns/tz's offsets and
 * by brute force rather than by reasoning about transitions: the property tests compare `plan()`
 * with it.
 *
 * - A local `send_at` resolves with Temporal's "compatible" disambiguation; an instant with an
 *   offset is taken as it is; none means now. Clock readings must be real (minutes and seconds
 *   ≤ 59, hours ≤ 23, real dates).
 * - The requested time may be at most 5 minutes in the past and at most 366 days ahead of now,
 *   measured before the window moves it. A past one within the tolerance is sent now.
 * - Inside the window: the local wall-clock time of day is in [start, end) (end before start
 *   crosses midnight; start = end means always).
 * - Outside and not `immediate`: the first instant after it whose wall clock is inside. Here:
 *   walk minute by minute (every transition in the zones tested falls on a whole minute).
 */

export interface OracleInput {
  now: number;
  sendAt?: string;
  timezone: string;
  window: { start: string; end: string };
  immediate: boolean;
}

export type OracleResult =
  | { error: string }
  | { sendAt: number; local: string; appropriate: boolean; adjusted: boolean };

const MINUTE = 60_000;
const DAY = 86_400_000;
const PAST_TOLERANCE = 5 * MINUTE;
const MAX_AHEAD = 366 * DAY;

export function oraclePlan(input: OracleInput): OracleResult {
  const requested = input.sendAt === undefined ? input.now : parse(input.sendAt, input.timezone);
  if (requested === undefined) return { error: "invalid_send_at" };
  if (requested < input.now - PAST_TOLERANCE) return { error: "send_at_in_past" };
  if (requested > input.now + MAX_AHEAD) return { error: "send_at_too_far" };
  const start = Math.max(requested, input.now);
  const offsets = offsetTable(input.timezone, start - DAY, start + 4 * DAY);
  const inside = (instant: number) => insideWindow(offsets, instant, input.window);
  const appropriate = inside(start);
  let sendAt = start;
  if (!appropriate && !input.immediate) {
    sendAt = Math.ceil(start / MINUTE) * MINUTE;
    while (!inside(sendAt)) sendAt += MINUTE;
  }
  return {
    sendAt,
    local: Temporal.Instant.fromEpochMilliseconds(sendAt)
      .toZonedDateTimeISO(input.timezone)
      .toString({ smallestUnit: "second", timeZoneName: "never" }),
    appropriate,
    adjusted: sendAt !== start,
  };
}

const WITH_OFFSET = /(Z|[+-]\d{2}:\d{2})$/i;

function parse(value: string, timezone: string): number | undefined {
  // Temporal reads a leap second :60 as :59; Herald's rule refuses it like any other > 59.
  if (/:60(?=$|[.Z+-])/i.test(value)) return undefined;
  try {
    if (WITH_OFFSET.test(value)) return Temporal.Instant.from(value).epochMilliseconds;
    return Temporal.PlainDateTime.from(value, { overflow: "reject" }).toZonedDateTime(timezone, {
      disambiguation: "compatible",
    }).epochMilliseconds;
  } catch {
    return undefined;
  }
}

interface Offset {
  from: number;
  ms: number;
}

/** The zone's offsets over [from, to], from Temporal's own transition data. */
function offsetTable(timezone: string, from: number, to: number): Offset[] {
  let zoned = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(timezone);
  const table: Offset[] = [{ from: Number.NEGATIVE_INFINITY, ms: zoned.offsetNanoseconds / 1e6 }];
  for (;;) {
    const next = zoned.getTimeZoneTransition("next");
    if (next === null || next.epochMilliseconds > to) return table;
    if (next.epochMilliseconds % MINUTE !== 0) throw new Error(`${timezone}: odd transition`);
    table.push({ from: next.epochMilliseconds, ms: next.offsetNanoseconds / 1e6 });
    zoned = next;
  }
}

function insideWindow(offsets: Offset[], instant: number, window: OracleInput["window"]) {
  const offset = offsets.findLast((entry) => entry.from <= instant)?.ms ?? 0;
  const time = (((instant + offset) % DAY) + DAY) % DAY;
  const start = minutes(window.start) * MINUTE;
  const end = minutes(window.end) * MINUTE;
  if (start === end) return true;
  return start < end ? start <= time && time < end : time >= start || time < end;
}

function minutes(hhmm: string) {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return h * 60 + m;
}

/** Every offset transition of `timezone` in [from, to), from Temporal. */
export function transitionsOf(timezone: string, from: number, to: number): number[] {
  const found: number[] = [];
  let zoned = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(timezone);
  for (;;) {
    const next = zoned.getTimeZoneTransition("next");
    if (next === null || next.epochMilliseconds >= to) return found;
    found.push(next.epochMilliseconds);
    zoned = next;
  }
}

/** The local wall time of an instant, `YYYY-MM-DDTHH:mm:ss`. */
export function wallOf(instant: number, timezone: string): Temporal.PlainDateTime {
  return Temporal.Instant.fromEpochMilliseconds(instant)
    .toZonedDateTimeISO(timezone)
    .toPlainDateTime();
}

/** The instant with offset (`2027-10-31T01:20:00+00:00`) of a wall time: earlier or later. */
export function instantString(
  wall: Temporal.PlainDateTime,
  timezone: string,
  disambiguation: "earlier" | "later",
): string {
  return wall
    .toZonedDateTime(timezone, { disambiguation })
    .toString({ smallestUnit: "second", timeZoneName: "never" });
}

/** Whether a local wall time falls in a DST gap, in a repeated hour, or neither. */
export function kindOf(
  wall: Temporal.PlainDateTime,
  timezone: string,
): "gap" | "overlap" | "plain" {
  const earlier = wall.toZonedDateTime(timezone, { disambiguation: "earlier" });
  const later = wall.toZonedDateTime(timezone, { disambiguation: "later" });
  if (earlier.epochMilliseconds === later.epochMilliseconds) return "plain";
  return Temporal.PlainDateTime.compare(earlier.toPlainDateTime(), wall) === 0 ? "overlap" : "gap";
}

export { Temporal };
