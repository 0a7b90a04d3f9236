import { randomBytes } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
  validateHeaderName,
  validateHeaderValue,
} from "node:http";
import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2,
  APIGatewayProxyHandlerV2,
  APIGatewayRequestAuthorizerEventV2,
} from "aws-lambda";
import { httpEventV2, splitUrl } from "./http-event";
import { invoke, LambdaTimeoutError, LOCAL_ACCOUNT_ID, LOCAL_REGION, lazy } from "./lambda";
import { close, HOST, listen, readBody } from "./net";

/**
 * API Gateway HTTP API (payload format 2.0) on `node:http`: it matches routes the way API Gateway
 * does, runs the Lambda REQUEST authorizer (simple responses) where a route asks for it, builds
 * the same `APIGatewayProxyEventV2` production handlers receive, and maps their results back to
 * HTTP with API Gateway's own error bodies.
 */

export interface ApiRoute {
  /** `"POST /v1/notifications"`, `"GET /v1/notifications/{id}"`, `"ANY /{proxy+}"` or `"$default"`. */
  route: string;
  /** Lazy loader: handler modules are imported on first use, after the environment is set. */
  handler: () => Promise<APIGatewayProxyHandlerV2<unknown>>;
  functionName?: string;
  /** Whether the authorizer guards the route (default true). */
  auth?: boolean;
}

export interface ApiAuthorizer {
  handler: () => Promise<
    (
      event: APIGatewayRequestAuthorizerEventV2,
    ) => Promise<{ isAuthorized: boolean; context?: Record<string, unknown> }>
  >;
  /** Default `["$request.header.authorization"]`; `$request.querystring.name` also works. */
  identitySource?: string[];
  /** Cache results per identity for this long (default 0: no cache). */
  resultsTtlSeconds?: number;
  functionName?: string;
}

export interface LocalApiGateway {
  url: string;
  stop(): Promise<void>;
}

export interface ApiGatewayOptions {
  port?: number;
  routes: ApiRoute[];
  authorizer?: ApiAuthorizer;
  /** Integration (and function) timeout, default 30 000 ms; past it the caller gets a 503. */
  timeoutMs?: number;
  /** Handler, authorizer and emulator failures; default: one line on stderr. */
  onError?: (error: unknown) => void;
  /**
   * API Gateway's access log: one line per request in `format` (the stage's
   * `accessLogSettings.format`, `$context.*` variables filled in as API Gateway fills them, "-"
   * where a request has no value), handed to `write`. Default: none.
   */
  accessLog?: { format: string; write: (line: string) => void };
}

/** A route key API Gateway would refuse. */
export class InvalidRouteError extends Error {
  constructor(route: string, reason: string) {
    super(`Invalid route "${route}": ${reason}`);
    this.name = "InvalidRouteError";
  }
}

/** An identity source this emulator cannot read. */
export class InvalidIdentitySourceError extends Error {
  constructor(source: string) {
    super(`Unsupported identity source "${source}"`);
    this.name = "InvalidIdentitySourceError";
  }
}

/** A handler or authorizer failed; `cause` holds what it threw. */
export class IntegrationError extends Error {
  constructor(functionName: string, requestId: string, options: ErrorOptions) {
    super(`${functionName} failed on request ${requestId}`, options);
    this.name = "IntegrationError";
  }
}

/** A handler or authorizer returned something API Gateway cannot map. */
export class MalformedResponseError extends Error {
  constructor(functionName: string, reason: string, options?: ErrorOptions) {
    super(`${functionName} returned a malformed response: ${reason}`, options);
    this.name = "MalformedResponseError";
  }
}

/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"]);
const TEXTUAL = /^(text\/|application\/(json|javascript|xml|[\w.+-]+\+(json|xml))\b)/i;

type Handler = APIGatewayProxyHandlerV2<unknown>;
type Segment = { kind: "literal"; value: string } | { kind: "param" | "greedy"; name: string };
type RequestContext = APIGatewayEventRequestContextV2 & {
  authorizer?: { lambda: Record<string, unknown> };
};
type Event = APIGatewayProxyEventV2 & { requestContext: RequestContext };
type Reply = {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** API Gateway's own answer (not the integration's): its message, `$context.error.message`. */
  own?: string;
};

interface CompiledRoute {
  key: string;
  /** Upper-case method or `ANY`; undefined for `$default`. */
  method?: string;
  segments: Segment[];
  /** Per segment: 0 literal, 1 parameter, 2 greedy (lower is more specific). */
  rank: number[];
  auth: boolean;
  functionName: string;
  load: () => Promise<Handler>;
}

interface Match {
  route: CompiledRoute;
  pathParameters?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Routes

function parseSegment(route: string, text: string, last: boolean): Segment {
  const variable = /^\{([A-Za-z0-9_.-]+)(\+?)\}$/.exec(text);
  if (!variable) {
    if (text.includes("{") || text.includes("}")) {
      throw new InvalidRouteError(route, `bad path variable "${text}"`);
    }
    return { kind: "literal", value: text };
  }
  const name = variable[1] as string;
  if (!variable[2]) return { kind: "param", name };
  if (!last) throw new InvalidRouteError(route, "a greedy variable must end the path");
  return { kind: "greedy", name };
}

function compileRoute(route: ApiRoute): CompiledRoute {
  const key = route.route.trim();
  const base = {
    key,
    auth: route.auth ?? true,
    functionName: route.functionName ?? `local-${key.replace(/[^A-Za-z0-9]+/g, "-")}`,
    load: lazy(route.handler),
  };
  if (key === "$default") return { ...base, segments: [], rank: [] };
  const [method, path, ...rest] = key.split(/\s+/);
  if (!method || !METHODS.has(method) || rest.length > 0) {
    throw new InvalidRouteError(key, "expected '<METHOD> /path' or '$default'");
  }
  if (!path?.startsWith("/")) throw new InvalidRouteError(key, "the path must start with /");
  const parts = path.slice(1).split("/");
  const segments = parts.map((part, i) => parseSegment(key, part, i === parts.length - 1));
  const rank = segments.map((s) => (s.kind === "literal" ? 0 : s.kind === "param" ? 1 : 2));
  return { ...base, method, segments, rank };
}

function compileRoutes(routes: ApiRoute[]): CompiledRoute[] {
  const compiled = routes.map(compileRoute);
  const seen = new Set<string>();
  for (const route of compiled) {
    if (seen.has(route.key)) throw new InvalidRouteError(route.key, "defined twice");
    seen.add(route.key);
  }
  return compiled;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    if (error instanceof URIError) return segment;
    throw error;
  }
}

function matchPath(route: CompiledRoute, parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, segment] of route.segments.entries()) {
    const part = parts[i];
    if (segment.kind === "greedy") {
      const rest = parts.slice(i).map(decodeSegment).join("/");
      if (!rest) return undefined;
      params[segment.name] = rest;
      return params;
    }
    if (part === undefined) return undefined;
    if (segment.kind === "literal") {
      if (decodeSegment(part) !== segment.value) return undefined;
    } else {
      if (part === "") return undefined;
      params[segment.name] = decodeSegment(part);
    }
  }
  return parts.length === route.segments.length ? params : undefined;
}

/** Most specific path first (segment by segment), then a named method before ANY. */
function compareRoutes(a: CompiledRoute, b: CompiledRoute): number {
  const length = Math.max(a.rank.length, b.rank.length);
  for (let i = 0; i < length; i++) {
    const diff = (a.rank[i] ?? -1) - (b.rank[i] ?? -1);
    if (diff !== 0) return diff;
  }
  return Number(a.method === "ANY") - Number(b.method === "ANY");
}

function matchRoute(routes: CompiledRoute[], method: string, rawPath: string): Match | undefined {
  const parts = rawPath.slice(1).split("/");
  const candidates: Match[] = [];
  for (const route of routes) {
    if (!route.method || (route.method !== "ANY" && route.method !== method)) continue;
    const params = matchPath(route, parts);
    if (params) candidates.push({ route, pathParameters: params });
  }
  candidates.sort((a, b) => compareRoutes(a.route, b.route));
  const best = candidates[0];
  if (best) {
    const hasParams = Object.keys(best.pathParameters ?? {}).length > 0;
    return { route: best.route, pathParameters: hasParams ? best.pathParameters : undefined };
  }
  const fallback = routes.find((route) => !route.method);
  return fallback && { route: fallback };
}

// ---------------------------------------------------------------------------------------------
// Requests → events

/** API Gateway's request ids look like `JKJaXmPLvHcESHA=`. */
function newRequestId(): string {
  return randomBytes(11).toString("base64");
}

interface Gateway {
  apiId: string;
  routes: CompiledRoute[];
  authorizer?: AuthorizerRuntime;
  timeoutMs: number;
  report: (error: unknown) => void;
  accessLog?: ApiGatewayOptions["accessLog"];
}

/** What one request leaves for its access log line. */
interface Trace {
  routeKey?: string;
  authorizer?: Record<string, unknown>;
}

function buildEvent(
  req: IncomingMessage,
  body: Buffer,
  match: Match,
  requestId: string,
  apiId: string,
): Event {
  return httpEventV2(req, body, {
    apiId,
    defaultDomainName: `${apiId}.execute-api.${LOCAL_REGION}.amazonaws.com`,
    accountId: LOCAL_ACCOUNT_ID,
    requestId,
    routeKey: match.route.key,
    pathParameters: match.pathParameters,
    textual: TEXTUAL,
    appendForwardedFor: true,
  });
}

// ---------------------------------------------------------------------------------------------
// Authorizer

type AuthorizerHandler = Awaited<ReturnType<ApiAuthorizer["handler"]>>;
type AuthorizerResult = { isAuthorized: boolean; context?: Record<string, unknown> };

interface AuthorizerRuntime {
  load: () => Promise<AuthorizerHandler>;
  functionName: string;
  identity: Array<(event: Event) => string | undefined>;
  ttlMs: number;
  cache: Map<string, { expires: number; result: AuthorizerResult }>;
}

function identityReader(source: string): (event: Event) => string | undefined {
  const header = /^\$request\.header\.(.+)$/.exec(source)?.[1];
  if (header) {
    const name = header.toLowerCase();
    if (name === "cookie") return (event) => event.cookies?.join("; ");
    return (event) => event.headers[name];
  }
  const query = /^\$request\.querystring\.(.+)$/.exec(source)?.[1];
  if (query) return (event) => event.queryStringParameters?.[query];
  throw new InvalidIdentitySourceError(source);
}

function authorizerRuntime(authorizer: ApiAuthorizer): AuthorizerRuntime {
  const sources = authorizer.identitySource ?? ["$request.header.authorization"];
  return {
    load: lazy(authorizer.handler),
    functionName: authorizer.functionName ?? "local-authorizer",
    identity: sources.map(identityReader),
    ttlMs: (authorizer.resultsTtlSeconds ?? 0) * 1000,
    cache: new Map(),
  };
}

function authorizerEvent(
  event: Event,
  identitySource: string[],
): APIGatewayRequestAuthorizerEventV2 {
  const { requestContext } = event;
  const arn = `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${requestContext.apiId}`;
  return {
    version: "2.0",
    type: "REQUEST",
    routeArn: `${arn}/${requestContext.stage}/${requestContext.http.method}${event.rawPath}`,
    identitySource,
    routeKey: event.routeKey,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString,
    cookies: event.cookies ?? [],
    headers: event.headers,
    queryStringParameters: event.queryStringParameters,
    requestContext: { ...requestContext },
    pathParameters: event.pathParameters,
  };
}

function checkAuthorizerResult(functionName: string, result: unknown): AuthorizerResult {
  if (typeof result !== "object" || result === null || !("isAuthorized" in result)) {
    throw new MalformedResponseError(functionName, "no isAuthorized");
  }
  const { isAuthorized, context } = result as { isAuthorized: unknown; context?: unknown };
  if (typeof isAuthorized !== "boolean") {
    throw new MalformedResponseError(functionName, "isAuthorized is not a boolean");
  }
  if (context !== undefined && (typeof context !== "object" || context === null)) {
    throw new MalformedResponseError(functionName, "context is not an object");
  }
  return { isAuthorized, context: context as Record<string, unknown> | undefined };
}

async function runAuthorizer(
  runtime: AuthorizerRuntime,
  identitySource: string[],
  event: Event,
  timeoutMs: number,
): Promise<AuthorizerResult> {
  const key = identitySource.join("\u0000");
  const cached = runtime.cache.get(key);
  if (cached && cached.expires > Date.now()) return cached.result;
  const handler = await runtime.load();
  const raw = await invoke(handler, authorizerEvent(event, identitySource), {
    functionName: runtime.functionName,
    timeoutMs,
  });
  const result = checkAuthorizerResult(runtime.functionName, raw);
  if (runtime.ttlMs > 0) runtime.cache.set(key, { expires: Date.now() + runtime.ttlMs, result });
  return result;
}

/** Runs the authorizer for a guarded route; undefined to go on, or the reply that ends it. */
async function authorize(gateway: Gateway, event: Event, trace: Trace): Promise<Reply | undefined> {
  const runtime = gateway.authorizer;
  if (!runtime) return undefined;
  const identitySource = runtime.identity.map((read) => read(event));
  if (identitySource.some((value) => !value)) return message(401, "Unauthorized");
  try {
    const result = await runAuthorizer(
      runtime,
      identitySource as string[],
      event,
      gateway.timeoutMs,
    );
    if (!result.isAuthorized) return message(403, "Forbidden");
    trace.authorizer = result.context;
    event.requestContext.authorizer = { lambda: result.context ?? {} };
    return undefined;
  } catch (error) {
    const requestId = event.requestContext.requestId;
    gateway.report(new IntegrationError(runtime.functionName, requestId, { cause: error }));
    return message(500, "Internal Server Error");
  }
}

// ---------------------------------------------------------------------------------------------
// Results → responses

function message(status: number, text: string): Reply {
  return {
    status,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify({ message: text })),
    own: text,
  };
}

function checkedHeader(functionName: string, name: string, value: string): string {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
  } catch (error) {
    throw new MalformedResponseError(functionName, `invalid header ${name}`, { cause: error });
  }
  return value;
}

function structuredReply(functionName: string, result: Record<string, unknown>): Reply {
  const { statusCode, headers, cookies, body, isBase64Encoded } = result;
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode)) {
    throw new MalformedResponseError(functionName, "statusCode is not an integer");
  }
  if (body !== undefined && body !== null && typeof body !== "string") {
    throw new MalformedResponseError(functionName, "body is not a string");
  }
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries((headers ?? {}) as Record<string, unknown>)) {
    out[name.toLowerCase()] = checkedHeader(functionName, name, String(value));
  }
  if (Array.isArray(cookies) && cookies.length > 0) out["set-cookie"] = cookies.map(String);
  const text = body ?? "";
  return {
    status: statusCode,
    headers: out,
    body: isBase64Encoded === true ? Buffer.from(text, "base64") : Buffer.from(text, "utf8"),
  };
}

/** Payload 2.0: a `statusCode` means a structured response; anything else is a JSON 200. */
function toReply(functionName: string, result: unknown): Reply {
  if (typeof result === "object" && result !== null && "statusCode" in result) {
    return structuredReply(functionName, result as Record<string, unknown>);
  }
  const body = typeof result === "string" ? result : (JSON.stringify(result) ?? "");
  return { status: 200, headers: { "content-type": "application/json" }, body: Buffer.from(body) };
}

async function integrate(gateway: Gateway, route: CompiledRoute, event: Event): Promise<Reply> {
  try {
    const handler = await route.load();
    const result = await invoke(handler, event, {
      functionName: route.functionName,
      timeoutMs: gateway.timeoutMs,
    });
    return toReply(route.functionName, result);
  } catch (error) {
    const requestId = event.requestContext.requestId;
    gateway.report(new IntegrationError(route.functionName, requestId, { cause: error }));
    return error instanceof LambdaTimeoutError
      ? message(503, "Service Unavailable")
      : message(500, "Internal Server Error");
  }
}

function send(res: ServerResponse, reply: Reply, requestId: string) {
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
  res.setHeader("apigw-requestid", requestId);
  res.setHeader("x-amzn-requestid", requestId);
  res.setHeader("content-length", reply.body.byteLength);
  res.end(reply.body);
}

async function respond(
  gateway: Gateway,
  req: IncomingMessage,
  requestId: string,
  trace: Trace,
): Promise<Reply> {
  const { rawPath } = splitUrl(req.url ?? "/");
  const match = matchRoute(gateway.routes, req.method ?? "GET", rawPath);
  const body = await readBody(req, MAX_BODY_BYTES);
  if (!body) return message(413, "Request Entity Too Large");
  if (!match) return message(404, "Not Found");
  trace.routeKey = match.route.key;
  const event = buildEvent(req, body, match, requestId, gateway.apiId);
  if (match.route.auth) {
    const refusal = await authorize(gateway, event, trace);
    if (refusal) return refusal;
  }
  return integrate(gateway, match.route, event);
}

/**
 * CORS as SST's ApiGatewayV2 configures it by default (`cors: true`: any origin, method and
 * header, no credentials): API Gateway answers preflights itself and adds the origin header to
 * every answer, so browser pages (`<herald-inbox>`) can call the API with a bearer token.
 */
function isPreflight(req: IncomingMessage): boolean {
  return (
    req.method === "OPTIONS" &&
    req.headers.origin !== undefined &&
    req.headers["access-control-request-method"] !== undefined
  );
}

function preflight(req: IncomingMessage): Reply {
  return {
    status: 204,
    headers: {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "*",
      "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "*",
    },
    body: Buffer.alloc(0),
  };
}

async function handle(gateway: Gateway, req: IncomingMessage, res: ServerResponse) {
  const requestId = newRequestId();
  const started = new Date();
  const trace: Trace = {};
  let reply: Reply;
  try {
    reply = isPreflight(req) ? preflight(req) : await respond(gateway, req, requestId, trace);
  } catch (error) {
    gateway.report(error);
    reply = message(500, "Internal Server Error");
  }
  if (req.headers.origin !== undefined) {
    reply = { ...reply, headers: { ...reply.headers, "access-control-allow-origin": "*" } };
  }
  if (!res.headersSent && !res.destroyed) send(res, reply, requestId);
  if (gateway.accessLog) {
    const line = accessLine(gateway.accessLog.format, {
      "$context.requestId": requestId,
      "$context.requestTime": clfTime(started),
      "$context.routeKey": trace.routeKey ?? "-",
      "$context.status": String(reply.status),
      "$context.responseLatency": String(Date.now() - started.getTime()),
      "$context.identity.sourceIp": req.socket.remoteAddress ?? "-",
      "$context.error.message": reply.own ?? "-",
      ...Object.fromEntries(
        Object.entries(trace.authorizer ?? {}).map(([key, value]) => [
          `$context.authorizer.${key}`,
          String(value),
        ]),
      ),
    });
    gateway.accessLog.write(line);
  }
}

/** `$context.requestTime`'s format: `30/Nov/2026:14:10:00 +0000`. */
function clfTime(at: Date): string {
  const [, day, month, year, time] =
    /^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/.exec(at.toUTCString()) ?? [];
  return `${day}/${month}/${year}:${time} +0000`;
}

/**
 * One access line: every `$context.…` variable of `format` replaced by its value ("-" when the
 * request has none). Values are escaped for the JSON string they stand in, so a line stays
 * parseable whatever a client sent.
 */
export function accessLine(format: string, values: Record<string, string>): string {
  return format.replace(/\$context\.[A-Za-z0-9_.]+/g, (variable) =>
    JSON.stringify(values[variable] ?? "-").slice(1, -1),
  );
}

// ---------------------------------------------------------------------------------------------
// Server

function defaultReport(error: unknown) {
  process.stderr.write(`local api gateway: ${String(error)}\n`);
}

export async function startApiGateway(opts: ApiGatewayOptions): Promise<LocalApiGateway> {
  const gateway: Gateway = {
    apiId: randomBytes(5).toString("hex"),
    routes: compileRoutes(opts.routes),
    authorizer: opts.authorizer && authorizerRuntime(opts.authorizer),
    timeoutMs: opts.timeoutMs ?? 30_000,
    report: opts.onError ?? defaultReport,
    accessLog: opts.accessLog,
  };
  const server = createServer((req, res) => {
    handle(gateway, req, res).catch((error: unknown) => {
      gateway.report(error);
      res.destroy();
    });
  });
  const port = await listen(server, opts.port ?? 0);
  return { url: `http://${HOST}:${port}`, stop: () => close(server) };
}
