import * as Realtime from "@herald/core/realtime";
import { api } from "../lib/http";

/**
 * POST /v1/recipients/{id}/tokens: a short-lived token with which that recipient (a browser tab
 * of theirs, say) reads their own real-time feed. The body is optional: `{"ttl_seconds": 900}` (default 3600).
 */
export const handler = api({ body: "optional" }, async ({ event, body, principal }) => ({
  status: 200,
  body: Realtime.issue({
    tenantId: principal.tenantId,
    recipientId: event.pathParameters?.id ?? "",
    request: body ?? {},
  }),
}));
