import { createHash } from "node:crypto";

/**
 * A notification's content kept out of its status item (README, "Design notes"). DynamoDB bills
 * every write by the size of the whole item, in 1 KB units, whatever it touches, and the status
 * item is written about three times (accepted, claimed, completed; more with retries and
 * feedback): content that pushes it over a KB boundary is paid for on every one of those writes.
 * Such content is written once, compressed, into a body item of the same partition, and the
 * status item names it (`body`). Pure: the reads and writes are store.ts's.
 *
 * Bodies are content-addressed (the sort key carries a hash of the content's JSON), so a body is
 * never changed once written: a replay or a crashed attempt writes the same bytes to the same key,
 * a request with other content (an Idempotency-Key reused) or a digest composed again writes
 * another key, and any reader may cache one forever.
 */

/** Status-item attribute naming the body item's sort key, when the content is kept there. */
export const MARKER = "body";

export const SK_PREFIX = "BODY#";

/** The sort key of the body holding this content (JSON). */
export function sortKeyOf(json: string): string {
  return SK_PREFIX + createHash("sha256").update(json).digest("base64url").slice(0, 22);
}

/**
 * Brotli at quality 6, text mode: measured on realistic HTML emails (table layout, inline styles)
 * it makes 3.2 KB into 0.85 KB (deflate: 1.04 KB, over the 1 KB unit with the keys) and 31.9 KB
 * into 3.5 KB (deflate 3.9 KB), compressing in 0.03 / 0.18 ms and decompressing in 0.01 / 0.03 ms;
 * quality 9 and up gains under 2 % for 10 to 200 times the time.
 */
export function compress(json: string): Uint8Array {
  const { brotliCompressSync, constants } = zlib();
  const raw = Buffer.from(json, "utf8");
  return brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 6,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
}

export function decompress(data: Uint8Array): string {
  return zlib().brotliDecompressSync(data).toString("utf8");
}

/**
 * node:zlib when first needed (~2 ms to load): most containers never meet large content, and
 * none pays for it at init.
 */
const zlib = () => process.getBuiltinModule("node:zlib");

const UNIT = 1024;
const units = (bytes: number) => Math.max(1, Math.ceil(bytes / UNIT));

/** The status item's writes a body saves units on (put, claim, completion; feedback is extra). */
const WRITES = 3;

/**
 * Whether content is kept in a body: when it puts the status item, as accepted, over a KB
 * boundary the item without it stays under, and the units those writes save pay for the body's
 * own write. `rest` is the status item's size without the content; `json` the content as stored
 * inline. Decided on the item as accepted, not as it may grow: the writes after acceptance add
 * from ~40 bytes (push: `delivered_at`) to several hundred (email: a provider message id and
 * feedback events), and a body that saves no unit costs one, as much as a missed one.
 */
export function offload(rest: number, json: string): { sk: string; data: Uint8Array } | undefined {
  const inline = rest + Buffer.byteLength("content") + Buffer.byteLength(json);
  const saved = units(inline) - units(rest + BODY_MARKER_BYTES);
  if (saved <= 0) return undefined;
  const data = compress(json);
  const body = units(BODY_OVERHEAD_BYTES + data.byteLength);
  return WRITES * saved > body ? { sk: sortKeyOf(json), data } : undefined;
}

/** `body` and its value on the status item. */
const BODY_MARKER_BYTES = MARKER.length + SK_PREFIX.length + 22;
/** A body item's keys (a long tenant and id), `data`'s name and `expires_at`. */
const BODY_OVERHEAD_BYTES = 160;

/**
 * Bodies this container has read (or composed, a digest's), by key: immutable, so never stale.
 * The worker reads a body once at its claim and finds it here for the completion that follows.
 * Not filled by acceptance: the API and the workers are different functions in AWS (the local
 * cloud runs them in one process, where that would hide the worker's read from the bench).
 * Bounded by bytes (the decompressed JSON), oldest out first.
 */
const cache = new Map<string, string>();
let cachedBytes = 0;
const CACHE_BYTES = 8 * 1024 * 1024;

export function remember(key: string, json: string): void {
  if (cache.has(key) || json.length > CACHE_BYTES / 4) return;
  cache.set(key, json);
  cachedBytes += json.length;
  for (const [oldest, value] of cache) {
    if (cachedBytes <= CACHE_BYTES) break;
    cache.delete(oldest);
    cachedBytes -= value.length;
  }
}

export function recall(key: string): string | undefined {
  return cache.get(key);
}
