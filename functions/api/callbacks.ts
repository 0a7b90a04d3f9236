import * as Callbacks from "@herald/core/callback";
import { api, unhandled } from "../lib/http";
import type { BodyRule } from "../lib/route";
import type { RouteKey } from "../routes";

/**
 * /v1/callbacks: the tenant's status callback endpoints (register, list, get, delete, rotate
 * the signing secret, enable again after being disabled).
 */
const bodies = {
  "POST /v1/callbacks": "optional",
  "POST /v1/callbacks/{id}/rotate-secret": "optional",
} satisfies Partial<Record<RouteKey<"functions/api/callbacks.handler">, BodyRule>>;

export const handler = api({ body: bodies }, async ({ event, principal, body }) => {
  const tenantId = principal.tenantId;
  const id = event.pathParameters?.id ?? "";
  const route = event.routeKey as RouteKey<"functions/api/callbacks.handler">;
  switch (route) {
    case "POST /v1/callbacks":
      return {
        status: 201,
        body: await Callbacks.create({ tenantId, input: body as Callbacks.CreateInputType }),
      };
    case "GET /v1/callbacks/{id}":
      return { status: 200, body: await Callbacks.get({ tenantId, id }) };
    case "DELETE /v1/callbacks/{id}":
      await Callbacks.remove({ tenantId, id });
      return { status: 204 };
    case "POST /v1/callbacks/{id}/rotate-secret":
      return {
        status: 200,
        body: await Callbacks.rotate({
          tenantId,
          id,
          input: (body ?? undefined) as Callbacks.RotateInputType,
        }),
      };
    case "POST /v1/callbacks/{id}/enable":
      return { status: 200, body: await Callbacks.enable({ tenantId, id }) };
    case "GET /v1/callbacks":
      return { status: 200, body: await Callbacks.list({ tenantId }) };
    default:
      return unhandled(route);
  }
});
