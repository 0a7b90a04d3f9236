import * as Settings from "@herald/core/tenant/settings";
import { api } from "../lib/http";

/** GET /v1/settings, PUT /v1/settings: the tenant's settings (retention). */
export const handler = api({ body: "PUT" }, async ({ event, body, principal }) => {
  if (event.routeKey === "PUT /v1/settings") {
    return {
      status: 200,
      body: await Settings.put({
        tenantId: principal.tenantId,
        settings: body as Settings.SettingsInput,
      }),
    };
  }
  return { status: 200, body: await Settings.get({ tenantId: principal.tenantId }) };
});
