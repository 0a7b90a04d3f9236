import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { APIGatewayProxyEventV2 } from "aws-lambda";

/**
 * The HTTP payload 2.0 event that API Gateway HTTP APIs and Lambda Function URLs both build
 * from a request (api-gateway.ts, function-url.ts): body, path and query split, headers with
 * cookies apart, and the request context. What differs between the two comes in as options.
 */

export type HttpEventV2 = APIGatewayProxyEventV2;

export interface HttpEventOptions {
  /** API id (API Gateway) or URL id (Function URL). */
  apiId: string;
  /** Used when the request has no Host header. */
  defaultDomainName: string;
  /** Function URLs with auth type NONE report "anonymous". */
  accountId: string;
  requestId: string;
  routeKey: string;
  pathParameters?: Record<string, string>;
  /** Default: the first label of the domain name. */
  domainPrefix?: string;
  /** Content types whose bodies pass as text; others are base64. */
  textual: RegExp;
  /** API Gateway appends the client to an incoming X-Forwarded-For; Function URLs keep it. */
  appendForwardedFor: boolean;
}

const MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");

export function splitUrl(url: string): { rawPath: string; rawQueryString: string } {
  const q = url.indexOf("?");
  return q === -1
    ? { rawPath: url, rawQueryString: "" }
    : { rawPath: url.slice(0, q), rawQueryString: url.slice(q + 1) };
}

/** Repeated names comma-joined, as both services do. */
function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    params[name] = name in params ? `${params[name]},${value}` : value;
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

function clientIp(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
}

function traceId(now: number): string {
  const seconds = Math.floor(now / 1000).toString(16);
  return `Root=1-${seconds}-${randomBytes(12).toString("hex")}`;
}

/** Lower-cased, repeated headers comma-joined, cookies split out, the service's own added. */
function eventHeaders(req: IncomingMessage, now: number, appendForwardedFor: boolean) {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (!values) continue;
    if (name === "cookie") {
      cookies = values.flatMap((v) => v.split(";").map((c) => c.trim())).filter(Boolean);
      continue;
    }
    headers[name] = values.join(",");
  }
  const ip = clientIp(req);
  const forwarded = headers["x-forwarded-for"];
  headers["x-forwarded-for"] = appendForwardedFor
    ? forwarded
      ? `${forwarded}, ${ip}`
      : ip
    : (forwarded ?? ip);
  headers["x-forwarded-port"] ??= String(req.socket.localPort ?? "");
  headers["x-forwarded-proto"] ??= "http";
  headers["x-amzn-trace-id"] ??= traceId(now);
  return { headers, cookies: cookies?.length ? cookies : undefined };
}

/** `12/Mar/2020:19:03:58 +0000`, the services' `requestContext.time`. */
function clfTime(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const date = `${pad(now.getUTCDate())}/${MONTHS[now.getUTCMonth()]}/${now.getUTCFullYear()}`;
  const time = `${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}`;
  return `${date}:${time} +0000`;
}

function eventBody(body: Buffer, contentType: string | undefined, textual: RegExp) {
  if (body.byteLength === 0) return { body: undefined, isBase64Encoded: false };
  if (contentType && textual.test(contentType)) {
    return { body: body.toString("utf8"), isBase64Encoded: false };
  }
  return { body: body.toString("base64"), isBase64Encoded: true };
}

export function httpEventV2(
  req: IncomingMessage,
  body: Buffer,
  opts: HttpEventOptions,
): HttpEventV2 {
  const now = Date.now();
  const { rawPath, rawQueryString } = splitUrl(req.url ?? "/");
  const { headers, cookies } = eventHeaders(req, now, opts.appendForwardedFor);
  const domainName = headers.host ?? opts.defaultDomainName;
  return {
    version: "2.0",
    routeKey: opts.routeKey,
    rawPath,
    rawQueryString,
    cookies,
    headers,
    queryStringParameters: queryParameters(rawQueryString),
    requestContext: {
      accountId: opts.accountId,
      apiId: opts.apiId,
      domainName,
      domainPrefix: opts.domainPrefix ?? domainName.split(".")[0] ?? opts.apiId,
      http: {
        method: req.method ?? "GET",
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: clientIp(req),
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: opts.requestId,
      routeKey: opts.routeKey,
      stage: "$default",
      time: clfTime(new Date(now)),
      timeEpoch: now,
    },
    pathParameters: opts.pathParameters,
    ...eventBody(body, headers["content-type"], opts.textual),
  };
}
