import * as Suppression from "@herald/core/suppression";
import { api } from "../lib/http";

/**
 * GET /v1/suppressions, GET and DELETE /v1/suppressions/{address}: the tenant's email
 * suppression list (hard bounces and complaints).
 */
export const handler = api({}, async ({ event, principal }) => {
  const tenantId = principal.tenantId;
  // API Gateway hands path parameters over decoded.
  const address = event.pathParameters?.address ?? "";
  switch (event.routeKey) {
    case "GET /v1/suppressions/{address}":
      return { status: 200, body: await Suppression.get({ tenantId, address }) };
    case "DELETE /v1/suppressions/{address}":
      await Suppression.remove({ tenantId, address });
      return { status: 204 };
    default:
      return {
        status: 200,
        body: await Suppression.list({ tenantId, query: event.queryStringParameters ?? {} }),
      };
  }
});
