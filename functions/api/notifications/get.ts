import * as Notification from "@herald/core/notification";
import { api } from "../../lib/http";

/** GET /v1/notifications/{id} */
export const handler = api({}, async ({ event, principal }) => ({
  status: 200,
  body: await Notification.get({
    tenantId: principal.tenantId,
    id: event.pathParameters?.id ?? "",
  }),
}));
