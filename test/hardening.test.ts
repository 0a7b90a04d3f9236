import { describe, expect, it } from "vitest";
import { checkResponse } from "./contract";
import { client, unique, useLocalCloud } from "./support";

/**
 * What the API refuses at the door (issue 12's findings): forged cursors, destinations Herald
 * must not call, timezones it cannot plan in, and bodies outside the documented contract. This
 * cloud enforces the production rule that webhooks and push endpoints be public https URLs.
 */

const cloud = useLocalCloud({ env: { HERALD_WEBHOOK_ALLOW_PRIVATE: "false" } });

async function tenant() {
  const tenantId = unique("tenant");
  const key = await cloud().createKey(tenantId);
  return { tenantId, api: client(cloud().apiUrl, key) };
}

const cursorOf = (keys: unknown) => Buffer.from(JSON.stringify(keys)).toString("base64url");

const keys = { p256dh: `B${"A".repeat(86)}`, auth: "A".repeat(22) };

describe("cursors", () => {
  it("answers a forged cursor with 400 invalid_cursor on the list, the recipient list and the inbox", async () => {
    // Prepare: cursors shaped exactly like real ones, for this very tenant's listings.
    const { tenantId, api } = await tenant();
    const recipient = unique("user");
    const forged = (index: string, partition: string, sort: string) =>
      cursorOf({
        pk: `NTF#${tenantId}#ntf_x`,
        sk: "NTF",
        [`${index}pk`]: partition,
        [`${index}sk`]: sort,
      });
    const cases = [
      ["/v1/notifications", forged("gsi1", `TNT#${tenantId}`, "")],
      ["/v1/notifications", forged("gsi1", `TNT#${tenantId}`, "x".repeat(1100))],
      [
        `/v1/notifications?recipient=${recipient}&`,
        forged("gsi2", `RCP#${tenantId}#${recipient}`, ""),
      ],
      [`/v1/recipients/${recipient}/inbox`, forged("gsi3", `BOX#${tenantId}#${recipient}`, "")],
      [
        `/v1/recipients/${recipient}/inbox`,
        forged("gsi3", `BOX#${tenantId}#${recipient}`, "2026-01-01T00:00:00.000Z#ntf_x"),
      ],
    ];

    // Act
    const answers = await Promise.all(
      cases.map(([path, cursor]) => {
        const separator = path?.endsWith("&") ? "" : "?";
        return api.request("GET", `${path}${separator}cursor=${cursor}`);
      }),
    );

    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe("invalid_cursor");
    }
  });

  it("signs the suppression list's cursors too: a forged one is invalid_cursor, a real one continues", async () => {
    // Prepare: three suppressed addresses, and a cursor spelling one of them as the old
    // unsigned cursors did (the address, base64url).
    const { tenantId, api } = await tenant();
    const { add } = await import("@herald/core/suppression");
    const addresses = ["a", "b", "c"].map((name) => `${name}-${unique("s")}@example.com`);
    for (const address of addresses) await add(tenantId, { address, reason: "complaint" });
    const forged = Buffer.from(addresses[0] as string).toString("base64url");

    // Act
    const refused = await api.request("GET", `/v1/suppressions?cursor=${forged}`);
    const first = await api.request("GET", "/v1/suppressions?limit=2");
    const second = await api.request(
      "GET",
      `/v1/suppressions?limit=2&cursor=${first.body.next_cursor}`,
    );
    const other = await tenant();
    const elsewhere = await other.api.request(
      "GET",
      `/v1/suppressions?cursor=${first.body.next_cursor}`,
    );

    // Assess
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("invalid_cursor");
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.code).toBe("invalid_cursor");
    const listed = [...first.body.items, ...second.body.items].map(
      (entry: { address: string }) => entry.address,
    );
    expect(listed.sort()).toEqual([...addresses].sort());
  });

  it("takes a cursor only on the listing and tenant it came from", async () => {
    // Prepare
    const alice = await tenant();
    const bob = await tenant();
    const recipient = unique("user");
    for (let i = 0; i < 3; i++) {
      const sent = await alice.api.request("POST", "/v1/notifications", {
        channel: "in_app",
        recipient: { id: recipient },
        content: { title: `n${i}` },
        immediate: true,
      });
      expect(sent.status).toBe(202);
    }
    const page = await alice.api.request("GET", "/v1/notifications?limit=1");
    const cursor = page.body.next_cursor as string;
    expect(cursor).toBeTruthy();

    // Act
    const next = await alice.api.request("GET", `/v1/notifications?limit=1&cursor=${cursor}`);
    const elsewhere = await alice.api.request(
      "GET",
      `/v1/notifications?recipient=${recipient}&limit=1&cursor=${cursor}`,
    );
    const asBob = await bob.api.request("GET", `/v1/notifications?limit=1&cursor=${cursor}`);

    // Assess
    expect(next.status).toBe(200);
    expect(next.body.items).toHaveLength(1);
    expect(next.body.items[0].id).not.toBe(page.body.items[0].id);
    expect(elsewhere.body.error?.code).toBe("invalid_cursor");
    expect(asBob.body.error?.code).toBe("invalid_cursor");
  });
});

describe("destinations", () => {
  const refused: [string, string][] = [
    ["http://169.254.169.254/", "invalid_destination"],
    ["https://169.254.169.254/latest/meta-data", "invalid_destination"],
    ["https://127.0.0.1/hook", "invalid_destination"],
    ["https://10.0.0.8/hook", "invalid_destination"],
    ["https://[::ffff:169.254.169.254]/hook", "invalid_destination"],
    ["https://localhost/hook", "invalid_destination"],
    ["https://example.com/a hook", "invalid_destination"],
    ["https://example.com/%zz", "invalid_destination"],
    ["https://exämple.com/hook", "invalid_destination"],
    ["https://example\uff0ecom/hook", "invalid_destination"],
    ["javascript:alert(1)", "invalid_destination"],
  ];

  it.each(refused)("refuses the webhook URL %s in a profile (%s)", async (url, code) => {
    // Prepare
    const { api } = await tenant();
    const recipient = unique("user");

    // Act
    const put = await api.request("PUT", `/v1/recipients/${recipient}`, { webhook_url: url });
    const pushPut = await api.request("PUT", `/v1/recipients/${recipient}`, {
      push_subscription: { endpoint: url, keys },
    });

    // Assess
    expect(put.status).toBe(400);
    expect(put.body.error.code).toBe(code);
    expect(pushPut.status).toBe(400);
    expect(pushPut.body.error.code).toBe(code);
    expect((await api.request("GET", `/v1/recipients/${recipient}`)).status).toBe(404);
  });

  it("refuses such a URL in a send and stores nothing", async () => {
    // Prepare
    const { api } = await tenant();

    // Act
    const sent = await api.request("POST", "/v1/notifications", {
      channel: "webhook",
      recipient: { webhook_url: "https://169.254.169.254/" },
      content: { event: "e", data: {} },
    });
    const listed = await api.request("GET", "/v1/notifications");

    // Assess
    expect(sent.status).toBe(400);
    expect(sent.body.error.code).toBe("invalid_destination");
    expect(listed.body.items).toEqual([]);
  });

  it("accepts public https URLs", async () => {
    // Prepare
    const { api } = await tenant();
    const url = "https://hooks.example.com/herald?token=abc%20def";

    // Act
    const put = await api.request("PUT", `/v1/recipients/${unique("user")}`, {
      webhook_url: url,
      push_subscription: { endpoint: "https://fcm.googleapis.com/fcm/send/abc", keys },
    });

    // Assess
    expect(put.status).toBe(200);
    expect(put.body.webhook_url).toBe(url);
  });

  it.each([
    ["in_app", { title: "t", url: "javascript:alert(1)" }],
    ["in_app", { title: "t", url: "data:text/html,<script>alert(1)</script>" }],
    ["push", { title: "t", url: "javascript:alert(1)" }],
    ["push", { title: "t", icon: "file:///etc/passwd" }],
  ])("refuses a non-http(s) link in %s content", async (channel, content) => {
    // Prepare
    const { api } = await tenant();
    const recipient =
      channel === "push"
        ? { push_subscription: { endpoint: "https://push.example.com/x", keys } }
        : { id: unique("user") };

    // Act
    const sent = await api.request("POST", "/v1/notifications", { channel, recipient, content });

    // Assess
    expect(sent.status).toBe(400);
    expect(sent.body.error.code).toBe("invalid_request");
  });
});

describe("timezones", () => {
  it.each(["Mars/Olympus_Mons", "", "Europe/Pariss", "UTC+5"])(
    "refuses the profile timezone %j with invalid_timezone",
    async (timezone) => {
      // Prepare
      const { api } = await tenant();

      // Act
      const put = await api.request("PUT", `/v1/recipients/${unique("user")}`, { timezone });

      // Assess
      expect(put.status).toBe(400);
      expect(put.body.error.code).toBe("invalid_timezone");
    },
  );

  it("answers an empty timezone in a send with invalid_timezone too", async () => {
    // Prepare
    const { api } = await tenant();

    // Act
    const sent = await api.request("POST", "/v1/notifications", {
      channel: "in_app",
      recipient: { id: unique("user"), timezone: "" },
      content: { title: "t" },
    });

    // Assess
    expect(sent.status).toBe(400);
    expect(sent.body.error.code).toBe("invalid_timezone");
  });

  it("takes a fixed UTC offset such as +05:30 as a timezone without DST, as documented", async () => {
    // Prepare
    const { api } = await tenant();
    const recipient = unique("user");

    // Act
    const put = await api.request("PUT", `/v1/recipients/${recipient}`, { timezone: "+05:30" });
    const sent = await api.request("POST", "/v1/notifications", {
      channel: "in_app",
      recipient: { id: recipient },
      content: { title: "t" },
      immediate: true,
    });

    // Assess
    expect(put.status).toBe(200);
    expect(sent.status).toBe(202);
    expect(sent.body.timezone).toBe("+05:30");
    expect(sent.body.local_scheduled_time).toMatch(/\+05:30$/);
  });
});

describe("the contract", () => {
  it("answers an over-size body in the standard error shape, tokens route included", async () => {
    // Prepare
    const { api } = await tenant();
    const big = { title: "x".repeat(300 * 1024) };

    // Act
    const answers = await Promise.all([
      api.request("POST", "/v1/notifications", big),
      api.request("POST", `/v1/recipients/${unique("user")}/tokens`, big),
    ]);

    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({ error: { code: "payload_too_large" } });
    }
  });

  it("parses the tokens body like every other: JSON only, documented fields only", async () => {
    // Prepare
    const { api } = await tenant();
    const path = `/v1/recipients/${unique("user")}/tokens`;

    // Act
    const plain = await api.request("POST", path, '{"ttl_seconds": 60}', {
      "content-type": "text/plain",
    });
    const unknown = await api.request("POST", path, { ttl_seconds: 60, scope: "all" });
    const empty = await api.request("POST", path);
    const timed = await api.request("POST", path, { ttl_seconds: 60 });

    // Assess
    expect(plain.status).toBe(400);
    expect(plain.body.error.code).toBe("unsupported_media_type");
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("invalid_request");
    expect(empty.status).toBe(200);
    expect(timed.status).toBe(200);
    const lifetime = Date.parse(timed.body.expires_at) - Date.now();
    expect(lifetime).toBeLessThanOrEqual(61_000);
    expect(lifetime).toBeGreaterThan(0);
  });

  it("refuses a JSON null body as not the documented object, on routes whose body is optional too", async () => {
    // Prepare
    const { api } = await tenant();
    const tokens = `/v1/recipients/${unique("user")}/tokens`;
    const before = await api.request("GET", "/v1/webhooks/secret");

    // Act
    const answers = {
      token: await api.request("POST", tokens, "null"),
      rotate: await api.request("POST", "/v1/webhooks/secret/rotate", "null"),
      preview: await api.request("POST", `/v1/templates/${unique("tpl")}/preview`, "null"),
      send: await api.request("POST", "/v1/notifications", "null"),
    };
    const after = await api.request("GET", "/v1/webhooks/secret");

    // Assess: each a 400 with the same code, and the secret was not rotated.
    for (const [name, answer] of Object.entries(answers)) {
      expect(answer.status, name).toBe(400);
      expect(answer.body.error.code, name).toBe("invalid_request");
    }
    expect(after.body).toEqual(before.body);
  });

  it("ignores a body on a route that takes none, as the routes sharing a handler with one do too", async () => {
    // Prepare: routes whose handler also serves a route with a body (callbacks, templates,
    // the webhook secret). /openapi.json documents neither 413 nor a body error for them.
    const { tenantId, api } = await tenant();
    const key = await cloud().createKey(tenantId);
    const big = "x".repeat(300 * 1024);
    const created = await api.request("POST", "/v1/callbacks", {
      url: "https://example.com/callback",
      events: ["delivered"],
    });
    const id = created.body.id as string;

    // Act
    const answers = {
      list: await requestWithBody(key, "GET", "/v1/callbacks", "{not json"),
      secret: await requestWithBody(key, "GET", "/v1/webhooks/secret", "plain", "text/plain"),
      get: await requestWithBody(key, "GET", `/v1/callbacks/${id}`, big),
      enable: await api.request("POST", `/v1/callbacks/${id}/enable`, big),
      template: await api.request("DELETE", `/v1/templates/${unique("tpl")}`, big),
      remove: await api.request("DELETE", `/v1/callbacks/${id}`, "{not json"),
    };

    // Assess
    expect(answers.list.status).toBe(200);
    expect(answers.secret.status).toBe(200);
    expect(answers.get.status).toBe(200);
    expect(answers.enable.status).toBe(200);
    expect(answers.template.status).toBe(404);
    expect(answers.template.body.error.code).toBe("template_not_found");
    expect(answers.remove.status).toBe(204);
  });
});

describe("unknown fields", () => {
  it("refuses them in a delivery window and a callback as in every other body, storing nothing", async () => {
    // Prepare: a window whose zone a caller might think it sets, and a misspelt callback field.
    const { api } = await tenant();
    const recipient = unique("user");
    const window = { start: "08:00", end: "22:00", timezone: "Europe/Paris" };

    // Act
    const answers = {
      send: await api.request("POST", "/v1/notifications", {
        channel: "in_app",
        recipient: { id: recipient },
        content: { title: "x" },
        delivery_window: window,
      }),
      profile: await api.request("PUT", `/v1/recipients/${recipient}`, { delivery_window: window }),
      workflow: await api.request("POST", "/v1/workflows", {
        recipient: { id: recipient },
        steps: [{ channel: "in_app", content: { title: "x" } }],
        delivery_window: window,
      }),
      callback: await api.request("POST", "/v1/callbacks", {
        url: "https://example.com/callback",
        events: ["delivered"],
        secret: "mine",
      }),
    };

    // Assess
    for (const [name, answer] of Object.entries(answers)) {
      expect(answer.status, name).toBe(400);
      expect(answer.body.error.code, name).toBe("invalid_request");
    }
    expect(
      (await api.request("GET", `/v1/notifications?recipient=${recipient}`)).body.items,
    ).toEqual([]);
    expect((await api.request("GET", `/v1/recipients/${recipient}`)).status).toBe(404);
    expect((await api.request("GET", "/v1/callbacks")).body.items).toEqual([]);
  });
});

/** A request with a body on any method (fetch sends none with GET), checked like the client's. */
async function requestWithBody(
  key: string,
  method: string,
  path: string,
  body: string,
  type = "application/json",
) {
  const { request } = await import("node:http");
  const answer = await new Promise<{ status: number; text: string; headers: Headers }>(
    (resolve, reject) => {
      const outgoing = request(
        `${cloud().apiUrl}${path}`,
        {
          method,
          headers: {
            authorization: `Bearer ${key}`,
            "content-type": type,
            "content-length": String(Buffer.byteLength(body)),
          },
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            text += chunk;
          });
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              text,
              headers: new Headers(
                Object.entries(response.headers).map(([name, value]) => [name, String(value)]),
              ),
            }),
          );
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    },
  );
  const parsed = answer.text ? JSON.parse(answer.text) : undefined;
  checkResponse(method, path, answer.status, parsed, answer.headers);
  return { status: answer.status, body: parsed };
}

describe("query parameters", () => {
  it("refuses one a route does not take on every API route, as GET /v1/notifications does", async () => {
    // Prepare: a recipient with an inbox token, a callback, and a template.
    const { api } = await tenant();
    const recipient = unique("user");
    const token = (await api.request("POST", `/v1/recipients/${recipient}/tokens`, {})).body.token;
    const inbox = client(cloud().apiUrl, token);
    const callback = await api.request("POST", "/v1/callbacks", {
      url: "https://example.com/callback",
      events: ["delivered"],
    });
    const template = unique("tpl");
    await api.request("PUT", `/v1/templates/${template}`, { channels: { in_app: { title: "t" } } });

    // Act
    const answers = {
      list: await api.request("GET", "/v1/notifications?bogus=1"),
      byId: await api.request("GET", "/v1/notifications/ntf_nothing?bogus=1"),
      settings: await api.request("GET", "/v1/settings?bogus=1"),
      secret: await api.request("GET", "/v1/webhooks/secret?bogus=1"),
      callback: await api.request("GET", `/v1/callbacks/${callback.body.id}?bogus=1`),
      template: await api.request("GET", `/v1/templates/${template}?version=1&bogus=1`),
      recipient: await api.request("GET", `/v1/recipients/${recipient}/inbox/unread-count?x=1`),
      inbox: await inbox.request("GET", "/v1/inbox/unread-count?utm_source=mail"),
      templateOk: await api.request("GET", `/v1/templates/${template}?version=1`),
    };

    // Assess: the same stable code and the same details shape everywhere.
    for (const [name, answer] of Object.entries(answers)) {
      if (name === "templateOk") continue;
      expect(answer.status, name).toBe(400);
      expect(answer.body.error.code, name).toBe("invalid_request");
      expect(answer.body.error.details[0].code, name).toBe("unrecognized_keys");
    }
    expect(answers.templateOk.status).toBe(200);
  });

  it("ignores tracking parameters on the pages a browser or mail client opens from a link", async () => {
    // Prepare: a preference link, as an email carries it.
    const { api } = await tenant();
    const recipient = unique("r");
    const link = await api.request("POST", `/v1/recipients/${recipient}/preferences/link`, {
      categories: ["billing"],
    });
    const anonymous = client(cloud().apiUrl);

    // Act
    const page = await anonymous.request(
      "GET",
      `/v1/preferences/${link.body.token}?utm_source=newsletter&fbclid=x`,
    );
    const docs = await anonymous.request("GET", "/docs?utm_campaign=x");

    // Assess
    expect(page.status).toBe(200);
    expect(docs.status).toBe(200);
  });
});
