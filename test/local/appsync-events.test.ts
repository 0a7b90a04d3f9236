import { createHash, createHmac } from "node:crypto";
import {
  type LocalAppSyncEvents,
  PROTOCOL,
  startAppSyncEvents,
} from "@herald/local/appsync-events";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { eventually } from "../support";

/**
 * The AppSync Events emulator, driven as browsers and Herald's publisher drive AppSync: the
 * real-time protocol over `ws`, SigV4-signed HTTP publishes, and a Lambda authorizer invoked
 * with AppSync's request shape (here a small authorizer of the test's own: a token `ok-<x>` may
 * subscribe under `/feed/<x>/`).
 */

const REGION = "us-east-1";
let events: LocalAppSyncEvents;
const asked: any[] = [];

async function authorizer(request: any) {
  asked.push(request);
  const token = String(request.authorizationToken);
  if (!token.startsWith("ok-")) return { isAuthorized: false };
  const { operation, channel } = request.requestContext;
  if (operation === "EVENT_CONNECT") return { isAuthorized: true };
  return { isAuthorized: String(channel).startsWith(`/feed/${token.slice(3)}/`) };
}

beforeAll(async () => {
  events = await startAppSyncEvents({
    region: REGION,
    namespaces: ["feed"],
    authorizer: { functionName: "test-authorizer", handler: async () => authorizer },
    keepAliveMs: 50,
    connectionTimeoutMs: 1_000,
  });
});
afterAll(() => events.stop());

function header(auth: Record<string, string>): string {
  return `header-${Buffer.from(JSON.stringify(auth)).toString("base64url")}`;
}

interface Client {
  ws: WebSocket;
  messages: any[];
  send(message: Record<string, unknown>): void;
  next(match: (message: any) => boolean, what?: string): Promise<any>;
}

async function connect(token: string | undefined, protocols?: string[]): Promise<Client> {
  const auth: Record<string, string> =
    token === undefined ? {} : { Authorization: token, host: "localhost" };
  const ws = new WebSocket(events.realtimeUrl, protocols ?? [PROTOCOL, header(auth)]);
  const messages: any[] = [];
  ws.on("message", (data) => messages.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    ws,
    messages,
    send: (message) => ws.send(JSON.stringify(message)),
    next: (match, what = "a message") => eventually(() => messages.find(match), { what }),
  };
}

class Sha256 {
  private h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: Uint8Array | string) {
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", secret);
  }
  update(data: Uint8Array | string) {
    this.h.update(data);
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
  reset() {}
}

const signer = (service: string) =>
  new SignatureV4({
    service,
    region: REGION,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    sha256: Sha256 as never,
  });

async function publish(body: unknown, sign: "appsync" | "execute-api" | "none" = "appsync") {
  const url = new URL(events.httpUrl);
  const text = JSON.stringify(body);
  let headers: Record<string, string> = { host: url.host, "content-type": "application/json" };
  if (sign !== "none") {
    const request = await signer(sign).sign({
      method: "POST",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers,
      body: text,
    });
    headers = request.headers as Record<string, string>;
  }
  const response = await fetch(url, { method: "POST", headers, body: text });
  return { status: response.status, body: (await response.json()) as any };
}

describe("the AppSync Events emulator", () => {
  it("connects through the authorizer, acknowledges, and keeps the connection alive", async () => {
    // Prepare
    const before = asked.length;

    // Act
    const client = await connect("ok-a");
    client.send({ type: "connection_init" });
    const ack = await client.next((m) => m.type === "connection_ack");
    await client.next((m) => m.type === "ka", "a keep-alive");
    const refused = await connect("nope");
    const error = await refused.next((m) => m.type === "connection_error");
    const closed = await new Promise<number>((resolve) => refused.ws.once("close", resolve));
    client.ws.close();

    // Assess
    expect(ack.connectionTimeoutMs).toBe(1_000);
    expect(error.errors[0].errorType).toBe("UnauthorizedException");
    expect(closed).toBe(1008);
    expect(asked[before]).toMatchObject({
      authorizationToken: "ok-a",
      requestContext: { operation: "EVENT_CONNECT" },
      requestHeaders: { Authorization: "ok-a", host: "localhost" },
    });
  });

  it("refuses a handshake without its subprotocol", async () => {
    await expect(connect("ok-a", ["graphql-ws"])).rejects.toThrow();
  });

  it("subscribes through the authorizer; a wildcard takes every channel below it", async () => {
    // Prepare
    const client = await connect("ok-a");
    const subscribe = (id: string, channel: string) =>
      client.send({ type: "subscribe", id, channel, authorization: { Authorization: "ok-a" } });
    subscribe("all", "/feed/a/*");
    subscribe("one", "/feed/a/x");
    subscribe("theirs", "/feed/b/*");
    subscribe("bad", "/feed/a/with_underscore");
    subscribe("deep", "/feed/a/1/2/3/4");
    await client.next((m) => m.type === "subscribe_success" && m.id === "all");
    await client.next((m) => m.type === "subscribe_success" && m.id === "one");
    const refused = await client.next((m) => m.type === "subscribe_error" && m.id === "theirs");
    const bad = await client.next((m) => m.type === "subscribe_error" && m.id === "bad");
    const deep = await client.next((m) => m.type === "subscribe_error" && m.id === "deep");
    const subscribeRequest = asked.find(
      (r) =>
        r.requestContext.operation === "EVENT_SUBSCRIBE" &&
        r.requestContext.channel === "/feed/a/x",
    );

    // Act
    const x = await publish({ channel: "/feed/a/x", events: ['{"n":1}', '{"n":2}'] });
    const y = await publish({ channel: "/feed/a/y", events: ['{"n":3}'] });
    await client.next((m) => m.type === "data" && m.id === "all" && m.event === '{"n":3}');
    client.send({ type: "unsubscribe", id: "one" });
    await client.next((m) => m.type === "unsubscribe_success" && m.id === "one");
    await publish({ channel: "/feed/a/x", events: ['{"n":4}'] });
    await client.next((m) => m.type === "data" && m.id === "all" && m.event === '{"n":4}');
    client.ws.close();

    // Assess
    expect(refused.errors[0].errorType).toBe("UnauthorizedException");
    expect(bad.errors[0].errorType).toBe("BadRequestException");
    expect(deep.errors[0].errorType).toBe("BadRequestException");
    expect(subscribeRequest.requestContext.channelNamespaceName).toBe("feed");
    expect(x.status).toBe(200);
    expect(x.body.successful.map((s: any) => s.index)).toEqual([0, 1]);
    expect(y.body.failed).toEqual([]);
    const data = (id: string) =>
      client.messages.filter((m) => m.type === "data" && m.id === id).map((m) => m.event);
    expect(data("all")).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
    expect(data("one")).toEqual(['{"n":1}', '{"n":2}']);
  });

  it("publishes only SigV4-signed requests for appsync in its region, on valid channels", async () => {
    // Act
    const results = await Promise.all([
      publish({ channel: "/feed/a/x", events: ["{}"] }, "none"),
      publish({ channel: "/feed/a/x", events: ["{}"] }, "execute-api"),
      publish({ channel: "/feed/a/*", events: ["{}"] }),
      publish({ channel: "/other/a", events: ["{}"] }),
      publish({ channel: "/feed/a/x", events: ["{}", "{}", "{}", "{}", "{}", "{}"] }),
      publish({ channel: "/feed/a/x", events: ["not json"] }),
      publish({ channel: "/feed/a/x", events: ["{}", "{}", "{}", "{}", "{}"] }),
    ]);

    // Assess
    expect(results.map((r) => r.status)).toEqual([401, 401, 400, 400, 400, 400, 200]);
    expect(results[0]?.body.errors[0].errorType).toBe("UnauthorizedException");
  });

  it("refuses a publish over the socket (tokens never publish)", async () => {
    // Prepare
    const client = await connect("ok-a");

    // Act
    client.send({
      type: "publish",
      id: "p",
      channel: "/feed/a/x",
      events: ["{}"],
      authorization: { Authorization: "ok-a" },
    });
    const answer = await client.next((m) => m.type === "publish_error");
    client.ws.close();

    // Assess
    expect(answer.errors[0].errorType).toBe("UnauthorizedException");
  });
});

describe("@herald/client against the emulator", () => {
  it("reconnects when keep-alives stop coming for connectionTimeoutMs", async () => {
    // Prepare: an API that promises a keep-alive every 300 ms and never sends one.
    const silent = await startAppSyncEvents({
      region: REGION,
      namespaces: ["feed"],
      authorizer: { functionName: "test-authorizer", handler: async () => authorizer },
      keepAliveMs: 60_000,
      connectionTimeoutMs: 300,
    });
    const { connectSocket } = await import("@herald/client");
    let opened = 0;
    const timeouts: string[] = [];

    // Act
    const socket = connectSocket(
      {
        token: "ok-a",
        socket_url: silent.realtimeUrl,
        socket_host: new URL(silent.httpUrl).host,
        channel: "/feed/a",
      },
      {
        minRetryMs: 10,
        onOpen: () => opened++,
        onError: (error) => timeouts.push(error.code),
      },
    );
    await eventually(() => (opened >= 2 ? true : undefined), { what: "a second connection" });
    socket.close();
    await silent.stop();

    // Assess
    expect(timeouts).toContain("timeout");
  });
});
