import { ValidationError, VisibleError } from "@herald/core/error";
import { log } from "@herald/core/log";
import type { Principal } from "@herald/core/tenant";
import type * as z from "@herald/core/zod";
import middy, { type MiddlewareObj } from "@middy/core";
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from "aws-lambda";
import { errorResponse } from "./errors";

/**
 * The middy chain every API handler shares: request-scoped log context, a bounded JSON body, and
 * the one place errors become HTTP responses. `publicApi` serves routes without an API key
 * (health, docs, signed links) and loads nothing else; `api` (`http.ts`) adds the authorizer's
 * principal and the rate limit, which only routes with a credential need (a public route does
 * not load Redis or the rate limiter at init).
 */

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<Partial<Principal>>;

export interface ApiRequest {
  event: ApiEvent;
  /** Parsed JSON body, when the route takes one. */
  body: unknown;
  /** The tenant and key, when the route requires a credential. */
  principal: Principal;
}

export type ApiResult = { status: number; body?: unknown; headers?: Record<string, string> };

/** The header an accepted request's answer carries when an Idempotency-Key replayed it. */
export function replayedHeaders(replayed: boolean): Record<string, string> | undefined {
  return replayed ? { "idempotent-replayed": "true" } : undefined;
}

/** Larger bodies are refused before parsing; notification content has its own field limits. */
export const MAX_BODY_BYTES = 256 * 1024;

function json(status: number, body: unknown, headers?: Record<string, string>) {
  return {
    statusCode: status,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body),
  } satisfies APIGatewayProxyStructuredResultV2;
}

/** Request-scoped log fields, and the handler's access line (debug). */
const context: MiddlewareObj<ApiEvent, APIGatewayProxyStructuredResultV2> = {
  before: (request) => {
    const { event } = request;
    log.setContext({ requestId: event.requestContext.requestId, route: event.routeKey });
    (request.internal as { started?: number }).started = Date.now();
  },
  after: (request) => access(request),
  onError: (request) => access(request),
};

/**
 * The handler's view of a request, at debug: API Gateway's access log (the manifest's format)
 * already writes a line per request with its id, route, status, latency and tenant, and a second
 * line per request at info was a third of the bytes a notification logs. Errors are logged where
 * they are turned into answers (`errors.ts`).
 */
function access(request: middy.Request<ApiEvent, APIGatewayProxyStructuredResultV2>) {
  const started = (request.internal as { started?: number }).started ?? Date.now();
  log.debug("request", {
    // Explicit, not only from the log context: locally many requests share one process.
    requestId: request.event.requestContext.requestId,
    route: request.event.routeKey,
    status: request.response?.statusCode,
    durationMs: Date.now() - started,
    tenantId: request.event.requestContext.authorizer?.lambda?.tenantId,
  });
}

/** Turns thrown errors into responses (the map is `errors.ts`). */
const errors: MiddlewareObj<ApiEvent, APIGatewayProxyStructuredResultV2> = {
  onError: (request) => {
    const { status, body, headers } = errorResponse(request.error);
    request.response = json(status, body, headers);
  },
};

/** `__proto__` in a body can only be an attack on whatever copies the object next. */
function refusePrototypeKeys(key: string, value: unknown) {
  if (key === "__proto__") {
    throw new ValidationError("forbidden_key", '"__proto__" is not allowed as a key');
  }
  return value;
}

export function parseBody(event: ApiEvent, limit = MAX_BODY_BYTES): unknown {
  if (!event.body) throw new ValidationError("missing_body", "A JSON body is required");
  const raw = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body);
  if (raw.byteLength > limit) {
    throw new VisibleError("too_large", "payload_too_large", `The body exceeds ${limit} bytes`);
  }
  const type = event.headers["content-type"] ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new VisibleError(
      "validation",
      "unsupported_media_type",
      "Send the body as application/json",
    );
  }
  try {
    return JSON.parse(raw.toString("utf8"), refusePrototypeKeys);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(
      "invalid_json",
      `The body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

export function principalOf(event: ApiEvent): Principal {
  const lambda = event.requestContext.authorizer?.lambda;
  if (!lambda?.tenantId || !lambda.keyId) {
    // API Gateway's authorizer guards every such route; this is the second lock.
    throw new VisibleError("unauthorized", "unauthorized", "A valid API key is required");
  }
  return {
    tenantId: lambda.tenantId,
    keyId: lambda.keyId,
    // Lambda authorizer context values reach the route as strings in AWS.
    ...(String(lambda.test) === "true" ? { test: true } : {}),
  };
}

/**
 * Parse a JSON body: always, only for requests with this method, or `"optional"`: when one is
 * sent (then it is checked like any other; without one the route sees `undefined`).
 */
export type BodyRule = boolean | "POST" | "PUT" | "PATCH" | "optional";

export interface RouteOptions {
  /**
   * One rule for every route of the handler, or one per route (`"METHOD /path"`) where its
   * routes differ: a route not named takes no body, and one sent to it is ignored, as on every
   * route without one (/openapi.json documents no body error for it).
   */
  body?: BodyRule | Partial<Record<string, BodyRule>>;
  /** The body's size limit in bytes (default MAX_BODY_BYTES). */
  maxBodyBytes?: number;
  /**
   * Per route (`"METHOD /path"`), the query parameters it takes: the schema it parses them with
   * (its keys), or `"any"`: it reads none it does not know and ignores the rest (a page a
   * browser or mail client opens from a link, which may carry tracking parameters such as
   * `utm_*`). A route not named takes none. Any other parameter is refused, `invalid_request`,
   * as the strict schema of `GET /v1/notifications` refuses it (README, "Query parameters").
   */
  query?: Partial<Record<string, z.core.$ZodObject | "any">>;
}

/** Refuses the query parameters a route does not take (`RouteOptions.query`). */
function checkQuery(option: RouteOptions["query"], event: ApiEvent) {
  const rule = option?.[event.routeKey];
  if (rule === "any") return;
  const known = new Set(rule ? Object.keys(rule._zod.def.shape) : []);
  const unknown = Object.keys(event.queryStringParameters ?? {}).filter((key) => !known.has(key));
  if (unknown.length === 0) return;
  const quoted = unknown.map((key) => `"${key}"`).join(", ");
  throw new ValidationError("invalid_request", "The request is not valid", [
    {
      path: "",
      code: "unrecognized_keys",
      message: `Unrecognized key${unknown.length === 1 ? "" : "s"}: ${quoted}`,
    },
  ]);
}

/**
 * The end of a handler's `switch (event.routeKey as RouteKey<"functions/api/x.handler">)`: a
 * route declared for the handler without a case, or a case for a route not declared, fails
 * typecheck. (API Gateway only ever hands a handler the routes it serves.)
 */
export function unhandled(route: never): never {
  throw new Error(`no case for route ${String(route)}`);
}

/**
 * The chain around `route`: `credential` answers the request's principal (and may refuse it)
 * before the body is parsed.
 */
export function chain(
  options: RouteOptions,
  credential: (event: ApiEvent) => Promise<Principal>,
  route: (request: ApiRequest) => Promise<ApiResult>,
) {
  const handler = middy<ApiEvent, APIGatewayProxyStructuredResultV2>()
    .use(context)
    .use(errors)
    .handler(async (event) => {
      const principal = await credential(event);
      checkQuery(options.query, event);
      const body = wantsBody(options.body, event)
        ? parseBody(event, options.maxBodyBytes ?? MAX_BODY_BYTES)
        : undefined;
      // An optional body may be left out, not sent as `null`: that is a body, and not the
      // documented object (the handler would otherwise take it for "no body").
      if (body === null) throw notAnObject();
      const result = await route({ event, body, principal });
      return json(result.status, result.body, result.headers);
    });
  // What test/query-rules.test.ts holds against each route's declaration (routes.ts).
  return Object.assign(handler, { queryRules: options.query ?? {} });
}

/** A JSON `null` body, refused as zod refuses any body that is not the documented object. */
function notAnObject() {
  return new ValidationError("invalid_request", "The request is not valid", [
    { path: "", code: "invalid_type", message: "Invalid input: expected object, received null" },
  ]);
}

function wantsBody(option: RouteOptions["body"], event: ApiEvent): boolean {
  const rule = typeof option === "object" ? option[event.routeKey] : option;
  return (
    rule === true ||
    (rule === "optional" && Boolean(event.body)) ||
    (typeof rule === "string" && event.requestContext.http.method === rule)
  );
}

/**
 * Wrap a route that takes no API key (its credential, if any, is its own: a signed token):
 * `publicApi({}, async ({ event }) => ({ status: 200, body: { ok: true } }))`.
 */
export function publicApi(
  options: RouteOptions,
  route: (request: ApiRequest) => Promise<ApiResult>,
) {
  return chain(options, async () => ({ tenantId: "", keyId: "" }), route);
}
