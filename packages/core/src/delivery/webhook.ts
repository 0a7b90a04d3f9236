import { createHmac, timingSafeEqual } from "node:crypto";
import { cached } from "../cache";
import { link } from "../config";
import {
  CONNECT_TIMEOUT_MS,
  type Destination,
  POST_TIMEOUT_MS,
  post as postTo,
  resolveDestination,
} from "./destination";
import { PermanentDeliveryError, TransientDeliveryError } from "./errors";
import type { Outcome } from "./provider";
import * as SecretStore from "./webhook-secret-store";

/**
 * Webhooks: an HTTPS POST of `{ id, event, data, created_at }` signed with the tenant's secret.
 *
 * Headers: `herald-id` (stable across retries, receivers dedupe on it), `herald-attempt` (1, 2,
 * ...) and `herald-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. The
 * signature covers the timestamp, so a receiver that checks it with `verifyWebhook` (or the same
 * few lines in any language) rejects both forged and replayed requests.
 *
 * Rotation (`rotateWebhookSecret`) stores a random secret; the one before it keeps signing for
 * the overlap, as a second `v1=` entry after the new one, so receivers can switch without
 * dropping requests. Workers cache the stored secret for SECRET_CACHE_MS per container.
 */

export { CONNECT_TIMEOUT_MS } from "./destination";
export const USER_AGENT = "Herald-Webhooks/1";
export const SECRET_PREFIX = "whsec_";

// --- Secrets and signatures ------------------------------------------------------------------

/**
 * The tenant's derived signing secret: `whsec_` + base64url(HMAC-SHA256(signingKey, tenantId)).
 * Derived from the linked master key on demand, so nothing is stored; rotating the master key
 * rotates every tenant's secret that was never rotated on its own (`rotateWebhookSecret`).
 */
export function webhookSecret(tenantId: string): string {
  const { signingKey } = link("Webhooks");
  return SECRET_PREFIX + createHmac("sha256", signingKey).update(tenantId).digest("base64url");
}

/**
 * How long a container keeps a tenant's stored secret before reading it again: a rotation
 * reaches workers in other containers within this long (the overlap covers the gap), and a
 * worker makes at most one GetItem per tenant per minute.
 */
export const SECRET_CACHE_MS = 60_000;
const storedSecret = cached(SECRET_CACHE_MS, (tenantId: string) => SecretStore.read(tenantId));

/** What this container read or rotated: it signs with `item` for the next SECRET_CACHE_MS. */
export function rememberSecret(tenantId: string, item: SecretStore.SecretItem | undefined) {
  storedSecret.set(tenantId, item);
}

/** The current secret and, while the rotation's overlap lasts, the previous one and its end. */
export function secretsOf(
  tenantId: string,
  item: SecretStore.SecretItem | undefined,
  now = Date.now(),
) {
  if (!item) return { current: webhookSecret(tenantId) };
  const overlapping = Date.parse(item.previous_until) > now;
  return overlapping
    ? { current: item.secret, previous: item.previous_secret, until: item.previous_until }
    : { current: item.secret };
}

/** The secrets that sign the tenant's webhooks now, the current one first (cached, see above). */
export async function signingSecrets(tenantId: string): Promise<string[]> {
  const { current, previous } = secretsOf(tenantId, await storedSecret(tenantId));
  return previous ? [current, previous] : [current];
}

/** Hex HMAC-SHA256 of `<timestamp>.<body>`, keyed with the whole secret string (`whsec_...`). */
function signature(secret: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
}

/** `t=<unix>,v1=<hex>[,v1=<hex>]`: one `v1=` per secret, in the order given. */
function signatureHeader(secrets: string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${signature(s, timestamp, body)}`)].join(",");
}

function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } {
  let timestamp = Number.NaN;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === "v1" && value) signatures.push(value);
  }
  return { timestamp, signatures };
}

function equalHex(expected: string, candidate: string): boolean {
  const a = Buffer.from(expected, "hex");
  const b = Buffer.from(candidate, "hex");
  // Hex of the wrong length (or not hex at all) cannot match; lengths are not secret.
  return candidate.length === expected.length && a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks a `herald-signature` header the way a receiver should: the HMAC over `<t>.<raw body>`
 * must match (constant-time) and `t` must be within `toleranceSeconds` of `now`, so a captured
 * request cannot be replayed later. Pass the raw body exactly as received, before JSON parsing.
 * Several `v1=` entries are accepted (any one matching is enough).
 *
 * @param now milliseconds since the epoch; default `Date.now()`.
 */
export function verifyWebhook(input: {
  secret: string;
  header: string;
  body: string | Uint8Array;
  toleranceSeconds?: number;
  now?: number;
}): boolean {
  const { secret, header, body, toleranceSeconds = 300, now = Date.now() } = input;
  const { timestamp, signatures } = parseSignatureHeader(header);
  if (!Number.isSafeInteger(timestamp) || signatures.length === 0) return false;
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = signature(secret, timestamp, body);
  return signatures.some((candidate) => equalHex(expected, candidate));
}

// --- Sending -----------------------------------------------------------------------------------

/**
 * One webhook POST (`destination.post`); the answer's body is discarded. A failure to get an
 * answer is transient, with a message saying which (no answer, no connection, unreachable).
 */
export function post(
  destination: Destination,
  body: string,
  headers: Record<string, string>,
  /** What error messages name the call (`webhook: could not reach ...`). */
  label = "webhook",
) {
  const { url } = destination;
  return postTo(destination, body, headers).then(
    ({ status }) => status,
    (error: unknown) => {
      const code = (error as { code?: string }).code;
      const what =
        code === "ETIMEDOUT"
          ? `no answer from ${url.host} within ${POST_TIMEOUT_MS / 1000} s`
          : code === "ECONNTIMEOUT"
            ? `could not connect to ${url.host} within ${CONNECT_TIMEOUT_MS / 1000} s`
            : `could not reach ${url.host} (${code ?? (error as Error).name})`;
      throw new TransientDeliveryError(`${label}: ${what}`, { cause: error });
    },
  );
}

/** 2xx delivered; 408, 429 and 5xx retried; anything else (other 4xx, redirects) fails for good. */
function outcomeOf(status: number, host: string): Outcome {
  if (status >= 200 && status < 300) return { status: "delivered" };
  const message = `webhook: ${host} answered ${status}`;
  if (status === 408 || status === 429 || status >= 500) throw new TransientDeliveryError(message);
  const hint = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
  throw new PermanentDeliveryError(message + hint);
}

/**
 * POSTs one webhook. The URL is checked before every attempt (DNS answers change) and the
 * connection pinned to the address checked; error messages name the host only, since webhook
 * URLs often carry tokens in their path or query.
 */
export async function sendWebhook(input: {
  id: string;
  tenantId: string;
  url: string;
  event: string;
  data: unknown;
  attempt: number;
}): Promise<Outcome> {
  const destination = await resolveDestination(input.url, "webhook");
  const secrets = await signingSecrets(input.tenantId);
  const body = JSON.stringify({
    id: input.id,
    event: input.event,
    data: input.data,
    created_at: new Date().toISOString(),
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const status = await post(destination, body, {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "herald-id": input.id,
    "herald-attempt": String(input.attempt),
    "herald-signature": signatureHeader(secrets, timestamp, body),
  });
  return outcomeOf(status, destination.url.host);
}
