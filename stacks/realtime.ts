import { stream } from "../functions/manifest";
import { lambda } from "./lambda";
import { realtime, upstash } from "./secrets";
import { table } from "./storage";

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
  url: {
    cors: {
      allowOrigins: ["*"],
      allowMethods: ["GET"],
      allowHeaders: ["authorization", "last-event-id"],
    },
  },
  link: [table, upstash, realtime],
});

/** Every function of this stack, by logical name (for alarms). */
export const functions: Record<string, sst.aws.Function> = { Feed: feed };
