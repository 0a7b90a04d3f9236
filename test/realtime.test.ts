import { createServer } from "node:net";
import { type FeedEvent, Herald, type SendInput, SseParser, subscribe } from "@herald/client";
import { type LocalFunctionUrl, startFunctionUrl } from "@herald/local/function-url";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, unique, useLocalCloud } from "./support";

const cloud = useLocalCloud();
/** The feed with a short heartbeat, so tests see several within a second. */
let feed: LocalFunctionUrl;
const feedErrors: unknown[] = [];

beforeAll(async () => {
  feed = await startFunctionUrl({
    handler: async () => (await import("../functions/stream")).feedHandler({ heartbeatMs: 200 }),
    timeoutMs: 60_000,
    onError: (error) => feedErrors.push(error),
  });
});
afterAll(async () => {
  await feed?.stop();
});

/** Core modules load after the cloud has set the environment (log level, links). */
const realtime = () => import("@herald/core/realtime");

async function tenant(fetcher?: typeof fetch) {
  const tenantId = unique("tenant");
  const apiKey = await cloud().createKey(tenantId);
  const herald = new Herald({ baseUrl: cloud().apiUrl, apiKey, feedUrl: feed.url, fetch: fetcher });
  return { tenantId, apiKey, herald };
}

function inApp(recipientId: string, extra: Partial<SendInput> = {}): SendInput {
  return {
    channel: "in_app",
    recipient: { id: recipientId },
    content: { title: unique("title") },
    immediate: true,
    ...extra,
  } as SendInput;
}

const isFinal = (id: string) => (event: FeedEvent) =>
  event.notification.id === id && ["delivered", "sent"].includes(event.notification.status);

interface RawFeed {
  status: number;
  body?: any;
  events: FeedEvent[];
  comments: string[];
  retry?: number;
  /** How the stream ended: "ended" (closed by the server), "aborted" (by us) or an error. */
  ended: Promise<unknown>;
  close(): void;
}

/** The feed as a bare SSE consumer sees it (EventSource-style: token and id in the query). */
async function openRaw(
  url: string,
  options: { token?: string; bearer?: string; lastEventId?: string; method?: string } = {},
): Promise<RawFeed> {
  const address = new URL(url);
  if (options.token !== undefined) address.searchParams.set("token", options.token);
  if (options.lastEventId) address.searchParams.set("last_event_id", options.lastEventId);
  const controller = new AbortController();
  const response = await fetch(address, {
    method: options.method ?? "GET",
    headers: options.bearer ? { authorization: `Bearer ${options.bearer}` } : {},
    signal: controller.signal,
  });
  const raw: RawFeed = {
    status: response.status,
    events: [],
    comments: [],
    ended: Promise.resolve("ended"),
    close: () => controller.abort(),
  };
  if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
    raw.body = await response.json();
    return raw;
  }
  const parser = new SseParser({
    message: (message) => raw.events.push(JSON.parse(message.data)),
    comment: (text) => raw.comments.push(text),
    retry: (ms) => {
      raw.retry = ms;
    },
  });
  raw.ended = (async () => {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return "ended";
        parser.push(decoder.decode(value, { stream: true }));
      }
    } catch (error) {
      return controller.signal.aborted ? "aborted" : error;
    }
  })();
  return raw;
}

/** A URL nothing listens on. */
async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** The same token bytes, claiming another recipient, with the original signature. */
function forge(token: string, recipientId: string): string {
  const bytes = Buffer.from(token.slice("hrld_rt_".length), "base64url");
  const tenantEnd = 6 + bytes.readUInt8(5);
  const recipientEnd = tenantEnd + 1 + bytes.readUInt8(tenantEnd);
  const recipient = Buffer.from(recipientId);
  const forged = Buffer.concat([
    bytes.subarray(0, tenantEnd),
    Buffer.from([recipient.length]),
    recipient,
    bytes.subarray(recipientEnd),
  ]);
  return `hrld_rt_${forged.toString("base64url")}`;
}

describe("the real-time feed", () => {
  it("gives a recipient their own events only: not another recipient's, not another tenant's", async () => {
    // Prepare
    const mine = await tenant();
    const theirs = await tenant();
    const alice = unique("alice");
    const bob = unique("bob");
    const { token } = await mine.herald.issueToken(alice);
    const received: FeedEvent[] = [];
    const subscription = subscribe(feed.url, token, (event) => received.push(event));
    await subscription.ready;

    // Act
    const own = await mine.herald.send(inApp(alice));
    const otherRecipient = await mine.herald.send(inApp(bob));
    const otherTenant = await theirs.herald.send(inApp(alice));
    await mine.herald.waitFor(otherRecipient.id, ["delivered", "sent"]);
    await theirs.herald.waitFor(otherTenant.id, ["delivered", "sent"]);
    // Published after the others were delivered: once it is here, theirs would have been too.
    const last = await mine.herald.send(inApp(alice));
    await eventually(() => received.find(isFinal(last.id)), { what: "the last event" });
    const forged = await openRaw(feed.url, { bearer: forge(token, bob) });
    subscription.close();

    // Assess
    expect(received.find(isFinal(own.id))).toBeDefined();
    expect(new Set(received.map((event) => event.notification.id))).toEqual(
      new Set([own.id, last.id]),
    );
    for (const event of received) {
      expect(event.tenant_id).toBe(mine.tenantId);
      expect(event.notification.recipient.id).toBe(alice);
    }
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe("invalid_token");
  });

  it("replays, after a reconnect with Last-Event-ID, every change made while disconnected", async () => {
    // Prepare
    const { herald } = await tenant();
    const alice = unique("alice");
    const { token } = await herald.issueToken(alice);
    const before: FeedEvent[] = [];
    const first = subscribe(feed.url, token, (event) => before.push(event));
    await first.ready;
    const seen = await herald.send(inApp(alice));
    await eventually(() => before.find(isFinal(seen.id)), { what: "the first event" });
    const lastEventId = first.lastEventId;
    first.close();
    await first.closed;

    // Act: three notifications change while nobody listens; then reconnect.
    const missed: { id: string }[] = [];
    for (let i = 0; i < 3; i++) missed.push(await herald.send(inApp(alice)));
    for (const { id } of missed) await herald.waitFor(id, ["delivered", "sent"]);
    const raw = await openRaw(feed.url, { token, lastEventId });
    await eventually(
      () => (missed.every(({ id }) => raw.events.some(isFinal(id))) ? true : undefined),
      { what: "the replay" },
    );
    const after: FeedEvent[] = [];
    const resumed = subscribe(feed.url, token, (event) => after.push(event), { lastEventId });
    await eventually(() => (after.length >= missed.length ? true : undefined));
    raw.close();
    resumed.close();

    // Assess
    expect(lastEventId).toMatch(/\|ntf_/);
    const missedIds = missed.map(({ id }) => id).sort();
    // Each missed notification once, in its latest state, in event-id (change) order.
    expect(raw.events.map((event) => event.notification.id).sort()).toEqual(missedIds);
    const ids = raw.events.map((event) => event.event_id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).not.toContain(lastEventId);
    expect(after.map((event) => event.notification.id).sort()).toEqual(missedIds);
    expect(raw.retry).toBeGreaterThan(0);
  });

  it("refuses a missing, malformed, forged or expired token with 401, and other methods with 405", async () => {
    // Prepare
    const { tenantId, herald } = await tenant();
    const alice = unique("alice");
    const { token } = await herald.issueToken(alice);
    const Realtime = await realtime();
    const expired = Realtime.issueToken({
      tenantId,
      recipientId: alice,
      ttlSeconds: 60,
      now: new Date(Date.now() - 120_000),
    });

    // Act
    const missing = await openRaw(feed.url);
    const malformed = await openRaw(feed.url, { token: "hrld_rt_not-a-token" });
    const apiKey = await openRaw(feed.url, { bearer: (await tenant()).apiKey });
    // Another tag (a token that already ends in "AA" would otherwise stay valid).
    const tag = token.endsWith("AA") ? "BA" : "AA";
    const tampered = await openRaw(feed.url, { token: `${token.slice(0, -2)}${tag}` });
    const late = await openRaw(feed.url, { bearer: expired.token });
    const post = await openRaw(feed.url, { bearer: token, method: "POST" });
    const fine = await openRaw(feed.url, { token });
    fine.close();

    // Assess
    for (const refused of [missing, malformed, apiKey, tampered]) {
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe("invalid_token");
    }
    expect(late.status).toBe(401);
    expect(late.body.error.code).toBe("token_expired");
    expect(post.status).toBe(405);
    expect(fine.status).toBe(200);
  });

  it("sends heartbeats, and unsubscribes from Redis when the client leaves", async () => {
    // Prepare
    const { tenantId, herald } = await tenant();
    const alice = unique("alice");
    const { token } = await herald.issueToken(alice);
    const { channelOf } = await realtime();
    const channel = channelOf(tenantId, alice, unique("ntf"));
    const upstash = new Redis({
      url: cloud().redis.url,
      token: cloud().redis.token,
      enableTelemetry: false,
    });
    const raw = await openRaw(feed.url, { bearer: token });

    // Act
    const beats = await eventually(
      () => (raw.comments.filter((text) => text === "heartbeat").length >= 3 ? true : undefined),
      { timeoutMs: 5_000, what: "three heartbeats" },
    );
    const listenersWhileOpen = await upstash.publish(channel, "not an event");
    raw.close();
    const gone = await eventually(
      async () => ((await upstash.publish(channel, "not an event")) === 0 ? true : undefined),
      { timeoutMs: 5_000, what: "PUBLISH to reach nobody" },
    );

    // Assess
    expect(beats).toBe(true);
    expect(listenersWhileOpen).toBe(1);
    expect(gone).toBe(true);
    expect(await raw.ended).toBe("aborted");
  });

  it("closes cleanly before the function times out, so the client reconnects", async () => {
    // Prepare
    const errors: unknown[] = [];
    const short = await startFunctionUrl({
      handler: async () => (await import("../functions/stream")).handler,
      timeoutMs: 2_000,
      onError: (error) => errors.push(error),
    });
    const { herald } = await tenant();
    const { token } = await herald.issueToken(unique("alice"));

    // Act
    const started = Date.now();
    const raw = await openRaw(short.url, { token });
    const ended = await raw.ended;
    const elapsed = Date.now() - started;
    await short.stop();

    // Assess
    expect(ended).toBe("ended");
    expect(elapsed).toBeGreaterThan(1_000);
    expect(elapsed).toBeLessThan(2_000);
    expect(errors).toEqual([]);
  });
  it("keeps a client subscribed across those closes, missing nothing in between", async () => {
    // Prepare
    const short = await startFunctionUrl({
      handler: async () => (await import("../functions/stream")).handler,
      timeoutMs: 1_500,
    });
    const { herald } = await tenant();
    const alice = unique("alice");
    const { token } = await herald.issueToken(alice);
    const received: FeedEvent[] = [];
    let opened = 0;
    const subscription = subscribe(short.url, token, (event) => received.push(event), {
      onOpen: () => {
        opened += 1;
      },
    });
    await subscription.ready;

    // Act: one notification per connection, for three connections.
    const sent: string[] = [];
    for (let connection = 1; connection <= 3; connection++) {
      await eventually(() => (opened >= connection ? true : undefined), { what: "a reconnect" });
      sent.push((await herald.send(inApp(alice))).id);
    }
    await eventually(() => (sent.every((id) => received.some(isFinal(id))) ? true : undefined), {
      what: "every event",
    });
    subscription.close();
    await short.stop();

    // Assess
    expect(opened).toBeGreaterThanOrEqual(3);
    const finals = received.filter((event) =>
      ["delivered", "sent"].includes(event.notification.status),
    );
    expect(finals.map((event) => event.notification.id).sort()).toEqual([...sent].sort());
  });
});

describe("recipient tokens", () => {
  it("are issued to API key holders, for an hour by default and at most an hour", async () => {
    // Prepare
    const { apiKey } = await tenant();
    const alice = unique("alice");
    const post = (body?: unknown, key: string | undefined = apiKey) =>
      fetch(`${cloud().apiUrl}/v1/recipients/${alice}/tokens`, {
        method: "POST",
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    // Act
    const plain = await post();
    const short = await post({ ttl_seconds: 60 });
    const tooLong = await post({ ttl_seconds: 7_200 });
    const noKey = await post(undefined, "");
    const wrongKey = await post(undefined, "hrld_nope");

    // Assess
    expect(plain.status).toBe(200);
    const issued: any = await plain.json();
    expect(issued.token).toMatch(/^hrld_rt_[\w-]+$/);
    expect(Date.parse(issued.expires_at) - Date.now()).toBeGreaterThan(3_590_000);
    expect(Date.parse(issued.expires_at) - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect(Date.parse(((await short.json()) as any).expires_at) - Date.now()).toBeLessThanOrEqual(
      60_000,
    );
    expect(tooLong.status).toBe(400);
    expect(noKey.status).toBe(401);
    expect(wrongKey.status).toBe(403);
  });
});

describe("waitFor", () => {
  /** A client that counts its reads of notifications. */
  async function counted() {
    const reads: string[] = [];
    const counting: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if ((init?.method ?? "GET") === "GET" && url.includes("/v1/notifications/")) reads.push(url);
      return fetch(input, init);
    };
    return { reads, ...(await tenant(counting)) };
  }

  it("resolves through the feed: one read, then the event", async () => {
    // Prepare
    const { herald, reads } = await counted();
    const alice = unique("alice");
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await herald.send(inApp(alice, { send_at: later }));
    const { token } = await herald.issueToken(alice);

    // Act
    const waiting = herald.waitFor(scheduled.id, "cancelled", {
      timeoutMs: 10_000,
      feed: { token },
    });
    await eventually(() => (reads.length === 1 ? true : undefined), { what: "the first read" });
    await herald.cancel(scheduled.id);
    const result = await waiting;

    // Assess
    expect(scheduled.status).toBe("scheduled");
    expect(result.status).toBe("cancelled");
    expect(reads).toHaveLength(1);
  });

  it("falls back to polling when the feed is unavailable", async () => {
    // Prepare
    const { herald, reads } = await counted();
    const alice = unique("alice");
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await herald.send(inApp(alice, { send_at: later }));
    const { token } = await herald.issueToken(alice);
    const nowhere = await closedUrl();

    // Act
    const waiting = herald.waitFor(scheduled.id, "cancelled", {
      timeoutMs: 10_000,
      feed: { token, url: nowhere },
      pollMs: 50,
    });
    await eventually(() => (reads.length >= 2 ? true : undefined), { what: "polling" });
    await herald.cancel(scheduled.id);
    const result = await waiting;

    // Assess
    expect(result.status).toBe("cancelled");
    expect(reads.length).toBeGreaterThanOrEqual(3);
  });

  it("rejects with unexpected_status when the notification ends in another status", async () => {
    // Prepare
    const { herald } = await tenant();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await herald.send(inApp(unique("alice"), { send_at: later }));
    await herald.cancel(scheduled.id);

    // Act
    const outcome = await herald.waitFor(scheduled.id, "delivered").catch((error) => error);

    // Assess
    expect(outcome).toMatchObject({ name: "HeraldError", code: "unexpected_status", status: 0 });
  });
});

describe("Relay", () => {
  const base = {
    id: "ntf_1",
    channel: "in_app",
    status: "queued",
    recipient: { id: "alice" },
    updated_at: "2025-01-01T00:00:01.000Z",
  };
  const eventWith = (fields: Record<string, unknown>, tenant = "t1"): any => {
    const notification = { ...base, ...fields };
    return {
      event_id: `${notification.updated_at}|${notification.id}`,
      type: "notification.updated",
      tenant_id: tenant,
      notification,
    };
  };

  it("passes each change once, never backwards, and only the feed's own", async () => {
    // Prepare
    const { Relay } = await realtime();
    const relay = new Relay("t1", "alice");
    const queued = eventWith({});
    const delivered = eventWith({ status: "delivered", updated_at: "2025-01-01T00:00:02.000Z" });
    const read = eventWith({
      status: "delivered",
      updated_at: "2025-01-01T00:00:02.000Z",
      read_at: "2025-01-01T00:00:03.000Z",
    });

    // Act
    const verdicts = [
      relay.accept(queued),
      relay.accept(delivered),
      relay.accept({ ...delivered, notification: { ...delivered.notification } }),
      relay.accept(queued),
      relay.accept(read),
      relay.accept(eventWith({ id: "ntf_2" }, "t2")),
      relay.accept(eventWith({ id: "ntf_3", recipient: { id: "bob" } })),
    ];

    // Assess
    expect(verdicts).toEqual([true, true, false, false, true, false, false]);
  });
});

describe("SseParser", () => {
  it("reads events split anywhere, with any line ending, comments and retry hints", () => {
    // Prepare
    const messages: unknown[] = [];
    const comments: string[] = [];
    const retries: number[] = [];
    const parser = new SseParser({
      message: (message) => messages.push(message),
      comment: (text) => comments.push(text),
      retry: (ms) => retries.push(ms),
    });
    const stream = "retry: 1500\r\n: hi\r\n\r\nid: 1\revent: a\rdata: x\rdata: y\r\rdata: z\n\n";

    // Act
    for (const character of stream) parser.push(character);

    // Assess
    expect(messages).toEqual([
      { id: "1", event: "a", data: "x\ny" },
      { id: "1", event: "message", data: "z" },
    ]);
    expect(comments).toEqual(["hi"]);
    expect(retries).toEqual([1500]);
  });
});
