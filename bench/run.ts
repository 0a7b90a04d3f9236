import { startLocalCloud } from "@herald/local/cloud";
import { measureBundles } from "./bundles";
import { measureCost } from "./cost";
import { measureLatency } from "./latency";

/**
 * `npm run bench`: cost per notification, bundles and cold init, local latency and throughput.
 * Tables on stdout, JSON in bench/results/. Loopback only; a few minutes on 2 cores.
 * The real-time fan-out bench is separate: `npx tsx bench/realtime.ts`.
 */
const only = process.argv[2];

if (!only || only === "bundles") await measureBundles();

if (!only || only === "cost" || only === "latency") {
  const cloud = await startLocalCloud({
    env: {
      AWS_LAMBDA_LOG_LEVEL: "silent",
      HERALD_RATE_LIMIT: "1000000",
      // Sends due within 2 s use SQS DelaySeconds, later ones the Scheduler, so both paths
      // can be measured in seconds rather than 15 minutes.
      HERALD_SCHEDULER_MIN_DELAY_SECONDS: "2",
    },
  });
  try {
    if (!only || only === "cost") await measureCost(cloud);
    if (!only || only === "latency") await measureLatency(cloud);
  } finally {
    await cloud.stop();
  }
}
