import * as Notification from "@herald/core/notification";
import { api } from "../../lib/http";

/** The routes that act on one notification: read it, cancel, force or retry it. */
const verbs: Record<
  string,
  (input: { tenantId: string; id: string }) => Promise<Notification.Info>
> = {
  "GET /v1/notifications/{id}": Notification.get,
  "POST /v1/notifications/{id}/cancel": Notification.cancel,
  "POST /v1/notifications/{id}/force": Notification.force,
  "POST /v1/notifications/{id}/retry": Notification.retry,
};

export const handler = api({}, async ({ event, principal }) => {
  const verb = verbs[event.routeKey];
  if (!verb) throw new Error(`unexpected route ${event.routeKey}`);
  return {
    status: 200,
    body: await verb({ tenantId: principal.tenantId, id: event.pathParameters?.id ?? "" }),
  };
});
