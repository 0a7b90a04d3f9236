import { spawnSync } from "node:child_process";
import { startLocalCloud } from "@herald/local/cloud";
import { measureBundles } from "./bundles";
import { measureCost, SCHEDULER_MIN_DELAY_SECONDS } from "./cost";
import { measurePaths, measureTopic } from "./fanout";
import { closeWatcher } from "./herald";
import { measureIsolation } from "./isolation";
import { measureLatency } from "./latency";
import { measureLateness } from "./lateness";
import { measureRealtime } from "./realtime";
import { measureWorkflow } from "./workflow";

/**
 * `npm run bench [bundles [--why] [--runs N] [function…]|cost|paths|latency|lateness|isolation|socket|topic [N]|workflow]`: requests and USD per million notifications, bundle
 * sizes and cold init, local latency and throughput, lateness of scheduled sends, isolation
 * from a hanging endpoint, the real-time feeds (`socket`: cost per connected hour and per event,
 * fan-out to 1,000 subscribers against raw Redis). Tables on stdout, JSON in bench/results/.
 * Loopback only; the whole run (every part, each in a process of its own) takes about 20 minutes
 * on 2 cores. Nothing is asserted: numbers are reported.
 */
const only = process.argv[2];
// A request a stopped local cloud can no longer answer (an emulator closed under a call still
// on its way) would end the whole run; it is reported and the run goes on.
process.on("unhandledRejection", (error) => {
  const e = error as { name?: string; code?: string; message?: string };
  process.stderr.write(
    `late error after a part ended (ignored): ${e.name ?? ""} ${e.code ?? ""} ${e.message ?? String(error)}\n`,
  );
});
// The same for a socket error nobody listens to (an emulator's keep-alive connection refused
// after its part stopped it), which Node raises as an uncaught exception: a connection error is
// reported and the run goes on; anything else still ends it.
process.on("uncaughtException", (error) => {
  const code = (error as { code?: string }).code ?? "";
  if (!["ECONNREFUSED", "ECONNRESET", "EPIPE"].includes(code)) {
    process.stderr.write(`${error.stack ?? String(error)}\n`);
    process.exit(1);
  }
  process.stderr.write(`late connection error after a part ended (ignored): ${code}\n`);
});
const started = performance.now();

// The whole bench: each part in a process of its own. Herald's clients are created once per
// container, as in Lambda (packages/core/src/once.ts), so in one process they stay bound to
// the first local cloud's endpoints: a part that starts a second cloud talked to the first
// one's closed ports, and the run hung when the topic part's cloud was stopped.
if (!only) {
  const parts = [
    ["bundles"],
    ["cost"],
    ["latency"],
    ["topic", "5000"],
    ["workflow"],
    ["lateness"],
    ["isolation"],
    ["socket"],
  ];
  let failed = 0;
  for (const part of parts) {
    const run = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, ...part], {
      stdio: "inherit",
    });
    if (run.status !== 0) {
      failed++;
      process.stderr.write(
        `bench part ${part.join(" ")} failed (exit ${run.status ?? run.signal})\n`,
      );
    }
  }
  process.stdout.write(
    `\nbench finished in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  process.exit(failed ? 1 : 0);
}
const wanted = (part: string) => only === part;

// First, before the local cloud exists, so nothing else competes for the CPU.
if (wanted("bundles")) {
  // `bundles [--why] [--runs N] [function…]`
  const args = only === "bundles" ? process.argv.slice(3) : [];
  const runsAt = args.indexOf("--runs");
  const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : undefined;
  await measureBundles({
    why: args.includes("--why"),
    only: args.filter((a) => a !== "--why"),
    ...(runs ? { runs } : {}),
  });
}

if (wanted("cost") || wanted("latency") || only === "paths") {
  const cloud = await startLocalCloud({
    env: {
      // The cost part measures the log bytes the handlers write (the meter swallows them).
      AWS_LAMBDA_LOG_LEVEL: wanted("cost") ? "INFO" : "silent",
      POWERTOOLS_METRICS_DISABLED: wanted("cost") ? "false" : "true",
      HERALD_RATE_LIMIT: "1000000",
      // Sends due within a few seconds use SQS DelaySeconds, later ones the Scheduler, so both
      // routes can be measured in seconds rather than 15 minutes.
      HERALD_SCHEDULER_MIN_DELAY_SECONDS: String(SCHEDULER_MIN_DELAY_SECONDS),
    },
  });
  try {
    if (wanted("cost")) await measureCost(cloud);
    // The batch and topic paths: part of `cost`, or alone as `paths`.
    if (wanted("cost") || only === "paths") await measurePaths(cloud);
    if (wanted("latency")) await measureLatency(cloud);
  } finally {
    closeWatcher();
    await cloud.stop();
  }
}
// Its own local cloud: a topic of N subscribers (`npm run bench -- topic 20000`). Alone it
// defaults to the 100,000 (about an hour on 2 cores); the full run asks for 5,000.
if (wanted("topic")) await measureTopic(Number(process.argv[3] ?? 100_000));

// Its own local cloud: later steps go through the Scheduler, set 2 s early (2 minutes in AWS),
// so the worker's hold is counted as it would be there.
if (wanted("workflow")) {
  const cloud = await startLocalCloud({
    env: {
      AWS_LAMBDA_LOG_LEVEL: "silent",
      HERALD_RATE_LIMIT: "1000000",
      HERALD_SCHEDULER_MIN_DELAY_SECONDS: "4",
      HERALD_SCHEDULER_LEAD_SECONDS: "2",
    },
  });
  try {
    await measureWorkflow(cloud);
  } finally {
    await cloud.stop();
  }
}
// Its own local cloud: the Scheduler emulator runs late like AWS.
if (wanted("lateness")) await measureLateness();
if (wanted("isolation")) {
  const cloud = await startLocalCloud({
    env: { AWS_LAMBDA_LOG_LEVEL: "silent", HERALD_RATE_LIMIT: "1000000" },
  });
  try {
    await measureIsolation(cloud);
  } finally {
    await cloud.stop();
  }
}
// Its own local cloud: thousands of connections would weigh on the other parts.
if (wanted("socket")) await measureRealtime();
process.stdout.write(
  `\nbench finished in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
);
