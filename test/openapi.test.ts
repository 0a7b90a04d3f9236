import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { routes, workers } from "../functions/manifest";
import { httpRoutes } from "../functions/routes";
import { useLocalCloud } from "./support";

const cloud = useLocalCloud();

/** Every route but API Gateway's `$default` catch-all, which is not an operation. */
const operations = routes.filter(({ route }) => route !== "$default");

// Imported once the local cloud has set the environment (the log level is read on import).
let OpenApi: typeof import("@herald/core/openapi");
beforeAll(async () => {
  OpenApi = await import("@herald/core/openapi");
});
const openApiDocument = (table: Parameters<typeof OpenApi.openApiDocument>[0] = httpRoutes) =>
  OpenApi.openApiDocument(table);

/** `GET /v1/notifications/{id}` → ["/v1/notifications/{id}", "get"]. */
function locate(route: string): [string, string] {
  const [method, path] = route.split(" ") as [string, string];
  return [path, method.toLowerCase()];
}

function resolve(document: ReturnType<typeof OpenApi.openApiDocument>, ref: string) {
  const name = ref.replace("#/components/schemas/", "");
  return document.components.schemas[name];
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1.0 and documents every declared route with its auth kind's security", () => {
    // Prepare
    const expected = {
      apiKey: { security: [{ apiKey: [] }], errors: ["401", "403", "429"] },
      recipientToken: { security: [{ recipientToken: [] }], errors: ["401", "429"] },
      signedLink: { security: [], errors: [] },
      none: { security: [], errors: [] },
    };

    // Act
    const document = openApiDocument();

    // Assess
    expect(document.openapi).toBe("3.1.0");
    expect(document.components.securitySchemes.apiKey).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(operations.map(({ route }) => route).sort());
    for (const [route, { auth }] of Object.entries(httpRoutes)) {
      const [path, method] = locate(route);
      const operation = document.paths[path]?.[method];
      const responses = Object.keys(operation?.responses as Record<string, unknown>);
      expect(operation?.security, route).toEqual(expected[auth].security);
      expect(responses, route).toEqual(expect.arrayContaining(expected[auth].errors));
      if (auth === "none" || auth === "signedLink") expect(responses, route).not.toContain("401");
    }
  });

  it("serves exactly the declared routes, API Gateway's catch-all, and nothing else", () => {
    // Act
    const served = routes.map(({ route, handler, auth, links }) => ({
      route,
      handler,
      auth,
      links,
    }));

    // Assess
    expect(served).toEqual([
      ...Object.entries(httpRoutes).map(([route, declared]) => ({
        route,
        handler: declared.handler,
        auth: declared.auth === "apiKey",
        links: declared.links,
      })),
      {
        route: "$default",
        handler: "functions/api/not-found.handler",
        auth: false,
        links: undefined,
      },
    ]);
  });

  it("documents every path parameter and the shared error body", () => {
    // Act
    const document = openApiDocument();

    // Assess
    for (const { route } of operations) {
      const [path, method] = locate(route);
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const parameters = (document.paths[path]?.[method]?.parameters ?? []) as {
        name: string;
        in: string;
        required: boolean;
      }[];
      const inPath = parameters.filter((parameter) => parameter.in === "path");
      expect(
        inPath.map((parameter) => parameter.name),
        route,
      ).toEqual(names);
      expect(
        inPath.every((parameter) => parameter.required),
        route,
      ).toBe(true);
    }
    expect(document.components.schemas.Error).toMatchObject({
      properties: { error: { required: ["code", "message"] } },
    });
    expect(document.components.responses.BadRequest).toMatchObject({
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    });
  });

  it("gives the send body a channel discriminator over all five channels, or a template", () => {
    // Act
    const document = openApiDocument();
    const send = document.paths["/v1/notifications"]?.post as any;
    const request = resolve(
      document,
      send.requestBody.content["application/json"].schema.$ref,
    ) as any;
    const body = resolve(document, request.anyOf[0].$ref) as any;
    const templated = resolve(document, request.anyOf[1].$ref) as any;
    expect(templated.required).toEqual(expect.arrayContaining(["channel", "template"]));

    // Assess
    expect(body.discriminator.propertyName).toBe("channel");
    expect(Object.keys(body.discriminator.mapping).sort()).toEqual(Object.keys(workers).sort());
    expect(body.oneOf).toHaveLength(5);
    for (const [channel, ref] of Object.entries(body.discriminator.mapping)) {
      const variant = resolve(document, ref as string) as any;
      expect(variant.properties.channel.const, channel).toBe(channel);
      expect(variant.required).toEqual(expect.arrayContaining(["channel", "recipient", "content"]));
    }
    expect(send.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "Idempotency-Key", in: "header" })]),
    );
  });

  it("documents list filters as query parameters from ListInput", () => {
    // Act
    const document = openApiDocument();
    const list = document.paths["/v1/notifications"]?.get as any;

    // Assess
    const query = list.parameters.filter((parameter: any) => parameter.in === "query");
    expect(query.map((parameter: any) => parameter.name).sort()).toEqual(
      [
        "channel",
        "created_after",
        "created_before",
        "cursor",
        "limit",
        "recipient",
        "status",
      ].sort(),
    );
    expect(query.find((parameter: any) => parameter.name === "limit").schema).toMatchObject({
      type: "integer",
      minimum: 1,
      maximum: 100,
    });
  });

  it("refuses a declaration it cannot document", () => {
    // Prepare
    const declared = httpRoutes["GET /v1/notifications/{id}"];
    const wrongName = { "GET /v1/notifications/{notification}": declared };
    const missing = { "GET /v1/teleport/{id}": { ...declared, path: undefined } };
    const malformed = { "/v1/teleport": declared };

    // Act
    const build = (table: Parameters<typeof openApiDocument>[0]) => () => openApiDocument(table);

    // Assess
    expect(build(wrongName)).toThrow(OpenApi.RouteDeclarationError);
    expect(build(wrongName)).toThrow(/\{notification\}|\[notification\]/);
    expect(build(missing)).toThrow(OpenApi.RouteDeclarationError);
    expect(build(malformed)).toThrow(/is not "<METHOD> \/path"/);
  });

  it("is built once and cached", () => {
    // Act
    const first = openApiDocument();
    const second = openApiDocument();

    // Assess
    expect(second).toBe(first);
  });
});

describe("serving the documentation", () => {
  it("serves the document at /openapi.json without an API key", async () => {
    // Act
    const response = await fetch(`${cloud().apiUrl}/openapi.json`);
    const body = await response.json();

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it("serves Scalar's reference page at /docs, its script pinned and checked by SRI", async () => {
    // Act
    const response = await fetch(`${cloud().apiUrl}/docs`);
    const html = await response.text();

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    const scripts = [...html.matchAll(/<script src="([^"]+)" integrity="(sha384-[^"]+)"/g)];
    expect(scripts.map(([, src]) => src)).toEqual([
      expect.stringMatching(
        /^https:\/\/cdn\.jsdelivr\.net\/npm\/@scalar\/api-reference@\d+\.\d+\.\d+\/dist\/browser\/standalone\.js$/,
      ),
    ]);
    expect(html).toContain('url: "/openapi.json"');
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(
      /script-src https:\/\/cdn\.jsdelivr\.net\/npm\/@scalar\/api-reference@[\d.]+\/ 'sha256-/,
    );
    // The browser runs the inline script only if the policy names its hash.
    const inline = [...html.matchAll(/<script>([^<]*)<\/script>/g)].map(([, text]) => text ?? "");
    expect(inline).toHaveLength(1);
    const inlineHash = createHash("sha256")
      .update(inline[0] ?? "")
      .digest("base64");
    expect(csp).toContain(`'sha256-${inlineHash}'`);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
  });
});
