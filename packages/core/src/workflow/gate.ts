import type { Channel, Info, Outcome, Priority, SkipReason, StepRef } from "../notification/model";
import type { Setting } from "../recipient/preferences";
import { settingFor } from "../recipient/setting";
import * as Budget from "./budget";
import * as Store from "./store";

/**
 * The checks a notification passes before it is sent, apart from the channel opt-out (which
 * fails it, `delivery/worker.ts`): each answers a reason to skip it (status `skipped`), or
 * nothing. Run when a send is accepted (so the answer already says `skipped`) and again by the
 * worker before every attempt, since preferences can change and a workflow can settle while a
 * notification waits.
 */
export interface Subject {
  tenantId: string;
  recipientId?: string;
  category?: string;
  channel: Channel;
  priority?: Priority;
  step?: StepRef;
}

export interface Verdict {
  /** Why not to send it at all. */
  skip?: SkipReason;
  /** The recipient's preference for the category on the channel (`digest` holds it). */
  setting: Setting;
}

/** At acceptance: a step only for critical notifications, then the recipient's preference. */
export async function atAcceptance(subject: Subject): Promise<Verdict> {
  if (subject.step?.critical_only && subject.priority !== "critical") {
    return { skip: "critical_only", setting: "on" };
  }
  const setting = await settingFor(
    subject.tenantId,
    subject.recipientId,
    subject.category,
    subject.channel,
  );
  return setting === "off" ? { skip: "preference", setting } : { setting };
}

/** The outcomes that stop a step: `seen` is implied by `read`. */
export function stoppedBy(unless: Outcome | undefined): Outcome[] {
  if (unless === undefined) return [];
  return unless === "seen" ? ["seen", "read"] : [unless];
}

/**
 * In the worker, after the claim and before the provider is called (the notification to send,
 * a digest's composed, or why to skip it), in this order: the
 * preference (a read); for a workflow step, the begin write on its workflow, conditional on no
 * stopping outcome recorded (so an outcome recorded first always wins, and one recorded after
 * this write came after the step was committed to); then the budget reservation, on the first
 * attempt only.
 */
export async function beforeSend(
  tenantId: string,
  notification: Info,
  attempt: number,
  now = new Date(),
): Promise<{ skip: SkipReason } | { notification: Info }> {
  // A digest is the recipient's chosen form already: its composition decides, then the budget
  // (a digest's text is an SMS like any other).
  if (notification.digest) {
    // Loaded only for a digest: the other sends a worker makes need none of it.
    const Digest = await import("../digest");
    const composed = await Digest.compose(tenantId, notification, attempt, now);
    if ("skip" in composed) return composed;
    return reserveBudget(tenantId, composed.notification, attempt, now);
  }
  const { skip } = await atAcceptance({
    tenantId,
    recipientId: notification.recipient.id,
    category: notification.category,
    channel: notification.channel,
    priority: notification.priority,
    step: notification.workflow,
  });
  if (skip) return { skip };
  const step = notification.workflow;
  // A step that nothing stops needs no write.
  if (step?.unless) {
    const open = await Store.begin(tenantId, step.id, step.step, stoppedBy(step.unless), now);
    if (!open) return { skip: "workflow_settled" };
  }
  return reserveBudget(tenantId, notification, attempt, now);
}

/** The month's spend reserved on the first attempt (test keys spend nothing), or `budget`. */
async function reserveBudget(
  tenantId: string,
  notification: Info,
  attempt: number,
  now: Date,
): Promise<{ skip: SkipReason } | { notification: Info }> {
  if (attempt === 1 && !notification.test) {
    if (!(await Budget.reserve(tenantId, notification, now))) return { skip: "budget" };
  }
  return { notification };
}
