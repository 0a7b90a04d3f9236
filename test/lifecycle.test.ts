import { GetScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { describe, expect, it } from "vitest";
import { client, emailBody, emailsWithSubject, eventually, unique, useLocalCloud } from "./support";

// Sends more than a second out go through EventBridge Scheduler here, so tests need not wait
// 15 minutes for the schedule path. The Scheduler emulator is late like AWS, scaled down (up to
// 1 s rather than a minute), and Herald sets schedules 2 s early rather than 2 minutes.
const cloud = useLocalCloud({
  schedulerLateMs: 1_000,
  env: { HERALD_SCHEDULER_MIN_DELAY_SECONDS: "1", HERALD_SCHEDULER_LEAD_SECONDS: "2" },
});

const ALWAYS = { start: "00:00", end: "00:00" };

async function tenantClient() {
  return client(cloud().apiUrl, await cloud().createKey(unique("tenant")));
}

function scheduled(inMs: number, overrides: Record<string, unknown> = {}) {
  return emailBody({
    send_at: new Date(Date.now() + inMs).toISOString(),
    immediate: false,
    delivery_window: ALWAYS,
    ...overrides,
  });
}

async function scheduleExists(id: string) {
  const scheduler = new SchedulerClient({});
  try {
    await scheduler.send(new GetScheduleCommand({ Name: id, GroupName: "herald-local-schedules" }));
    return true;
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") return false;
    throw error;
  } finally {
    scheduler.destroy();
  }
}

const sleepUntil = (at: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

describe("scheduled sends", () => {
  it("fires early from the Scheduler emulator and sends at its time, not before", async () => {
    // Prepare
    const api = await tenantClient();
    const body = scheduled(2_500);

    // Act
    const accepted = await api.request("POST", "/v1/notifications", body);
    const mail = await eventually(
      async () => (await emailsWithSubject(cloud().sesUrl, body.content.subject))[0],
      {
        what: "the scheduled email",
      },
    );

    // Assess
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe("scheduled");
    const fire = cloud().scheduler.fired.find((f) => f.name === accepted.body.id);
    expect(fire?.ok).toBe(true);
    const due = Date.parse(body.send_at as string);
    expect(fire!.dueAt).toBeLessThan(due); // set early; the worker holds the rest
    expect(fire!.firedAt).toBeGreaterThanOrEqual(fire!.dueAt);
    const sentAt = await eventually(async () => {
      const got = await api.request("GET", `/v1/notifications/${accepted.body.id}`);
      return got.body.sent_at as string | undefined;
    });
    expect(Date.parse(sentAt)).toBeGreaterThanOrEqual(due);
    expect(mail.destination.to).toEqual([body.recipient.email]);
    expect(await scheduleExists(accepted.body.id)).toBe(false); // ActionAfterCompletion: DELETE
  });

  it("reports the window's effect and the local time", async () => {
    // Prepare
    const api = await tenantClient();
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

    // Act
    const accepted = await api.request(
      "POST",
      "/v1/notifications",
      emailBody({
        recipient: { email: "night@example.com", timezone: "Asia/Kolkata" },
        send_at: `${tomorrow}T23:00`,
        immediate: false,
      }),
    );

    // Assess
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({
      status: "scheduled",
      timezone: "Asia/Kolkata",
      appropriate_delivery: false,
      window_adjusted: true,
    });
    expect(accepted.body.local_scheduled_time).toMatch(/T08:00:00\+05:30$/);
    expect(accepted.body.estimated_delivery_time).toBe(accepted.body.scheduled_at);
  });
});

describe("cancel", () => {
  it("stops a scheduled notification and deletes its schedule", async () => {
    // Prepare
    const api = await tenantClient();
    const body = scheduled(1_500);
    const accepted = await api.request("POST", "/v1/notifications", body);

    // Act
    const cancelled = await api.request("POST", `/v1/notifications/${accepted.body.id}/cancel`);
    await sleepUntil(Date.parse(body.send_at as string) + 1_500);
    await cloud().runner.drain();

    // Assess
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    expect(await scheduleExists(accepted.body.id)).toBe(false);
    expect(await emailsWithSubject(cloud().sesUrl, body.content.subject)).toHaveLength(0);
    const again = await api.request("POST", `/v1/notifications/${accepted.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: "invalid_transition",
      details: { status: "cancelled" },
    });
  });

  it("races the schedule firing and never both cancels and sends", async () => {
    // Prepare
    const api = await tenantClient();
    const bodies = Array.from({ length: 8 }, (_, i) => scheduled(1_500 + i * 10));
    const accepted = await Promise.all(
      bodies.map((b) => api.request("POST", "/v1/notifications", b)),
    );

    // Act: cancel each right around the instant its schedule fires.
    const cancels = await Promise.all(
      bodies.map(async (b, i) => {
        await sleepUntil(Date.parse(b.send_at as string) + (i % 4) * 15 - 20);
        return api.request("POST", `/v1/notifications/${accepted[i]!.body.id}/cancel`);
      }),
    );
    await sleepUntil(Date.parse(bodies.at(-1)!.send_at as string) + 1_000);
    await cloud().runner.drain();

    // Assess
    for (const [i, b] of bodies.entries()) {
      const mails = await emailsWithSubject(cloud().sesUrl, b.content.subject);
      const final = await api.request("GET", `/v1/notifications/${accepted[i]!.body.id}`);
      if (cancels[i]!.status === 200) {
        expect(mails).toHaveLength(0);
        expect(final.body.status).toBe("cancelled");
      } else {
        expect(cancels[i]!.status).toBe(409);
        expect(mails).toHaveLength(1);
        expect(final.body.status).toBe("sent");
      }
    }
  });

  it("answers 404 for an unknown id and for another tenant's notification", async () => {
    // Prepare
    const alice = await tenantClient();
    const bob = await tenantClient();
    const created = await alice.request("POST", "/v1/notifications", scheduled(3_600_000));

    // Act
    const unknown = await alice.request("POST", "/v1/notifications/ntf_nope/cancel");
    const foreign = await bob.request("POST", `/v1/notifications/${created.body.id}/cancel`);
    const foreignForce = await bob.request("POST", `/v1/notifications/${created.body.id}/force`);

    // Assess
    expect(unknown.status).toBe(404);
    expect(foreign.status).toBe(404);
    expect(foreignForce.status).toBe(404);
    expect((await alice.request("GET", `/v1/notifications/${created.body.id}`)).body.status).toBe(
      "scheduled",
    );
  });
});

describe("force", () => {
  it("sends a notification scheduled for tomorrow now, once, and drops the schedule", async () => {
    // Prepare
    const api = await tenantClient();
    const body = scheduled(86_400_000);
    const accepted = await api.request("POST", "/v1/notifications", body);

    // Act
    const forced = await api.request("POST", `/v1/notifications/${accepted.body.id}/force`);
    const mail = await eventually(
      async () => (await emailsWithSubject(cloud().sesUrl, body.content.subject))[0],
    );
    await cloud().runner.drain();

    // Assess
    expect(accepted.body.status).toBe("scheduled");
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({ status: "queued", forced: true });
    expect(mail).toBeDefined();
    expect(await scheduleExists(accepted.body.id)).toBe(false);
    const done = await api.request("GET", `/v1/notifications/${accepted.body.id}`);
    expect(done.body.status).toBe("sent");
    const late = await api.request("POST", `/v1/notifications/${accepted.body.id}/force`);
    expect(late.status).toBe(409);
  });

  it("races the schedule firing and sends exactly once", async () => {
    // Prepare
    const api = await tenantClient();
    const bodies = Array.from({ length: 6 }, (_, i) => scheduled(1_500 + i * 10));
    const accepted = await Promise.all(
      bodies.map((b) => api.request("POST", "/v1/notifications", b)),
    );

    // Act
    await Promise.all(
      bodies.map(async (b, i) => {
        await sleepUntil(Date.parse(b.send_at as string) + (i % 3) * 15 - 15);
        return api.request("POST", `/v1/notifications/${accepted[i]!.body.id}/force`);
      }),
    );
    await sleepUntil(Date.parse(bodies.at(-1)!.send_at as string) + 1_000);
    await cloud().runner.drain();

    // Assess
    for (const b of bodies) {
      expect(await emailsWithSubject(cloud().sesUrl, b.content.subject)).toHaveLength(1);
    }
  });
});

describe("listing", () => {
  it("pages through everything without duplicates or gaps, and filters", async () => {
    // Prepare
    const api = await tenantClient();
    const other = await tenantClient();
    const recipient = unique("rcp");
    const created: string[] = [];
    for (let i = 0; i < 23; i++) {
      const body = scheduled(3_600_000, {
        recipient: { id: i % 3 === 0 ? recipient : unique("rcp"), email: "list@example.com" },
      });
      created.push((await api.request("POST", "/v1/notifications", body)).body.id);
    }
    await other.request("POST", "/v1/notifications", scheduled(3_600_000));
    const cancelled = created.filter((_, i) => i % 5 === 0);
    for (const id of cancelled) await api.request("POST", `/v1/notifications/${id}/cancel`);

    // Act
    const collect = async (query: string) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await api.request(
          "GET",
          `/v1/notifications?${query}${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((n: { id: string }) => n.id));
        cursor = page.body.next_cursor;
        pages++;
      } while (cursor && pages < 50);
      return seen;
    };
    const all = await collect("limit=5");
    const onlyCancelled = await collect("limit=2&status=cancelled");
    const byRecipient = await collect(`limit=3&recipient=${recipient}`);
    const foreignCursor = (await other.request("GET", "/v1/notifications?limit=1")).body;
    const withForeignCursor = await api.request(
      "GET",
      `/v1/notifications?limit=1&cursor=${Buffer.from(JSON.stringify({ gsi1pk: "TNT#someone", gsi1sk: "x" })).toString("base64url")}`,
    );

    // Assess
    expect(all).toHaveLength(created.length); // each once
    expect(new Set(all)).toEqual(new Set(created));
    expect(all).toEqual([...created].reverse()); // newest first (created one after another)
    expect(new Set(onlyCancelled)).toEqual(new Set(cancelled));
    expect(onlyCancelled).toHaveLength(cancelled.length);
    expect(byRecipient).toEqual(created.filter((_, i) => i % 3 === 0).reverse());
    expect(foreignCursor.items).toHaveLength(1);
    expect(withForeignCursor.status).toBe(400);
    expect(withForeignCursor.body.error.code).toBe("invalid_cursor");
    const bad = await api.request("GET", "/v1/notifications?limit=1000&status=bogus");
    expect(bad.status).toBe(400);
  });

  it("filters by creation time", async () => {
    // Prepare
    const api = await tenantClient();
    const first = await api.request("POST", "/v1/notifications", scheduled(3_600_000));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const middle = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await api.request("POST", "/v1/notifications", scheduled(3_600_000));

    // Act
    const after = await api.request("GET", `/v1/notifications?created_after=${middle}`);
    const before = await api.request("GET", `/v1/notifications?created_before=${middle}`);

    // Assess
    expect(after.body.items.map((n: { id: string }) => n.id)).toEqual([second.body.id]);
    expect(before.body.items.map((n: { id: string }) => n.id)).toEqual([first.body.id]);
  });
});
