import { createHash, randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function encode(bytes: Uint8Array, length: number): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.slice(0, length);
}

/** A ULID: 48-bit millisecond time then 80 random bits, Crockford base32, sortable by time. */
export function ulid(now = Date.now()): string {
  let time = "";
  let rest = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  return time + encode(randomBytes(10), 16);
}

/** A prefixed, sortable, URL-safe id such as `ntf_01JD...`. */
export function createId(prefix: string, now?: number): string {
  return `${prefix}_${ulid(now)}`;
}

/**
 * A prefixed id derived from its inputs, for idempotent creation. The parts are joined with NUL,
 * which no Idempotency-Key holds (refs.ts), so a caller's key, one part after the tenant, never
 * spells an id Herald derives for itself: those name what they are as a part of their own
 * (`"digest"`, `"workflow"`, `"topic"`) before their inputs.
 */
export function deterministicId(prefix: string, ...parts: string[]): string {
  const digest = createHash("sha256").update(parts.join("\u0000")).digest();
  return `${prefix}_${encode(digest, 26)}`;
}

/**
 * An id derived per tenant and per mode: a caller's Idempotency-Key, or what Herald derives
 * itself (a digest's slot). A test key's ids are apart from the live ones (`"test"` a part of
 * its own), so a live request is never answered with, or held into, a notification a test key
 * made, which no provider ever saw.
 */
export function keyedId(
  prefix: string,
  tenantId: string,
  test: boolean | undefined,
  ...parts: string[]
): string {
  return deterministicId(prefix, tenantId, ...(test ? ["test"] : []), ...parts);
}
