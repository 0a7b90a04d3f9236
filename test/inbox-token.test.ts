import { RecipientInbox } from "@herald/client";
import { describe, expect, it } from "vitest";
import { client, eventually, unique, useLocalCloud } from "./support";

/**
 * /v1/inbox: the recipient's own inbox for browsers, authenticated by a recipient token. A token
 * reads and marks its recipient's inbox in its tenant and nothing else; API keys are refused.
 */
const cloud = useLocalCloud();

async function tenant() {
  const key = await cloud().createKey(unique("tenant"));
  const api = client(cloud().apiUrl, key);
  return {
    api,
    /** A recipient token's client for `recipient`. */
    async as(recipient: string) {
      const { body } = await api.request("POST", `/v1/recipients/${recipient}/tokens`, {});
      return client(cloud().apiUrl, body.token as string);
    },
    /** File an in-app message for `recipient` and wait until it is in the inbox. */
    async deliver(recipient: string, title = unique("title")) {
      const sent = await api.request("POST", "/v1/notifications", {
        channel: "in_app",
        recipient: { id: recipient },
        content: { title },
        immediate: true,
      });
      expect(sent.status).toBe(202);
      await eventually(async () => {
        const { body } = await api.request("GET", `/v1/notifications/${sent.body.id}`);
        expect(body.status).toBe("delivered");
        return true;
      });
      return sent.body.id as string;
    },
  };
}

describe("the recipient-token inbox (/v1/inbox)", () => {
  it("lists, counts and marks the token's recipient's messages", async () => {
    // Prepare
    const acme = await tenant();
    const ada = unique("ada");
    const first = await acme.deliver(ada);
    const second = await acme.deliver(ada);
    const browser = await acme.as(ada);

    // Act
    const page = await browser.request("GET", "/v1/inbox?limit=1");
    const next = await browser.request("GET", `/v1/inbox?limit=1&cursor=${page.body.next_cursor}`);
    const before = await browser.request("GET", "/v1/inbox/unread-count");
    const seen = await browser.request("POST", `/v1/inbox/${second}/seen`);
    const read = await browser.request("POST", `/v1/inbox/${second}/read`);
    const after = await browser.request("GET", "/v1/inbox/unread-count");

    // Assess
    expect(page.body.items.map((item: { id: string }) => item.id)).toEqual([second]);
    expect(next.body.items.map((item: { id: string }) => item.id)).toEqual([first]);
    expect(before.body).toEqual({ unread: 2 });
    expect(seen.body.seen_at).toBeDefined();
    expect(seen.body.read_at).toBeUndefined();
    expect(read.body.read_at).toBeDefined();
    expect(after.body).toEqual({ unread: 1 });
  });

  it("marks everything read at once, and counts zero after", async () => {
    // Prepare
    const acme = await tenant();
    const ada = unique("ada");
    for (let i = 0; i < 3; i++) await acme.deliver(ada);
    const browser = await acme.as(ada);

    // Act
    const all = await browser.request("POST", "/v1/inbox/read-all");
    const again = await browser.request("POST", "/v1/inbox/read-all");
    const unread = await acme.api.request("GET", `/v1/recipients/${ada}/inbox/unread-count`);

    // Assess
    expect(all.body).toEqual({ marked: 3, unread: 0 });
    expect(again.body).toEqual({ marked: 0, unread: 0 });
    expect(unread.body).toEqual({ unread: 0 });
  });

  it("never reaches another recipient's or another tenant's inbox", async () => {
    // Prepare
    const acme = await tenant();
    const globex = await tenant();
    const ada = unique("ada");
    const bob = unique("bob");
    const adas = await acme.deliver(ada);
    // The same recipient id in another tenant is another inbox.
    const globexAda = await globex.deliver(ada);
    const bobAtAcme = await acme.as(bob);
    const adaAtGlobex = await globex.as(ada);

    // Act
    const bobsInbox = await bobAtAcme.request("GET", "/v1/inbox");
    const bobReads = await bobAtAcme.request("POST", `/v1/inbox/${adas}/read`);
    const globexInbox = await adaAtGlobex.request("GET", "/v1/inbox");
    const globexReads = await adaAtGlobex.request("POST", `/v1/inbox/${adas}/read`);
    const bobReadsAll = await bobAtAcme.request("POST", "/v1/inbox/read-all");
    const unread = await acme.api.request("GET", `/v1/recipients/${ada}/inbox/unread-count`);

    // Assess
    expect(bobsInbox.body.items).toEqual([]);
    expect(bobReads.status).toBe(404);
    expect(globexInbox.body.items.map((item: { id: string }) => item.id)).toEqual([globexAda]);
    expect(globexReads.status).toBe(404);
    expect(bobReadsAll.body).toEqual({ marked: 0, unread: 0 });
    expect(unread.body).toEqual({ unread: 1 });
  });

  it("refuses API keys, forged, expired and missing tokens with 401", async () => {
    // Prepare
    const acme = await tenant();
    const key = await cloud().createKey(unique("tenant"));
    const ada = unique("ada");
    const browser = await acme.as(ada);
    const { body } = await acme.api.request("POST", `/v1/recipients/${ada}/tokens`, {});
    const tampered = `${body.token.slice(0, -2)}${body.token.endsWith("A") ? "BB" : "AA"}`;

    // Act
    const answers = await Promise.all([
      client(cloud().apiUrl, key).request("GET", "/v1/inbox"),
      client(cloud().apiUrl, tampered).request("GET", "/v1/inbox/unread-count"),
      client(cloud().apiUrl).request("POST", "/v1/inbox/read-all"),
    ]);
    const fine = await browser.request("GET", "/v1/inbox/unread-count");

    // Assess
    expect(answers.map((answer) => [answer.status, answer.body.error.code])).toEqual([
      [401, "invalid_token"],
      [401, "invalid_token"],
      [401, "invalid_token"],
    ]);
    expect(fine.status).toBe(200);
  });

  it("answers browsers' CORS preflights", async () => {
    const response = await fetch(`${cloud().apiUrl}/v1/inbox/unread-count`, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:5173",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-headers")).toContain("authorization");
  });

  it("asks the token provider again when the API rejects the token (the refresh hook)", async () => {
    // Prepare: the first token the provider hands out is no longer valid.
    const acme = await tenant();
    const ada = unique("ada");
    await acme.deliver(ada);
    const tokens: string[] = [];
    const provider = async () => {
      const { body } = await acme.api.request("POST", `/v1/recipients/${ada}/tokens`, {});
      const token = tokens.length === 0 ? `${body.token.slice(0, -4)}AAAA` : body.token;
      tokens.push(token);
      return token;
    };
    const inbox = new RecipientInbox({ baseUrl: cloud().apiUrl, token: provider });

    // Act
    const first = await inbox.unreadCount();
    const again = await inbox.readAll();
    const after = await inbox.unreadCount();

    // Assess: one refresh, then the fresh token is kept.
    expect(first).toEqual({ unread: 1 });
    expect(again).toEqual({ marked: 1, unread: 0 });
    expect(after).toEqual({ unread: 0 });
    expect(tokens).toHaveLength(2);
  });
});
