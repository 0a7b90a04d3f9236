import * as Notification from "@herald/core/notification/send";
import { api, replayedHeaders } from "../../lib/http";

/** POST /v1/notifications */
export const handler = api({ body: true }, async ({ event, body, principal }) => {
  const { notification, replayed } = await Notification.accept({
    tenantId: principal.tenantId,
    input: body,
    idempotencyKey: event.headers["idempotency-key"],
    test: principal.test,
  });
  return {
    status: 202,
    body: notification,
    headers: replayedHeaders(replayed),
  };
});
