import * as Template from "@herald/core/template";
import { api, unhandled } from "../lib/http";
import type { BodyRule } from "../lib/route";
import type { RouteKey } from "../routes";

/**
 * PUT, GET and DELETE /v1/templates/{id}, POST /v1/templates/{id}/preview: the tenant's
 * versioned templates.
 */
const bodies = {
  "PUT /v1/templates/{id}": "optional",
  "POST /v1/templates/{id}/preview": "optional",
} satisfies Partial<Record<RouteKey<"functions/api/templates.handler">, BodyRule>>;

export const handler = api(
  { body: bodies, query: { "GET /v1/templates/{id}": Template.GetQuery } },
  async ({ event, body, principal }) => {
    const tenantId = principal.tenantId;
    const id = event.pathParameters?.id ?? "";
    const route = event.routeKey as RouteKey<"functions/api/templates.handler">;
    switch (route) {
      case "PUT /v1/templates/{id}":
        return {
          status: 200,
          body: await Template.put({ tenantId, id, template: body as Template.TemplateInput }),
        };
      case "DELETE /v1/templates/{id}":
        await Template.remove({ tenantId, id });
        return { status: 204 };
      case "POST /v1/templates/{id}/preview":
        return {
          status: 200,
          body: await Template.preview({
            tenantId,
            id,
            input: (body ?? {}) as Record<string, unknown>,
          }),
        };
      case "GET /v1/templates/{id}":
        return {
          status: 200,
          body: await Template.get({
            tenantId,
            id,
            version: event.queryStringParameters?.version as unknown as number | undefined,
          }),
        };
      default:
        return unhandled(route);
    }
  },
);
