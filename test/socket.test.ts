import { createHmac } from "node:crypto";
import {
  channelSegment,
  connectSocket,
  type FeedEvent,
  Herald,
  type SendInput,
} from "@herald/client";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { eventually, unique, useLocalCloud } from "./support";

/**
 * The WebSocket feed on AppSync Events (the local emulator, packages/local/src/appsync-events.ts),
 * with Herald's own authorizer, publisher and replay behind it.
 */

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
  messages: any[];
  events(id?: string): FeedEvent[];
  send(message: Record<string, unknown>): void;
  subscribe(id: string, channel: string, token?: string): void;
  next(match: (message: any) => boolean, what?: string): Promise<any>;
}

/** A bare AppSync Events client, as a browser's `new WebSocket(url, protocols)` connects. */
async function openRaw(token: string | undefined): Promise<Raw> {
  const auth = token === undefined ? {} : { host: cloud().socketHost, Authorization: token };
  const header = `header-${Buffer.from(JSON.stringify(auth)).toString("base64url")}`;
  const ws = new WebSocket(cloud().socketUrl, ["aws-appsync-event-ws", header]);
  const messages: any[] = [];
  ws.on("message", (data) => messages.push(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const raw: Raw = {
    ws,
    messages,
    events: (id) =>
      messages
        .filter((m) => m.type === "data" && (id === undefined || m.id === id))
        .map((m) => JSON.parse(m.event)),
    send: (message) => ws.send(JSON.stringify(message)),
    subscribe: (id, channel, as = token) =>
      raw.send({
        type: "subscribe",
        id,
        channel,
        authorization: { host: cloud().socketHost, Authorization: as },
      }),
    next: (match, what = "a message") =>
      eventually(() => messages.find(match), { what, timeoutMs: 15_000 }),
  };
  raw.send({ type: "connection_init" });
  return raw;
}

/** What the connection attempt got first: `connection_ack` or `connection_error`. */
async function admission(token: string | undefined): Promise<string> {
  const raw = await openRaw(token);
  const first = await raw.next((m) => m.type === "connection_ack" || m.type === "connection_error");
  raw.ws.close();
  return first.type === "connection_ack" ? "ack" : first.errors[0].errorType;
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

/** A token that expired a minute ago, signed with the cloud's real key. */
async function expired(tenantId: string, recipientId: string): Promise<string> {
  const Realtime = await import("@herald/core/realtime");
  return Realtime.issueToken({
    tenantId,
    recipientId,
    ttlSeconds: 1,
    now: new Date(Date.now() - 60_000),
  }).token;
}

describe("the WebSocket feed (AppSync Events)", () => {
  it("refuses a connection without a valid, unexpired recipient token", async () => {
    // Prepare
    const { tenantId, herald } = await tenant();
    const alice = unique("alice");
    const { token } = await herald.issueToken(alice);

    // Act
    const answers = [
      await admission(undefined),
      await admission("hrld_rt_nonsense"),
      await admission(forge(token, unique("bob"))),
      await admission(await expired(tenantId, alice)),
      await admission(token),
    ];

    // Assess
    expect(answers).toEqual([
      "UnauthorizedException",
      "UnauthorizedException",
      "UnauthorizedException",
      "UnauthorizedException",
      "ack",
    ]);
  });

  it("delivers a subscribed channel and stops after unsubscribe", async () => {
    // Prepare
    const { herald } = await tenant();
    const alice = unique("alice");
    const issued = await herald.issueToken(alice);
    const raw = await openRaw(issued.token);
    const witness = await openRaw(issued.token);
    raw.subscribe("s1", `${issued.channel}/*`);
    witness.subscribe("w1", `${issued.channel}/*`);
    await raw.next((m) => m.type === "subscribe_success" && m.id === "s1");
    await witness.next((m) => m.type === "subscribe_success" && m.id === "w1");

    // Act
    const first = await herald.send(inApp(alice));
    await raw.next((m) => m.type === "data" && isFinal(first.id)(JSON.parse(m.event)), "first");
    raw.send({ type: "unsubscribe", id: "s1" });
    await raw.next((m) => m.type === "unsubscribe_success" && m.id === "s1");
    const second = await herald.send(inApp(alice));
    await witness.next((m) => m.type === "data" && isFinal(second.id)(JSON.parse(m.event)));
    raw.ws.close();
    witness.ws.close();

    // Assess
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
    const issued = await herald.issueToken(alice);
    const connections = new Set(cloud().socket.connections());
    const socket = connectSocket(issued);
    const whole: FeedEvent[] = [];
    const single: FeedEvent[] = [];
    const both: FeedEvent[] = [];
    const target = await herald.send({ ...inApp(alice), immediate: false, send_at: far() });
    const inbox = socket.subscribe("recipient", (event) => whole.push(event));
    const one = socket.subscribe(`notification:${target.id}`, (event) => single.push(event));
    const overlapping = socket.subscribe(["recipient", `notification:${target.id}`], (event) =>
      both.push(event),
    );
    await Promise.all([inbox.ready, one.ready, overlapping.ready]);
    const opened = cloud()
      .socket.connections()
      .filter((c) => !connections.has(c));

    // Act
    await herald.cancel(target.id);
    const other = await herald.send(inApp(alice));
    await eventually(() => whole.find(isFinal(other.id)), "the other notification");
    await eventually(() => both.find(isFinal(other.id)), "the other, overlapping");
    await eventually(() => single.find((e) => e.notification.status === "cancelled"), "cancel");
    socket.close();

    // Assess
    expect(opened).toHaveLength(1);
    expect(single.map((e) => e.notification.id)).toEqual([target.id]);
    expect(whole.some((e) => e.notification.id === target.id)).toBe(true);
    const cancels = both.filter(
      (e) => e.notification.id === target.id && e.notification.status === "cancelled",
    );
    expect(cancels).toHaveLength(1);
    const keys = both.map((e) => `${e.event_id}|${e.notification.status}`);
    expect(keys).toEqual([...new Set(keys)]);
  });

  it("replays after a lost connection: no gap, no duplicate, in order per notification", async () => {
    // Prepare
    const { herald } = await tenant();
    const alice = unique("alice");
    const issued = await herald.issueToken(alice);
    let gate: Promise<void> = Promise.resolve();
    let release: () => void = () => undefined;
    const before = new Set(cloud().socket.connections());
    const socket = connectSocket(async () => {
      await gate;
      return issued;
    });
    const received: FeedEvent[] = [];
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
    const after = await herald.send(inApp(alice));
    await eventually(() => received.find(isFinal(after.id)), "live again");
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
    for (const n of [seen, ...missed, after]) {
      const ids = received.filter((e) => e.notification.id === n.id).map((e) => e.event_id);
      expect(ids).toEqual([...ids].sort());
    }
  });

  it("keeps tenants apart: another tenant's channels cannot be subscribed, nor published to", async () => {
    // Prepare
    const mine = await tenant();
    const theirs = await tenant();
    const alice = unique("alice");
    const my = await mine.herald.issueToken(alice);
    const their = await theirs.herald.issueToken(alice);
    const theirNotification = await theirs.herald.send({
      ...inApp(alice),
      immediate: false,
      send_at: far(),
    });
    const raw = await openRaw(my.token);
    raw.subscribe("mine", `${my.channel}/*`);
    raw.subscribe("theirs", `${their.channel}/*`);
    raw.subscribe("their-one", `${their.channel}/${await channelSegment(theirNotification.id)}`);
    raw.subscribe("everyone", "/feed/*");
    await raw.next((m) => m.type === "subscribe_success" && m.id === "mine");
    const refusals = await Promise.all(
      ["theirs", "their-one", "everyone"].map((id) =>
        raw.next((m) => m.type === "subscribe_error" && m.id === id),
      ),
    );

    // Act
    raw.send({
      type: "publish",
      id: "p",
      channel: `${their.channel}/x`,
      events: [JSON.stringify({ forged: true })],
      authorization: { host: cloud().socketHost, Authorization: my.token },
    });
    const published = await raw.next((m) => m.type === "publish_error");
    const overHttp = await fetch(cloud().socket.httpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: my.token },
      body: JSON.stringify({ channel: `${their.channel}/x`, events: ["{}"] }),
    });
    await theirs.herald.cancel(theirNotification.id);
    const theirOther = await theirs.herald.send(inApp(alice));
    await theirs.herald.waitFor(theirOther.id, ["delivered", "sent"]);
    const own = await mine.herald.send(inApp(alice));
    await raw.next((m) => m.type === "data" && isFinal(own.id)(JSON.parse(m.event)), "own");
    raw.ws.close();
    const { Socket } = await import("@herald/core/realtime");
    const asPublisher = Socket.authorize({
      authorizationToken: my.token,
      requestContext: { operation: "EVENT_PUBLISH", channel: `${my.channel}/x` },
    });

    // Assess
    expect(refusals.map((m) => m.errors[0].errorType)).toEqual([
      "UnauthorizedException",
      "UnauthorizedException",
      "UnauthorizedException",
    ]);
    expect(published.errors[0].errorType).toBe("UnauthorizedException");
    expect(overHttp.status).toBe(401);
    expect(asPublisher.isAuthorized).toBe(false);
    expect(my.channel).not.toBe(their.channel);
    for (const event of raw.events()) {
      expect(event.tenant_id).toBe(mine.tenantId);
      expect(event.notification.id).not.toBe(theirNotification.id);
      expect(event.notification.id).not.toBe(theirOther.id);
    }
  });

  it("refuses a subscription with an expired token, and says when a replay has a gap", async () => {
    // Prepare
    const { tenantId, herald } = await tenant();
    const alice = unique("alice");
    const issued = await herald.issueToken(alice);
    const raw = await openRaw(issued.token);
    await raw.next((m) => m.type === "connection_ack");
    let gaps = 0;
    const socket = connectSocket(issued);

    // Act
    raw.subscribe("late", `${issued.channel}/*`, await expired(tenantId, alice));
    const refused = await raw.next((m) => m.type === "subscribe_error" && m.id === "late");
    const old = socket.subscribe("recipient", () => undefined, {
      lastEventId: "2020-01-01T00:00:00.000Z|ntf_old",
      onGap: () => gaps++,
    });
    await old.ready;
    socket.close();
    raw.ws.close();

    // Assess
    expect(refused.errors[0].errorType).toBe("UnauthorizedException");
    expect(gaps).toBe(1);
  });

  it("publishes each change once, batching up to five events per channel in a request", async () => {
    // Prepare
    const { tenantId, herald } = await tenant();
    const alice = unique("alice");
    const issued = await herald.issueToken(alice);
    const target = await herald.send({ ...inApp(alice), immediate: false, send_at: far() });
    const raw = await openRaw(issued.token);
    raw.subscribe("one", `${issued.channel}/${await channelSegment(target.id)}`);
    await raw.next((m) => m.type === "subscribe_success");
    const Realtime = await import("@herald/core/realtime");
    const notification = await herald.get(target.id);
    const changes = Array.from({ length: 7 }, (_, i) => ({
      ...notification,
      updated_at: new Date(Date.parse(notification.updated_at) + i + 1).toISOString(),
    }));

    // Act
    const requests = await Realtime.Socket.publishAll(
      changes.map((change) => Realtime.eventOf(tenantId, change as never)),
    );
    await eventually(() => (raw.events("one").length === 7 ? true : undefined), "seven events");
    raw.ws.close();

    // Assess
    expect(requests).toBe(2);
    expect(raw.events("one").map((e) => e.notification.updated_at)).toEqual(
      changes.map((c) => c.updated_at),
    );
  });
});

/** A send time far enough out that the notification waits (scheduled) until cancelled. */
function far(): string {
  return new Date(Date.now() + 86_400_000).toISOString();
}
