import { MethodNotAllowedError, ValidationError } from "@herald/core/error";
import { errorFields, log } from "@herald/core/log";
import * as Realtime from "@herald/core/realtime";
import type { Context, LambdaFunctionURLEvent } from "aws-lambda";
import { errorResponse } from "./lib/errors";

/**
 * The real-time feed: a Lambda Function URL with response streaming (`awslambda` is the Node.js
 * runtime's global; `@types/aws-lambda` declares it). `GET` with a recipient token, as
 * `Authorization: Bearer <token>` or `?token=` (EventSource cannot set headers); an optional
 * `Last-Event-ID` header or `?last_event_id=` replays what was missed; with `?replay=only` the
 * response is that replay alone and ends (how WebSocket clients catch up). The feed closes itself
 * before the function's time runs out, or when the token expires; the client reconnects with
 * Last-Event-ID and misses nothing. While open, the feed is registered as present (changes are
 * published only where someone listens) and replays once more a few seconds after it started,
 * for what a publisher's stale presence read kept back (`Realtime.runFeed`).
 */

export interface FeedHandlerOptions {
  heartbeatMs?: number;
  retryMs?: number;
}

type ResponseStream = awslambda.HttpResponseStream;

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};
/** A client this far behind is dropped; it reconnects and replays instead. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** The feed handler; tests build one with a short heartbeat. */
export function feedHandler(options: FeedHandlerOptions = {}) {
  return awslambda.streamifyResponse<LambdaFunctionURLEvent>(async (event, stream, context) => {
    log.setContext({ requestId: context.awsRequestId, route: "GET /feed" });
    const client = watchClient(stream);
    let response: ResponseStream | undefined;
    try {
      const request = parseRequest(event);
      const started = Date.now();
      const end = await Realtime.runFeed({
        ...request,
        until: stopAt(context, request.expiresAt),
        signal: client.signal,
        open: () => {
          response = awslambda.HttpResponseStream.from(stream, {
            statusCode: 200,
            headers: SSE_HEADERS,
          });
        },
        write: (chunk) => send(response, chunk, client),
        heartbeatMs: options.heartbeatMs,
        retryMs: options.retryMs,
      });
      log.info("feed closed", {
        tenantId: request.tenantId,
        end,
        durationMs: Date.now() - started,
      });
    } catch (error) {
      if (response) log.error("feed failed", errorFields(error));
      else refuse(stream, error);
    } finally {
      if (!stream.writableEnded && !stream.destroyed) stream.end();
    }
  });
}

export const handler = feedHandler();

interface FeedRequest {
  tenantId: string;
  recipientId: string;
  expiresAt: Date;
  lastEventId?: string;
  replayOnly: boolean;
}

function parseRequest(event: LambdaFunctionURLEvent): FeedRequest {
  if (event.requestContext.http.method !== "GET") {
    throw new MethodNotAllowedError(event.requestContext.http.method, ["GET"]);
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(event.headers.authorization ?? "")?.[1];
  const claims = Realtime.verifyToken(bearer ?? event.queryStringParameters?.token);
  const lastEventId =
    event.headers["last-event-id"] || event.queryStringParameters?.last_event_id || undefined;
  if (lastEventId !== undefined && !Realtime.EventId.safeParse(lastEventId).success) {
    throw new ValidationError("invalid_last_event_id", "Last-Event-ID is not an id this feed sent");
  }
  return { ...claims, lastEventId, replayOnly: event.queryStringParameters?.replay === "only" };
}

/** Close before Lambda stops the function (keeping a tenth of the time, 0.25–5 s) or the token ends. */
function stopAt(context: Context, expiresAt: Date): number {
  const remaining = context.getRemainingTimeInMillis();
  const margin = Math.min(5_000, Math.max(250, remaining / 10));
  return Math.min(Date.now() + remaining - margin, expiresAt.getTime());
}

/** Aborts when the client goes away (the stream closes or fails under us). */
function watchClient(stream: ResponseStream): AbortController {
  const client = new AbortController();
  stream.on("close", () => client.abort());
  stream.on("error", (error) => {
    log.debug("feed stream error", errorFields(error));
    client.abort();
  });
  return client;
}

function send(response: ResponseStream | undefined, chunk: string, client: AbortController) {
  if (!response || client.signal.aborted || response.destroyed || response.writableEnded) return;
  if (response.writableLength > MAX_BUFFERED_BYTES) {
    log.warn("feed client too slow; closing", { bufferedBytes: response.writableLength });
    client.abort();
    return;
  }
  response.write(chunk);
}

/** An error before the stream opened: a JSON response with a stable code (`lib/errors.ts`). */
function refuse(stream: ResponseStream, error: unknown) {
  const { status, body, headers } = errorResponse(error, {
    challenge: `Bearer realm="herald-feed", error="invalid_token"`,
  });
  const response = awslambda.HttpResponseStream.from(stream, {
    statusCode: status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
  response.end(JSON.stringify(body));
}
