import { createECDH, randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import webpush from "web-push";

/**
 * Where outbound connections really go. Two receivers listen on the same port of 127.0.0.1 and
 * 127.0.0.2; a scripted resolver stands in for an attacker's DNS server (the one thing a test
 * cannot run for real), so a test can see which address a webhook or push request reached.
 */

const answers = new Map<string, string[]>();
const asked: string[] = [];

vi.mock("node:dns/promises", async (original) => {
  const real = await original<typeof import("node:dns/promises")>();
  const lookup = async (host: string, options?: object) => {
    const queue = answers.get(host);
    if (!queue) return real.lookup(host, options as never);
    asked.push(host);
    // Each question takes the next answer (comma-separated addresses); the last one repeats,
    // like a rebinding DNS server.
    const answer = (queue.length > 1 ? queue.shift() : queue[0]) as string;
    const all = answer
      .split(",")
      .map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    return (options as { all?: boolean } | undefined)?.all ? all : all[0];
  };
  return { ...real, lookup, default: { ...real, lookup } };
});

interface Receiver {
  hits: string[];
  server: Server;
}

function receiver(): Receiver {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    req.resume();
    req.on("end", () => {
      res.writeHead(201, { location: "/message/1" });
      res.end();
    });
  });
  return { hits, server };
}

const listen = (server: Server, host: string, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });

const checked = receiver();
const other = receiver();
let port: number;
let push: typeof import("@herald/core/delivery/push");
let webhook: typeof import("@herald/core/delivery/webhook");

// No stored (rotated) webhook secret: the derived one signs, and no request goes to DynamoDB.
mockClient(DynamoDBDocumentClient).on(GetCommand).resolves({});

beforeAll(async () => {
  port = await listen(checked.server, "127.0.0.1", 0);
  await listen(other.server, "127.0.0.2", port);
  const vapid = webpush.generateVAPIDKeys();
  Object.assign(process.env, {
    SST_RESOURCE_App: JSON.stringify({ name: "herald", stage: "test" }),
    SST_RESOURCE_Vapid: JSON.stringify({ ...vapid, subject: "mailto:test@herald.local" }),
    SST_RESOURCE_Webhooks: JSON.stringify({ signingKey: randomBytes(32).toString("base64url") }),
    SST_RESOURCE_Table: JSON.stringify({ name: "herald-table" }),
    // The receivers are on loopback: the address ranges are not what these tests are about.
    HERALD_WEBHOOK_ALLOW_PRIVATE: "true",
  });
  [push, webhook] = await Promise.all([
    import("@herald/core/delivery/push"),
    import("@herald/core/delivery/webhook"),
  ]);
});

afterAll(async () => {
  for (const { server } of [checked, other]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function subscriptionKeys() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return {
    p256dh: ecdh.getPublicKey().toString("base64url"),
    auth: randomBytes(16).toString("base64url"),
  };
}

describe("outbound connections go to the address the guard checked", () => {
  it("push: an endpoint the two URL parsers read differently is refused before any connection", async () => {
    // Prepare: WHATWG URL reads the host as 127.0.0.2.attacker.test (which "DNS" answers with
    // 127.0.0.1); Node's legacy url.parse, which web-push uses, reads it as 127.0.0.2.
    const path = `/push/${randomUUID()}`;
    answers.set("127.0.0.2.attacker.test", ["127.0.0.1"]);
    const endpoint = `http://127.0.0.2%2Eattacker.test:${port}${path}`;

    // Act
    const sending = push.sendPush({
      id: "ntf_pin_push",
      subscription: { endpoint, keys: subscriptionKeys() },
      content: { title: "hello" },
    });

    // Assess
    await expect(sending).rejects.toThrow(/percent-escapes in the host/);
    expect(checked.hits).not.toContain(path);
    expect(other.hits).not.toContain(path);
  });

  it("push: a DNS answer that changes after the check (rebinding) is never connected to", async () => {
    // Prepare: the first answer is what the guard sees; every later one points elsewhere.
    const path = `/push/${randomUUID()}`;
    answers.set("push.attacker.test", ["127.0.0.1", "127.0.0.2"]);
    const before = asked.length;

    // Act
    const outcome = await push.sendPush({
      id: "ntf_pin_push",
      subscription: {
        endpoint: `http://push.attacker.test:${port}${path}`,
        keys: subscriptionKeys(),
      },
      content: { title: "hello" },
    });

    // Assess
    expect(outcome.status).toBe("sent");
    expect(checked.hits).toContain(path);
    expect(other.hits).not.toContain(path);
    expect(asked.slice(before)).toEqual(["push.attacker.test"]);
  });

  it("webhook: a DNS answer that changes after the check (rebinding) is never connected to", async () => {
    // Prepare: the first answer is what the guard sees; every later one points elsewhere.
    const path = `/hook/${randomUUID()}`;
    answers.set("rebind.attacker.test", ["127.0.0.1", "127.0.0.2"]);
    const before = asked.length;

    // Act
    const outcome = await webhook.sendWebhook({
      id: "ntf_pin_hook",
      tenantId: "tenant",
      url: `http://rebind.attacker.test:${port}${path}`,
      event: "e",
      data: null,
      attempt: 1,
    });

    // Assess
    expect(outcome.status).toBe("delivered");
    expect(checked.hits).toContain(path);
    expect(other.hits).not.toContain(path);
    expect(asked.slice(before)).toEqual(["rebind.attacker.test"]);
  });
});

describe("in production mode (private destinations not allowed)", () => {
  it("refuses a host when any of its addresses is not public, before connecting", async () => {
    // Prepare: a fresh module graph, so the configuration is read again.
    vi.resetModules();
    const previous = process.env.HERALD_WEBHOOK_ALLOW_PRIVATE;
    process.env.HERALD_WEBHOOK_ALLOW_PRIVATE = "false";
    const strict = await import("@herald/core/delivery/destination");
    answers.set("public.attacker.test", ["93.184.215.14"]);
    answers.set("mixed.attacker.test", ["93.184.215.14,10.0.0.7"]);
    answers.set("inner.attacker.test", ["::ffff:169.254.169.254"]);
    answers.set("nat64.attacker.test", ["64:ff9b::a9fe:a9fe"]);

    try {
      // Act
      const refused = await Promise.allSettled(
        ["inner", "nat64", "mixed"].map((name) =>
          strict.resolveDestination(`https://${name}.attacker.test/hook`, "webhook"),
        ),
      );
      const allowed = await strict.resolveDestination("https://public.attacker.test/x", "webhook");

      // Assess
      for (const outcome of refused) {
        expect(outcome.status).toBe("rejected");
        expect(String((outcome as PromiseRejectedResult).reason)).toMatch(
          /resolves to .*(IPv4-mapped|link-local|NAT64|private)/,
        );
      }
      expect(allowed).toMatchObject({ host: "public.attacker.test", address: "93.184.215.14" });
    } finally {
      process.env.HERALD_WEBHOOK_ALLOW_PRIVATE = previous;
    }
  });
});
