import * as Workflow from "@herald/core/workflow";
import { api, parseBody, replayedHeaders, unhandled } from "../lib/http";
import type { RouteKey } from "../routes";

/** POST /v1/workflows (a send with fallback steps), GET /v1/workflows/{id}, and its cancel. */
export const handler = api({}, async ({ event, principal }) => {
  const tenantId = principal.tenantId;
  const id = event.pathParameters?.id ?? "";
  const route = event.routeKey as RouteKey<"functions/api/workflows.handler">;
  switch (route) {
    case "POST /v1/workflows": {
      const { workflow, replayed } = await Workflow.start({
        tenantId,
        // Only this route of the group takes a body.
        input: parseBody(event) as Workflow.WorkflowInput,
        idempotencyKey: event.headers["idempotency-key"],
        test: principal.test,
      });
      return { status: 202, body: workflow, headers: replayedHeaders(replayed) };
    }
    case "GET /v1/workflows/{id}":
      return { status: 200, body: await Workflow.get({ tenantId, id }) };
    case "POST /v1/workflows/{id}/cancel":
      return { status: 200, body: await Workflow.cancel({ tenantId, id }) };
    default:
      return unhandled(route);
  }
});
