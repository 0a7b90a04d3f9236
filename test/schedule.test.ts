import {
  formatLocal,
  inWindow,
  MAX_AHEAD_MS,
  nextOpening,
  plan,
  resolveLocal,
  zone,
} from "@herald/core/schedule";
import { describe, expect, it } from "vitest";
import { kindOf, Temporal, wallOf as temporalWallOf, transitionsOf } from "./schedule-oracle";

const ZONES = [
  "Europe/Paris",
  "America/New_York",
  "Australia/Sydney", // southern hemisphere: DST from October to April
  "Asia/Kolkata", // half-hour offset, no DST
  "America/St_Johns", // half-hour offset with DST
  "Australia/Lord_Howe", // half-hour DST shift
  "Pacific/Chatham", // +12:45/+13:45
];

const wallOf = (instant: number, tz: string) => temporalWallOf(instant, tz);
const wallMs = (iso: string) => Date.parse(`${iso}Z`);

describe("resolving local wall times", () => {
  it.each([
    // zone, local wall time, expected instant
    ["Europe/Paris", "2026-03-29T02:30:00", "2026-03-29T01:30:00.000Z"], // gap: moves to 03:30 CEST
    ["Europe/Paris", "2026-10-25T02:30:00", "2026-10-25T00:30:00.000Z"], // overlap: earlier (CEST)
    ["America/New_York", "2026-03-08T02:30:00", "2026-03-08T07:30:00.000Z"], // gap: 03:30 EDT
    ["America/New_York", "2026-11-01T01:30:00", "2026-11-01T05:30:00.000Z"], // overlap: EDT
    ["Australia/Sydney", "2026-10-04T02:30:00", "2026-10-03T16:30:00.000Z"], // gap: 03:30 AEDT
    ["Australia/Sydney", "2026-04-05T02:30:00", "2026-04-04T15:30:00.000Z"], // overlap: AEDT
    ["Asia/Kolkata", "2026-06-01T09:00:00", "2026-06-01T03:30:00.000Z"],
    ["Australia/Lord_Howe", "2026-10-04T02:15:00", "2026-10-03T15:45:00.000Z"], // 30-min gap
  ])("%s %s → %s", (tz, local, expected) => {
    expect(resolveLocal(wallMs(local), zone(tz)).toISOString()).toBe(expected);
  });

  // Away from a transition a zone's offset is constant and resolution is plain arithmetic, so
  // the quarter hours that matter are those near one: each is checked exactly against Temporal.
  it.each(ZONES)(
    "every quarter hour within a day of each 2026 transition in %s resolves like Temporal",
    (tz) => {
      const z = zone(tz);
      let gaps = 0;
      let overlaps = 0;
      for (const transition of transitionsOf(tz, Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1))) {
        let wall = wallOf(transition - 86_400_000, tz).with({
          minute: 0,
          second: 0,
          millisecond: 0,
        });
        const last = wallOf(transition + 86_400_000, tz);
        for (; Temporal.PlainDateTime.compare(wall, last) < 0; wall = wall.add({ minutes: 15 })) {
          const kind = kindOf(wall, tz);
          gaps += Number(kind === "gap");
          overlaps += Number(kind === "overlap");
          const expected = wall.toZonedDateTime(tz, { disambiguation: "compatible" });
          expect(resolveLocal(wallMs(wall.toString()), z).getTime(), `${tz} ${wall}`).toBe(
            expected.epochMilliseconds,
          );
        }
      }
      const hasDst = !["Asia/Kolkata"].includes(tz);
      expect(gaps > 0).toBe(hasDst);
      expect(overlaps > 0).toBe(hasDst);
    },
  );
});

describe("delivery windows", () => {
  const paris = zone("Europe/Paris");

  it("knows inside from outside, including windows that cross midnight", () => {
    const at = (iso: string) => new Date(iso);
    expect(inWindow(at("2026-06-01T06:00:00Z"), { start: "08:00", end: "22:00" }, paris)).toBe(
      true,
    ); // 08:00 local
    expect(inWindow(at("2026-06-01T05:59:00Z"), { start: "08:00", end: "22:00" }, paris)).toBe(
      false,
    );
    expect(inWindow(at("2026-06-01T20:00:00Z"), { start: "08:00", end: "22:00" }, paris)).toBe(
      false,
    ); // 22:00 local
    expect(inWindow(at("2026-06-01T21:00:00Z"), { start: "22:00", end: "06:00" }, paris)).toBe(
      true,
    ); // 23:00
    expect(inWindow(at("2026-06-01T02:00:00Z"), { start: "22:00", end: "06:00" }, paris)).toBe(
      true,
    ); // 04:00
    expect(inWindow(at("2026-06-01T10:00:00Z"), { start: "22:00", end: "06:00" }, paris)).toBe(
      false,
    );
    expect(inWindow(at("2026-06-01T10:00:00Z"), { start: "00:00", end: "00:00" }, paris)).toBe(
      true,
    );
  });

  it("moves a send outside the window to the next opening", () => {
    const window = { start: "08:00", end: "22:00" };
    expect(nextOpening(new Date("2026-06-01T21:30:00Z"), window, paris).toISOString()).toBe(
      "2026-06-02T06:00:00.000Z",
    );
    expect(nextOpening(new Date("2026-06-01T03:00:00Z"), window, paris).toISOString()).toBe(
      "2026-06-01T06:00:00.000Z",
    );
    expect(
      nextOpening(
        new Date("2026-06-01T10:00:00Z"),
        { start: "22:00", end: "06:00" },
        paris,
      ).toISOString(),
    ).toBe("2026-06-01T20:00:00.000Z");
  });

  it("opens a window whose start falls in a DST gap when the clock jumps past the gap", () => {
    const opening = nextOpening(
      new Date("2026-03-28T23:00:00Z"),
      { start: "02:30", end: "06:00" },
      paris,
    );
    // 03:00 local is already inside [02:30, 06:00) by the wall clock.
    expect(opening.toISOString()).toBe("2026-03-29T01:00:00.000Z");
    expect(formatLocal(opening, paris)).toBe("2026-03-29T03:00:00+02:00");
  });

  // Issue 14: the window starts inside the repeated hour and the send falls at the second
  // occurrence of a time before that start: it opens the same night, not the next day.
  it.each([
    ["Europe/London", "2027-10-31T01:20:00+00:00", "01:40", "2027-10-31T01:40:00+00:00"],
    ["America/New_York", "2027-11-07T01:20:00-05:00", "01:40", "2027-11-07T01:40:00-05:00"],
    ["Pacific/Chatham", "2027-04-04T02:50:00+12:45", "03:20", "2027-04-04T03:20:00+12:45"],
  ])(
    "%s: a send at the second %s opens at the second %s that night",
    (tz, sendAt, start, local) => {
      const now = new Date("2027-01-01T00:00:00Z");
      const result = plan({ now, sendAt, timezone: tz, window: { start, end: "07:40" } });
      expect(result).toMatchObject({ local, appropriate: false, adjusted: true });
    },
  );

  it("skips a day whose window lies wholly inside a DST gap, and says so", () => {
    const result = plan({
      now: new Date("2027-01-01T00:00:00Z"),
      sendAt: "2027-03-14T02:20",
      timezone: "America/New_York",
      window: { start: "02:20", end: "02:40" },
    });
    expect(result).toMatchObject({
      local: "2027-03-15T02:20:00-04:00",
      appropriate: false,
      adjusted: true,
    });
  });

  it("reopens a window the clock jumps back into", () => {
    // London 2027-10-31: 01:30 BST ends the 00:30–01:30 window; at 02:00 BST the clock goes
    // back to 01:00 GMT, inside it again.
    const london = zone("Europe/London");
    const window = { start: "00:30", end: "01:30" };
    const opening = nextOpening(new Date("2027-10-31T00:45:00Z"), window, london);
    expect(formatLocal(opening, london)).toBe("2027-10-31T01:00:00+00:00");
  });
});

describe("planning a send", () => {
  const now = new Date("2026-06-01T12:00:00Z");

  it("sends now when now is inside the window", () => {
    const result = plan({ now, timezone: "Europe/Paris" });
    expect(result.sendAt).toEqual(now);
    expect(result.local).toBe("2026-06-01T14:00:00+02:00");
    expect(result).toMatchObject({ appropriate: true, adjusted: false });
  });

  it("reads a local send_at in the recipient's zone and defers it to the window", () => {
    const result = plan({ now, sendAt: "2026-06-01T23:30", timezone: "America/New_York" });
    expect(result.sendAt.toISOString()).toBe("2026-06-02T12:00:00.000Z"); // 08:00 EDT next day
    expect(result).toMatchObject({
      appropriate: false,
      adjusted: true,
      local: "2026-06-02T08:00:00-04:00",
    });
  });

  it("keeps the requested time when immediate is set, but still says it was out of hours", () => {
    const result = plan({
      now,
      sendAt: "2026-06-01T23:30",
      timezone: "America/New_York",
      immediate: true,
    });
    expect(result.sendAt.toISOString()).toBe("2026-06-02T03:30:00.000Z");
    expect(result).toMatchObject({ appropriate: false, adjusted: false });
  });

  it("takes instants with offsets as they are", () => {
    const result = plan({ now, sendAt: "2026-06-01T15:00:00+02:00", timezone: "Asia/Kolkata" });
    expect(result.sendAt.toISOString()).toBe("2026-06-01T13:00:00.000Z");
    expect(result.local).toBe("2026-06-01T18:30:00+05:30");
  });

  it("bounds send_at from the request's acceptance: what came due since means now", () => {
    // Prepare: accepted ten minutes before it is planned (a topic fan-out's later page).
    const acceptedAt = new Date(now.getTime() - 10 * 60_000);
    const dueSince = new Date(acceptedAt.getTime() + 60_000).toISOString();
    const tooFar = new Date(acceptedAt.getTime() + MAX_AHEAD_MS + 60_000).toISOString();

    // Act
    const result = plan({ now, acceptedAt, sendAt: dueSince, timezone: "UTC", immediate: true });

    // Assess
    expect(result.sendAt).toEqual(now);
    expect(() => plan({ now, sendAt: dueSince, timezone: "UTC" })).toThrowError(
      expect.objectContaining({ code: "send_at_in_past" }),
    );
    expect(() => plan({ now, acceptedAt, sendAt: tooFar, timezone: "UTC" })).toThrowError(
      expect.objectContaining({ code: "send_at_too_far" }),
    );
  });

  it.each([
    ["Mars/Olympus", undefined, "invalid_timezone"],
    ["UTC", "2026-02-30T10:00", "invalid_send_at"],
    ["UTC", "2026-02-28T10:00:00+02:00x", "invalid_send_at"],
    ["UTC", "tomorrow", "invalid_send_at"],
    ["UTC", "2026-06-01T10:61", "invalid_send_at"],
    ["UTC", "2026-06-01T10:99", "invalid_send_at"],
    ["UTC", "2026-06-01T10:00:75", "invalid_send_at"],
    ["UTC", "2026-06-01T24:00", "invalid_send_at"],
    // Not omitted: an empty send_at is refused, as an empty timezone is.
    ["UTC", "", "invalid_send_at"],
    ["UTC", "2027-02-29T10:00", "invalid_send_at"],
    ["UTC", "2026-05-01T10:00:00Z", "send_at_in_past"],
    ["UTC", "2028-01-01T10:00:00Z", "send_at_too_far"],
  ])("rejects timezone %s with send_at %s as %s", (timezone, sendAt, code) => {
    expect(() => plan({ now, timezone, sendAt })).toThrowError(expect.objectContaining({ code }));
  });
});

describe("a zone's UTC offset", () => {
  const HOUR = 3_600_000;
  const DAY = 86_400_000;
  const temporalOffset = (tz: string, instant: number) =>
    Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(tz).offsetNanoseconds / 60e9;

  // Temporal (the polyfill) finds the transitions; the offset is checked on both sides of each,
  // to the millisecond, and a day either side.
  it.each([
    ["Europe/Paris", 2026, 2029],
    ["America/New_York", 2026, 2029],
    ["Australia/Lord_Howe", 2026, 2029], // DST of 30 minutes: +10:30 / +11:00
    ["Pacific/Chatham", 2026, 2029], // +12:45 / +13:45
    ["America/St_Johns", 2026, 2029], // -03:30 / -02:30
    ["Asia/Kathmandu", 1980, 1990], // +05:30 → +05:45 in 1986
    ["Asia/Pyongyang", 2014, 2019], // +09:00 → +08:30 (2015) → +09:00 (2018)
    ["Pacific/Apia", 2010, 2022], // skipped 30 December 2011 (-10 → +14); no DST since 2021
    ["Europe/Moscow", 2010, 2016], // summer time kept in 2011 (+04), back to +03 in 2014
    ["America/Mexico_City", 2021, 2024], // DST abolished in 2022
    ["Asia/Almaty", 2023, 2026], // +06 → +05 in 2024
    ["Africa/Monrovia", 1960, 1975], // -00:44:30 until 1972: west of UTC by under an hour
  ])("in %s matches Temporal around every transition from %i to %i", (tz, from, to) => {
    const z = zone(tz);
    const transitions = transitionsOf(tz, Date.UTC(from, 0, 1), Date.UTC(to, 0, 1));
    expect(transitions.length).toBeGreaterThan(0);
    for (const transition of transitions) {
      for (const delta of [-DAY, -HOUR, -1_000, -1, 0, 1, 1_000, HOUR, DAY]) {
        const instant = transition + delta;
        expect(z.offset(instant), `${tz} at ${new Date(instant).toISOString()}`).toBe(
          temporalOffset(tz, instant),
        );
      }
    }
  });

  it("in every zone the runtime knows matches Temporal on both sides of each 2026-2027 transition", () => {
    const zones = Intl.supportedValuesOf("timeZone");
    let checked = 0;
    for (const tz of zones) {
      const z = zone(tz);
      for (const transition of transitionsOf(tz, Date.UTC(2026, 0, 1), Date.UTC(2028, 0, 1))) {
        for (const instant of [transition - 1, transition]) {
          checked++;
          expect(z.offset(instant), `${tz} at ${new Date(instant).toISOString()}`).toBe(
            temporalOffset(tz, instant),
          );
        }
      }
    }
    expect(zones.length).toBeGreaterThan(300);
    expect(checked).toBeGreaterThan(500);
  });

  it.each([
    ["Asia/Kolkata", 330],
    ["Asia/Kathmandu", 345],
    ["UTC", 0],
    ["Etc/GMT+5", -300], // POSIX sign: five hours west
    ["+05:30", 330],
    ["-03:30", -210],
    ["-00:30", -30],
    ["+0545", 345],
  ])("of %s is %i minutes all year", (tz, minutes) => {
    const z = zone(tz);
    for (let month = 0; month < 12; month++) {
      expect(z.offset(Date.UTC(2026, month, 15, 12)), `${tz} month ${month + 1}`).toBe(minutes);
    }
  });

  it("plans a local time in a zone west of UTC by under an hour", () => {
    const result = plan({
      now: new Date("2026-06-01T00:00:00Z"),
      sendAt: "2026-06-01T10:00",
      timezone: "-00:30",
    });
    expect(result.sendAt.toISOString()).toBe("2026-06-01T10:30:00.000Z");
    expect(result.local).toBe("2026-06-01T10:00:00-00:30");
  });

  it.each(["Mars/Olympus", "", "Europe/Pariss", "+25:00", "+5:30", "GMT+5", "UTC+1", "local"])(
    "is not had for %j: invalid_timezone",
    (name) => {
      expect(() => zone(name)).toThrowError(
        expect.objectContaining({ name: "ValidationError", code: "invalid_timezone" }),
      );
    },
  );
});
