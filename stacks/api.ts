import {
  accessLogFormat,
  authorizerCacheSeconds,
  authorizer as authorizerHandler,
  type LinkName,
  routes,
} from "../functions/manifest";
import { lambda, pascal } from "./lambda";
import { queuesLink } from "./queues";
import { events } from "./realtime";
import { scheduler } from "./scheduler";
import { realtime, upstash, webhooks } from "./secrets";
import { table } from "./storage";

/**
 * The HTTP API: every route in `functions/manifest.ts`, one Lambda per handler (routes sharing a
 * handler share the function), and the API key authorizer on every route not marked `auth: false`.
 */

export const api = new sst.aws.ApiGatewayV2("Api", {
  transform: {
    stage: (args) => {
      if (!args.accessLogSettings) return;
      args.accessLogSettings = $output(args.accessLogSettings).apply((settings) => ({
        ...settings,
        format: accessLogFormat,
      }));
    },
  },
});

/** Turns an API key into the tenant; API Gateway passes it on as `authorizer.lambda`. */
export const authorizerFunction = new sst.aws.Function("ApiAuthorizer", {
  ...lambda,
  handler: authorizerHandler,
  description: "API key authorizer",
  link: [table],
});

export const authorizer = api.addAuthorizer({
  name: "ApiKey",
  lambda: {
    function: authorizerFunction.arn,
    identitySources: ["$request.header.Authorization"],
    response: "simple",
    payload: "2.0",
    // A revoked key stops working within this long (functions/manifest.ts).
    ttl: `${authorizerCacheSeconds} seconds`,
  },
});

const handlers = [...new Set(routes.map((route) => route.handler))];

const linkables: Record<LinkName, unknown> = {
  Table: table,
  Queues: queuesLink,
  Scheduler: scheduler,
  Upstash: upstash,
  Realtime: realtime,
  Webhooks: webhooks,
  Events: events,
};

/** What a handler's routes are linked to (the manifest's `links`; Upstash for the rate limit). */
function linksOf(handler: string): unknown[] {
  const names = new Set<LinkName>();
  for (const route of routes.filter((r) => r.handler === handler)) {
    for (const name of route.links ?? []) names.add(name);
    if (route.auth !== false) names.add("Upstash");
  }
  return [...names].sort().map((name) => linkables[name]);
}

/** One function per handler, linked to exactly what its routes use. */
export const handlerFunctions = Object.fromEntries(
  handlers.map((handler) => [
    handler,
    new sst.aws.Function(pascal(handler), {
      ...lambda,
      handler,
      link: linksOf(handler),
      environment: {
        ...lambda.environment,
        // Sends due within this many seconds use SQS DelaySeconds, later ones the Scheduler.
        HERALD_SCHEDULER_MIN_DELAY_SECONDS: "900",
      },
    }),
  ]),
) as Record<string, sst.aws.Function>;

/** Every function of this stack, by logical name (for alarms). */
export const functions: Record<string, sst.aws.Function> = {
  ApiAuthorizer: authorizerFunction,
  ...Object.fromEntries(handlers.map((handler) => [pascal(handler), handlerFunctions[handler]])),
};

for (const { route, handler, auth } of routes) {
  const fn = handlerFunctions[handler];
  if (!fn) throw new Error(`No function for ${handler}`);
  api.route(route, fn.arn, auth === false ? undefined : { auth: { lambda: authorizer.id } });
}
