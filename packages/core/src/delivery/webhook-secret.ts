import { randomBytes } from "node:crypto";
import { fn } from "../fn";
import * as z from "../zod";
import { OverlapSeconds } from "./secret-overlap";
import { rememberSecret, SECRET_PREFIX, secretsOf } from "./webhook";
import * as SecretStore from "./webhook-secret-store";

/**
 * The API side of webhook signing secrets: read the current one, rotate it. Signing (and the
 * workers' cache of the stored secret) is ./webhook.ts; this module is apart so that bundles
 * importing only `post` from there (the callback worker) keep no schema or store call.
 */

/** What receivers verify with: the current secret, and until when the previous one signs too. */
export const WebhookSecretInfo = z.object({
  secret: z.string().check(z.describe("Verify webhook signatures with this")),
  header: z.string().check(z.describe("The request header that carries the signature")),
  previous_valid_until: z
    .optional(z.string())
    .check(
      z.describe("Set while the secret before the last rotation still signs (a second v1= entry)"),
    ),
});
export type WebhookSecretInfo = z.infer<typeof WebhookSecretInfo>;

const TenantId = z.string().check(z.minLength(1));

/** GET /v1/webhooks/secret: read from the table, not the cache, so it is current at once. */
export const getWebhookSecret = fn(
  z.object({ tenantId: TenantId }),
  async ({ tenantId }): Promise<WebhookSecretInfo> => {
    const item = await SecretStore.read(tenantId);
    rememberSecret(tenantId, item);
    const { current, until } = secretsOf(tenantId, item);
    return {
      secret: current,
      header: "herald-signature",
      ...(until ? { previous_valid_until: until } : {}),
    };
  },
);

export const RotateWebhookSecretInput = z._default(
  z.strictObject({ overlap_seconds: OverlapSeconds }),
  { overlap_seconds: 86_400 },
);
export type RotateWebhookSecretInput = z.input<typeof RotateWebhookSecretInput>;

/**
 * Stores a new random secret; the current one (stored, or the derived one if none was) keeps
 * signing for `overlap_seconds`. Another container picks the new one up within
 * SECRET_CACHE_MS. Two rotations at the same moment: the last write wins.
 */
export const rotateWebhookSecret = fn(
  z.object({ tenantId: TenantId, input: RotateWebhookSecretInput }),
  async ({ tenantId, input }): Promise<WebhookSecretInfo> => {
    const { current } = secretsOf(tenantId, await SecretStore.read(tenantId));
    const now = Date.now();
    const item: SecretStore.SecretItem = {
      secret: SECRET_PREFIX + randomBytes(32).toString("base64url"),
      previous_secret: current,
      previous_until: new Date(now + input.overlap_seconds * 1000).toISOString(),
      rotated_at: new Date(now).toISOString(),
    };
    await SecretStore.write(tenantId, item);
    rememberSecret(tenantId, item);
    const { until } = secretsOf(tenantId, item, now);
    return {
      secret: item.secret,
      header: "herald-signature",
      ...(until ? { previous_valid_until: until } : {}),
    };
  },
);
