import { startLocalCloud } from "@herald/local/cloud";
import { AWS_LATENESS_MS } from "@herald/local/scheduler";
import { closeWatcher, send, sendBody, waitFinal } from "./herald";
import { percentile, pool, save, table } from "./support";

/**
 * Part 4: how late scheduled sends go out (final status time − scheduled_at), on both routes
 * that hold a send back: SQS DelaySeconds (due within HERALD_SCHEDULER_MIN_DELAY_SECONDS) and
 * EventBridge Scheduler, with the Scheduler emulator in its AWS-like mode (each schedule fires
 * at a random moment up to LATE after its time). Herald sets schedules LEAD early and the worker
 * holds each message until it is due (packages/core/src/delivery/hold.ts). Next to it, how late
 * the Scheduler itself fired: what a send set for its exact due time, as before, would get.
 *
 * `npm run bench -- lateness` runs it scaled down (10 s of lateness, 20 s lead) so it takes
 * about a minute; `npm run bench -- lateness aws` uses AWS's figures (a minute, 2 minutes),
 * about 4 minutes. Only the length of the SQS re-send differs: the hold is the same.
 */

const MIN_DELAY_SECONDS = 15;

export async function measureLateness(aws = process.argv.includes("aws"), count = 100) {
  const lateMs = aws ? AWS_LATENESS_MS : 10_000;
  const leadSeconds = aws ? 120 : 20;
  const cloud = await startLocalCloud({
    schedulerLateMs: lateMs,
    env: {
      AWS_LAMBDA_LOG_LEVEL: "silent",
      HERALD_RATE_LIMIT: "1000000",
      HERALD_SCHEDULER_MIN_DELAY_SECONDS: String(MIN_DELAY_SECONDS),
      HERALD_SCHEDULER_LEAD_SECONDS: String(leadSeconds),
    },
  });
  try {
    const tenantId = "bench-lateness";
    const key = await cloud.createKey(tenantId);
    const now = Date.now();
    // Due times spread over 10 s so the sends do not all arrive in one batch.
    const spread = (i: number) => (i * 10_000) / count + Math.random() * 200;
    const delayed = Array.from({ length: count }, (_, i) => new Date(now + 3_000 + spread(i)));
    const firstScheduled = leadSeconds * 1000 + lateMs + 5_000;
    const scheduled = Array.from(
      { length: count },
      (_, i) => new Date(now + firstScheduled + spread(i)),
    );
    const accept = (dates: Date[], offset: number) =>
      pool(dates, 4, (sendAt) =>
        send(
          cloud.apiUrl,
          key,
          sendBody(cloud, "", "email", offset + dates.indexOf(sendAt), { sendAt }),
        ),
      );
    const [delayedAccepted, scheduledAccepted] = [
      await accept(delayed, 0),
      await accept(scheduled, count),
    ];
    const routeOf = (status: string) => (status === "scheduled" ? "schedule" : "delay");
    const lateness = async (accepted: Awaited<ReturnType<typeof accept>>, wait: number) => {
      const items = await waitFinal(
        cloud,
        tenantId,
        accepted.map((a) => a.id),
        wait,
      );
      return items.map(
        (item) =>
          Date.parse(String(item.sent_at ?? item.delivered_at ?? item.updated_at)) -
          Date.parse(String(item.scheduled_at)),
      );
    };
    const delayLateness = await lateness(delayedAccepted, 60_000);
    const scheduleLateness = await lateness(scheduledAccepted, firstScheduled + 120_000);
    const fired = cloud.scheduler.fired
      .filter((f) => scheduledAccepted.some((a) => a.id === f.name))
      .map((f) => f.firedAt - f.dueAt);

    const row = (route: string, values: number[], note: string) => ({
      route,
      n: values.length,
      "p50 ms": percentile(values, 50),
      "p99 ms": percentile(values, 99),
      "max ms": Math.max(...values),
      "min ms": Math.min(...values),
      note,
    });
    const rows = [
      row(
        "SQS DelaySeconds",
        delayLateness,
        `${delayedAccepted.filter((a) => routeOf(a.status) === "delay").length} queued with a delay`,
      ),
      row(
        "Scheduler",
        scheduleLateness,
        `fires up to ${lateMs / 1000} s late, set ${leadSeconds} s early`,
      ),
      row("(Scheduler invocations)", fired, "how late the emulator fired: the old lateness"),
    ];
    table(
      `Lateness of scheduled sends: final status − scheduled_at (${aws ? "AWS figures" : "scaled down: `-- lateness aws` for AWS's"})`,
      rows,
    );
    save("lateness", { aws, lateMs, leadSeconds, rows, delayLateness, scheduleLateness, fired });
  } finally {
    closeWatcher();
    await cloud.stop();
  }
}
