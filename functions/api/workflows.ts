import * as Workflow from "@herald/core/workflow";
import { api } from "../lib/http";

/** POST /v1/workflows (a send with fallback steps) and GET /v1/workflows/{id}. */
export const handler = api({ body: "POST" }, async ({ event, body, principal }) => {
  if (event.requestContext.http.method === "POST") {
    return {
      status: 202,
      body: await Workflow.start({
        tenantId: principal.tenantId,
        input: body as Workflow.WorkflowInput,
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
