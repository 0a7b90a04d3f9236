import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { once } from "../once";

/** The EventBridge Scheduler client (see ./clients.ts for why one module per client). */
export const scheduler = /* @__PURE__ */ once(() => new SchedulerClient({}));
