import * as Endpoint from "@herald/core/delivery/endpoint";
import { api } from "../lib/http";

/**
 * GET /v1/endpoints: the tenant's webhook endpoints that have failed, with their circuit state;
 * POST /v1/endpoints/{id}/enable: turn a disabled endpoint back on.
 */
export const handler = api({}, async ({ event, principal }) => {
  if (event.routeKey === "POST /v1/endpoints/{id}/enable") {
    return {
      status: 200,
      body: await Endpoint.enable(principal.tenantId, event.pathParameters?.id ?? ""),
    };
  }
  return { status: 200, body: await Endpoint.list(principal.tenantId) };
});
