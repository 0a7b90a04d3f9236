import {
  connectSocket,
  type FeedEvent,
  Herald,
  type SendInput,
  type SocketToken,
  subscribe,
} from "@herald/client";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { eventually, unique, useLocalCloud } from "./support";

/**
 * Presence-gated publishing (packages/core/src/realtime/presence.ts): a status change is
 * published on Redis and AppSync Events only where someone listens; publishers read a tenant's
 * presence once per HERALD_PRESENCE_CACHE_MS (8 s here, so a test can act inside one stale
 * window, even on a loaded machine), and listeners replay once after it to catch what a stale "nobody" dropped.
 * Everything counted here is real: the local Redis (every command the handlers send, through
 * the client's middleware, and a raw pattern subscription that registers no presence) and the
 * AppSync Events emulator's counts.
 */

const CACHE_MS = 8_000;
const cloud = useLocalCloud({ env: { HERALD_PRESENCE_CACHE_MS: String(CACHE_MS) } });

/** Redis commands the handlers sent, by name (this process runs every handler). */
const commands = new Map<string, number>();
/** Raw pattern subscriptions (no presence), for what was actually published on Redis. */
const observers: Array<{ unsubscribe(): Promise<void> }> = [];

beforeAll(async () => {
  const { redis } = await import("@herald/core/aws/redis");
  type Middleware = (
    request: { body?: unknown },
    next: (request: { body?: unknown }) => Promise<unknown>,
  ) => Promise<unknown>;
  (redis() as unknown as { use(middleware: Middleware): void }).use(async (request, next) => {
    const body = request.body as unknown[] | undefined;
    const list = Array.isArray(body?.[0]) ? (body as unknown[][]) : [body ?? []];
    for (const command of list) {
      const name = String((command as unknown[])[0] ?? "?").toUpperCase();
      commands.set(name, (commands.get(name) ?? 0) + 1);
    }
    return next(request);
  });
});
afterAll(async () => {
  await Promise.all(observers.map((o) => o.unsubscribe()));
});

const count = (name: string) => commands.get(name) ?? 0;

async function tenant() {
  const tenantId = unique("tenant");
  const apiKey = await cloud().createKey(tenantId);
  return {
    tenantId,
    herald: new Herald({ baseUrl: cloud().apiUrl, apiKey, feedUrl: cloud().feedUrl }),
  };
}

function inApp(recipientId: string): SendInput {
  return {
    channel: "in_app",
    recipient: { id: recipientId },
    content: { title: unique("title") },
    immediate: true,
  } as SendInput;
}

/** Everything published on Redis for a tenant, seen by a subscriber that registers no presence. */
async function observe(tenantId: string): Promise<string[]> {
  const seen: string[] = [];
  const raw = new Redis({ url: cloud().redis.url, token: cloud().redis.token });
  const subscriber = raw.psubscribe<{ notification?: { id: string } }>(
    `herald:${Buffer.from(tenantId).toString("base64url")}:*`,
  );
  const confirmed = new Promise<void>((resolve) => subscriber.on("psubscribe", () => resolve()));
  subscriber.on("pmessage", ({ message }) => {
    const event = typeof message === "string" ? JSON.parse(message) : message;
    seen.push(String(event?.notification?.id));
  });
  observers.push(subscriber);
  await confirmed;
  return seen;
}

async function delivered(herald: Herald, ids: string[]) {
  for (const id of ids) {
    await eventually(
      async () => ((await herald.get(id)).status === "delivered" ? true : undefined),
      {
        what: `${id} delivered`,
        timeoutMs: 15_000,
      },
    );
  }
}

/** A bare AppSync Events subscription of a recipient's whole feed, as a browser makes it. */
async function rawSocket(token: SocketToken) {
  const auth = { host: token.socket_host, Authorization: token.token };
  const header = `header-${Buffer.from(JSON.stringify(auth)).toString("base64url")}`;
  const ws = new WebSocket(token.socket_url, ["aws-appsync-event-ws", header]);
  const messages: any[] = [];
  ws.on("message", (data) => messages.push(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const next = (match: (m: any) => boolean, what: string) =>
    eventually(() => messages.find(match), { what, timeoutMs: 15_000 });
  ws.send(JSON.stringify({ type: "connection_init" }));
  await next((m) => m.type === "connection_ack", "ack");
  ws.send(
    JSON.stringify({
      type: "subscribe",
      id: "s",
      channel: `${token.channel}/*`,
      authorization: auth,
    }),
  );
  await next((m) => m.type === "subscribe_success", "subscribed");
  return {
    ids: () =>
      messages.filter((m) => m.type === "data").map((m) => JSON.parse(m.event).notification.id),
    close: () => ws.close(),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const finalOf = (events: FeedEvent[], id: string) =>
  events.filter((e) => e.notification.id === id && e.notification.status === "delivered");

describe("presence-gated publishing", () => {
  it("publishes nothing, on Redis or AppSync, for changes nobody listens to", async () => {
    // Prepare
    const { tenantId, herald } = await tenant();
    const published = await observe(tenantId);
    const before = {
      publish: count("PUBLISH"),
      reads: count("ZRANGE"),
      ...cloud().socket.counts(),
    };

    // Act
    const sent = await Promise.all(
      Array.from({ length: 5 }, (_, i) => herald.send(inApp(unique(`r${i}`)))),
    );
    await delivered(
      herald,
      sent.map((s) => s.id),
    );
    await cloud().runner.drain(15_000, { delayed: false });

    // Assess
    expect(published).toEqual([]);
    expect(count("PUBLISH") - before.publish).toBe(0);
    expect(cloud().socket.counts().events - before.events).toBe(0);
    // Presence is read per container and TTL, not per change (this process is one container).
    expect(count("ZRANGE") - before.reads).toBeGreaterThanOrEqual(1);
    expect(count("ZRANGE") - before.reads).toBeLessThan(sent.length);
  });

  it("delivers every change to a listener that connected while a worker held a stale 'nobody', once", async () => {
    // Prepare: the worker reads "nobody listens" for this tenant on the first change.
    const { tenantId, herald } = await tenant();
    const published = await observe(tenantId);
    const alice = unique("alice");
    const first = await herald.send(inApp(alice));
    await delivered(herald, [first.id]);
    await sleep(200);
    const staleUntil = Date.now() + CACHE_MS - 1_000;
    const sse: FeedEvent[] = [];
    const ws: FeedEvent[] = [];
    const feed = subscribe(cloud().feedUrl, (await herald.issueToken(alice)).token, (event) =>
      sse.push(event),
    );
    const socket = connectSocket(() => herald.issueToken(alice));
    const inbox = socket.subscribe("recipient", (event) => ws.push(event));
    await Promise.all([feed.ready, inbox.ready]);
    const events = cloud().socket.counts().events;

    // Act: changes while the worker still holds "nobody"...
    const stale = await Promise.all([1, 2, 3].map(() => herald.send(inApp(alice))));
    await delivered(
      herald,
      stale.map((s) => s.id),
    );
    const withinStaleWindow = Date.now() < staleUntil;
    const publishedWhileStale = [...published];
    const socketEventsWhileStale = cloud().socket.counts().events - events;
    // ...reach both feeds through their catch-up replay,
    for (const { id } of stale) {
      await eventually(() => finalOf(sse, id)[0], { what: `SSE ${id}`, timeoutMs: 20_000 });
      await eventually(() => finalOf(ws, id)[0], { what: `socket ${id}`, timeoutMs: 20_000 });
    }
    // and once the cache is fresh, changes are published live again.
    await sleep(Math.max(0, staleUntil + 1_000 - Date.now()));
    const fresh = await herald.send(inApp(alice));
    await eventually(() => finalOf(sse, fresh.id)[0], { what: "SSE, live", timeoutMs: 15_000 });
    await eventually(() => finalOf(ws, fresh.id)[0], { what: "socket, live", timeoutMs: 15_000 });
    feed.close();
    socket.close();

    // Assess
    expect(withinStaleWindow).toBe(true);
    expect(publishedWhileStale).toEqual([]);
    expect(socketEventsWhileStale).toBe(0);
    expect(published).toContain(fresh.id);
    for (const { id } of [...stale, fresh]) {
      expect(finalOf(sse, id)).toHaveLength(1);
      expect(finalOf(ws, id)).toHaveLength(1);
    }
    const keys = (list: FeedEvent[]) => list.map((e) => `${e.event_id}|${e.notification.status}`);
    expect(keys(sse)).toEqual([...new Set(keys(sse))]);
    expect(keys(ws)).toEqual([...new Set(keys(ws))]);
  }, 60_000);

  it("stops publishing a recipient's changes once their SSE feed left: it removes its own presence", async () => {
    // Prepare
    const { tenantId, herald } = await tenant();
    const { Presence } = await import("@herald/core/realtime");
    const published = await observe(tenantId);
    const alice = unique("alice");
    const feed = subscribe(
      cloud().feedUrl,
      (await herald.issueToken(alice)).token,
      () => undefined,
    );
    await feed.ready;
    const first = await herald.send(inApp(alice));
    await eventually(
      () => (published.includes(first.id) ? true : undefined),
      "published, listened to",
    );

    // Act
    feed.close();
    await eventually(
      async () => ((await Presence.read(tenantId)).length === 0 ? true : undefined),
      "presence removed",
    );
    await sleep(CACHE_MS + 500);
    const second = await herald.send(inApp(alice));
    await delivered(herald, [second.id]);
    await cloud().runner.drain(15_000, { delayed: false });

    // Assess
    expect(published).not.toContain(second.id);
  }, 40_000);

  it("stops delivering to a subscription whose token expired unrenewed: its presence lapsed", async () => {
    // Prepare
    const { herald } = await tenant();
    const alice = unique("alice");
    const bob = unique("bob");
    const short = await herald.issueToken(alice, { ttlSeconds: 3 });
    const expiring = await rawSocket(short);
    const lasting = await rawSocket(await herald.issueToken(bob));
    const before = await Promise.all([herald.send(inApp(alice)), herald.send(inApp(bob))]);
    await eventually(
      () => (expiring.ids().includes(before[0].id) ? true : undefined),
      "alice, live",
    );
    await eventually(() => (lasting.ids().includes(before[1].id) ? true : undefined), "bob, live");

    // Act: past the token's expiry and a publisher's cache of presence
    await sleep(Math.max(0, Date.parse(short.expires_at) + CACHE_MS + 500 - Date.now()));
    const events = cloud().socket.counts().events;
    const after = await Promise.all([herald.send(inApp(alice)), herald.send(inApp(bob))]);
    await delivered(
      herald,
      after.map((s) => s.id),
    );
    await eventually(() => (lasting.ids().includes(after[1].id) ? true : undefined), "bob, still");
    await cloud().runner.drain(15_000, { delayed: false });
    expiring.close();
    lasting.close();

    // Assess
    expect(expiring.ids()).toContain(before[0].id);
    expect(expiring.ids()).not.toContain(after[0].id);
    // Bob's `delivered` (and at most his `sending`, held back 1 s, for a slow attempt).
    expect(cloud().socket.counts().events - events).toBeGreaterThanOrEqual(1);
    expect(cloud().socket.counts().events - events).toBeLessThanOrEqual(2);
  }, 40_000);

  it("renews a WebSocket subscription with a fresh token before it expires, and keeps receiving", async () => {
    // Prepare
    const { herald } = await tenant();
    const alice = unique("alice");
    let issued = 0;
    const received: FeedEvent[] = [];
    const socket = connectSocket(() => {
      issued++;
      return herald.issueToken(alice, { ttlSeconds: 3 });
    });
    const inbox = socket.subscribe("recipient", (event) => received.push(event));
    await inbox.ready;

    // Act: two token lifetimes and a cache TTL later
    await sleep(6_000 + CACHE_MS);
    const late = await herald.send(inApp(alice));
    await eventually(() => finalOf(received, late.id)[0], {
      what: "after renewals",
      timeoutMs: 15_000,
    });
    socket.close();

    // Assess
    expect(issued).toBeGreaterThanOrEqual(3);
    expect(finalOf(received, late.id)).toHaveLength(1);
  }, 40_000);

  it("registers the tenant-wide member past the bound, so a presence read stays small", async () => {
    // Prepare
    const { Presence } = await import("@herald/core/realtime");
    const tenantId = unique("tenant");
    const until = Date.now() + 60_000;
    for (let i = 0; i < Presence.MAX_MEMBERS; i++) {
      await Presence.register(tenantId, Presence.member.recipient(`r${i}`), until);
    }

    // Act
    const feed = await Presence.register(tenantId, Presence.member.recipient("one-more"), until);
    const socket = await Presence.register(tenantId, Presence.member.socket("one-more"), until);
    const members = await Presence.read(tenantId);

    // Assess
    expect([feed, socket]).toEqual(["*", "*s"]);
    expect(members).toHaveLength(Presence.MAX_MEMBERS + 2);
    const listening = Presence.listeningOf(members);
    expect(listening.redis({ id: "n", recipient: { id: "anyone" } })).toBe(true);
    expect(listening.socket({ id: "n", recipient: { id: "anyone" } })).toBe(true);
  });

  it("keeps tenants apart: a listener in one tenant publishes nothing of another's", async () => {
    // Prepare
    const one = await tenant();
    const other = await tenant();
    const recipient = unique("shared-name");
    const published = await observe(other.tenantId);
    const events = cloud().socket.counts().events;
    const socket = connectSocket(() => one.herald.issueToken(recipient));
    await socket.subscribe("recipient", () => undefined).ready;
    const feed = subscribe(
      cloud().feedUrl,
      (await one.herald.issueToken(recipient)).token,
      () => undefined,
    );
    await feed.ready;

    // Act
    const sent = await other.herald.send(inApp(recipient));
    await delivered(other.herald, [sent.id]);
    await cloud().runner.drain(15_000, { delayed: false });
    socket.close();
    feed.close();

    // Assess
    expect(published).toEqual([]);
    expect(cloud().socket.counts().events - events).toBe(0);
  });
});
