import { describe, expect, it } from "vitest";
import { routes } from "../functions/manifest";
import { ContractError, checkResponse } from "./contract";
import { client, unique, useLocalCloud } from "./support";

/**
 * The contract check itself (./contract, which the test client runs on every answer), and one
 * walk over every route with a valid and a hostile request, so each route's success and error
 * answers are validated against /openapi.json at least once.
 */

const cloud = useLocalCloud();

describe("the contract check", () => {
  it("refuses a body that does not match and a status the operation does not document", () => {
    // Prepare
    const missingFields = { id: "ntf_x", status: "queued" };

    // Act
    const wrongBody = () => checkResponse("GET", "/v1/notifications/ntf_x", 200, missingFields);
    const wrongStatus = () => checkResponse("GET", "/v1/recipients/x/inbox/unread-count", 409, {});
    const gatewayShape = () =>
      checkResponse("POST", "/v1/notifications", 400, { message: "Bad Request" });

    // Assess
    expect(wrongBody).toThrow(ContractError);
    expect(wrongStatus).toThrow(/not a documented answer/);
    expect(gatewayShape).toThrow(ContractError);
  });

  it("refuses a declared header on a response that does not declare it, or with a bad value", () => {
    // Prepare
    const replayed = new Headers({ "idempotent-replayed": "true" });
    const refused = { error: { code: "rate_limited", message: "m" } };

    // Act
    const undeclared = () =>
      checkResponse("GET", "/v1/notifications/ntf_x", 404, refused, replayed);
    const badValue = () =>
      checkResponse(
        "POST",
        "/v1/notifications",
        429,
        refused,
        new Headers({ "retry-after": "soon" }),
      );
    const declared = () =>
      checkResponse("POST", "/v1/notifications", 429, refused, new Headers({ "retry-after": "3" }));

    // Assess
    expect(undeclared).toThrow(/idempotent-replayed, which its response does not declare/);
    expect(badValue).toThrow(/header retry-after/);
    expect(declared).not.toThrow();
  });

  it("takes the documented shapes, the gateway's 413 past 10 MB included", () => {
    expect(() =>
      checkResponse("POST", "/v1/notifications", 413, { message: "Request Entity Too Large" }),
    ).not.toThrow();
    expect(() =>
      checkResponse("PUT", "/v1/recipients/x", 400, {
        error: { code: "invalid_destination", message: "m", details: [] },
      }),
    ).not.toThrow();
  });
});

describe("every route against /openapi.json", () => {
  it("answers a valid and a hostile request per route as documented", async () => {
    // Prepare
    const key = await cloud().createKey(unique("tenant"));
    const api = client(cloud().apiUrl, key);
    const recipient = unique("user");
    const sent = await api.request("POST", "/v1/notifications", {
      channel: "in_app",
      recipient: { id: recipient, timezone: "Europe/Paris" },
      content: { title: "hello", url: "https://example.com/a" },
      immediate: true,
    });
    const id = sent.body.id as string;
    const concrete = (path: string) =>
      path
        .replace("{id}", path.startsWith("/v1/recipients") ? recipient : id)
        .replace("{notification}", id)
        .replace("{topic}", "contract-topic")
        .replace("{recipient}", recipient);
    const valid: Record<string, unknown> = {
      "PUT /v1/recipients/{id}": {
        email: "a@example.com",
        webhook_url: "http://127.0.0.1:9/hook",
        timezone: "+05:30",
      },
      "POST /v1/recipients/{id}/tokens": { ttl_seconds: 60 },
      "POST /v1/notifications/batch": {
        items: [
          { channel: "in_app", recipient: { id: recipient }, content: { title: "a" } },
          { channel: "in_app", recipient: {}, content: { title: "b" }, idempotency_key: "k" },
        ],
      },
      "POST /v1/topics/{topic}/notifications": { channel: "in_app", content: { title: "t" } },
    };
    const hostile: Record<string, unknown> = {
      "PUT /v1/recipients/{id}": { webhook_url: "https://exa mple.com/", timezone: "Mars/Base" },
      "POST /v1/notifications": {
        channel: "in_app",
        recipient: {},
        content: { url: "javascript:x" },
      },
      "POST /v1/recipients/{id}/tokens": { ttl_seconds: 1e9, feed: true },
      "POST /v1/notifications/batch": { items: [{ channel: "fax" }], extra: true },
    };

    // Act + Assess: the client throws a ContractError on any undocumented answer.
    const seen: string[] = [];
    for (const { route } of routes.filter(({ route }) => route.includes(" "))) {
      const [method, template] = route.split(" ") as [string, string];
      const path = concrete(template);
      const body = method === "GET" || method === "DELETE" ? undefined : (valid[route] ?? {});
      const ok = await api.request(method, path, body);
      const bad =
        method === "GET"
          ? await api.request(method, `${path}?cursor=forged.${"A".repeat(43)}&limit=0`)
          : await api.request(method, path, hostile[route] ?? "[1,", {
              "content-type": "application/json",
            });
      seen.push(`${route} ${ok.status}/${bad.status}`);
    }
    const missing = await api.request("GET", "/v1/nothing-here");
    expect(missing.status).toBe(404);
    expect(seen).toHaveLength(routes.length - 1);
  });
});
