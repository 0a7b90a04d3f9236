import { createHmac, timingSafeEqual } from "node:crypto";
import { derivedKey } from "./config";
import { ValidationError } from "./error";

/**
 * Listing cursors, opaque and authenticated: `<base64url keys>.<base64url HMAC>`, the MAC (a key
 * derived from the linked signing key) covering the listing's scope (e.g. index and partition,
 * which name the tenant) and the keys. Only Herald can mint one, and one only continues the
 * listing it came from; anything else is `invalid_cursor` before DynamoDB sees it. The store
 * modules check the shape of what comes back (defence in depth).
 */

function mac(scope: string, payload: string): Buffer {
  return createHmac("sha256", derivedKey("cursor")).update(`${scope}\n${payload}`).digest();
}

export function invalidCursor() {
  return new ValidationError("invalid_cursor", "The cursor is not one this listing returned");
}

/** A cursor continuing after `keys`, valid only for the listing named by `scope`. */
export function sign(keys: Record<string, unknown>, scope: string): string {
  const payload = Buffer.from(JSON.stringify(keys)).toString("base64url");
  return `${payload}.${mac(scope, payload).toString("base64url")}`;
}

/** The keys a cursor of this listing carries; else `invalid_cursor`. */
export function verify(cursor: string, scope: string): Record<string, unknown> {
  const [payload = "", given = "", ...rest] = cursor.split(".");
  const expected = mac(scope, payload);
  const provided = Buffer.from(given, "base64url");
  if (rest.length > 0 || provided.length !== expected.length) throw invalidCursor();
  if (!timingSafeEqual(provided, expected)) throw invalidCursor();
  const keys: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  if (typeof keys !== "object" || keys === null || Array.isArray(keys)) throw invalidCursor();
  return keys as Record<string, unknown>;
}

/**
 * For a listing paged by one sort key: the key a cursor of it carries (`{after}`), undefined
 * without a cursor; else `invalid_cursor`.
 */
export function afterOf(cursor: string | undefined, scope: string): string | undefined {
  if (cursor === undefined) return undefined;
  const keys = verify(cursor, scope);
  if (typeof keys.after !== "string" || Object.keys(keys).length !== 1) throw invalidCursor();
  return keys.after;
}

/** The `next_cursor` field continuing after `after`, or none on the last page. */
export function nextAfter(after: string | undefined, scope: string): { next_cursor?: string } {
  return after === undefined ? {} : { next_cursor: sign({ after }, scope) };
}
