import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Writable } from "node:stream";
import type { Context, LambdaFunctionURLEvent } from "aws-lambda";
import { httpEventV2 } from "./http-event";
import { createContext, LambdaTimeoutError, LOCAL_REGION, lazy } from "./lambda";
import { close, HOST, listen, readBody } from "./net";

/**
 * A Lambda Function URL on `node:http`, for handlers wrapped in `awslambda.streamifyResponse`
 * (and plain buffered ones). Before the handler loads it installs the `awslambda` global the
 * Node.js runtime provides; it builds the Function URL event (payload 2.0), pipes what the
 * handler writes to the HTTP response chunk by chunk, destroys the handler's stream when the
 * client disconnects, and cuts the response at the function timeout, as Lambda does.
 */

export interface FunctionUrlOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Lazy loader of the handler (a streamified one, or a buffered payload 2.0 handler). */
  handler: () => Promise<unknown>;
  /** The function timeout (default 900 000 ms, Lambda's maximum). */
  timeoutMs?: number;
  functionName?: string;
  /** Handler failures and timeouts; default one line on stderr. */
  onError?: (error: unknown) => void;
  /** The URL's CORS configuration, as Lambda applies it: preflights answered, origin allowed. */
  cors?: FunctionUrlCors;
}

export interface FunctionUrlCors {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
}

export interface LocalFunctionUrl {
  url: string;
  /** Stops accepting, disconnects clients, and waits for running invocations to finish. */
  stop(): Promise<void>;
}

/** A handler or the emulator failed during one invocation; `cause` holds what was thrown. */
export class FunctionUrlInvocationError extends Error {
  constructor(functionName: string, requestId: string, options: ErrorOptions) {
    super(`${functionName} failed on request ${requestId}`, options);
    this.name = "FunctionUrlInvocationError";
  }
}

/** The runtime's marks on a streamified handler (aws-lambda-nodejs-runtime-interface-client). */
const HANDLER_STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const STREAM_RESPONSE = "response";
const PRELUDE_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
/** Function URLs take request payloads up to 6 MB. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 900_000;
const STOP_GRACE_MS = 5_000;
const TEXTUAL =
  /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded|[\w.+-]+\+(json|xml))\b)/i;

type Prelude = { statusCode?: number; headers?: Record<string, string>; cookies?: string[] };
type StreamingHandler = (event: unknown, stream: Writable, context: Context) => unknown;
type BufferedHandler = (event: unknown, context: Context) => unknown;

// ---------------------------------------------------------------------------------------------
// The `awslambda` global

/**
 * The response stream a streaming handler writes to. Headers go out lazily, with the first
 * write (or the end), as the runtime sends its prelude; each write is passed on at once.
 */
class LocalResponseStream extends Writable {
  private contentType = "application/octet-stream";
  private prelude: Prelude | undefined;

  constructor(private readonly res: ServerResponse) {
    super();
  }

  setContentType(contentType: string) {
    this.contentType = contentType;
  }

  setPrelude(prelude: Prelude) {
    this.setContentType(PRELUDE_CONTENT_TYPE);
    this.prelude = prelude;
  }

  get headWritten() {
    return this.res.headersSent;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error) => void) {
    this.writeHead();
    if (this.res.write(chunk)) callback();
    else this.res.once("drain", () => callback());
  }

  override _final(callback: (error?: Error) => void) {
    this.writeHead();
    this.res.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void) {
    if (!this.res.writableEnded) this.res.destroy();
    callback(error);
  }

  private writeHead() {
    if (this.res.headersSent) return;
    if (this.contentType !== PRELUDE_CONTENT_TYPE) {
      this.res.writeHead(200, { "content-type": this.contentType });
      return;
    }
    const { statusCode = 200, headers = {}, cookies = [] } = this.prelude ?? {};
    for (const [name, value] of Object.entries(headers)) this.res.setHeader(name, String(value));
    if (cookies.length > 0) this.res.setHeader("set-cookie", cookies);
    this.res.writeHead(statusCode);
  }
}

const HttpResponseStream = {
  from(stream: Writable, prelude: Prelude): Writable {
    if (!(stream instanceof LocalResponseStream)) {
      throw new TypeError("HttpResponseStream.from needs the response stream Lambda passed in");
    }
    stream.setPrelude(prelude);
    return stream;
  },
};

function streamifyResponse<T extends object>(handler: T): T {
  Object.defineProperty(handler, HANDLER_STREAMING, { value: STREAM_RESPONSE });
  return handler;
}

/**
 * Install the runtime's `awslambda.streamifyResponse` and `awslambda.HttpResponseStream`,
 * keeping whatever else is there (the AWS SDK's invoke store creates `awslambda` too).
 */
export function installAwsLambdaGlobal() {
  const scope = globalThis as { awslambda?: Record<string, unknown> };
  scope.awslambda ??= {};
  scope.awslambda.streamifyResponse ??= streamifyResponse;
  scope.awslambda.HttpResponseStream ??= HttpResponseStream;
}

function isStreaming(handler: unknown): handler is StreamingHandler {
  return (
    typeof handler === "function" &&
    (handler as unknown as Record<symbol, unknown>)[HANDLER_STREAMING] === STREAM_RESPONSE
  );
}

// ---------------------------------------------------------------------------------------------
// Requests → events

function buildEvent(req: IncomingMessage, body: Buffer, urlId: string): LambdaFunctionURLEvent {
  return httpEventV2(req, body, {
    apiId: urlId,
    defaultDomainName: `${urlId}.lambda-url.${LOCAL_REGION}.on.aws`,
    domainPrefix: urlId,
    // Function URLs with auth type NONE report an anonymous caller.
    accountId: "anonymous",
    requestId: randomUUID(),
    routeKey: "$default",
    textual: TEXTUAL,
    appendForwardedFor: false,
  });
}

// ---------------------------------------------------------------------------------------------
// Invocations

interface Runtime {
  urlId: string;
  functionName: string;
  timeoutMs: number;
  load: () => Promise<unknown>;
  report: (error: unknown) => void;
  running: Set<Promise<void>>;
}

function plain(res: ServerResponse, status: number, message: string) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ Message: message });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

/** A buffered (non-streaming) handler's payload 2.0 result. */
function sendResult(res: ServerResponse, result: unknown) {
  if (typeof result === "object" && result !== null && "statusCode" in result) {
    const { statusCode, headers, cookies, body, isBase64Encoded } = result as {
      statusCode: number;
      headers?: Record<string, string>;
      cookies?: string[];
      body?: string;
      isBase64Encoded?: boolean;
    };
    for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, String(value));
    if (cookies?.length) res.setHeader("set-cookie", cookies);
    res.writeHead(statusCode);
    res.end(Buffer.from(body ?? "", isBase64Encoded ? "base64" : "utf8"));
    return;
  }
  const body = typeof result === "string" ? result : (JSON.stringify(result) ?? "");
  res.writeHead(200, { "content-type": "application/json" });
  res.end(body);
}

async function runStreaming(
  runtime: Runtime,
  handler: StreamingHandler,
  event: LambdaFunctionURLEvent,
  context: Context,
  res: ServerResponse,
) {
  const stream = new LocalResponseStream(res);
  // A client that leaves destroys the stream (no error event): the handler sees it close.
  res.on("close", () => {
    if (!res.writableFinished) stream.destroy();
  });
  try {
    await handler(event, stream, context);
    if (!stream.writableEnded && !stream.destroyed) stream.end();
  } catch (error) {
    runtime.report(
      new FunctionUrlInvocationError(runtime.functionName, event.requestContext.requestId, {
        cause: error,
      }),
    );
    if (stream.headWritten) stream.destroy();
    else plain(res, 502, "Internal Server Error");
  }
}

async function invoke(runtime: Runtime, req: IncomingMessage, res: ServerResponse) {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (!body) return plain(res, 413, "Request Entity Too Large");
  const event = buildEvent(req, body, runtime.urlId);
  const context = createContext({
    functionName: runtime.functionName,
    timeoutMs: runtime.timeoutMs,
    deadline: Date.now() + runtime.timeoutMs,
  });
  const handler = await runtime.load();
  const run = isStreaming(handler)
    ? runStreaming(runtime, handler, event, context, res)
    : Promise.resolve((handler as BufferedHandler)(event, context)).then((result) =>
        sendResult(res, result),
      );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), runtime.timeoutMs);
  });
  try {
    if ((await Promise.race([run, timedOut])) === "timeout") {
      runtime.report(
        new LambdaTimeoutError(runtime.functionName, runtime.timeoutMs, context.awsRequestId),
      );
      // Lambda stops the function and cuts the response; here the handler sees its stream die.
      plain(res, 502, "Internal Server Error");
    }
  } finally {
    clearTimeout(timer);
  }
}

function track(runtime: Runtime, work: Promise<void>) {
  const done = work.finally(() => runtime.running.delete(done));
  runtime.running.add(done);
}

export async function startFunctionUrl(opts: FunctionUrlOptions): Promise<LocalFunctionUrl> {
  installAwsLambdaGlobal();
  const runtime: Runtime = {
    urlId: randomBytes(16).toString("hex"),
    functionName: opts.functionName ?? "local-function-url",
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    load: lazy(opts.handler),
    report:
      opts.onError ?? ((error) => process.stderr.write(`local function url: ${String(error)}\n`)),
    running: new Set(),
  };
  const server = createServer((req, res) => {
    const { cors } = opts;
    const origin = req.headers.origin;
    if (cors && origin !== undefined) {
      const allowed = cors.allowOrigins.includes("*")
        ? "*"
        : cors.allowOrigins.find((o) => o === origin);
      if (allowed) res.setHeader("access-control-allow-origin", allowed);
      if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
        res.writeHead(204, {
          "access-control-allow-methods": cors.allowMethods.join(","),
          "access-control-allow-headers": cors.allowHeaders.join(","),
        });
        res.end();
        return;
      }
    }
    const work = invoke(runtime, req, res).catch((error: unknown) => {
      runtime.report(error);
      plain(res, 502, "Internal Server Error");
    });
    track(runtime, work);
  });
  const port = await listen(server, opts.port ?? 0);
  return {
    url: `http://${HOST}:${port}`,
    stop: async () => {
      await close(server);
      // Disconnected handlers end promptly; one that ignores its stream is not waited for long.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...runtime.running]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, STOP_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
