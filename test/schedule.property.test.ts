import { plan, resolveLocal, zone } from "@herald/core/schedule";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  instantString,
  kindOf,
  type OracleResult,
  oraclePlan,
  Temporal,
  transitionsOf,
  wallOf,
} from "./schedule-oracle";

/**
 * Property tests of packages/core/src/schedule against test/schedule-oracle.ts, an independent
 * implementation of the documented rules on the Temporal polyfill. Inputs crowd around DST
 * transitions: send times, windows that start or end in gaps and repeated hours, windows wholly
 * inside them. CI replays one fixed seed; elsewhere every run explores a new one:
 *   HERALD_PROPERTY_SEED=<seed> HERALD_PROPERTY_RUNS=20000 npx vitest run test/schedule.property.test.ts
 */

const SEED = Number(
  process.env.HERALD_PROPERTY_SEED ??
    (process.env.CI ? 20261130 : Math.floor(Math.random() * 2 ** 31)),
);
const RUNS = Number(process.env.HERALD_PROPERTY_RUNS ?? 2000);
const options = { seed: SEED, numRuns: RUNS };

const ZONES = [
  "UTC",
  "Europe/London",
  "Europe/Paris",
  "Europe/Dublin", // negative DST in the tz data: winter is the "summer" time
  "America/New_York",
  "America/Havana", // transitions at midnight: the gap swallows 00:00
  "America/Santiago",
  "America/St_Johns", // half-hour offset with DST
  "America/Asuncion",
  "Australia/Sydney", // southern hemisphere
  "Australia/Lord_Howe", // 30-minute DST shift
  "Pacific/Chatham", // +12:45 / +13:45
  "Asia/Kolkata", // half-hour offset, no DST
  "Asia/Kathmandu", // +05:45
  "Asia/Gaza",
  "Africa/Casablanca", // clocks go back for Ramadan
  "Antarctica/Troll", // a two-hour DST shift
];

const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2028, 6, 1);
const TRANSITIONS = new Map(ZONES.map((tz) => [tz, transitionsOf(tz, FROM, TO)]));

const pad = (n: number) => String(n).padStart(2, "0");
const hhmm = (minutes: number) => `${pad(Math.floor(minutes / 60) % 24)}:${pad(minutes % 60)}`;
const minuteOfDay = (wall: Temporal.PlainDateTime) => wall.hour * 60 + wall.minute;

/** A zone and an instant, most of the time within hours of one of the zone's transitions. */
const anchor = fc.constantFrom(...ZONES).chain((tz) => {
  const transitions = TRANSITIONS.get(tz) ?? [];
  const anywhere = fc.integer({ min: FROM, max: TO - 1 });
  const nearTransition =
    transitions.length === 0
      ? anywhere
      : fc
          .tuple(
            fc.constantFrom(...transitions),
            fc.oneof(
              { arbitrary: fc.integer({ min: -60, max: 60 }), weight: 2 },
              { arbitrary: fc.integer({ min: -180, max: 180 }), weight: 1 },
              { arbitrary: fc.integer({ min: -36 * 60, max: 36 * 60 }), weight: 1 },
            ),
          )
          .map(([at, minutes]) => at + minutes * 60_000);
  return fc.tuple(
    fc.constant(tz),
    fc.oneof({ arbitrary: nearTransition, weight: 4 }, { arbitrary: anywhere, weight: 1 }),
  );
});

/** A window: anywhere, or starting or ending within an hour of the anchor's wall time. */
const windowNear = (wall: Temporal.PlainDateTime) => {
  const near = fc.integer({ min: -60, max: 60 }).map((d) => (minuteOfDay(wall) + d + 1440) % 1440);
  const anyMinute = fc.integer({ min: 0, max: 1439 });
  const edge = fc.oneof(near, anyMinute);
  const narrow = fc
    .tuple(near, fc.integer({ min: 1, max: 30 }))
    .map(([start, width]) => ({ start: hhmm(start), end: hhmm((start + width) % 1440) }));
  const wide = fc
    .tuple(edge, edge, fc.boolean())
    .map(([a, b, swap]) =>
      swap ? { start: hhmm(b), end: hhmm(a) } : { start: hhmm(a), end: hhmm(b) },
    );
  return fc.oneof({ arbitrary: wide, weight: 2 }, { arbitrary: narrow, weight: 1 });
};

interface Case {
  timezone: string;
  now: number;
  sendAt?: string;
  window: { start: string; end: string };
  immediate: boolean;
}

const cases: fc.Arbitrary<Case> = anchor.chain(([timezone, at]) => {
  const wall = wallOf(at, timezone);
  return fc
    .record({
      // Shifting the wall time (not the instant) reaches wall times that do not exist.
      shift: fc.integer({ min: -60, max: 60 }),
      form: fc.constantFrom("local", "local-seconds", "earlier", "later", "now"),
      seconds: fc.integer({ min: 0, max: 59 }),
      // How long before the requested time the request is made (negative: after it).
      leadSeconds: fc.oneof(
        fc.integer({ min: -600, max: 600 }),
        fc.integer({ min: 0, max: 400 * 86_400 }),
      ),
      window: fc.oneof(
        { arbitrary: windowNear(wall), weight: 8 },
        { arbitrary: fc.constant({ start: "08:00", end: "22:00" }), weight: 1 },
        { arbitrary: fc.constant({ start: "09:00", end: "09:00" }), weight: 1 },
      ),
      immediate: fc.boolean(),
    })
    .map(({ shift, form, seconds, leadSeconds, window, immediate }) => {
      const at = wall
        .add({ minutes: shift })
        .with({ second: form === "local" ? 0 : seconds, millisecond: 0 });
      const text = at.toString({ smallestUnit: form === "local" ? "minute" : "second" });
      const sendAt =
        form === "local" || form === "local-seconds"
          ? text
          : form === "now"
            ? undefined
            : instantString(at, timezone, form);
      const requested =
        sendAt === undefined
          ? at.toZonedDateTime(timezone).epochMilliseconds
          : oracleRequested(sendAt, timezone);
      return { timezone, now: requested - leadSeconds * 1000, sendAt, window, immediate };
    });
});

function oracleRequested(sendAt: string, timezone: string): number {
  return /[+-]\d{2}:\d{2}$/.test(sendAt)
    ? Temporal.Instant.from(sendAt).epochMilliseconds
    : Temporal.PlainDateTime.from(sendAt).toZonedDateTime(timezone).epochMilliseconds;
}

/** Count which DST edges a case touches, on the local date of its requested time. */
function classify(input: Case, count: (what: string) => void) {
  const requested =
    input.sendAt === undefined ? input.now : oracleRequested(input.sendAt, input.timezone);
  const date = wallOf(requested, input.timezone).toPlainDate();
  if (input.sendAt !== undefined && !/[+-]\d{2}:\d{2}$/.test(input.sendAt)) {
    const kind = kindOf(Temporal.PlainDateTime.from(input.sendAt), input.timezone);
    if (kind !== "plain") count(`send_at in ${kind}`);
  }
  const at = (hhmm: string) => kindOf(date.toPlainDateTime(hhmm), input.timezone);
  const start = at(input.window.start);
  const end = at(input.window.end);
  if (start !== "plain") count(`window starts in ${start}`);
  if (end !== "plain") count(`window ends in ${end}`);
  if (start === "gap" && end === "gap" && input.window.start < input.window.end) {
    count("window wholly in gap");
  }
}

function herald(input: Case): OracleResult {
  try {
    const result = plan({ ...input, now: new Date(input.now) });
    return {
      sendAt: result.sendAt.getTime(),
      local: result.local,
      appropriate: result.appropriate,
      adjusted: result.adjusted,
    };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === undefined) throw error;
    return { error: code };
  }
}

describe(`send-time rules against an independent Temporal implementation (seed ${SEED})`, () => {
  it(`plans ${RUNS} sends around DST transitions in ${ZONES.length} zones as the oracle does`, () => {
    const seen = new Map<string, number>();
    const count = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
    fc.assert(
      fc.property(cases, (input) => {
        classify(input, count);
        expect(herald(input), JSON.stringify(input)).toEqual(oraclePlan(input));
      }),
      options,
    );
    process.stderr.write(
      `\nschedule property seed ${SEED} (replay: HERALD_PROPERTY_SEED=${SEED}): ${JSON.stringify(Object.fromEntries(seen))}\n`,
    );
    // The cases reached the edges the rules are about (the counts depend only on the seed).
    for (const edge of [
      "send_at in gap",
      "send_at in overlap",
      "window starts in gap",
      "window starts in overlap",
      "window ends in gap",
      "window ends in overlap",
      "window wholly in gap",
    ]) {
      expect(seen.get(edge) ?? 0, `${edge} (${JSON.stringify([...seen])})`).toBeGreaterThan(
        RUNS / 1000,
      );
    }
  });

  it("resolves every local wall time like Temporal's compatible disambiguation", () => {
    const wallTimes = anchor.chain(([tz, at]) =>
      fc
        .integer({ min: -240, max: 240 })
        .map(
          (minutes) =>
            [tz, wallOf(at, tz).add({ minutes }).with({ second: 0, millisecond: 0 })] as const,
        ),
    );
    fc.assert(
      fc.property(wallTimes, ([tz, wall]) => {
        const expected = wall.toZonedDateTime(tz, { disambiguation: "compatible" });
        const wallMs = Date.parse(`${wall.toString({ smallestUnit: "minute" })}Z`);
        expect(resolveLocal(wallMs, zone(tz)).getTime(), `${tz} ${wall}`).toBe(
          expected.epochMilliseconds,
        );
      }),
      options,
    );
  });

  it("accepts a local send_at only when it is a real clock reading", () => {
    const readings = fc.record({
      hour: fc.integer({ min: 0, max: 99 }),
      minute: fc.integer({ min: 0, max: 99 }),
      second: fc.option(fc.integer({ min: 0, max: 99 })),
    });
    fc.assert(
      fc.property(readings, ({ hour, minute, second }) => {
        const sendAt = `2027-06-01T${pad(hour)}:${pad(minute)}${second === null ? "" : `:${pad(second)}`}`;
        const input = {
          timezone: "UTC",
          now: Date.UTC(2027, 5, 1),
          sendAt,
          window: { start: "00:00", end: "00:00" },
          immediate: false,
        };
        expect(herald(input), sendAt).toEqual(oraclePlan(input));
      }),
      options,
    );
  });
});
