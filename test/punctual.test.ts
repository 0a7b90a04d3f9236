import { atExpression, fireTime } from "@herald/core/notification/dispatch";
import { describe, expect, it } from "vitest";
import { client, emailBody, emailsWithSubject, eventually, unique, useLocalCloud } from "./support";

/**
 * Scheduled sends under AWS-like Scheduler lateness. EventBridge Scheduler invokes a one-time
 * schedule up to a minute after its time; the emulator here does the same, scaled down so the
 * test takes seconds: it fires up to 3 s late, and Herald sets schedules 5 s early
 * (HERALD_SCHEDULER_LEAD_SECONDS; 2 minutes against AWS's minute in production). The worker
 * holds each early message (an SQS DelaySeconds re-send, then the sub-second rest) and claims
 * it at its due time. How close to it is measured in `npm run bench -- lateness`; this test
 * asserts what must hold whatever the load: never early, exactly once, and holding never
 * counts toward the dead-letter queue (maxReceiveCount 1: a second receive of the same message
 * would dead-letter it).
 */
const LATE_MS = 3_000;
const cloud = useLocalCloud({
  schedulerLateMs: LATE_MS,
  maxReceiveCount: 1,
  // A batch that outlives the 2 s test default under a loaded full run would be received again
  // and dead-lettered for slowness, not for holding.
  visibilityTimeoutSeconds: 10,
  env: { HERALD_SCHEDULER_MIN_DELAY_SECONDS: "1", HERALD_SCHEDULER_LEAD_SECONDS: "5" },
});

describe("scheduled sends under AWS-like Scheduler lateness", () => {
  it("fire early, are held to their time, and go out once, never early", async () => {
    // Prepare
    const api = client(cloud().apiUrl, await cloud().createKey(unique("tenant")));
    const start = Date.now();
    const bodies = Array.from({ length: 8 }, (_, i) =>
      emailBody({
        send_at: new Date(start + 7_000 + i * 350).toISOString(),
        immediate: false,
        delivery_window: { start: "00:00", end: "00:00" },
      }),
    );

    // Act
    const accepted = await Promise.all(
      bodies.map((body) => api.request("POST", "/v1/notifications", body)),
    );
    const finals = await Promise.all(
      accepted.map((a) =>
        eventually(
          async () => {
            const got = await api.request("GET", `/v1/notifications/${a.body.id}`);
            return ["sent", "failed"].includes(got.body.status) ? got.body : undefined;
          },
          { timeoutMs: 30_000, what: `${a.body.id} sent` },
        ),
      ),
    );
    await cloud().runner.drain();

    // Assess
    const lateness: number[] = [];
    for (const [i, body] of bodies.entries()) {
      const due = Date.parse(body.send_at as string);
      expect(accepted[i]!.body.status).toBe("scheduled");
      expect(finals[i]).toMatchObject({ status: "sent", attempts: 1 });
      expect(Date.parse(finals[i].sent_at)).toBeGreaterThanOrEqual(due);
      expect(await emailsWithSubject(cloud().sesUrl, body.content.subject)).toHaveLength(1);
      const fire = cloud().scheduler.fired.find((f) => f.name === accepted[i]!.body.id);
      expect(fire?.ok).toBe(true);
      expect(fire!.dueAt).toBeLessThan(due - 4_000); // the schedule was set 5 s early
      expect(fire!.firedAt).toBeGreaterThanOrEqual(fire!.dueAt);
      lateness.push(fire!.firedAt - fire!.dueAt);
    }
    // The emulator really was late, by different amounts (8 draws from 0–3 s).
    expect(new Set(lateness.map((ms) => Math.round(ms / 100))).size).toBeGreaterThan(1);
  });
});

describe("when a schedule is set to fire", () => {
  it("is the lead early, rounded down to the minute (to the second for short test leads)", () => {
    const due = new Date("2027-06-01T12:05:30.250Z");
    expect(atExpression(fireTime(due, 120))).toBe("at(2027-06-01T12:03:00)");
    expect(atExpression(fireTime(new Date("2027-06-01T12:05:00Z"), 120))).toBe(
      "at(2027-06-01T12:03:00)",
    );
    expect(atExpression(fireTime(due, 5))).toBe("at(2027-06-01T12:05:25)");
  });
});
