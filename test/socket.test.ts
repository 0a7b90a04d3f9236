import { createHmac } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { connectSocket, type FeedEvent, Herald, type SendInput } from "@herald/client";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { eventually, unique, useLocalCloud } from "./support";

const cloud = useLocalCloud();

async function tenant() {
  const tenantId = unique("tenant");
  const apiKey = await cloud().createKey(tenantId);
  return { tenantId, herald: new Herald({ baseUrl: cloud().apiUrl, apiKey }) };
}

function inApp(recipientId: string): SendInput {
  return {
    channel: "in_app",
    recipient: { id: recipientId },
    content: { title: unique("title") },
    immediate: true,
  } as SendInput;
}

const isFinal = (id: string) => (event: FeedEvent) =>
  event.notification.id === id && ["delivered", "sent"].includes(event.notification.status);

interface Raw {
  ws: WebSocket;
  id: string;
  messages: any[];
  events(): FeedEvent[];
  send(message: Record<string, unknown>): void;
  /** The first message (from `from` on) that `match` accepts. */
  next(match: (message: any) => boolean, what?: string): Promise<any>;
}

/** A bare WebSocket client, as a browser's `new WebSocket(url)` would connect. */
async function openRaw(token: string | undefined): Promise<Raw> {
  const url = new URL(cloud().socketUrl);
  if (token !== undefined) url.searchParams.set("token", token);
  const before = new Set(cloud().socket.connections());
  const ws = new WebSocket(url);
  const messages: any[] = [];
  ws.on("message", (data) => messages.push(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_req, res) =>
      reject(Object.assign(new Error("refused"), { status: res.statusCode })),
    );
    ws.once("error", reject);
  });
  const id = cloud()
    .socket.connections()
    .find((c) => !before.has(c)) as string;
  return {
    ws,
    id,
    messages,
    events: () => messages.filter((m) => m.type === "event").map((m) => m.event),
    send: (message) => ws.send(JSON.stringify(message)),
    next: (match, what = "a message") =>
      eventually(() => messages.find(match), { what, timeoutMs: 15_000 }),
  };
}

async function refusal(token: string | undefined): Promise<number> {
  try {
    const raw = await openRaw(token);
    raw.ws.close();
    return 101;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

/** A token for `recipient`, re-signed with a wrong key: it must not verify. */
function forge(token: string, recipient: string): string {
  const bytes = Buffer.from(token.slice("hrld_rt_".length), "base64url");
  const body = bytes.subarray(0, bytes.length - 32);
  const tenantEnd = 6 + body.readUInt8(5);
  const claims = Buffer.concat([
    body.subarray(0, tenantEnd),
    Buffer.from([Buffer.byteLength(recipient)]),
    Buffer.from(recipient),
  ]);
  const tag = createHmac("sha256", "not-the-key").update(claims).digest();
  return `hrld_rt_${Buffer.concat([claims, tag]).toString("base64url")}`;
}

async function stored(key: { pk: string; sk: string }) {
  const { dynamo } = await import("@herald/core/aws/dynamo");
  const { Item } = await dynamo().send(new GetCommand({ TableName: cloud().tableName, Key: key }));
  return Item;
}

describe("the WebSocket feed", () => {
  it("refuses a connection without a valid recipient token", async () => {
    // Prepare
    const { herald } = await tenant();
    const { token } = await herald.issueToken(unique("alice"));

    // Act
    const statuses = [
      await refusal(undefined),
      await refusal("hrld_rt_nonsense"),
      await refusal(forge(token, unique("bob"))),
      await refusal(token),
    ];

    // Assess
    expect(statuses).toEqual([401, 401, 401, 101]);
  });

  it("delivers a subscribed feed, answers ping, and stops after unsubscribe", async () => {
    // Prepare
    const { herald } = await tenant();
    const alice = unique("alice");
    const { token } = await herald.issueToken(alice);
    const raw = await openRaw(token);
    const witness = await openRaw(token);
    raw.send({ action: "subscribe", id: "s1", feeds: ["recipient"] });
    witness.send({ action: "subscribe", id: "w1", feeds: ["recipient"] });
    await raw.next((m) => m.type === "subscribed" && m.id === "s1");
    await witness.next((m) => m.type === "subscribed" && m.id === "w1");

    // Act
    raw.send({ action: "ping", id: "p1" });
    raw.send({ action: "nonsense" });
    const first = await herald.send(inApp(alice));
    await raw.next((m) => m.type === "event" && isFinal(first.id)(m.event), "first delivered");
    raw.send({ action: "unsubscribe", id: "u1", feeds: ["recipient"] });
    await raw.next((m) => m.type === "unsubscribed" && m.id === "u1");
    const second = await herald.send(inApp(alice));
    await witness.next((m) => m.type === "event" && isFinal(second.id)(m.event), "witness");
    raw.ws.close();
    witness.ws.close();

    // Assess
    expect(raw.messages.find((m) => m.type === "pong")).toEqual({ type: "pong", id: "p1" });
    expect(raw.messages.find((m) => m.type === "error")?.code).toBe("invalid_message");
    const statuses = raw
      .events()
      .filter((e) => e.notification.id === first.id)
      .map((e) => e.notification.status);
    expect(statuses).toEqual([...new Set(statuses)]);
    expect(statuses.at(-1)).toBe("delivered");
    expect(raw.events().some((e) => e.notification.id === second.id)).toBe(false);
  });

  it("carries several feeds on one connection, each event once however many feeds match", async () => {
    // Prepare
    const { herald } = await tenant();
    const alice = unique("alice");
    const { token } = await herald.issueToken(alice);
    const socket = connectSocket(cloud().socketUrl, token);
    const whole: FeedEvent[] = [];
    const single: FeedEvent[] = [];
    const target = await herald.send({ ...inApp(alice), immediate: false, send_at: far() });
    const inbox = socket.subscribe("recipient", (event) => whole.push(event));
    const one = socket.subscribe(`notification:${target.id}`, (event) => single.push(event));
    await Promise.all([inbox.ready, one.ready]);
    const raw = await openRaw(token);
    raw.send({
      action: "subscribe",
      id: "both",
      feeds: ["recipient", `notification:${target.id}`],
    });
    await raw.next((m) => m.type === "subscribed" && m.id === "both");

    // Act
    await herald.cancel(target.id);
    const other = await herald.send(inApp(alice));
    await eventually(() => whole.find(isFinal(other.id)), "the other notification");
    await eventually(() => single.find((e) => e.notification.status === "cancelled"), "cancel");
    await raw.next((m) => m.type === "event" && isFinal(other.id)(m.event), "raw other");
    const roundTrip = await socket.ping();
    socket.close();
    raw.ws.close();

    // Assess
    expect(roundTrip).toBeGreaterThanOrEqual(0);
    await expect(socket.ping()).rejects.toMatchObject({ code: "feed_unavailable" });
    expect(single.map((e) => e.notification.id)).toEqual([target.id]);
    expect(whole.some((e) => e.notification.id === target.id)).toBe(true);
    const cancels = raw
      .events()
      .filter((e) => e.notification.id === target.id && e.notification.status === "cancelled");
    expect(cancels).toHaveLength(1);
    const keys = raw.events().map((e) => `${e.event_id}|${e.notification.status}`);
    expect(keys).toEqual([...new Set(keys)]);
  });

  it("replays after a lost connection: no gap, no duplicate, in order per notification", async () => {
    // Prepare
    const { herald } = await tenant();
    const alice = unique("alice");
    const { token } = await herald.issueToken(alice);
    let gate: Promise<void> = Promise.resolve();
    let release: () => void = () => undefined;
    const socket = connectSocket(cloud().socketUrl, async () => {
      await gate;
      return token;
    });
    const received: FeedEvent[] = [];
    const before = new Set(cloud().socket.connections());
    let gaps = 0;
    const feed = socket.subscribe("recipient", (event) => received.push(event), {
      onGap: () => gaps++,
    });
    await feed.ready;
    const seen = await herald.send(inApp(alice));
    await eventually(() => received.find(isFinal(seen.id)), "the first notification");
    const id = cloud()
      .socket.connections()
      .find((c) => !before.has(c)) as string;

    // Act: the connection vanishes; the client cannot reconnect until two more were sent.
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    cloud().socket.drop(id);
    const missed = [await herald.send(inApp(alice)), await herald.send(inApp(alice))];
    for (const n of missed) await herald.waitFor(n.id, ["delivered", "sent"]);
    release();
    for (const n of missed) await eventually(() => received.find(isFinal(n.id)), "replayed");
    socket.close();

    // Assess
    const keys = received.map(
      (e) => `${e.event_id}|${e.notification.status}|${e.notification.read_at ?? ""}`,
    );
    expect(keys).toEqual([...new Set(keys)]);
    expect(gaps).toBe(0);
    expect(feed.lastEventId).toBe(
      received
        .map((e) => e.event_id)
        .sort()
        .at(-1),
    );
    for (const n of [seen, ...missed]) {
      const ids = received.filter((e) => e.notification.id === n.id).map((e) => e.event_id);
      expect(ids).toEqual([...ids].sort());
    }
  });

  it("removes a connection that is gone (410) when an event is posted to it", async () => {
    // Prepare
    const { tenantId, herald } = await tenant();
    const alice = unique("alice");
    const { token } = await herald.issueToken(alice);
    const raw = await openRaw(token);
    raw.send({ action: "subscribe", id: "s", feeds: ["recipient"] });
    await raw.next((m) => m.type === "subscribed");
    const subscription = { pk: `WSS#${tenantId}#r#${alice}`, sk: raw.id };
    const connection = { pk: `WSC#${raw.id}`, sk: "#" };
    expect(await stored(subscription)).toBeDefined();

    // Act: it vanishes without $disconnect (which API Gateway does not promise).
    cloud().socket.drop(raw.id);
    const sent = await herald.send(inApp(alice));
    await herald.waitFor(sent.id, ["delivered", "sent"]);

    // Assess
    await eventually(async () => ((await stored(connection)) ? undefined : true), "cleanup");
    expect(await stored(subscription)).toBeUndefined();
  });

  it("never gives a token for one tenant another tenant's events", async () => {
    // Prepare
    const mine = await tenant();
    const theirs = await tenant();
    const alice = unique("alice");
    const { token } = await mine.herald.issueToken(alice);
    const theirNotification = await theirs.herald.send({
      ...inApp(alice),
      immediate: false,
      send_at: far(),
    });
    const raw = await openRaw(token);
    raw.send({
      action: "subscribe",
      id: "s",
      feeds: ["recipient", `notification:${theirNotification.id}`],
    });
    await raw.next((m) => m.type === "subscribed");

    // Act
    await theirs.herald.cancel(theirNotification.id);
    const theirOther = await theirs.herald.send(inApp(alice));
    await theirs.herald.waitFor(theirOther.id, ["delivered", "sent"]);
    const own = await mine.herald.send(inApp(alice));
    await raw.next((m) => m.type === "event" && isFinal(own.id)(m.event), "own event");
    raw.ws.close();

    // Assess
    for (const event of raw.events()) {
      expect(event.tenant_id).toBe(mine.tenantId);
      expect(event.notification.id).not.toBe(theirNotification.id);
      expect(event.notification.id).not.toBe(theirOther.id);
    }
  });

  it("closes a connection whose token has expired, and says when a replay has a gap", async () => {
    // Prepare
    const { herald } = await tenant();
    const alice = unique("alice");
    const { token } = await herald.issueToken(alice);
    const raw = await openRaw(token);
    const closed = new Promise<number>((resolve) => raw.ws.once("close", resolve));
    const { Socket } = await import("@herald/core/realtime");

    // Act
    raw.send({
      action: "subscribe",
      id: "old",
      feeds: ["recipient"],
      last_event_id: "2020-01-01T00:00:00.000Z|ntf_old",
    });
    const answer = await raw.next((m) => m.type === "subscribed" && m.id === "old");
    // A message handled after the token's end (two hours on: past any token).
    await Socket.receive(raw.id, JSON.stringify({ action: "ping" }), new Date(Date.now() + 7.2e6));

    // Assess
    expect(answer.gap).toBe(true);
    expect(await closed).toBe(1000);
    expect(await stored({ pk: `WSC#${raw.id}`, sk: "#" })).toBeUndefined();
    expect(raw.messages.some((m) => m.type === "pong")).toBe(false);
  });
});

/** A send time far enough out that the notification waits (scheduled) until cancelled. */
function far(): string {
  return new Date(Date.now() + 86_400_000).toISOString();
}
