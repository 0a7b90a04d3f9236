import { link } from "../config";
import { fn } from "../fn";
import { RecipientId } from "../notification/status";
import * as z from "../zod";
import { sealToken } from "./token-verify";

/** Issuing recipient tokens (their format, and verifying them: ./token-verify). */

export { type Claims, TokenError, verifyToken } from "./token-verify";

export const MAX_TTL_SECONDS = 3600;
/**
 * An hour, as Ably's tokens: a WebSocket client renews its subscriptions once per token
 * lifetime (presence lapses with the token), and at 15 minutes those renewals alone took an
 * idle connected hour from $0.0000098 to $0.0000262, over the $0.00002 goal. Ask for less with
 * `ttl_seconds` where a stolen token must die sooner.
 */
export const DEFAULT_TTL_SECONDS = 3600;

export interface IssuedToken {
  token: string;
  /** ISO 8601, UTC. */
  expires_at: string;
}

export const TokenInput = z.object({
  tenantId: z.string().check(z.minLength(1), z.maxLength(64)),
  recipientId: RecipientId,
  ttlSeconds: z._default(z.int().check(z.gte(1), z.lte(MAX_TTL_SECONDS)), DEFAULT_TTL_SECONDS),
  now: z.optional(z.date()),
});

/** Issue a token for one recipient's feed, valid `ttlSeconds` (default and at most 3600). */
export const issueToken = fn(
  TokenInput,
  ({ tenantId, recipientId, ttlSeconds, now = new Date() }): IssuedToken => {
    const expires = Math.floor(now.getTime() / 1000) + ttlSeconds;
    return {
      token: sealToken(tenantId, recipientId, expires),
      expires_at: new Date(expires * 1000).toISOString(),
    };
  },
);

/** The body of `POST /v1/recipients/{id}/tokens`. */
export const TokenRequest = z.strictObject({
  ttl_seconds: z
    .optional(z.int().check(z.gte(1), z.lte(MAX_TTL_SECONDS)))
    .check(z.describe(`Lifetime in seconds (default ${DEFAULT_TTL_SECONDS})`)),
});
export type TokenRequest = z.infer<typeof TokenRequest>;

/** The feed's URL, when the Realtime link carries one (`url`). */
export function feedUrl(): string | undefined {
  return link("Realtime").url;
}
