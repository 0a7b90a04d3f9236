import * as RateLimit from "@herald/core/tenant/ratelimit";
import { type ApiRequest, type ApiResult, chain, principalOf, type RouteOptions } from "./route";

export * from "./route";

/**
 * Routes that take an API key: the authorizer's principal, and the key's rate limit before
 * anything else. A route without a key uses `publicApi` (`route.ts`), which loads neither.
 */

/** Wrap a route: `api({ body: true }, async ({ body, principal }) => ({ status: 202, body }))`. */
export function api(options: RouteOptions, route: (request: ApiRequest) => Promise<ApiResult>) {
  return chain(
    options,
    async (event) => {
      const principal = principalOf(event);
      await RateLimit.enforce(principal.keyId);
      return principal;
    },
    route,
  );
}
