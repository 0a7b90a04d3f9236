import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { type ApiRoute, type LocalApiGateway, startApiGateway } from "@herald/local/api-gateway";
import { LambdaTimeoutError } from "@herald/local/lambda";
import type {
  APIGatewayProxyHandlerV2,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The local API Gateway (HTTP API, payload 2.0), driven over real HTTP with small handlers
 * defined here: routing, the event it builds, the authorizer, and how results become responses.
 */

interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json(): any;
}

/** node:http rather than fetch, so tests control repeated headers and raw query strings. */
function call(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string | string[]>;
    body?: Buffer | string;
  } = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? "GET", headers: options.headers });
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: () => JSON.parse(body.toString("utf8")),
        });
      });
    });
    req.end(options.body);
  });
}

/** Answers with the event and a few context fields, as a JSON 200 (no statusCode). */
const echo: APIGatewayProxyHandlerV2<unknown> = async (event, context: Context) => ({
  event,
  context: {
    functionName: context.functionName,
    awsRequestId: context.awsRequestId,
    remainingMs: context.getRemainingTimeInMillis(),
  },
});

const route = (key: string, handler: APIGatewayProxyHandlerV2<unknown>, extra = {}): ApiRoute => ({
  route: key,
  handler: async () => handler,
  ...extra,
});

const tagged = (key: string) => route(key, async () => ({ matched: key }));

describe("local API Gateway", () => {
  const errors: unknown[] = [];
  let api: LocalApiGateway;
  let lazyLoads = 0;

  beforeAll(async () => {
    api = await startApiGateway({
      timeoutMs: 300,
      onError: (error) => errors.push(error),
      routes: [
        tagged("GET /pets/dog/1"),
        tagged("ANY /pets/dog/1"),
        tagged("GET /pets/dog/{id}"),
        tagged("GET /pets/{proxy+}"),
        tagged("ANY /{proxy+}"),
        tagged("$default"),
        route("GET /echo/{name}", echo, { functionName: "echo-fn" }),
        route("POST /echo", echo),
        route("GET /string", async () => "plain text"),
        route("POST /binary", async (event) => ({
          statusCode: 201,
          headers: { "Content-Type": "application/octet-stream", "X-Count": 3 },
          cookies: ["session=abc; Path=/; HttpOnly", "theme=dark"],
          body: event.body,
          isBase64Encoded: true,
        })),
        route("GET /boom", async () => {
          throw new Error("handler blew up");
        }),
        route("GET /slow", async () => {
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          return { statusCode: 200 };
        }),
        {
          route: "GET /lazy",
          handler: async () => {
            lazyLoads++;
            return async () => ({ statusCode: 204 });
          },
        },
      ],
    });
  });

  afterAll(async () => {
    await api?.stop();
  });

  describe("routing", () => {
    it.each([
      ["GET", "/pets/dog/1", "GET /pets/dog/1"],
      ["POST", "/pets/dog/1", "ANY /pets/dog/1"],
      ["GET", "/pets/dog/2", "GET /pets/dog/{id}"],
      ["GET", "/pets/cat/1", "GET /pets/{proxy+}"],
      ["POST", "/pets/cat/1", "ANY /{proxy+}"],
      ["DELETE", "/anything/else", "ANY /{proxy+}"],
      ["GET", "/", "$default"],
    ])("%s %s → %s", async (method, path, expected) => {
      // Act
      const response = await call(`${api.url}${path}`, { method });

      // Assess
      expect(response.status).toBe(200);
      expect(response.json()).toEqual({ matched: expected });
    });

    it("passes decoded path parameters, with the greedy one under its own name", async () => {
      // Act
      const param = (await call(`${api.url}/echo/a%20b`)).json().event;
      const exact = (await call(`${api.url}/echo`, { method: "POST" })).json().event;

      // Assess
      expect(param.routeKey).toBe("GET /echo/{name}");
      expect(param.rawPath).toBe("/echo/a%20b");
      expect(param.pathParameters).toEqual({ name: "a b" });
      expect(exact.pathParameters).toBeUndefined();
    });

    it("answers 404 Not Found when no route matches and there is no $default", async () => {
      // Prepare
      const bare = await startApiGateway({ routes: [tagged("GET /only")] });

      try {
        // Act
        const response = await call(`${bare.url}/other`);

        // Assess
        expect(response.status).toBe(404);
        expect(response.json()).toEqual({ message: "Not Found" });
        expect(response.headers["apigw-requestid"]).toBeTruthy();
      } finally {
        await bare.stop();
      }
    });
  });

  describe("the event", () => {
    it("has the payload 2.0 shape: query, cookies, headers, request context", async () => {
      // Act
      const response = await call(`${api.url}/echo/bob?b=2&a=1&a=3&empty=&sp=x%20y`, {
        headers: {
          "X-Multi": ["one", "two"],
          Cookie: "session=abc; theme=dark",
          "User-Agent": "herald-test/1.0",
        },
      });

      // Assess
      const { event, context } = response.json();
      expect(event).toMatchObject({
        version: "2.0",
        routeKey: "GET /echo/{name}",
        rawPath: "/echo/bob",
        rawQueryString: "b=2&a=1&a=3&empty=&sp=x%20y",
        cookies: ["session=abc", "theme=dark"],
        queryStringParameters: { a: "1,3", b: "2", empty: "", sp: "x y" },
        pathParameters: { name: "bob" },
        isBase64Encoded: false,
      });
      expect(event.body).toBeUndefined();
      expect(event.headers.cookie).toBeUndefined();
      expect(event.headers["x-multi"]).toBe("one,two");
      expect(event.headers["user-agent"]).toBe("herald-test/1.0");
      expect(event.headers.host).toBe(new URL(api.url).host);
      expect(event.headers["x-forwarded-for"]).toBe("127.0.0.1");
      expect(event.headers["x-amzn-trace-id"]).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
      expect(event.requestContext).toMatchObject({
        accountId: "123456789012",
        domainName: new URL(api.url).host,
        http: {
          method: "GET",
          path: "/echo/bob",
          protocol: "HTTP/1.1",
          sourceIp: "127.0.0.1",
          userAgent: "herald-test/1.0",
        },
        requestId: response.headers["apigw-requestid"],
        routeKey: "GET /echo/{name}",
        stage: "$default",
      });
      expect(event.requestContext.apiId).toMatch(/^[a-z0-9]{10}$/);
      expect(event.requestContext.time).toMatch(
        /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/,
      );
      expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5_000);
      expect(event.requestContext.authorizer).toBeUndefined();
      expect(response.headers["x-amzn-requestid"]).toBe(response.headers["apigw-requestid"]);
      expect(context.functionName).toBe("echo-fn");
      expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(context.remainingMs).toBeGreaterThan(0);
      expect(context.remainingMs).toBeLessThanOrEqual(300);
    });

    it("leaves queryStringParameters and cookies out when there are none", async () => {
      // Act
      const { event } = (await call(`${api.url}/echo/bob`)).json();

      // Assess
      expect(event.rawQueryString).toBe("");
      expect(event.queryStringParameters).toBeUndefined();
      expect(event.cookies).toBeUndefined();
    });

    it("passes JSON and text bodies as text, anything else base64-encoded", async () => {
      // Prepare
      const bytes = Buffer.from([0, 1, 2, 250, 255]);

      // Act
      const json = (
        await call(`${api.url}/echo`, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8" },
          body: JSON.stringify({ hello: "wörld" }),
        })
      ).json().event;
      const binary = (
        await call(`${api.url}/echo`, {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body: bytes,
        })
      ).json().event;

      // Assess
      expect(json.body).toBe('{"hello":"wörld"}');
      expect(json.isBase64Encoded).toBe(false);
      expect(binary.body).toBe(bytes.toString("base64"));
      expect(binary.isBase64Encoded).toBe(true);
    });

    it("refuses bodies over 10 MB with 413", async () => {
      // Act
      const response = await call(`${api.url}/echo`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x20),
      });

      // Assess
      expect(response.status).toBe(413);
    });

    it("loads a handler on its first request and reuses it", async () => {
      // Prepare
      expect(lazyLoads).toBe(0);

      // Act
      const first = await call(`${api.url}/lazy`);
      const second = await call(`${api.url}/lazy`);

      // Assess
      expect([first.status, second.status]).toEqual([204, 204]);
      expect(lazyLoads).toBe(1);
    });
  });

  describe("responses", () => {
    it("maps a structured result: status, headers, cookies, base64 body", async () => {
      // Prepare
      const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]);

      // Act
      const response = await call(`${api.url}/binary`, {
        method: "POST",
        headers: { "content-type": "image/png" },
        body: bytes,
      });

      // Assess
      expect(response.status).toBe(201);
      expect(response.headers["content-type"]).toBe("application/octet-stream");
      expect(response.headers["x-count"]).toBe("3");
      expect(response.headers["set-cookie"]).toEqual([
        "session=abc; Path=/; HttpOnly",
        "theme=dark",
      ]);
      expect(response.body.equals(bytes)).toBe(true);
    });

    it("maps a result without statusCode to a JSON 200, strings as they are", async () => {
      // Act
      const text = await call(`${api.url}/string`);
      const object = await call(`${api.url}/pets/dog/1`);

      // Assess
      expect(text.status).toBe(200);
      expect(text.headers["content-type"]).toBe("application/json");
      expect(text.body.toString()).toBe("plain text");
      expect(object.headers["content-type"]).toBe("application/json");
      expect(object.body.toString()).toBe('{"matched":"GET /pets/dog/1"}');
    });

    it("answers 500 when the handler throws, and reports the error", async () => {
      // Prepare
      errors.length = 0;

      // Act
      const response = await call(`${api.url}/boom`);

      // Assess
      expect(response.status).toBe(500);
      expect(response.json()).toEqual({ message: "Internal Server Error" });
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).name).toBe("IntegrationError");
      expect(((errors[0] as Error).cause as Error).message).toBe("handler blew up");
    });

    it("answers 503 when the handler outlives the timeout", async () => {
      // Prepare
      errors.length = 0;

      // Act
      const started = Date.now();
      const response = await call(`${api.url}/slow`);

      // Assess
      expect(response.status).toBe(503);
      expect(response.json()).toEqual({ message: "Service Unavailable" });
      expect(Date.now() - started).toBeLessThan(1_400);
      expect((errors[0] as Error).cause).toBeInstanceOf(LambdaTimeoutError);
    });
  });
});

describe("local API Gateway with a Lambda authorizer", () => {
  const authorizerEvents: APIGatewayRequestAuthorizerEventV2[] = [];
  const errors: unknown[] = [];
  const authorizer = async (event: APIGatewayRequestAuthorizerEventV2) => {
    authorizerEvents.push(event);
    const token = event.identitySource[0];
    if (token === "Bearer boom") throw new Error("authorizer blew up");
    return token === "Bearer good"
      ? { isAuthorized: true, context: { tenantId: "ten_1", scopes: "send" } }
      : { isAuthorized: false };
  };
  const routes = [route("GET /secure", echo), route("GET /health", echo, { auth: false })];
  let api: LocalApiGateway;
  let cachedApi: LocalApiGateway;

  beforeAll(async () => {
    api = await startApiGateway({
      routes,
      authorizer: { handler: async () => authorizer },
      onError: (error) => errors.push(error),
    });
    cachedApi = await startApiGateway({
      routes,
      authorizer: { handler: async () => authorizer, resultsTtlSeconds: 60 },
    });
  });

  afterAll(async () => {
    await api?.stop();
    await cachedApi?.stop();
  });

  const calls = () => authorizerEvents.length;

  it("answers 401 without invoking the authorizer when the identity is missing", async () => {
    // Prepare
    const before = calls();

    // Act
    const response = await call(`${api.url}/secure`);

    // Assess
    expect(response.status).toBe(401);
    expect(response.json()).toEqual({ message: "Unauthorized" });
    expect(calls()).toBe(before);
  });

  it("answers 403 when the authorizer denies", async () => {
    // Act
    const response = await call(`${api.url}/secure`, { headers: { authorization: "Bearer bad" } });

    // Assess
    expect(response.status).toBe(403);
    expect(response.json()).toEqual({ message: "Forbidden" });
  });

  it("hands the authorizer context to the handler as requestContext.authorizer.lambda", async () => {
    // Act
    const response = await call(`${api.url}/secure?x=1`, {
      headers: { authorization: "Bearer good" },
    });

    // Assess
    expect(response.status).toBe(200);
    const { event } = response.json();
    expect(event.requestContext.authorizer).toEqual({
      lambda: { tenantId: "ten_1", scopes: "send" },
    });
    const seen = authorizerEvents.at(-1);
    expect(seen).toMatchObject({
      version: "2.0",
      type: "REQUEST",
      identitySource: ["Bearer good"],
      routeKey: "GET /secure",
      rawPath: "/secure",
      rawQueryString: "x=1",
      queryStringParameters: { x: "1" },
    });
    expect(seen?.routeArn).toMatch(
      /^arn:aws:execute-api:us-east-1:123456789012:\w+\/\$default\/GET\/secure$/,
    );
  });

  it("answers 500 when the authorizer throws", async () => {
    // Prepare
    errors.length = 0;

    // Act
    const response = await call(`${api.url}/secure`, { headers: { authorization: "Bearer boom" } });

    // Assess
    expect(response.status).toBe(500);
    expect(response.json()).toEqual({ message: "Internal Server Error" });
    expect(((errors[0] as Error).cause as Error).message).toBe("authorizer blew up");
  });

  it("skips the authorizer on a route with auth: false", async () => {
    // Prepare
    const before = calls();

    // Act
    const response = await call(`${api.url}/health`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.json().event.requestContext.authorizer).toBeUndefined();
    expect(calls()).toBe(before);
  });

  it("does not cache results by default, and caches them per identity for resultsTtlSeconds", async () => {
    // Prepare
    const before = calls();
    const good = { headers: { authorization: "Bearer good" } };

    // Act
    await call(`${api.url}/secure`, good);
    await call(`${api.url}/secure`, good);
    const uncached = calls() - before;
    await call(`${cachedApi.url}/secure`, good);
    await call(`${cachedApi.url}/secure`, good);
    const denied = await call(`${cachedApi.url}/secure`, {
      headers: { authorization: "Bearer bad" },
    });

    // Assess
    expect(uncached).toBe(2);
    expect(calls() - before).toBe(4);
    expect(denied.status).toBe(403);
  });
});

describe("local API Gateway's access log", () => {
  const lines: string[] = [];
  const format = JSON.stringify({
    requestId: "$context.requestId",
    route: "$context.routeKey",
    status: "$context.status",
    tenantId: "$context.authorizer.tenantId",
    error: "$context.error.message",
    unknown: "$context.somethingElse",
  });
  let api: LocalApiGateway;

  beforeAll(async () => {
    api = await startApiGateway({
      routes: [route("GET /secure", echo), route("GET /open", echo, { auth: false })],
      authorizer: {
        handler: async () => async (event: APIGatewayRequestAuthorizerEventV2) =>
          event.identitySource[0] === "Bearer good"
            ? // A value that needs escaping in a JSON string.
              { isAuthorized: true, context: { tenantId: 'ten_"1"\\' } }
            : { isAuthorized: false },
      },
      accessLog: { format, write: (line) => lines.push(line) },
    });
  });

  afterAll(async () => {
    await api?.stop();
  });

  it("writes one line per request in the stage's format, '-' where a request has no value", async () => {
    // Act
    const ok = await call(`${api.url}/secure`, { headers: { authorization: "Bearer good" } });
    await call(`${api.url}/secure`, { headers: { authorization: "Bearer bad" } });
    await call(`${api.url}/secure`);
    await call(`${api.url}/nowhere`);

    // Assess
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed).toEqual([
      {
        requestId: ok.headers["apigw-requestid"],
        route: "GET /secure",
        status: "200",
        tenantId: 'ten_"1"\\',
        error: "-",
        unknown: "-",
      },
      expect.objectContaining({
        route: "GET /secure",
        status: "403",
        tenantId: "-",
        error: "Forbidden",
      }),
      expect.objectContaining({ route: "GET /secure", status: "401", error: "Unauthorized" }),
      expect.objectContaining({ route: "-", status: "404", error: "Not Found" }),
    ]);
  });
});
