import * as Workflow from "@herald/core/workflow";
import { api, parseBody } from "../lib/http";

/** POST /v1/workflows (a send with fallback steps), GET /v1/workflows/{id}, and its cancel. */
export const handler = api({}, async ({ event, principal }) => {
  if (event.routeKey === "POST /v1/workflows/{id}/cancel") {
    return {
      status: 200,
      body: await Workflow.cancel({
        tenantId: principal.tenantId,
        id: event.pathParameters?.id ?? "",
      }),
    };
  }
  if (event.requestContext.http.method === "POST") {
    return {
      status: 202,
      body: await Workflow.start({
        tenantId: principal.tenantId,
        input: parseBody(event) as Workflow.WorkflowInput,
        idempotencyKey: event.headers["idempotency-key"],
        test: principal.test,
      }),
    };
  }
  return {
    status: 200,
    body: await Workflow.get({ tenantId: principal.tenantId, id: event.pathParameters?.id ?? "" }),
  };
});
