import * as Notification from "@herald/core/notification/manage";
import { api } from "../../lib/http";

/** GET /v1/notifications?status=&channel=&recipient=&created_after=&created_before=&limit=&cursor= */
export const handler = api(
  { query: { "GET /v1/notifications": Notification.ListInput } },
  async ({ event, principal }) => ({
    status: 200,
    body: await Notification.list({
      tenantId: principal.tenantId,
      query: (event.queryStringParameters ?? {}) as Notification.ListInput,
    }),
  }),
);
