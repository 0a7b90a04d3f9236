import { createHash } from "node:crypto";
import { InvalidTransitionError, NotFoundError, ValidationError, VisibleError } from "../error";
import { fn } from "../fn";
import { createId, deterministicId, keyedId } from "../id";
import { jsonObject } from "../json";
import * as Manage from "../notification/manage";
import {
  Category,
  Channel,
  Content,
  Locale,
  Metadata,
  Outcome,
  Priority,
  Recipient,
  type SendInput,
  Status,
} from "../notification/model";
import * as Send from "../notification/send";
import * as Recipients from "../recipient";
import { expiresAt } from "../retention";
import { plan, Window } from "../schedule";
import { retentionDays } from "../tenant/settings-read";
import * as z from "../zod";
import * as Store from "./store";

export * as Gate from "./gate";

/**
 * Workflows: one notification to a recipient carried by several channels, cheapest first. Each
 * step is a notification of its own (`workflow: {id, step}`), accepted with the workflow and
 * sent at the workflow's start plus its `after` (through the usual routes: a later step is a
 * one-time Scheduler schedule), each in the recipient's delivery window. A step with `unless`
 * is skipped once an earlier step reached that outcome (`read`, `seen`, `delivered`): the
 * outcome is recorded on the workflow item and the waiting steps are skipped at once
 * (`outcome.ts`); a step that fires meanwhile finds it through the begin write (`gate.ts`).
 */

const DURATION = /^(\d{1,7})(s|m|h|d)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

export const Duration = z.string().check(
  z.regex(DURATION, 'a whole number of s, m, h or d, e.g. "10m"'),
  z.refine((value) => seconds(value) <= 30 * 86_400, { message: "at most 30 days" }),
);

export function seconds(duration: string): number {
  const [, amount = "0", unit = "s"] = DURATION.exec(duration) ?? [];
  return Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
}

export const Step = z.strictObject({
  channel: Channel,
  after: z.optional(Duration).check(z.describe("After the workflow's start (default 0)")),
  unless: z
    .optional(Outcome)
    .check(
      z.describe(
        "Skip this step once an earlier step was read (in-app), seen (in-app) or delivered",
      ),
    ),
  critical_only: z
    .optional(z.boolean())
    .check(z.describe("Only for priority critical; skipped (critical_only) otherwise")),
  content: z.optional(Content).check(z.describe("This channel's content; default the template's")),
});
export type Step = z.infer<typeof Step>;

const TemplateChoice = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(128)),
  version: z.optional(z.int().check(z.gte(1))),
});

export const WorkflowInput = z.strictObject({
  steps: z.array(Step).check(z.minLength(1), z.maxLength(10)),
  recipient: Recipient,
  category: z.optional(Category),
  priority: z.optional(Priority),
  template: z
    .optional(TemplateChoice)
    .check(z.describe("Renders every step without content of its own")),
  data: z._default(jsonObject(64_000), {}).check(z.describe("The template's variables")),
  locale: z.optional(Locale),
  send_at: z
    .optional(z.string().check(z.maxLength(40)))
    .check(z.describe("When the first step goes (default now)")),
  delivery_window: z.optional(Window),
  immediate: z._default(z.boolean(), false),
  metadata: z.optional(Metadata),
});
export type WorkflowInput = z.input<typeof WorkflowInput>;

export const WorkflowStatus = z.enum(["active", "completed", "failed", "cancelled"]);

const StepInfo = z.object({
  id: z.string().check(z.describe("The step's notification (ntf_...)")),
  channel: Channel,
  after: z.int().check(z.describe("Seconds after the workflow's start")),
  unless: z.optional(Outcome),
  critical_only: z.optional(z.boolean()),
  status: Status,
  scheduled_at: z.string(),
  skip_reason: z.optional(z.string()),
});

export const Info = z.object({
  id: z.string(),
  status: WorkflowStatus.check(
    z.describe(
      "active: a step is waiting or sending; completed: an outcome stopped it, or a step reached " +
        "the recipient and none is left; failed: no step reached the recipient; cancelled: every " +
        "step was cancelled",
    ),
  ),
  settled_by: z.optional(Outcome).check(z.describe("The outcome that stopped the remaining steps")),
  settled_at: z.optional(z.string()),
  recipient_id: z.optional(z.string()),
  category: z.optional(z.string()),
  priority: z.optional(Priority),
  steps: z.array(StepInfo),
  created_at: z.string(),
});
export type Info = z.infer<typeof Info>;

const TenantId = z.string().check(z.minLength(1), z.maxLength(64));

export interface Started {
  workflow: Info;
  /** True when an Idempotency-Key matched an earlier request and nothing new was created. */
  replayed: boolean;
}

/**
 * Accept a workflow: check every step (content or template, contact point, send time) before
 * anything is stored, store the workflow, then accept each step as a notification. A retry with
 * the same Idempotency-Key finds the workflow and replays each step's send (which re-dispatches
 * a step whose first message may have been lost), and answers `replayed`.
 */
export const start = fn(
  z.object({
    tenantId: TenantId,
    input: WorkflowInput,
    idempotencyKey: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
    now: z.optional(z.date()),
    test: z.optional(z.boolean()),
  }),
  async ({ tenantId, input, idempotencyKey, now = new Date(), test }): Promise<Started> => {
    const id = idempotencyKey
      ? keyedId("wfl", tenantId, test, idempotencyKey)
      : createId("wfl", now.getTime());
    const profile = input.recipient.id
      ? await Recipients.find(tenantId, input.recipient.id)
      : undefined;
    const timezone = input.recipient.timezone ?? profile?.timezone;
    const window = input.delivery_window ?? profile?.delivery_window;
    const begins = plan({
      now,
      sendAt: input.send_at,
      timezone,
      window,
      immediate: input.immediate,
    }).sendAt;
    const sends: SendInput[] = [];
    for (const [index, step] of input.steps.entries()) {
      const content = step.content ?? (await render(tenantId, input, step.channel, index));
      sends.push({
        channel: step.channel,
        content,
        recipient: input.recipient,
        ...(input.category ? { category: input.category } : {}),
        ...(input.priority ? { priority: input.priority } : {}),
        send_at: new Date(begins.getTime() + seconds(step.after ?? "0s") * 1000).toISOString(),
        ...(input.delivery_window ? { delivery_window: input.delivery_window } : {}),
        immediate: input.immediate,
        ...(input.metadata ? { metadata: input.metadata } : {}),
      } as SendInput);
    }
    // Every step is checked before anything is stored: a refused request stores nothing.
    for (const [index, send] of sends.entries()) {
      try {
        await Send.check(tenantId, send, now);
      } catch (error) {
        if (error instanceof ValidationError) {
          throw new ValidationError(error.code, `steps[${index}]: ${error.message}`, {
            step: index,
            ...(typeof error.details === "object" ? error.details : { details: error.details }),
          });
        }
        throw error;
      }
    }
    // Each step's notification id derives from the workflow's id, "workflow" a part of its own,
    // so no Idempotency-Key of a single send can spell it (id.ts).
    const stepIds = input.steps.map((_, index) =>
      deterministicId("ntf", tenantId, "workflow", id, String(index)),
    );
    const requestHash = hash(input);
    const created = await Store.create({
      id,
      tenant_id: tenantId,
      ...(input.recipient.id ? { recipient_id: input.recipient.id } : {}),
      ...(input.category ? { category: input.category } : {}),
      ...(input.priority ? { priority: input.priority } : {}),
      steps: input.steps.map((step, index) => ({
        id: stepIds[index] as string,
        channel: step.channel,
        after_seconds: seconds(step.after ?? "0s"),
        ...(step.unless ? { unless: step.unless } : {}),
        ...(step.critical_only ? { critical_only: true } : {}),
      })),
      created_at: now.toISOString(),
      expires_at: expiresAt(now, await retentionDays(tenantId)),
      request_hash: requestHash,
    });
    let existing: Store.WorkflowItem | undefined;
    if (!created) {
      existing = await Store.read(tenantId, id);
      if (existing && existing.request_hash !== requestHash) {
        throw new VisibleError(
          "conflict",
          "idempotency_key_reused",
          "This Idempotency-Key was used with a different request body",
        );
      }
    }
    for (const [index, send] of sends.entries()) {
      const step = input.steps[index] as Step;
      await Send.send({
        tenantId,
        input: send,
        // A replay sends the steps the first request stored (their ids were derived otherwise
        // before), so it finds them and creates none.
        id: existing?.steps[index]?.id ?? stepIds[index],
        now,
        test,
        // What a replay compares: the workflow's request, not the step's times (from `now`).
        request: { workflow: requestHash, step: index },
        step: {
          id,
          step: index,
          ...(step.unless ? { unless: step.unless } : {}),
          ...(step.critical_only ? { critical_only: true } : {}),
        },
      });
    }
    return { workflow: await get({ tenantId, id }), replayed: !created };
  },
);

async function render(
  tenantId: string,
  input: z.output<typeof WorkflowInput>,
  channel: Channel,
  index: number,
): Promise<Content> {
  if (!input.template) {
    throw new ValidationError(
      "invalid_request",
      `steps[${index}] has no content, and the workflow names no template`,
      { step: index },
    );
  }
  const locale =
    input.locale ??
    (input.recipient.id
      ? (await Recipients.find(tenantId, input.recipient.id))?.locale
      : undefined);
  // Loaded only by a workflow that names a template (as a send does).
  const Template = await import("../template");
  const rendered = await Template.render(tenantId, input.template, channel, input.data, locale);
  return rendered.content as Content;
}

/** A workflow with each step's status, and the combined status. */
export const get = fn(
  z.object({ tenantId: TenantId, id: z.string().check(z.minLength(1), z.maxLength(64)) }),
  async ({ tenantId, id }): Promise<Info> => {
    const item = await Store.read(tenantId, id);
    if (!item) throw new NotFoundError("workflow", id);
    const steps = await Promise.all(
      item.steps.map(async (step) => {
        const notification = await Manage.get({ tenantId, id: step.id }).catch((error: unknown) => {
          if (error instanceof NotFoundError) return undefined;
          throw error;
        });
        return {
          id: step.id,
          channel: step.channel as Channel,
          after: step.after_seconds,
          ...(step.unless ? { unless: step.unless } : {}),
          ...(step.critical_only ? { critical_only: true } : {}),
          // A step not stored yet (its workflow is being accepted) is about to be.
          status: notification?.status ?? ("accepted" as const),
          scheduled_at: notification?.scheduled_at ?? item.created_at,
          ...(notification?.skip_reason ? { skip_reason: notification.skip_reason } : {}),
        };
      }),
    );
    const settled = (["read", "seen", "delivered"] as const).find(
      (outcome) => item[`${outcome}_at`] !== undefined,
    );
    return {
      id: item.id,
      status: combined(
        steps.map((step) => step.status),
        settled !== undefined,
      ),
      ...(settled ? { settled_by: settled, settled_at: item[`${settled}_at`] } : {}),
      ...(item.recipient_id ? { recipient_id: item.recipient_id } : {}),
      ...(item.category ? { category: item.category } : {}),
      ...(item.priority ? { priority: item.priority as Info["priority"] } : {}),
      steps,
      created_at: item.created_at,
    };
  },
);

/**
 * Cancel every step still waiting (each as `POST /v1/notifications/{id}/cancel` would); steps
 * already sending or final stay as they are. Answers the workflow after it.
 */
export const cancel = fn(
  z.object({
    tenantId: TenantId,
    id: z.string().check(z.minLength(1), z.maxLength(64)),
    now: z.optional(z.date()),
  }),
  async ({ tenantId, id, now = new Date() }): Promise<Info> => {
    const item = await Store.read(tenantId, id);
    if (!item) throw new NotFoundError("workflow", id);
    for (const step of item.steps) {
      try {
        await Manage.cancel({ tenantId, id: step.id, now });
      } catch (error) {
        if (!(error instanceof InvalidTransitionError || error instanceof NotFoundError))
          throw error;
      }
    }
    return get({ tenantId, id });
  },
);

const REACHED: Status[] = ["sent", "delivered", "delivery_delayed", "complained"];
const WAITING: Status[] = ["accepted", "scheduled", "queued", "sending"];

/** The workflow's status from its steps' (and whether an outcome stopped it). */
export function combined(statuses: Status[], settled: boolean): Info["status"] {
  if (statuses.some((status) => WAITING.includes(status))) return "active";
  if (settled || statuses.some((status) => REACHED.includes(status))) return "completed";
  if (statuses.every((status) => status === "cancelled")) return "cancelled";
  return "failed";
}

function hash(input: unknown): string {
  return createHash("sha256").update(JSON.stringify(input)).digest("base64url");
}
