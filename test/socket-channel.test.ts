import { channelSegment } from "@herald/client";
import { describe, expect, it, vi } from "vitest";

/**
 * The WebSocket feed's channels and the authorizer's decision (packages/core/src/realtime/
 * channel.ts), without a cloud: what AppSync would be asked and answered.
 */

vi.stubEnv("SST_RESOURCE_Realtime", JSON.stringify({ tokenKey: "t".repeat(32) }));
const Channel = await import("@herald/core/realtime/channel");
const { issueToken } = await import("@herald/core/realtime/token");

const SEGMENT = /^[A-Za-z0-9-]{1,50}$/;

function ask(token: string, operation: string, channel?: string, now?: Date) {
  return Channel.authorize(
    { authorizationToken: token, requestContext: { operation, channel } },
    now,
  );
}

describe("WebSocket feed channels", () => {
  it("names channels AppSync accepts whatever the ids hold, and the client computes the same segment", async () => {
    // Prepare
    const tenant = `t${"-x".repeat(31)}`;
    const recipient = `user_42.${"@:+".repeat(40)}`.slice(0, 128);
    const id = "ntf_01J9ZZZZZZZZZZZZZZZZZZZZZZ";

    // Act
    const channel = Channel.channelOf(tenant, recipient, id);

    // Assess
    const segments = channel.slice(1).split("/");
    expect(segments.length).toBeLessThanOrEqual(5);
    for (const segment of segments) expect(segment).toMatch(SEGMENT);
    expect(channel.startsWith(`${Channel.feedChannel(tenant, recipient)}/`)).toBe(true);
    expect(segments.at(-1)).toBe(await channelSegment(id));
  });

  it("lets a token connect and subscribe to its own recipient's channels only, never publish", () => {
    // Prepare
    const now = new Date();
    const { token } = issueToken({ tenantId: "acme", recipientId: "alice", now });
    const own = Channel.feedChannel("acme", "alice");
    const one = Channel.channelOf("acme", "alice", "ntf_1");
    const expired = issueToken({
      tenantId: "acme",
      recipientId: "alice",
      ttlSeconds: 1,
      now: new Date(now.getTime() - 60_000),
    }).token;

    // Act
    const answers = {
      connect: ask(token, "EVENT_CONNECT"),
      bearer: ask(`Bearer ${token}`, "EVENT_CONNECT"),
      feed: ask(token, "EVENT_SUBSCRIBE", `${own}/*`),
      one: ask(token, "EVENT_SUBSCRIBE", one),
      bare: ask(token, "EVENT_SUBSCRIBE", own),
      deeper: ask(token, "EVENT_SUBSCRIBE", `${one}/*`),
      otherRecipient: ask(token, "EVENT_SUBSCRIBE", `${Channel.feedChannel("acme", "bob")}/*`),
      otherTenant: ask(token, "EVENT_SUBSCRIBE", `${Channel.feedChannel("evil", "alice")}/*`),
      everything: ask(token, "EVENT_SUBSCRIBE", "/feed/*"),
      publish: ask(token, "EVENT_PUBLISH", one),
      expired: ask(expired, "EVENT_CONNECT"),
      forged: ask(`${token.slice(0, -2)}AA`, "EVENT_CONNECT"),
      none: Channel.authorize({ requestContext: { operation: "EVENT_CONNECT" } }),
    };

    // Assess
    const allowed = Object.entries(answers)
      .filter(([, answer]) => answer.isAuthorized)
      .map(([name]) => name);
    expect(allowed).toEqual(["connect", "bearer", "feed", "one"]);
    for (const answer of Object.values(answers)) expect(answer.ttlOverride).toBe(0);
  });
});
