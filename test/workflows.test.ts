import { GetScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { describe, expect, it } from "vitest";
import { client, emailsWithSubject, eventually, unique, useLocalCloud } from "./support";

// Issue 18, part 1: channel fallback, cheapest first. Waits over a second go through the
// Scheduler here (one-time schedules, the route any later step takes in AWS), fired on time.
const cloud = useLocalCloud({
  env: { HERALD_SCHEDULER_MIN_DELAY_SECONDS: "1", HERALD_SCHEDULER_LEAD_SECONDS: "0" },
});

async function tenant() {
  const tenantId = unique("tenant");
  return { tenantId, api: client(cloud().apiUrl, await cloud().createKey(tenantId)) };
}

/** A unique E.164 number in the UK drama range (+44 7700 900xxx is reserved; use 9000xxxxxx). */
function phone() {
  return `+4477${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
}

const texts = (to: string) => cloud().sms.messages.filter((m) => m.destination === to);

async function scheduleExists(name: string) {
  const scheduler = new SchedulerClient({});
  try {
    await scheduler.send(
      new GetScheduleCommand({ Name: name, GroupName: "herald-local-schedules" }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") return false;
    throw error;
  } finally {
    scheduler.destroy();
  }
}

const inApp = { channel: "in_app", content: { title: "Your report is ready" } };
const sms = (after: string, extra: Record<string, unknown> = {}) => ({
  channel: "sms",
  after,
  unless: "read",
  content: { text: "Your report is ready" },
  ...extra,
});

async function settled(api: ReturnType<typeof client>, id: string, timeoutMs = 15_000) {
  return eventually(
    async () => {
      const { body } = await api.request("GET", `/v1/workflows/${id}`);
      return body.status !== "active" ? body : undefined;
    },
    { what: `workflow ${id} settled`, timeoutMs },
  );
}

describe("workflows: channel fallback", () => {
  it("sends the next step when the first is not read", async () => {
    const { api } = await tenant();
    const to = phone();
    const accepted = await api.request("POST", "/v1/workflows", {
      recipient: { id: unique("r"), phone: to },
      steps: [inApp, sms("2s")],
      immediate: true,
    });

    const done = await settled(api, accepted.body.id);
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe("active");
    expect(accepted.body.steps.map((s: { status: string }) => s.status)).toEqual([
      "queued",
      "scheduled",
    ]);
    expect(done.status).toBe("completed");
    expect(done.settled_by).toBeUndefined();
    expect(done.steps.map((s: { status: string }) => s.status)).toEqual(["delivered", "sent"]);
    expect(texts(to)).toHaveLength(1);
    const step = await api.request("GET", `/v1/notifications/${done.steps[1].id}`);
    expect(step.body.workflow).toEqual({ id: accepted.body.id, step: 1, unless: "read" });
  });

  it("a read skips the waiting steps at once and deletes their schedules; critical_only steps wait for critical", async () => {
    const { api } = await tenant();
    const recipient = unique("r");
    const subject = unique("fallback");
    const accepted = await api.request("POST", "/v1/workflows", {
      recipient: { id: recipient, email: `${recipient}@example.com`, phone: phone() },
      category: "reports",
      steps: [
        inApp,
        { channel: "email", after: "1h", unless: "read", content: { subject, text: "ready" } },
        sms("4h", { critical_only: true }),
      ],
      immediate: true,
    });
    const [first, second, third] = accepted.body.steps;
    await eventually(async () => {
      const { body } = await api.request("GET", `/v1/notifications/${first.id}`);
      return body.status === "delivered" ? body : undefined;
    }, "the in-app step filed");
    const scheduledBefore = await scheduleExists(second.id);

    const read = await api.request("POST", `/v1/recipients/${recipient}/inbox/${first.id}/read`);
    const after = await api.request("GET", `/v1/workflows/${accepted.body.id}`);
    const email = await api.request("GET", `/v1/notifications/${second.id}`);

    expect(third.status).toBe("skipped");
    expect(third.skip_reason).toBe("critical_only");
    expect(scheduledBefore).toBe(true);
    expect(read.status).toBe(200);
    expect(after.body).toMatchObject({ status: "completed", settled_by: "read" });
    expect(email.body).toMatchObject({ status: "skipped", skip_reason: "workflow_settled" });
    expect(await scheduleExists(second.id)).toBe(false);
    expect(await emailsWithSubject(cloud().sesUrl, subject)).toEqual([]);
  });

  it("a step claimed by a worker while the read lands is not sent: the worker checks the workflow after claiming", async () => {
    const { tenantId, api } = await tenant();
    const recipient = unique("r");
    const to = phone();
    const accepted = await api.request("POST", "/v1/workflows", {
      recipient: { id: recipient, phone: to },
      steps: [inApp, sms("1h")],
      immediate: true,
    });
    const [first, second] = accepted.body.steps;
    await eventually(async () => {
      const { body } = await api.request("GET", `/v1/notifications/${first.id}`);
      return body.status === "delivered" ? body : undefined;
    }, "the in-app step filed");
    const Notification = await import("@herald/core/notification");
    const { Gate } = await import("@herald/core/workflow");

    // The schedule fires and a worker claims the step: it is `sending` now, so the read's
    // skipping of waiting steps cannot touch it.
    const claimed = await Notification.claim(tenantId, second.id);
    await api.request("POST", `/v1/recipients/${recipient}/inbox/${first.id}/read`);
    if (claimed.kind !== "claimed") throw new Error(`not claimed: ${claimed.kind}`);
    const verdict = await Gate.beforeSend(tenantId, claimed.notification, claimed.attempt);

    expect(verdict).toEqual({ skip: "workflow_settled" });
    expect(texts(to)).toHaveLength(0);
  });

  it("races reads against the next step: no step is sent after the read that stops it", async () => {
    const { tenantId, api } = await tenant();
    const Store = await import("@herald/core/workflow/store");
    const runs = await Promise.all(
      Array.from({ length: 12 }, async (_, index) => {
        const recipient = unique("r");
        const to = phone();
        const accepted = await api.request("POST", "/v1/workflows", {
          recipient: { id: recipient, phone: to },
          steps: [inApp, sms("2s")],
          immediate: true,
        });
        const [first] = accepted.body.steps;
        await eventually(async () => {
          const { body } = await api.request("GET", `/v1/notifications/${first.id}`);
          return body.status === "delivered" ? body : undefined;
        }, "the in-app step filed");
        // Reads spread around the moment the SMS step fires (2 s after the start).
        const due = Date.parse(accepted.body.created_at) + 2_000;
        const at = due - 150 + index * 30;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
        const read = await api.request(
          "POST",
          `/v1/recipients/${recipient}/inbox/${first.id}/read`,
        );
        const readReturned = Date.now();
        expect(read.status).toBe(200);
        return { id: accepted.body.id as string, to, readReturned };
      }),
    );
    const outcomes = await Promise.all(
      runs.map(async (run) => {
        const done = await settled(api, run.id);
        const item = await Store.read(tenantId, run.id);
        const sent = texts(run.to);
        return { done, item, sent, run };
      }),
    );

    for (const { done, item, sent, run } of outcomes) {
      expect(done.settled_by).toBe("read");
      expect(sent.length).toBeLessThanOrEqual(1);
      if (sent.length === 1) {
        // Sent: the step began (its conditional write on the workflow) before the read was
        // recorded there (the snapshot the read's write took), and never again after it.
        expect(done.steps[1].status).toBe("sent");
        expect(item?.begun_before_settled?.["1"]).toBeDefined();
        expect(item?.begun?.["1"]).toBe(item?.begun_before_settled?.["1"]);
      } else {
        expect(done.steps[1]).toMatchObject({ status: "skipped", skip_reason: "workflow_settled" });
        expect(item?.begun?.["1"]).toBeUndefined();
        // Nothing reached the SMS provider afterwards either.
        expect(cloud().sms.messages.some((m) => m.destination === run.to)).toBe(false);
      }
    }
  });

  it("honours preferences per step: an opted-out channel's step is skipped, the others sent", async () => {
    const { api } = await tenant();
    const recipient = unique("r");
    const to = phone();
    const subject = unique("pref");
    await api.request("PUT", `/v1/recipients/${recipient}/preferences`, {
      categories: { security: { sms: "off" } },
    });
    const accepted = await api.request("POST", "/v1/workflows", {
      recipient: { id: recipient, phone: to, email: `${recipient}@example.com` },
      category: "security",
      steps: [
        { channel: "sms", content: { text: "code 1234" } },
        { channel: "email", after: "2s", content: { subject, text: "code 1234" } },
        { channel: "in_app", after: "3s", content: { title: "code" } },
      ],
      immediate: true,
    });
    // Turned off while the in-app step waits: checked again when it fires.
    await api.request("PUT", `/v1/recipients/${recipient}/preferences`, {
      categories: { security: { sms: "off", in_app: "off" } },
    });

    const done = await settled(api, accepted.body.id);
    expect(accepted.body.steps[0]).toMatchObject({ status: "skipped", skip_reason: "preference" });
    expect(done.steps.map((s: { status: string }) => s.status)).toEqual([
      "skipped",
      "sent",
      "skipped",
    ]);
    expect(done.steps[2].skip_reason).toBe("preference");
    expect(done.status).toBe("completed");
    expect(texts(to)).toHaveLength(0);
    expect(await emailsWithSubject(cloud().sesUrl, subject)).toHaveLength(1);
  });

  it("skips an SMS that would exceed the tenant's monthly budget", async () => {
    const { api } = await tenant();
    // One text is $0.00581 (one segment): a budget of $0.01 holds one, not two.
    await api.request("PUT", "/v1/settings", { retention_days: 30, sms_monthly_budget_usd: 0.01 });
    const to = phone();
    const first = await api.request("POST", "/v1/workflows", {
      recipient: { phone: to },
      steps: [{ channel: "sms", content: { text: "one" } }],
      immediate: true,
    });
    const firstDone = await settled(api, first.body.id);
    const second = await api.request("POST", "/v1/workflows", {
      recipient: { phone: to },
      steps: [{ channel: "sms", content: { text: "two" } }],
      immediate: true,
    });
    const secondDone = await settled(api, second.body.id);
    const settings = await api.request("GET", "/v1/settings");

    expect(firstDone.steps[0].status).toBe("sent");
    expect(secondDone.steps[0]).toMatchObject({ status: "skipped", skip_reason: "budget" });
    expect(secondDone.status).toBe("failed");
    expect(texts(to).map((m) => m.body)).toEqual(["one"]);
    expect(settings.body).toMatchObject({
      sms_monthly_budget_usd: 0.01,
      sms_spent_usd_this_month: 0.00581,
    });
  });

  it("refuses a workflow with a step it cannot send, storing nothing", async () => {
    const { api } = await tenant();
    const recipient = unique("r");
    const refused = await api.request("POST", "/v1/workflows", {
      recipient: { id: recipient },
      steps: [inApp, sms("10m")],
    });
    const noContent = await api.request("POST", "/v1/workflows", {
      recipient: { id: recipient },
      steps: [{ channel: "in_app" }],
    });
    const listed = await api.request("GET", `/v1/notifications?recipient=${recipient}`);
    const unknown = await api.request("GET", "/v1/workflows/wfl_nope");

    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("missing_contact_point");
    expect(refused.body.error.details.step).toBe(1);
    expect(noContent.status).toBe(400);
    expect(listed.body.items).toEqual([]);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("workflow_not_found");
  });

  it("replays an Idempotency-Key: the same workflow, answered Idempotent-Replayed, no second send", async () => {
    const { api } = await tenant();
    const to = phone();
    const body = {
      recipient: { phone: to },
      steps: [{ channel: "sms", content: { text: "once" } }],
      immediate: true,
    };
    const key = unique("key");
    const first = await api.request("POST", "/v1/workflows", body, { "idempotency-key": key });
    const again = await api.request("POST", "/v1/workflows", body, { "idempotency-key": key });
    const other = await api.request(
      "POST",
      "/v1/workflows",
      { ...body, steps: [{ channel: "sms", content: { text: "other" } }] },
      { "idempotency-key": key },
    );
    await settled(api, first.body.id);

    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.steps[0].id).toBe(first.body.steps[0].id);
    expect(other.status).toBe(409);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(texts(to)).toHaveLength(1);
  });

  it("keeps its steps apart from single sends: no Idempotency-Key of a send takes a step's id", async () => {
    // Prepare: a send whose key spells what a workflow's step was derived from (wfl:<key>#step0).
    const { api } = await tenant();
    const recipient = unique("r");
    const key = unique("key");
    const decoy = await api.request(
      "POST",
      "/v1/notifications",
      { channel: "in_app", recipient: { id: recipient }, content: { title: "decoy" } },
      { "idempotency-key": `wfl:${key}#step0` },
    );

    // Act
    const started = await api.request(
      "POST",
      "/v1/workflows",
      { recipient: { id: recipient }, steps: [inApp], immediate: true },
      { "idempotency-key": key },
    );

    // Assess: a workflow of its own, its step a notification of its own, delivered once.
    expect(decoy.status).toBe(202);
    expect(started.status).toBe(202);
    expect(started.body.steps[0].id).not.toBe(decoy.body.id);
    await settled(api, started.body.id);
    const step = await api.request("GET", `/v1/notifications/${started.body.steps[0].id}`);
    expect(step.body).toMatchObject({ status: "delivered", content: inApp.content });
  });

  it("cancels the waiting steps of a workflow", async () => {
    const { api } = await tenant();
    const to = phone();
    const accepted = await api.request("POST", "/v1/workflows", {
      recipient: { id: unique("r"), phone: to },
      steps: [inApp, sms("1h")],
      immediate: true,
    });
    await eventually(async () => {
      const { body } = await api.request("GET", `/v1/notifications/${accepted.body.steps[0].id}`);
      return body.status === "delivered" ? body : undefined;
    }, "the in-app step filed");

    const cancelled = await api.request("POST", `/v1/workflows/${accepted.body.id}/cancel`);

    expect(cancelled.status).toBe(200);
    expect(cancelled.body.steps.map((s: { status: string }) => s.status)).toEqual([
      "delivered",
      "cancelled",
    ]);
    expect(cancelled.body.status).toBe("completed");
    expect(await scheduleExists(accepted.body.steps[1].id)).toBe(false);
  });
});
