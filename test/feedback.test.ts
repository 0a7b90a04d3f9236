import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type FeedEvent, Herald, subscribe } from "@herald/client";
import { describe, expect, it } from "vitest";
import { client, emailBody, eventually, unique, useLocalCloud } from "./support";

/**
 * Provider feedback on the local cloud: SES mailbox simulator addresses answered by the local
 * event destination, other SES events and SMS receipts published to the same handler. Every
 * event names its notification by the tags the provider echoes (SES `mail.tags`, SMS `context`).
 */
const cloud = useLocalCloud();

async function tenant() {
  return (await tenantWithId()).api;
}

async function tenantWithId() {
  const id = unique("tenant");
  return { id, api: client(cloud().apiUrl, await cloud().createKey(id)) };
}

type Api = Awaited<ReturnType<typeof tenant>>;

async function until(api: Api, id: string, status: string, events?: number) {
  return eventually(
    async () => {
      const { body } = await api.request("GET", `/v1/notifications/${id}`);
      if (body.status !== status) return undefined;
      if (events !== undefined && (body.events?.length ?? 0) < events) return undefined;
      return body;
    },
    { what: `${id} ${status}`, timeoutMs: 15_000 },
  );
}

const simulator = (kind: string) => `${kind}+${unique("t")}@simulator.amazonses.com`;

async function sendEmail(api: Api, email: string) {
  const accepted = await api.request(
    "POST",
    "/v1/notifications",
    emailBody({ recipient: { email } }),
  );
  expect(accepted.status).toBe(202);
  return accepted.body.id as string;
}

/** An SES event about a message the stand-in accepted, with the `mail` (tags too) SES sends. */
async function sesEvent(messageId: string, eventType: string, detail: Record<string, unknown>) {
  return { eventType, mail: await cloud().feedback.mailOf(messageId), ...detail };
}

/** The index item the worker wrote for each email and SMS before tags named the tenant. */
function legacyKey(provider: "ses" | "sms", messageId: string) {
  return { pk: `PMID#${provider}#${messageId}`, sk: "PMID" };
}

async function table() {
  const { dynamo } = await import("@herald/core/aws/dynamo");
  return { dynamo: dynamo(), TableName: cloud().tableName };
}

async function legacyItem(provider: "ses" | "sms", messageId: string) {
  const { dynamo, TableName } = await table();
  const got = await dynamo.send(new GetCommand({ TableName, Key: legacyKey(provider, messageId) }));
  return got.Item;
}

describe("provider feedback moves statuses", () => {
  it("success@ the SES simulator: sent, then delivered", async () => {
    const api = await tenant();
    const id = await sendEmail(api, simulator("success"));
    const done = await until(api, id, "delivered");
    expect(done.sent_at).toBeTruthy();
    expect(done.delivered_at).toBeTruthy();
    expect(done.events).toEqual([
      expect.objectContaining({
        status: "delivered",
        provider: "ses",
        detail: expect.stringContaining("250"),
      }),
    ]);
  });

  it("every feedback change goes out on the recipient's real-time feed", async () => {
    const apiKey = await cloud().createKey(unique("tenant"));
    const herald = new Herald({ baseUrl: cloud().apiUrl, apiKey, feedUrl: cloud().feedUrl });
    const recipient = unique("r");
    const { token } = await herald.issueToken(recipient);
    const received: FeedEvent[] = [];
    const subscription = subscribe(cloud().feedUrl, token, (event) => received.push(event));
    await subscription.ready;

    const api = client(cloud().apiUrl, apiKey);
    const body = emailBody({ recipient: { id: recipient, email: simulator("complaint") } });
    const accepted = await api.request("POST", "/v1/notifications", body);
    // SES reports the delivery and then the complaint, but SNS may hand them over in either
    // order, and their publishes may pass each other. A delivery processed after the complaint
    // is recorded late and moves nothing (never on the feed); one processed first is published,
    // but the feed never moves a notification back (Relay), so if the complaint's publish
    // overtook it, the delivery is dropped there. What the feed must show: the send and the
    // final state, in order.
    await eventually(async () => {
      const { body: got } = await api.request("GET", `/v1/notifications/${accepted.body.id}`);
      const events: { status: string }[] = got.events ?? [];
      return events.some((e) => e.status === "delivered") &&
        events.some((e) => e.status === "complained")
        ? events
        : undefined;
    }, "the delivery and complaint reports on the item");
    const onFeed = () =>
      received
        .filter((event) => event.notification.id === accepted.body.id)
        .map((event): string => event.notification.status);
    await eventually(
      () =>
        ["sent", "complained"].every((status) => onFeed().includes(status)) ? true : undefined,
      "the send and the complaint on the feed",
    ).catch(() => undefined);
    subscription.close();
    const statuses = onFeed();
    expect(statuses).toEqual(expect.arrayContaining(["sent", "complained"]));
    expect(statuses.at(-1)).toBe("complained");
    expect(statuses.filter((status) => !["sent", "delivered"].includes(status))).toEqual([
      "complained",
    ]);
  });

  it("ooto@: delivered (the auto-reply goes to the sender)", async () => {
    const api = await tenant();
    const id = await sendEmail(api, simulator("ooto"));
    await until(api, id, "delivered");
  });

  it("bounce@: bounced, hard, with the SMTP diagnostic", async () => {
    const api = await tenant();
    const id = await sendEmail(api, simulator("bounce"));
    const done = await until(api, id, "bounced");
    expect(done.bounced_at).toBeTruthy();
    expect(done.last_error).toContain("550 5.1.1 user unknown");
    expect(done.events[0]).toMatchObject({ status: "bounced", bounce_type: "hard" });
  });

  it("suppressionlist@: bounced, hard", async () => {
    const api = await tenant();
    const id = await sendEmail(api, simulator("suppressionlist"));
    const done = await until(api, id, "bounced");
    expect(done.events[0]).toMatchObject({ bounce_type: "hard" });
    expect(done.last_error).toContain("OnSuppressionList");
  });

  it("complaint@: delivered, then complained", async () => {
    const api = await tenant();
    const id = await sendEmail(api, simulator("complaint"));
    const done = await until(api, id, "complained", 2);
    expect(done.events.map((e: { status: string }) => e.status)).toEqual([
      "delivered",
      "complained",
    ]);
    expect(done.complained_at).toBeTruthy();
    expect(done.events[1].detail).toBe("abuse");
  });

  it("a delay, a soft bounce, then a late delivery that is recorded but moves nothing", async () => {
    const api = await tenant();
    const id = await sendEmail(api, `${unique("user")}@example.com`);
    const sent = await until(api, id, "sent");
    const messageId = sent.provider_message_id as string;

    await cloud().feedback.publish(
      await sesEvent(messageId, "DeliveryDelay", {
        deliveryDelay: {
          timestamp: new Date().toISOString(),
          delayType: "TransientCommunicationFailure",
          delayedRecipients: [
            {
              emailAddress: "x@example.com",
              status: "4.4.7",
              diagnosticCode: "smtp; 421 4.4.7 try later",
            },
          ],
        },
      }),
    );
    const delayed = await until(api, id, "delivery_delayed");
    expect(delayed.events[0].detail).toContain("421 4.4.7");

    await cloud().feedback.publish(
      await sesEvent(messageId, "Bounce", {
        bounce: {
          bounceType: "Transient",
          bounceSubType: "MailboxFull",
          bouncedRecipients: [
            { emailAddress: "x@example.com", diagnosticCode: "smtp; 452 4.2.2 mailbox full" },
          ],
          timestamp: new Date().toISOString(),
        },
      }),
    );
    const bounced = await until(api, id, "bounced");
    expect(bounced.events[1]).toMatchObject({ bounce_type: "soft" });
    expect(bounced.last_error).toContain("452 4.2.2");

    const late = await sesEvent(messageId, "Delivery", {
      delivery: {
        timestamp: new Date().toISOString(),
        recipients: ["x@example.com"],
        smtpResponse: "250 ok",
      },
    });
    await cloud().feedback.publish(late);
    const after = await until(api, id, "bounced", 3);
    expect(after.events[2]).toMatchObject({ status: "delivered", late: true });
    expect(after.delivered_at).toBeUndefined();

    // SNS delivers at least once: the same event again is not recorded twice.
    await cloud().feedback.publish(late);
    const { body: again } = await api.request("GET", `/v1/notifications/${id}`);
    expect(again.events).toHaveLength(3);
  });

  it("SMS: a delivery receipt marks it delivered, a carrier failure failed with the carrier status", async () => {
    const { id: tenantId, api } = await tenantWithId();
    const send = async () => {
      const accepted = await api.request("POST", "/v1/notifications", {
        channel: "sms",
        recipient: { phone: "+14155550123" },
        content: { text: unique("code") },
        immediate: true,
      });
      return (await until(api, accepted.body.id, "sent")) as {
        id: string;
        provider_message_id: string;
      };
    };
    const [first, second] = await Promise.all([send(), send()]);

    // The receipts End User Messaging publishes: the request's Context in `context`.
    const delivered = cloud().sms.receipt(first.provider_message_id, "TEXT_DELIVERED");
    const unreachable = cloud().sms.receipt(second.provider_message_id, "TEXT_CARRIER_UNREACHABLE");
    await cloud().feedback.publish(delivered);
    await cloud().feedback.publish(unreachable);

    expect(delivered.context).toEqual({ tenant_id: tenantId, notification_id: first.id });
    const done = await until(api, first.id, "delivered");
    expect(done.events[0]).toMatchObject({ provider: "sms", status: "delivered" });
    const failed = await until(api, second.id, "failed");
    expect(failed.last_error).toContain("CARRIER_UNREACHABLE");
    // Correlated by the context: the worker wrote no message-id item.
    expect(await legacyItem("sms", first.provider_message_id)).toBeUndefined();
  });

  it("web push: a gone subscription (410) fails subscription_gone and leaves the profile", async () => {
    const api = await tenant();
    const subscription = cloud().push.subscribe();
    const recipient = unique("r");
    await api.request("PUT", `/v1/recipients/${recipient}`, { push_subscription: subscription });
    cloud().push.expire(subscription.endpoint);

    const accepted = await api.request("POST", "/v1/notifications", {
      channel: "push",
      recipient: { id: recipient },
      content: { title: "hi" },
      immediate: true,
    });
    const failed = await until(api, accepted.body.id, "failed");

    expect(failed.failure_reason).toBe("subscription_gone");
    expect(failed.last_error).toContain("410");
    const { body: profile } = await api.request("GET", `/v1/recipients/${recipient}`);
    expect(profile.push_subscription).toBeUndefined();
  });
});

describe("correlation by the tags the provider echoes", () => {
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
  /** What a promise settled with: its value, or the error it threw. */
  const settled = (promise: Promise<unknown>) =>
    promise.then(
      (value) => value,
      (error: unknown) => error,
    );

  it("SES events name the tenant and notification in mail.tags; no message-id item is written", async () => {
    const { id: tenantId, api } = await tenantWithId();
    const id = await sendEmail(api, simulator("success"));
    const done = await until(api, id, "delivered");

    const published = cloud().feedback.published as {
      mail?: { messageId: string; tags: unknown };
    }[];
    const event = published.find((each) => each.mail?.messageId === done.provider_message_id);
    expect(event?.mail?.tags).toEqual({ tenant_id: [tenantId], notification_id: [id] });
    expect(await legacyItem("ses", done.provider_message_id)).toBeUndefined();
  });

  it("an event without tags (sent before them) resolves through its legacy message-id item", async () => {
    const { id: tenantId, api } = await tenantWithId();
    const id = await sendEmail(api, `${unique("old")}@example.com`);
    const sent = await until(api, id, "sent");
    const messageId = sent.provider_message_id as string;
    const { dynamo, TableName } = await table();
    await dynamo.send(
      new PutCommand({
        TableName,
        Item: {
          ...legacyKey("ses", messageId),
          tenant_id: tenantId,
          id,
          channel: "email",
          expires_at: Math.floor(Date.now() / 1000) + 3600,
        },
      }),
    );
    const { tags: _tags, ...untagged } = await cloud().feedback.mailOf(messageId);

    await cloud().feedback.publish({
      eventType: "Delivery",
      mail: untagged,
      delivery: { timestamp: new Date().toISOString(), recipients: untagged.destination },
    });

    const delivered = await until(api, id, "delivered");
    expect(delivered.events[0]).toMatchObject({ status: "delivered", provider: "ses" });
  });

  it("a tag naming another tenant's notification touches nothing", async () => {
    const { receive } = await import("@herald/core/delivery/feedback");
    const victim = await tenantWithId();
    const other = await tenantWithId();
    const address = `${unique("victim")}@example.com`;
    const id = await sendEmail(victim.api, address);
    const sent = await until(victim.api, id, "sent");
    const mail = await cloud().feedback.mailOf(sent.provider_message_id);
    // The victim's own message id, but tags naming the other tenant with the victim's id.
    const forged = (timestamp: string) => ({
      eventType: "Bounce",
      mail: { ...mail, tags: { tenant_id: [other.id], notification_id: [id] } },
      bounce: {
        bounceType: "Permanent",
        bounceSubType: "General",
        bouncedRecipients: [{ emailAddress: address, diagnosticCode: "smtp; 550 5.1.1" }],
        timestamp,
      },
    });

    const old = await receive(forged(minutesAgo(20)));
    const recent = await settled(receive(forged(new Date().toISOString())));

    expect(old).toEqual({ kind: "unmatched" });
    // Within the grace an unknown notification is retried, as one not yet recorded would be.
    expect(recent).toBeInstanceOf(Error);
    const { body: after } = await victim.api.request("GET", `/v1/notifications/${id}`);
    expect(after.status).toBe("sent");
    expect(after.events ?? []).toEqual([]);
    for (const api of [victim.api, other.api]) {
      const listed = await api.request("GET", `/v1/suppressions/${encodeURIComponent(address)}`);
      expect(listed.status).toBe(404);
    }
  });

  it("an event about a notification not yet sent is retried within the grace", async () => {
    const { receive } = await import("@herald/core/delivery/feedback");
    const { id: tenantId, api } = await tenantWithId();
    const accepted = await api.request(
      "POST",
      "/v1/notifications",
      emailBody({ immediate: false, send_at: new Date(Date.now() + 3_600_000).toISOString() }),
    );
    expect(accepted.status).toBe(202);
    const id = accepted.body.id as string;
    const event = (timestamp: string) => ({
      eventType: "Delivery",
      mail: {
        timestamp,
        source: "notifications@herald.local",
        messageId: unique("ses-message"),
        destination: ["x@example.com"],
        tags: { tenant_id: [tenantId], notification_id: [id] },
      },
      delivery: { timestamp, recipients: ["x@example.com"] },
    });

    const early = await settled(receive(event(new Date().toISOString())));
    const stale = await receive(event(minutesAgo(20)));

    expect(String(early)).toMatch(/before it was marked sent/);
    expect(stale).toMatchObject({ kind: "early" });
    const { body } = await api.request("GET", `/v1/notifications/${id}`);
    expect(body.status).toBe("scheduled");
    expect(body.events ?? []).toEqual([]);
  });
});

describe("suppression", () => {
  it("a hard bounce suppresses the next send until the address is removed", async () => {
    const api = await tenant();
    const address = simulator("bounce");
    const id = await sendEmail(api, address);
    await until(api, id, "bounced");

    const refused = await eventually(async () => {
      const answer = await api.request(
        "POST",
        "/v1/notifications",
        emailBody({ recipient: { email: address.toUpperCase() } }),
      );
      return answer.status === 400 ? answer : undefined;
    }, "the next send refused");
    const listed = await api.request("GET", "/v1/suppressions");
    const one = await api.request("GET", `/v1/suppressions/${encodeURIComponent(address)}`);
    const removed = await api.request("DELETE", `/v1/suppressions/${encodeURIComponent(address)}`);
    const again = await api.request(
      "POST",
      "/v1/notifications",
      emailBody({ recipient: { email: address } }),
    );
    const gone = await api.request("GET", `/v1/suppressions/${encodeURIComponent(address)}`);

    expect(refused.body.error.code).toBe("recipient_suppressed");
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ address, reason: "hard_bounce", notification_id: id }),
    ]);
    expect(one.body.detail).toContain("550 5.1.1");
    expect(removed.status).toBe(204);
    expect(again.status).toBe(202);
    expect(gone.status).toBe(404);
  });

  it("a complaint suppresses; a soft bounce does not", async () => {
    const api = await tenant();
    const complainer = simulator("complaint");
    await until(api, await sendEmail(api, complainer), "complained", 2);
    const entry = await eventually(async () => {
      const answer = await api.request("GET", `/v1/suppressions/${encodeURIComponent(complainer)}`);
      return answer.status === 200 ? answer.body : undefined;
    }, "the complaint's entry");
    expect(entry.reason).toBe("complaint");

    const soft = `${unique("full")}@example.com`;
    const id = await sendEmail(api, soft);
    const sent = await until(api, id, "sent");
    await cloud().feedback.publish(
      await sesEvent(sent.provider_message_id, "Bounce", {
        bounce: {
          bounceType: "Transient",
          bounceSubType: "MailboxFull",
          bouncedRecipients: [{ emailAddress: soft }],
        },
      }),
    );
    await until(api, id, "bounced");
    const next = await api.request(
      "POST",
      "/v1/notifications",
      emailBody({ recipient: { email: soft } }),
    );
    expect(next.status).toBe(202);
  });
});

describe("one-click unsubscribe (RFC 8058)", () => {
  async function headersOf(subject: string) {
    const mail = await eventually(async () => {
      const store = (await (await fetch(`${cloud().sesUrl}/store`)).json()) as {
        emails: { subject: string; headers?: { name: string; value: string }[] }[];
      };
      return store.emails.find((email) => email.subject === subject);
    }, "the email");
    const header = (name: string) => mail.headers?.find((h) => h.name === name)?.value;
    return { url: header("List-Unsubscribe")?.slice(1, -1), post: header("List-Unsubscribe-Post") };
  }

  it("a POST to the email's List-Unsubscribe URL opts the recipient out of email", async () => {
    const api = await tenant();
    const recipient = unique("r");
    const body = emailBody({ recipient: { id: recipient, email: `${unique("u")}@example.com` } });
    await api.request("POST", "/v1/notifications", body);
    const { url, post } = await headersOf(body.content.subject);

    const answer = await fetch(url as string, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    const { body: profile } = await api.request("GET", `/v1/recipients/${recipient}`);
    const forged = await fetch(`${(url as string).slice(0, -4)}AAAA`, { method: "POST" });

    expect(post).toBe("List-Unsubscribe=One-Click");
    expect(url).toContain("/v1/unsubscribe/");
    expect(answer.status).toBe(200);
    expect(profile.opt_out).toEqual(["email"]);
    expect(forged.status).toBe(400);
  });

  it("without a recipient id, the address is suppressed", async () => {
    const api = await tenant();
    const address = `${unique("u")}@example.com`;
    const body = emailBody({ recipient: { email: address } });
    await api.request("POST", "/v1/notifications", body);
    const { url } = await headersOf(body.content.subject);

    await fetch(url as string, { method: "POST", body: "List-Unsubscribe=One-Click" });
    const entry = await api.request("GET", `/v1/suppressions/${encodeURIComponent(address)}`);

    expect(entry.body.reason).toBe("unsubscribed");
  });
});
