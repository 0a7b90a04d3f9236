import { webhookSecret } from "@herald/core/delivery/webhook";
import { api } from "../lib/http";

/** GET /v1/webhooks/secret: the secret this tenant's webhook receivers verify signatures with. */
export const handler = api({}, async ({ principal }) => ({
  status: 200,
  body: { secret: webhookSecret(principal.tenantId), header: "herald-signature" },
}));
