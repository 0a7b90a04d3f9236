import { createHmac, timingSafeEqual } from "node:crypto";
import { link } from "../config";
import { VisibleError } from "../error";

/**
 * Recipient tokens: short-lived, HMAC-SHA256-signed credentials that let one recipient of one
 * tenant read their own real-time feed, and nothing else. Compact and opaque:
 *
 *   hrld_rt_<base64url( version | expires (u32 s) | tenant len | tenant | recipient len | recipient | tag )>
 *
 * The `hrld_` prefix lets the log redactor and secret scanners recognise a token as a secret;
 * the whole token is one run of URL-safe characters, so it is masked whole.
 *
 * This module is the format, its signature and `verifyToken`, without schemas: the AppSync
 * authorizer and the inbox routes verify tokens and never issue one (./token issues them).
 */

const PREFIX = "hrld_rt_";
const VERSION = 1;
const TAG_BYTES = 32;
/** Domain separation: the key signs nothing else, but a tag says what it signed. */
const CONTEXT = "herald.realtime.recipient-token\u0000";
/** Longer than any valid token (tenant 64 + recipient 128 bytes); refuse before decoding. */
const MAX_TOKEN_CHARS = 400;

/** A token that does not verify (401): `invalid_token`, or `token_expired` once past its time. */
export class TokenError extends VisibleError {
  constructor(code: "invalid_token" | "token_expired", message: string, options?: ErrorOptions) {
    super("unauthorized", code, message, undefined, options);
    this.name = "TokenError";
  }
}

export interface Claims {
  tenantId: string;
  recipientId: string;
  expiresAt: Date;
}

/** A signed token for these claims (`expires` in seconds since the epoch). */
export function sealToken(tenantId: string, recipientId: string, expires: number): string {
  const body = encodeClaims(tenantId, recipientId, expires);
  return PREFIX + Buffer.concat([body, tag(body)]).toString("base64url");
}

/** The tenant and recipient a token speaks for; throws a `TokenError` (401) otherwise. */
export function verifyToken(token: unknown, now = new Date()): Claims {
  const bytes = decodeToken(token);
  const body = bytes.subarray(0, bytes.length - TAG_BYTES);
  const given = bytes.subarray(bytes.length - TAG_BYTES);
  if (!timingSafeEqual(given, tag(body))) throw invalid("the signature does not match");
  const claims = decodeClaims(body);
  if (claims.expiresAt.getTime() <= now.getTime()) {
    throw new TokenError("token_expired", "The recipient token has expired; issue a new one");
  }
  return claims;
}

function invalid(reason: string, options?: ErrorOptions) {
  return new TokenError("invalid_token", `The recipient token is not valid: ${reason}`, options);
}

function tag(body: Buffer): Buffer {
  return createHmac("sha256", link("Realtime").tokenKey).update(CONTEXT).update(body).digest();
}

function encodeClaims(tenantId: string, recipientId: string, expires: number): Buffer {
  const tenant = Buffer.from(tenantId, "utf8");
  const recipient = Buffer.from(recipientId, "utf8");
  const head = Buffer.alloc(5);
  head.writeUInt8(VERSION, 0);
  head.writeUInt32BE(expires, 1);
  return Buffer.concat([
    head,
    Buffer.from([tenant.length]),
    tenant,
    Buffer.from([recipient.length]),
    recipient,
  ]);
}

/** The raw bytes of a well-formed token (prefix, canonical base64url, plausible length). */
function decodeToken(token: unknown): Buffer {
  if (typeof token !== "string" || token.length === 0) throw invalid("no token was given");
  if (token.length > MAX_TOKEN_CHARS || !token.startsWith(PREFIX)) {
    throw invalid("it is not a recipient token");
  }
  const text = token.slice(PREFIX.length);
  const bytes = Buffer.from(text, "base64url");
  // Buffer skips characters it cannot decode; only the canonical spelling is accepted.
  if (bytes.toString("base64url") !== text || bytes.length < 8 + TAG_BYTES) {
    throw invalid("it is malformed");
  }
  return bytes;
}

/** Claims from a body whose tag has already been checked. */
function decodeClaims(body: Buffer): Claims {
  if (body.readUInt8(0) !== VERSION) throw invalid("unknown version");
  const expires = body.readUInt32BE(1);
  const tenantEnd = 6 + body.readUInt8(5);
  const recipientLength = body[tenantEnd];
  if (recipientLength === undefined || tenantEnd + 1 + recipientLength !== body.length) {
    throw invalid("it is malformed");
  }
  return {
    tenantId: body.subarray(6, tenantEnd).toString("utf8"),
    recipientId: body.subarray(tenantEnd + 1).toString("utf8"),
    expiresAt: new Date(expires * 1000),
  };
}
