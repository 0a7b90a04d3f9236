import { describe, expect, it, vi } from "vitest";

/**
 * Presence without a cloud (packages/core/src/realtime/presence.ts): which members make a
 * change publishable on which transport, what a subscription pattern registers, and whom the
 * WebSocket authorizer registers. test/presence.test.ts runs it against Redis and AppSync.
 */

vi.stubEnv("SST_RESOURCE_Realtime", JSON.stringify({ tokenKey: "t".repeat(32) }));
const Presence = await import("@herald/core/realtime/presence");
const { listenerOf } = await import("@herald/core/realtime/subscribe");
const { patterns } = await import("@herald/core/realtime/event");
const Channel = await import("@herald/core/realtime/channel");
const { issueToken } = await import("@herald/core/realtime/token");

const change = (id: string, recipient?: string) => ({
  id,
  ...(recipient ? { recipient: { id: recipient } } : {}),
});

describe("presence", () => {
  it("publishes a change on a transport only when a member of that transport wants it", () => {
    // Prepare
    const { member } = Presence;
    const cases = {
      nobody: Presence.listeningOf([]),
      sseAlice: Presence.listeningOf([member.recipient("alice")]),
      socketAlice: Presence.listeningOf([member.socket("alice")]),
      oneNotification: Presence.listeningOf([member.notification("n1")]),
      tenant: Presence.listeningOf([member.tenant()]),
    };

    // Act
    const answers = Object.fromEntries(
      Object.entries(cases).map(([name, listening]) => [
        name,
        [change("n1", "alice"), change("n2", "bob"), change("n3")].map((n) => [
          listening.redis(n),
          listening.socket(n),
        ]),
      ]),
    );

    // Assess
    expect(answers).toEqual({
      nobody: [
        [false, false],
        [false, false],
        [false, false],
      ],
      sseAlice: [
        [true, false],
        [false, false],
        [false, false],
      ],
      socketAlice: [
        [false, true],
        [false, false],
        [false, false],
      ],
      oneNotification: [
        [true, false],
        [false, false],
        [false, false],
      ],
      tenant: [
        [true, false],
        [true, false],
        [true, false],
      ],
    });
  });

  it("reads a listener's own member as the shared one it stands for", () => {
    // Prepare
    const mine = Presence.own(Presence.member.recipient("a:l:ice"));
    const theirs = Presence.own(Presence.member.tenant());

    // Act
    const one = Presence.listeningOf([mine]);
    const all = Presence.listeningOf([theirs]);

    // Assess
    expect(mine).toMatch(/^l:[0-9a-f-]{36}:r:a:l:ice$/);
    expect(one.redis(change("n1", "a:l:ice"))).toBe(true);
    expect(one.redis(change("n2", "bob"))).toBe(false);
    expect(all.redis(change("n3"))).toBe(true);
    expect(all.socket(change("n3", "bob"))).toBe(false);
  });

  it("registers what a subscription pattern listens to, and refuses patterns it cannot place", () => {
    // Act
    const tenant = listenerOf(patterns.tenant("acme:1"));
    const recipient = listenerOf(patterns.recipient("acme:1", "user*42"));
    const notification = listenerOf(patterns.notification("acme:1", "ntf_1"));

    // Assess
    expect(tenant).toEqual({ tenantId: "acme:1", member: "*" });
    expect(recipient).toEqual({ tenantId: "acme:1", member: "r:user*42" });
    expect(notification).toEqual({ tenantId: "acme:1", member: "n:ntf_1" });
    expect(() => listenerOf("herald:*")).toThrow(TypeError);
    expect(() => listenerOf("other:thing")).toThrow(TypeError);
  });

  it("has the authorizer register an allowed subscriber until its token expires, and nobody else", () => {
    // Prepare
    const { token, expires_at } = issueToken({ tenantId: "acme", recipientId: "alice" });
    const own = Channel.feedChannel("acme", "alice");
    const ask = (operation: string, channel?: string, as = token) =>
      Channel.decide({ authorizationToken: as, requestContext: { operation, channel } });

    // Act
    const subscribe = ask("EVENT_SUBSCRIBE", `${own}/*`);
    const connect = ask("EVENT_CONNECT");
    const other = ask("EVENT_SUBSCRIBE", `${Channel.feedChannel("acme", "bob")}/*`);
    const forged = ask("EVENT_SUBSCRIBE", `${own}/*`, "hrld_rt_nonsense");

    // Assess
    expect(subscribe).toEqual({
      result: { isAuthorized: true, ttlOverride: 0 },
      subscriber: { tenantId: "acme", recipientId: "alice", until: Date.parse(expires_at) },
    });
    expect(connect.subscriber).toBeUndefined();
    expect(connect.result.isAuthorized).toBe(true);
    expect(other).toEqual({ result: { isAuthorized: false, ttlOverride: 0 } });
    expect(forged).toEqual({ result: { isAuthorized: false, ttlOverride: 0 } });
  });
});
