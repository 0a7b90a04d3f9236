import { beforeAll, describe, expect, it } from "vitest";
import { routes, workers } from "../functions/manifest";
import { useLocalCloud } from "./support";

const cloud = useLocalCloud();

/** Every route but API Gateway's `$default` catch-all, which is not an operation. */
const operations = routes.filter(({ route }) => route !== "$default");

// Imported once the local cloud has set the environment (the log level is read on import).
let OpenApi: typeof import("@herald/core/openapi");
beforeAll(async () => {
  OpenApi = await import("@herald/core/openapi");
});
const openApiDocument = (list: Parameters<typeof OpenApi.openApiDocument>[0]) =>
  OpenApi.openApiDocument(list);

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
  it("is OpenAPI 3.1.0 and documents every manifest route with the right security", () => {
    // Prepare
    const expected = operations.map(({ route, auth }) => ({ route, auth: auth ?? true }));

    // Act
    const document = openApiDocument(routes);

    // Assess
    expect(document.openapi).toBe("3.1.0");
    expect(document.components.securitySchemes.apiKey).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(expected.map(({ route }) => route).sort());
    for (const { route, auth } of expected) {
      const [path, method] = locate(route);
      const operation = document.paths[path]?.[method];
      const responses = operation?.responses as Record<string, unknown>;
      if (route.startsWith("GET /v1/inbox") || route.startsWith("POST /v1/inbox")) {
        // The browser's own inbox: a recipient token, which the handler checks.
        expect(operation?.security, route).toEqual([{ recipientToken: [] }]);
        expect(Object.keys(responses), route).toEqual(expect.arrayContaining(["401", "429"]));
        continue;
      }
      expect(operation?.security, route).toEqual(auth ? [{ apiKey: [] }] : []);
      if (auth)
        expect(Object.keys(responses), route).toEqual(
          expect.arrayContaining(["401", "403", "429"]),
        );
      else expect(Object.keys(responses), route).not.toContain("401");
    }
  });

  it("documents every path parameter and the shared error body", () => {
    // Act
    const document = openApiDocument(routes);

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
    const document = openApiDocument(routes);
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
    const document = openApiDocument(routes);
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

  it("refuses to build when a route has no entry in the table", () => {
    // Prepare
    const undocumented = [
      ...routes,
      { route: "POST /v1/teleport", handler: "functions/x.handler" },
    ];
    const stale = routes.filter(({ route }) => route !== "GET /health");

    // Act
    const buildUndocumented = () => openApiDocument(undocumented);
    const buildStale = () => openApiDocument(stale);

    // Assess
    expect(buildUndocumented).toThrow(OpenApi.UndocumentedRouteError);
    expect(buildUndocumented).toThrow(/POST \/v1\/teleport/);
    expect(buildStale).toThrow(OpenApi.OpenApiTableError);
  });

  it("is built once and cached", () => {
    // Act
    const first = openApiDocument(routes);
    const second = openApiDocument(routes);

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
    expect(body).toEqual(JSON.parse(JSON.stringify(openApiDocument(routes))));
  });

  it("serves an HTML page at /docs that renders /openapi.json without any CDN", async () => {
    // Act
    const response = await fetch(`${cloud().apiUrl}/docs`);
    const html = await response.text();

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('fetch("/openapi.json"');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\//);
    expect(response.headers.get("content-security-policy")).toMatch(
      /default-src 'none'.*script-src 'sha256-/,
    );
  });
});
