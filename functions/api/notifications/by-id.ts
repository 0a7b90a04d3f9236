import * as Notification from "@herald/core/notification/manage";
import type { Info } from "@herald/core/notification/model";
import { api } from "../../lib/http";
import type { RouteKey } from "../../routes";

/** The routes that act on one notification: read it, cancel, force or retry it. */
const verbs = {
  "GET /v1/notifications/{id}": Notification.get,
  "POST /v1/notifications/{id}/cancel": Notification.cancel,
  "POST /v1/notifications/{id}/force": Notification.force,
  "POST /v1/notifications/{id}/retry": Notification.retry,
} satisfies Record<
  RouteKey<"functions/api/notifications/by-id.handler">,
  (input: { tenantId: string; id: string }) => Promise<Info>
>;

export const handler = api({}, async ({ event, principal }) => {
  const verb = verbs[event.routeKey as keyof typeof verbs];
  if (!verb) throw new Error(`unexpected route ${event.routeKey}`);
  return {
    status: 200,
    body: await verb({ tenantId: principal.tenantId, id: event.pathParameters?.id ?? "" }),
  };
});
