import { GetScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { describe, expect, it } from "vitest";
import { client, eventually, unique, useLocalCloud } from "./support";

// Issue 18, part 2: hold-and-digest. Notifications accepted in quiet hours are held and go out
// as one digest per recipient × category at the window's opening. The opening is hours ahead,
// so sends are accepted with a clock set to the night before a DST change (`now`, as the
// schedule tests do), and the opening is played by handing the digest's queue message to the
// in-app worker, twice at once, as two workers receiving it would.
const cloud = useLocalCloud();

async function tenant() {
  const tenantId = unique("tenant");
  return { tenantId, api: client(cloud().apiUrl, await cloud().createKey(tenantId)) };
}

/** The one-time schedule the Scheduler holds for a digest's opening, `at(...)` in UTC. */
async function scheduleOf(name: string) {
  const scheduler = new SchedulerClient({});
  try {
    return await scheduler.send(
      new GetScheduleCommand({ Name: name, GroupName: "herald-local-schedules" }),
    );
  } finally {
    scheduler.destroy();
  }
}

/** 23:00 UTC: outside the default 08:00–22:00 window, so a send then is held for 08:00. */
const NIGHT = new Date("2027-01-10T23:00:00Z");

/**
 * A notification of category `comments` sent through core with the clock at NIGHT (held for
 * the next morning's digest when its recipient has an id and the window is the default).
 */
async function sendAtNight(
  tenantId: string,
  recipient: Record<string, unknown>,
  content: Record<string, unknown>,
  options: { channel?: string; test?: boolean } = {},
) {
  const Notification = await import("@herald/core/notification");
  return Notification.send({
    tenantId,
    input: {
      channel: options.channel ?? "in_app",
      category: "comments",
      recipient,
      content,
    } as never,
    now: NIGHT,
    test: options.test,
  });
}

async function openWindow(tenantId: string, digestId: string, copies = 2) {
  const { deliverBatch } = await import("@herald/core/delivery/worker");
  const { inApp } = await import("@herald/core/delivery/providers/in-app");
  const body = JSON.stringify({ v: 1, tenant_id: tenantId, id: digestId });
  return Promise.all(
    Array.from({ length: copies }, (_, i) =>
      deliverBatch("in_app", inApp, [{ messageId: `m${i}`, receiptHandle: `r${i}`, body }]),
    ),
  );
}

// The night before each zone's DST change, 23:30 local (outside the default 08:00–22:00
// window), and the next 08:00 local on the far side of the change, written as UTC by hand.
const ZONES = [
  {
    timezone: "America/New_York", // clocks go forward 2027-03-14 02:00 EST → 03:00 EDT
    night: "2027-03-14T04:30:00Z", // 2027-03-13 23:30 EST (UTC-5)
    opening: "2027-03-14T12:00:00.000Z", // 08:00 EDT (UTC-4)
  },
  {
    timezone: "Europe/London", // 2027-03-28 01:00 GMT → 02:00 BST
    night: "2027-03-27T23:30:00Z", // 23:30 GMT
    opening: "2027-03-28T07:00:00.000Z", // 08:00 BST (UTC+1)
  },
  {
    timezone: "Australia/Sydney", // clocks go back 2027-04-04 03:00 AEDT → 02:00 AEST
    night: "2027-04-03T12:30:00Z", // 2027-04-03 23:30 AEDT (UTC+11)
    opening: "2027-04-03T22:00:00.000Z", // 2027-04-04 08:00 AEST (UTC+10)
  },
];

describe("hold-and-digest in quiet hours", () => {
  it("holds 50 concurrent notifications and sends exactly one digest at the opening, in each of 3 zones across a DST change", async () => {
    const Notification = await import("@herald/core/notification");
    for (const zone of ZONES) {
      const { tenantId, api } = await tenant();
      const recipient = unique("r");
      const night = Date.parse(zone.night);
      const accepted = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          Notification.send({
            tenantId,
            input: {
              channel: "in_app",
              category: "activity",
              recipient: { id: recipient, timezone: zone.timezone },
              content: { title: `Event ${i}` },
            },
            // Over the next 50 minutes of the night.
            now: new Date(night + i * 60_000),
          }),
        ),
      );
      const digestIds = new Set(accepted.map((a) => a.notification.digest_id));
      const [digestId = ""] = [...digestIds];
      const before = await api.request("GET", `/v1/notifications/${digestId}`);
      const schedule = await scheduleOf(digestId);

      const results = await openWindow(tenantId, digestId);
      const digest = await eventually(async () => {
        const { body } = await api.request("GET", `/v1/notifications/${digestId}`);
        return body.status === "delivered" ? body : undefined;
      }, `the ${zone.timezone} digest delivered`);
      // The copy that found it busy is handed back to SQS; delivered again, it is dropped.
      const again = await openWindow(tenantId, digestId);
      const inbox = await api.request("GET", `/v1/recipients/${recipient}/inbox`);
      const members = await Promise.all(
        accepted.map(
          async (a) => (await api.request("GET", `/v1/notifications/${a.notification.id}`)).body,
        ),
      );

      expect(
        accepted.every((a) => a.notification.status === "held"),
        zone.timezone,
      ).toBe(true);
      expect(digestIds.size, zone.timezone).toBe(1);
      expect(before.body).toMatchObject({ status: "scheduled", scheduled_at: zone.opening });
      expect(before.body.local_scheduled_time).toContain("T08:00:00");
      // Set 2 minutes early (the worker holds an early message to its time), in UTC.
      const early = new Date(Date.parse(zone.opening) - 120_000).toISOString().slice(0, 19);
      expect(schedule.ScheduleExpression).toBe(`at(${early})`);
      expect(results.flatMap((r) => r.batchItemFailures).length).toBeLessThanOrEqual(1);
      expect(again.flatMap((r) => r.batchItemFailures)).toEqual([]);
      expect(digest.digest.count).toBe(50);
      expect(digest.content.title).toBe("50 new activity notifications");
      expect(digest.content.body.split("\n")).toHaveLength(50);
      expect(inbox.body.items.map((n: { id: string }) => n.id)).toEqual([digestId]);
      expect(members.every((m) => m.status === "digested" && m.digest_id === digestId)).toBe(true);
    }
  });

  it("leaves out a held notification cancelled before the opening; one that arrives after it is sent alone", async () => {
    const { tenantId, api } = await tenant();
    const Notification = await import("@herald/core/notification");
    const recipient = unique("r");
    const night = new Date("2027-01-10T23:00:00Z");
    const send = (title: string, now = night) =>
      Notification.send({
        tenantId,
        input: {
          channel: "in_app",
          category: "comments",
          recipient: { id: recipient, timezone: "UTC" },
          content: { title },
        },
        now,
      });
    const [kept, cancelled] = await Promise.all([send("kept"), send("cancelled")]);
    const cancel = await api.request(
      "POST",
      `/v1/notifications/${cancelled.notification.id}/cancel`,
    );
    const digestId = kept.notification.digest_id as string;
    await openWindow(tenantId, digestId);
    // Accepted with the same clock, so it belongs to the same opening, but the digest is gone.
    const late = await send("late");

    const digest = await eventually(async () => {
      const { body } = await api.request("GET", `/v1/notifications/${digestId}`);
      return body.status === "delivered" ? body : undefined;
    }, "the digest delivered");
    const alone = await eventually(async () => {
      const { body } = await api.request("GET", `/v1/notifications/${late.notification.id}`);
      return body.status === "delivered" ? body : undefined;
    }, "the late one delivered alone");

    expect(cancel.body.status).toBe("cancelled");
    expect(digest.digest).toMatchObject({ count: 1, items: [kept.notification.id] });
    expect(digest.content.body).toBe("kept");
    expect(alone.digest_id).toBeUndefined();
  });

  it("keeps a digest apart from single sends: no Idempotency-Key of a send takes its id", async () => {
    // Prepare: a send waiting for the opening, its key spelling what the digest of that
    // opening was derived from (digest|<recipient>|<category>|<channel>|<opening>).
    const { tenantId, api } = await tenant();
    const Notification = await import("@herald/core/notification");
    const recipient = unique("r");
    const opening = "2027-01-11T08:00:00.000Z";
    const decoy = await Notification.send({
      tenantId,
      input: {
        channel: "in_app",
        recipient: { id: recipient, timezone: "UTC" },
        content: { title: "decoy" },
        send_at: opening,
      },
      idempotencyKey: `digest|${recipient}|comments|in_app|${opening}`,
      now: NIGHT,
    });

    // Act
    const held = await sendAtNight(tenantId, { id: recipient, timezone: "UTC" }, { title: "held" });
    const digestId = held.notification.digest_id as string;
    await openWindow(tenantId, digestId);

    // Assess: the held one is carried by a digest of its own, not lost behind the decoy.
    expect(held.notification.status).toBe("held");
    expect(digestId).not.toBe(decoy.notification.id);
    const digest = await eventually(async () => {
      const { body } = await api.request("GET", `/v1/notifications/${digestId}`);
      return body.status === "delivered" ? body : undefined;
    }, "the digest delivered");
    expect(digest.digest).toMatchObject({ count: 1, items: [held.notification.id] });
    const member = await api.request("GET", `/v1/notifications/${held.notification.id}`);
    expect(member.body.status).toBe("digested");
  });

  it("refuses to cancel a digest, so its held members are neither stranded nor sent in quiet hours", async () => {
    // Prepare: two notifications held for the next opening of an 18:00–19:00 window.
    const { tenantId, api } = await tenant();
    const recipient = { id: unique("r"), timezone: "UTC" };
    const send = (title: string) => sendAtNight(tenantId, recipient, { title });
    const [one, two] = await Promise.all([send("one"), send("two")]);
    const digestId = one.notification.digest_id as string;

    // Act
    const cancel = await api.request("POST", `/v1/notifications/${digestId}/cancel`);
    const cancelMember = await api.request(
      "POST",
      `/v1/notifications/${two.notification.id}/cancel`,
    );
    await openWindow(tenantId, digestId);

    // Assess: the digest went out at its opening with the member still held; the cancelled one
    // was left out, as the README says of members cancelled first.
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe("invalid_transition");
    expect(cancelMember.body.status).toBe("cancelled");
    const digest = await eventually(async () => {
      const { body } = await api.request("GET", `/v1/notifications/${digestId}`);
      return body.status === "delivered" ? body : undefined;
    }, "the digest delivered");
    expect(digest.digest).toMatchObject({ count: 1, items: [one.notification.id] });
  });

  it("sends the held members alone when their digest is dead-lettered before it was composed", async () => {
    // Prepare: two notifications held for the morning's digest.
    const { tenantId, api } = await tenant();
    const recipient = { id: unique("r"), timezone: "UTC" };
    const one = await sendAtNight(tenantId, recipient, { title: "one" });
    const two = await sendAtNight(tenantId, recipient, { title: "two" });
    const digestId = one.notification.digest_id as string;
    const { exhaustBatch } = await import("@herald/core/delivery/worker");
    const record = (messageId: string) => ({
      messageId,
      receiptHandle: "x",
      body: JSON.stringify({ v: 1, tenant_id: tenantId, id: digestId }),
    });

    // Act: the digest's message reaches the dead-letter queue, then a copy of it again.
    const dead = await exhaustBatch([record("m1")]);
    const again = await exhaustBatch([record("m2")]);
    const digest = await api.request("GET", `/v1/notifications/${digestId}`);
    const members = await Promise.all(
      [one, two].map((sent) =>
        eventually(async () => {
          const { body } = await api.request("GET", `/v1/notifications/${sent.notification.id}`);
          return body.status === "delivered" ? body : undefined;
        }, "a member delivered alone"),
      ),
    );

    // Assess: the digest failed; no member is left held, each was sent alone, once.
    expect(dead.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    expect(two.notification.digest_id).toBe(digestId);
    expect(digest.body).toMatchObject({
      status: "failed",
      last_error: "delivery retries exhausted",
    });
    for (const member of members) {
      expect(member.digest_id).toBeUndefined();
      expect(member.attempts).toBe(1);
    }
  });

  it("refuses a digest or throttle period longer than Herald plans ahead, naming the field", async () => {
    // Prepare
    const { api } = await tenant();
    const send = (extra: Record<string, unknown>) =>
      api.request("POST", "/v1/notifications", {
        channel: "in_app",
        category: "news",
        recipient: { id: unique("r"), timezone: "UTC" },
        content: { title: "t" },
        ...extra,
      });
    const farSendAt = new Date(Date.now() + 365 * 86_400_000).toISOString();

    // Act
    const digest = await send({ digest: { every: "9999h" } });
    const throttle = await send({ throttle: { limit: 1, per: "8785h" } });
    const longest = await send({ digest: { every: "8784h" } });
    const nearHorizon = await send({ digest: { every: "2000h" }, send_at: farSendAt });

    // Assess: always the period's field, never an error that comes and goes with the clock.
    expect(digest.status).toBe(400);
    expect(digest.body.error.code).toBe("invalid_request");
    expect(digest.body.error.details).toEqual([
      expect.objectContaining({ path: expect.stringMatching(/digest\.every$/) }),
    ]);
    expect(digest.body.error.details[0].message).toContain("8784h");
    expect(throttle.status).toBe(400);
    expect(throttle.body.error.details).toEqual([
      expect.objectContaining({ path: expect.stringMatching(/throttle\.per$/) }),
    ]);
    expect(longest.status).toBe(202);
    expect(longest.body.status).toBe("held");
    expect(nearHorizon.status).toBe(400);
    expect(nearHorizon.body.error.code).toBe("send_at_too_far");
    expect(nearHorizon.body.error.message).toContain("digest slot of 2000h");
  });

  it("counts an SMS digest against the tenant's monthly SMS budget, as any SMS", async () => {
    // Prepare: a budget under one text's price, and two texts held for the opening.
    const { tenantId, api } = await tenant();
    await api.request("PUT", "/v1/settings", { retention_days: 30, sms_monthly_budget_usd: 0.001 });
    const phone = `+4477${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    const recipient = { id: unique("r"), phone, timezone: "UTC" };
    const send = (text: string) => sendAtNight(tenantId, recipient, { text }, { channel: "sms" });
    const [one] = await Promise.all([send("one"), send("two")]);
    const digestId = one.notification.digest_id as string;

    // Act: the opening, on the SMS worker.
    const { deliverBatch } = await import("@herald/core/delivery/worker");
    const { sms } = await import("@herald/core/delivery/providers/sms");
    const body = JSON.stringify({ v: 1, tenant_id: tenantId, id: digestId });
    await deliverBatch("sms", sms, [{ messageId: "m0", receiptHandle: "r0", body }]);

    // Assess: skipped for the budget, and no text left.
    const digest = await eventually(async () => {
      const { body } = await api.request("GET", `/v1/notifications/${digestId}`);
      return body.status === "skipped" ? body : undefined;
    }, "the digest skipped");
    expect(digest.skip_reason).toBe("budget");
    expect(cloud().sms.messages.filter((m) => m.destination === phone)).toEqual([]);
  });

  it("keeps a test key's held notifications out of the live digest, and the other way round", async () => {
    // Prepare: a test-key send held first, then a live one for the same recipient and opening.
    const { tenantId, api } = await tenant();
    const recipient = { id: unique("r"), timezone: "UTC" };
    const send = (title: string, test: boolean) =>
      sendAtNight(tenantId, recipient, { title }, { test });
    const simulated = await send("simulated", true);

    // Act
    const live = await send("live", false);
    const liveDigest = live.notification.digest_id as string;
    await openWindow(tenantId, liveDigest);

    // Assess: two digests; the live one is no test, and carries the live member only.
    expect(liveDigest).not.toBe(simulated.notification.digest_id);
    const digest = await eventually(async () => {
      const { body } = await api.request("GET", `/v1/notifications/${liveDigest}`);
      return body.status === "delivered" ? body : undefined;
    }, "the live digest delivered");
    expect(digest.test).toBeUndefined();
    expect(digest.digest).toMatchObject({ count: 1, items: [live.notification.id] });
  });

  it("counts a throttle per mode: a test key's sends leave the live count alone", async () => {
    // Prepare: a test-key send takes the only slot of its throttle period.
    const { tenantId } = await tenant();
    const Notification = await import("@herald/core/notification");
    const recipient = { id: unique("r"), timezone: "UTC" };
    const send = (title: string, test: boolean) =>
      Notification.send({
        tenantId,
        input: {
          channel: "in_app",
          category: "comments",
          recipient,
          content: { title },
          delivery_window: { start: "00:00", end: "00:00" },
          throttle: { limit: 1, per: "1h" },
        },
        test,
      });
    const simulated = await send("simulated", true);

    // Act
    const live = await send("live", false);

    // Assess: each went out on its own; neither was held for the other's count.
    expect(simulated.notification.status).toBe("queued");
    expect(live.notification.status).toBe("queued");
  });

  it("critical bypasses the window; without a category nothing is held", async () => {
    const { tenantId } = await tenant();
    const Notification = await import("@herald/core/notification");
    const night = new Date("2027-01-10T23:00:00Z");
    const base = {
      channel: "in_app" as const,
      recipient: { id: unique("r"), timezone: "UTC" },
      content: { title: "x" },
    };
    const critical = await Notification.send({
      tenantId,
      input: { ...base, category: "security", priority: "critical" },
      now: night,
    });
    const plain = await Notification.send({ tenantId, input: base, now: night });

    expect(critical.notification.status).toBe("queued");
    expect(critical.notification.scheduled_at).toBe(night.toISOString());
    expect(plain.notification.status).toBe("scheduled");
    expect(plain.notification.scheduled_at).toBe("2027-01-11T08:00:00.000Z");
  });

  it("a plain digest window collects a category into one message per slot; a template renders the list", async () => {
    const { tenantId, api } = await tenant();
    const recipient = unique("r");
    await api.request("PUT", "/v1/templates/digest-likes", {
      channels: {
        in_app: {
          title: "{{ count }} likes",
          body: "{% for item in items %}{{ item.title }};{% endfor %}",
        },
      },
    });
    const sends = await Promise.all(
      ["a", "b", "c"].map((title) =>
        api.request("POST", "/v1/notifications", {
          channel: "in_app",
          category: "likes",
          digest: { every: "15m" },
          recipient: { id: recipient },
          content: { title },
          immediate: true,
        }),
      ),
    );
    const digestId = sends[0]?.body.digest_id as string;
    await openWindow(tenantId, digestId);
    const digest = await eventually(async () => {
      const { body } = await api.request("GET", `/v1/notifications/${digestId}`);
      return body.status === "delivered" ? body : undefined;
    }, "the digest delivered");

    expect(sends.map((s) => s.body.status)).toEqual(["held", "held", "held"]);
    expect(new Set(sends.map((s) => s.body.digest_id)).size).toBe(1);
    expect(Date.parse(sends[0]?.body.scheduled_at) % (15 * 60_000)).toBe(0);
    expect(digest.content.title).toBe("3 likes");
    expect(digest.content.body.split(";").sort()).toEqual(["", "a", "b", "c"]);
  });

  it("throttles per recipient and category: the excess joins the digest at the period's end", async () => {
    const { tenantId, api } = await tenant();
    const recipient = unique("r");
    const send = (title: string, category = "mentions") =>
      api.request("POST", "/v1/notifications", {
        channel: "in_app",
        category,
        throttle: { limit: 2, per: "1h" },
        recipient: { id: recipient },
        content: { title },
        immediate: true,
      });
    const answers = await Promise.all(["1", "2", "3", "4", "5"].map((title) => send(title)));
    const other = await send("other category", "billing");
    const sent = answers.filter((a) => a.body.status === "queued");
    const held = answers.filter((a) => a.body.status === "held");
    const digestId = held[0]?.body.digest_id as string;
    await openWindow(tenantId, digestId);
    const digest = await eventually(async () => {
      const { body } = await api.request("GET", `/v1/notifications/${digestId}`);
      return body.status === "delivered" ? body : undefined;
    }, "the digest of the excess delivered");

    expect(sent).toHaveLength(2);
    expect(held).toHaveLength(3);
    expect(new Set(held.map((a) => a.body.digest_id)).size).toBe(1);
    const hour = 3_600_000;
    // The end of the hour the sends were counted in.
    const opens = Date.parse(held[0]?.body.scheduled_at);
    expect(opens % hour).toBe(0);
    expect(opens - Date.parse(held[0]?.body.created_at)).toBeLessThanOrEqual(hour);
    expect(other.body.status).toBe("queued");
    expect(digest.digest.count).toBe(3);
  });
});
