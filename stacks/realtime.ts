import { socket as socketSpec, stream, streamCors } from "../functions/manifest";
import { lambda } from "./lambda";
import { realtime, upstash } from "./secrets";
import { table } from "./storage";

/** Simultaneous feed connections (one Lambda instance each). */
export const FEED_CONCURRENCY = 50;
/** The channel namespace status changes are published in (packages/core/src/realtime/socket.ts). */
const NAMESPACE = "feed";

/**
 * The WebSocket feed: an AppSync Events API. AppSync holds the connections (billed per
 * connection-minute, keep-alives its own) and fans a publish out to every subscriber of a
 * channel. Browsers connect and subscribe with a recipient token, which the authorizer below
 * checks (AWS_LAMBDA) and registers as present in Redis; publishing is AWS_IAM only, so only Herald's functions linked to
 * `Events` (`appsync:EventPublish` on the `feed` namespace) can publish.
 */
export const socketAuthorizer = new sst.aws.Function("SocketAuthorizer", {
  ...lambda,
  handler: socketSpec.authorizer,
  description: "WebSocket feed authorizer (recipient tokens, AppSync Events)",
  memory: "256 MB",
  timeout: "10 seconds",
  // Upstash: an allowed subscribe registers the recipient's presence (realtime/presence.ts).
  link: [realtime, upstash],
});

export const socketApi = new aws.appsync.Api("Socket", {
  name: `${$app.name}-${$app.stage}-socket`,
  eventConfig: {
    authProviders: [
      {
        authType: "AWS_LAMBDA",
        // Subscribe answers depend on the channel; the authorizer sets ttlOverride itself.
        lambdaAuthorizerConfig: {
          authorizerUri: socketAuthorizer.arn,
          authorizerResultTtlInSeconds: 0,
        },
      },
      { authType: "AWS_IAM" },
    ],
    connectionAuthModes: [{ authType: "AWS_LAMBDA" }],
    defaultSubscribeAuthModes: [{ authType: "AWS_LAMBDA" }],
    defaultPublishAuthModes: [{ authType: "AWS_IAM" }],
  },
});

export const socketNamespace = new aws.appsync.ChannelNamespace("SocketFeed", {
  apiId: socketApi.apiId,
  name: NAMESPACE,
});

new aws.lambda.Permission("SocketAuthorizerInvoke", {
  action: "lambda:InvokeFunction",
  function: socketAuthorizer.name,
  principal: "appsync.amazonaws.com",
  sourceArn: socketApi.apiArn,
});

/** Where browsers connect (the deploy output `socket`). */
export const socketUrl = $interpolate`wss://${socketApi.dns.apply((dns) => dns.REALTIME)}/event/realtime`;

/**
 * The SSE feed stays for servers: `waitFor` in `@herald/client` (Node) holds it for seconds,
 * not hours, and WebSocket clients fetch their replay from it (`?replay=only`). Browsers use
 * the WebSocket feed.
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

/**
 * `Resource.Events`: the publish endpoint and the real-time URL; publishing granted on the
 * `feed` namespace of this API and nothing else.
 */
export const events = new sst.Linkable("Events", {
  properties: {
    http: $interpolate`https://${socketApi.dns.apply((dns) => dns.HTTP)}/event`,
    realtime: socketUrl,
    // Where WebSocket clients fetch their replay (returned with recipient tokens).
    feed: feed.url,
  },
  include: [
    sst.aws.permission({
      actions: ["appsync:EventPublish"],
      resources: [$interpolate`${socketApi.apiArn}/channelNamespace/${socketNamespace.name}`],
    }),
  ],
});

/** Every function of this stack, by logical name (for alarms). */
export const functions: Record<string, { name: $util.Input<string> }> = {
  Feed: feed,
  SocketAuthorizer: socketAuthorizer,
};
