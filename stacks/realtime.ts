import { type LinkName, socket as socketRoutes, stream, streamCors } from "../functions/manifest";
import { lambda, pascal } from "./lambda";
import { realtime, upstash } from "./secrets";
import { table } from "./storage";

/** Simultaneous feed connections (one Lambda instance each). */
export const FEED_CONCURRENCY = 50;

/**
 * The WebSocket feed: billed per connection-minute and per message, so an idle connected
 * recipient costs ≈ $0.000015 an hour instead of a Lambda held open. Linked as `Socket` (its
 * URL, its `@connections` endpoint and `execute-api:ManageConnections` on its connections) to
 * its own routes and to everything that publishes status changes (`Realtime.publish` posts them).
 */
export const socket = new sst.aws.ApiGatewayWebSocket("Socket");

const socketLinkables: Partial<Record<LinkName, unknown>> = {
  Table: table,
  Realtime: realtime,
  Socket: socket,
};

const socketFunctions = Object.fromEntries(
  socketRoutes.routes.map(({ route, handler }) => [
    `SocketRoute${pascal(route.replace("$", ""))}`,
    socket.route(route, {
      ...lambda,
      handler,
      description: `WebSocket feed ${route}`,
      memory: "256 MB",
      timeout: "30 seconds",
      link: socketRoutes.links.map((name) => socketLinkables[name]),
    }).nodes.function,
  ]),
);

/**
 * The SSE feed stays for servers: `waitFor` in `@herald/client` (Node) holds it for seconds,
 * not hours, and it needs no connection registry. Browsers use the WebSocket feed.
 *
 * Server-sent events need response streaming, which API Gateway does not do,
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
export const functions: Record<string, { name: $util.Input<string> }> = {
  Feed: feed,
  ...Object.fromEntries(
    Object.entries(socketFunctions).map(([name, fn]) => [name, { name: fn.name }]),
  ),
};
