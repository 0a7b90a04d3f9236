import { createHash } from "node:crypto";
import { TokenError, verifyToken } from "./token-verify";

/**
 * Channels of the WebSocket feed (AppSync Events, namespace `feed`, at most 5 segments of
 * `[A-Za-z0-9-]{1,50}`), and who may subscribe to them:
 *
 *   /feed/<h(tenant)>/<h(recipient)>/<h(notification)>   one notification (published here)
 *   /feed/<h(tenant)>/<h(recipient)>/*                   the recipient's whole feed
 *
 * `h` is the first 32 hex digits of SHA-256 of the id: ids may hold characters a channel
 * cannot (`_`, `.`, `@`), and be longer than 50; the authorizer compares hashes of the token's
 * own tenant and recipient, so a token never opens another's channel. This module and
 * ./presence (which registers an allowed subscriber) are what the authorizer
 * (functions/socket.ts) bundles.
 */

export const NAMESPACE = "feed";
/** Hex digits of SHA-256 kept per segment (128 bits). */
const SEGMENT_HEX = 32;

/** A channel segment for an id (`@herald/client` computes the same for notification ids). */
export function segment(id: string): string {
  return createHash("sha256").update(id, "utf8").digest("hex").slice(0, SEGMENT_HEX);
}

/** The recipient's feed channel, without the trailing wildcard (what tokens name). */
export function feedChannel(tenantId: string, recipientId: string): string {
  return `/${NAMESPACE}/${segment(tenantId)}/${segment(recipientId)}`;
}

/** The channel a notification's changes are published on. */
export function channelOf(tenantId: string, recipientId: string, id: string): string {
  return `${feedChannel(tenantId, recipientId)}/${segment(id)}`;
}

/** What AppSync Events sends a Lambda authorizer (AWS_LAMBDA auth mode). */
export interface AuthorizerEvent {
  authorizationToken?: string;
  requestContext: {
    apiId?: string;
    accountId?: string;
    requestId?: string;
    operation: "EVENT_CONNECT" | "EVENT_SUBSCRIBE" | "EVENT_PUBLISH" | string;
    channelNamespaceName?: string;
    channel?: string;
  };
  requestHeaders?: Record<string, string>;
}

/** What it expects back. `ttlOverride` is how long AppSync may cache the answer (seconds). */
export interface AuthorizerResult {
  isAuthorized: boolean;
  ttlOverride?: number;
  handlerContext?: Record<string, string>;
}

/**
 * The authorizer's decision: a valid, unexpired recipient token may connect, and subscribe to
 * its own feed (`…/*`) or to one notification channel under it; nothing else, and never
 * publish (only Herald's role publishes, over IAM). No answer may be cached (`ttlOverride` 0):
 * AppSync's cache is keyed by the token, and a subscribe answer depends on the channel too; the
 * authorizer runs twice per connection, a negligible cost.
 */
export function authorize(event: AuthorizerEvent, now = new Date()): AuthorizerResult {
  return decide(event, now).result;
}

/** Who subscribes, and until when their token lets them: what presence registers. */
export interface Subscriber {
  tenantId: string;
  recipientId: string;
  until: number;
}

/** `authorize`, and for an allowed subscribe the subscriber (./presence registers them). */
export function decide(
  event: AuthorizerEvent,
  now = new Date(),
): { result: AuthorizerResult; subscriber?: Subscriber } {
  const denied = { result: { isAuthorized: false, ttlOverride: 0 } };
  let claims: ReturnType<typeof verifyToken>;
  try {
    claims = verifyToken(bearer(event.authorizationToken), now);
  } catch (error) {
    if (error instanceof TokenError) return denied;
    throw error;
  }
  const allowed = { isAuthorized: true, ttlOverride: 0 };
  const { operation, channel } = event.requestContext;
  const own = feedChannel(claims.tenantId, claims.recipientId);
  if (operation === "EVENT_CONNECT") return { result: allowed };
  if (operation === "EVENT_SUBSCRIBE" && typeof channel === "string") {
    const rest = channel.startsWith(`${own}/`) ? channel.slice(own.length + 1) : undefined;
    if (rest === "*" || (rest !== undefined && /^[0-9a-f]{32}$/.test(rest))) {
      const { tenantId, recipientId, expiresAt } = claims;
      return { result: allowed, subscriber: { tenantId, recipientId, until: expiresAt.getTime() } };
    }
  }
  return denied;
}

/** The token as browsers send it (`Authorization: <token>`, or with a `Bearer ` prefix). */
function bearer(value: string | undefined): string | undefined {
  return value?.replace(/^Bearer\s+/i, "");
}
