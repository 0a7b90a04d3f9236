import { VisibleError } from "@herald/core/error";
import { publicApi } from "../lib/route";

/** `$default`: no route matched the method and path. */
export const handler = publicApi({ query: { $default: "any" } }, async ({ event }) => {
  const { method, path } = event.requestContext.http;
  throw new VisibleError("not_found", "route_not_found", `No route for ${method} ${path}`);
});
