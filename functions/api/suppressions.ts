import * as Suppression from "@herald/core/suppression/manage";
import { api, unhandled } from "../lib/http";
import type { RouteKey } from "../routes";

/**
 * GET /v1/suppressions, GET and DELETE /v1/suppressions/{address}: the tenant's email
 * suppression list (hard bounces and complaints).
 */
export const handler = api(
  { query: { "GET /v1/suppressions": Suppression.ListInput } },
  async ({ event, principal }) => {
    const tenantId = principal.tenantId;
    // API Gateway hands path parameters over decoded.
    const address = event.pathParameters?.address ?? "";
    const route = event.routeKey as RouteKey<"functions/api/suppressions.handler">;
    switch (route) {
      case "GET /v1/suppressions/{address}":
        return { status: 200, body: await Suppression.get({ tenantId, address }) };
      case "DELETE /v1/suppressions/{address}":
        await Suppression.remove({ tenantId, address });
        return { status: 204 };
      case "GET /v1/suppressions":
        return {
          status: 200,
          body: await Suppression.list({ tenantId, query: event.queryStringParameters ?? {} }),
        };
      default:
        return unhandled(route);
    }
  },
);
