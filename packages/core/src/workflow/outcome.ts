import { errorFields, log } from "../log";
import type { Info, Outcome } from "../notification/model";
import { stoppedBy } from "./gate";
import * as Store from "./store";

/**
 * A step of a workflow reached an outcome (its in-app message was seen or read, or it was
 * delivered): record it on the workflow, then skip the later steps it stops that are still
 * waiting (their schedules deleted). The record is what counts: a step already firing finds it
 * in its begin write (`gate.ts`) and is skipped there, so the skipping here only saves their
 * firing. Best effort after the record: a step it misses is skipped when it fires.
 */
export async function reached(
  tenantId: string,
  info: Pick<Info, "id" | "workflow">,
  outcomes: Outcome[],
  now = new Date(),
): Promise<void> {
  const step = info.workflow;
  if (!step || outcomes.length === 0) return;
  const workflow = await Store.reach(tenantId, step.id, outcomes, step.step, now);
  if (!workflow) return;
  const stopped = workflow.steps.filter(
    (later, index) =>
      index > step.step && stoppedBy(later.unless).some((outcome) => outcomes.includes(outcome)),
  );
  // Not imported statically: the notification module calls this one.
  const Notification = await import("../notification/manage");
  for (const later of stopped) {
    try {
      await Notification.skipWaiting({ tenantId, id: later.id, reason: "workflow_settled", now });
    } catch (error) {
      log.warn("workflow step not skipped; it will be when it fires", {
        id: later.id,
        ...errorFields(error),
      });
    }
  }
}

/** The outcomes a status change means for a workflow step. */
export function outcomesOfStatus(info: Pick<Info, "status" | "channel">): Outcome[] {
  // An in-app message is delivered when it is filed: that is not the recipient's doing.
  return info.status === "delivered" && info.channel !== "in_app" ? ["delivered"] : [];
}
