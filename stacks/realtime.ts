import { stream, streamCors } from "../functions/manifest";
import { lambda } from "./lambda";
import { realtime, upstash } from "./secrets";
import { table } from "./storage";

/** Simultaneous feed connections (one Lambda instance each). */
export const FEED_CONCURRENCY = 50;

/**
 * The real-time feed: server-sent events need response streaming, which API Gateway does not do,
 * so the feed is a Lambda Function URL. The recipient token is checked by the handler itself.
 */
export const feed = new sst.aws.Function("Feed", {
  ...lambda,
  handler: stream,
  description: "Real-time feed (server-sent events)",
  streaming: true,
  // Long enough for a client to stay connected a while; it reconnects with Last-Event-ID.
  timeout: "15 minutes",
  // A feed mostly waits on Redis: little memory, and each open connection holds one instance
  // for its whole life, so the feed gets a fixed share of the account's concurrency that open
  // connections can never take from the workers and the API. Past it, new connections are
  // throttled (429); the client retries with backoff and waitFor() falls back to polling.
  memory: "256 MB",
  concurrency: { reserved: FEED_CONCURRENCY },
  url: {
    cors: streamCors,
  },
  link: [table, upstash, realtime],
});

/** Every function of this stack, by logical name (for alarms). */
export const functions: Record<string, sst.aws.Function> = { Feed: feed };
