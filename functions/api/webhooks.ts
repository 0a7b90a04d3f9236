import {
  getWebhookSecret,
  type RotateWebhookSecretInput,
  rotateWebhookSecret,
} from "@herald/core/delivery/webhook-secret";
import { api } from "../lib/http";
import type { BodyRule } from "../lib/route";
import type { RouteKey } from "../routes";

/**
 * GET /v1/webhooks/secret: the secret this tenant's webhook receivers verify signatures with.
 * POST /v1/webhooks/secret/rotate: a new secret; the previous one signs too for the overlap.
 */
const bodies = {
  "POST /v1/webhooks/secret/rotate": "optional",
} satisfies Partial<Record<RouteKey<"functions/api/webhooks.handler">, BodyRule>>;

export const handler = api({ body: bodies }, async ({ event, principal, body }) => {
  const tenantId = principal.tenantId;
  if (event.routeKey === "POST /v1/webhooks/secret/rotate") {
    const input = (body ?? undefined) as RotateWebhookSecretInput;
    return { status: 200, body: await rotateWebhookSecret({ tenantId, input }) };
  }
  return { status: 200, body: await getWebhookSecret({ tenantId }) };
});
