import { randomBytes } from "node:crypto";
import { fn } from "../fn";
import { createId } from "../id";
import * as z from "../zod";
import * as Store from "./store";

/**
 * Tenants and their API keys. A key is shown once, at creation; the table keeps only its
 * SHA-256 hash (keys are 192 random bits, so a fast hash is enough: there is nothing to guess),
 * in ./store.ts.
 */
export const TenantId = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[a-z0-9][a-z0-9_-]*$/, "lowercase letters, digits, _ and - only"),
  );

const KEY_PREFIX = "hrld_";
/** Test keys: their notifications run the whole pipeline but never reach a provider. */
const TEST_PREFIX = "hrld_test_";

export interface Principal {
  tenantId: string;
  keyId: string;
  /** A test key (`hrld_test_…`): its notifications are simulated, never sent. */
  test?: boolean;
}

/** Issue a new API key for a tenant. The secret is returned here and nowhere else. */
export const createKey = fn(
  z.object({ tenantId: TenantId, test: z.optional(z.boolean()) }),
  async ({ tenantId, test }) => {
    const secret = `${test ? TEST_PREFIX : KEY_PREFIX}${randomBytes(24).toString("base64url")}`;
    const keyId = createId("key");
    await Store.createKey(secret, {
      key_id: keyId,
      tenant_id: tenantId,
      created_at: new Date().toISOString(),
      ...(test ? { mode: "test" as const } : {}),
    });
    return { secret, keyId, tenantId, test: test === true };
  },
);

/** Revoke a key by its secret; requests with it are refused from then on. */
export async function revokeKey(secret: string): Promise<boolean> {
  return Store.revokeKey(secret, new Date());
}

/**
 * Who holds this credential: accepts `Bearer <key>` or the bare key. Undefined for anything
 * unknown, malformed or revoked.
 */
export async function authenticate(credential: string | undefined): Promise<Principal | undefined> {
  const secret = credential?.replace(/^Bearer\s+/i, "").trim();
  if (!secret?.startsWith(KEY_PREFIX) || secret.length > 128) return undefined;
  const item = await Store.readKey(secret);
  if (!item || item.revoked_at) return undefined;
  return {
    tenantId: item.tenant_id,
    keyId: item.key_id,
    ...(item.mode === "test" ? { test: true } : {}),
  };
}
