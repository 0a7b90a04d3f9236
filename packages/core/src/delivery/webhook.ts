import { createHmac, timingSafeEqual } from "node:crypto";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { link, tuning } from "../config";
import { PermanentDeliveryError, TransientDeliveryError } from "./errors";
import type { Outcome } from "./provider";

/**
 * Webhooks: an HTTPS POST of `{ id, event, data, created_at }` signed with the tenant's secret.
 *
 * Headers: `herald-id` (stable across retries, receivers dedupe on it), `herald-attempt` (1, 2,
 * ...) and `herald-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. The
 * signature covers the timestamp, so a receiver that checks it with `verifyWebhook` (or the same
 * few lines in any language) rejects both forged and replayed requests.
 */

const TIMEOUT_MS = 10_000;
const USER_AGENT = "Herald-Webhooks/1";
const SECRET_PREFIX = "whsec_";

// --- Secrets and signatures ------------------------------------------------------------------

/**
 * The tenant's signing secret: `whsec_` + base64url(HMAC-SHA256(signingKey, tenantId)). Derived
 * from the linked master key on demand, so nothing is stored; rotating the master key rotates
 * every tenant's secret.
 */
export function webhookSecret(tenantId: string): string {
  const { signingKey } = link("Webhooks");
  return SECRET_PREFIX + createHmac("sha256", signingKey).update(tenantId).digest("base64url");
}

/** Hex HMAC-SHA256 of `<timestamp>.<body>`, keyed with the whole secret string (`whsec_...`). */
function signature(secret: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
}

function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signature(secret, timestamp, body)}`;
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

// --- Destination checks (SSRF guard) ---------------------------------------------------------

interface Range {
  base: bigint;
  prefix: number;
  label: string;
}

function ipv4ToBigInt(address: string): bigint {
  return address.split(".").reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

/** Eight 16-bit groups; accepts `::` compression, a dotted IPv4 tail and a `%zone` suffix. */
function ipv6ToBigInt(address: string): bigint {
  let text = address.split("%", 1)[0] ?? "";
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted) {
    const v4 = ipv4ToBigInt(dotted);
    text = `${text.slice(0, -dotted.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = "", tail] = text.split("::", 2);
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const zeros =
    tail === undefined ? [] : Array(8 - headGroups.length - tailGroups.length).fill("0");
  return [...headGroups, ...zeros, ...tailGroups].reduce(
    (value, group) => (value << 16n) | BigInt(Number.parseInt(group, 16)),
    0n,
  );
}

function range(cidr: string, label: string): Range {
  const [network = "", prefix = ""] = cidr.split("/");
  const base = isIP(network) === 4 ? ipv4ToBigInt(network) : ipv6ToBigInt(network);
  return { base, prefix: Number(prefix), label };
}

const V4_RANGES: Range[] = [
  range("0.0.0.0/8", "unspecified"),
  range("10.0.0.0/8", "private"),
  range("100.64.0.0/10", "shared (CGNAT)"),
  range("127.0.0.0/8", "loopback"),
  range("169.254.0.0/16", "link-local (cloud metadata)"),
  range("172.16.0.0/12", "private"),
  range("192.0.0.0/24", "reserved"),
  range("192.168.0.0/16", "private"),
  range("198.18.0.0/15", "reserved"),
  range("224.0.0.0/4", "multicast"),
  range("240.0.0.0/4", "reserved"),
];

const V6_RANGES: Range[] = [
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  range("64:ff9b:1::/48", "reserved"),
  range("fc00::/7", "unique-local"),
  range("fe80::/10", "link-local"),
  range("ff00::/8", "multicast"),
];

/** IPv6 prefixes that carry an IPv4 address in their last 32 bits; that address is checked. */
const V6_EMBEDDING_V4: Range[] = [
  range("::ffff:0:0/96", "IPv4-mapped"),
  range("64:ff9b::/96", "NAT64"),
];

function within(value: bigint, bits: number, { base, prefix }: Range): boolean {
  const shift = BigInt(bits - prefix);
  return value >> shift === base >> shift;
}

/** Why an IP address is not a public destination, or undefined when it is one. */
function blockedAddressReason(address: string): string | undefined {
  const version = isIP(address.split("%", 1)[0] ?? "");
  if (version === 4) {
    return V4_RANGES.find((candidate) => within(ipv4ToBigInt(address), 32, candidate))?.label;
  }
  if (version !== 6) return "not an IP address";
  const value = ipv6ToBigInt(address);
  if (V6_EMBEDDING_V4.some((candidate) => within(value, 128, candidate))) {
    const v4 = value & 0xffffffffn;
    const dotted = [24n, 16n, 8n, 0n].map((shift) => (v4 >> shift) & 0xffn).join(".");
    return blockedAddressReason(dotted);
  }
  return V6_RANGES.find((candidate) => within(value, 128, candidate))?.label;
}

/** `example.com`, `10.0.0.1` or `::1` (without the brackets URL keeps around IPv6 literals). */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * The part of the destination check that needs no network: the URL parses, uses https (http only
 * when private destinations are allowed, i.e. on the local cloud), carries no credentials, and
 * its host is neither `localhost` nor a non-public IP literal. The API runs this when it accepts
 * a webhook URL; `sendWebhook` runs it again and then checks what the host resolves to.
 */
export function checkWebhookUrl(url: string, allowPrivate: boolean): UrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    return { ok: false, reason: `not a valid URL (${(error as Error).name})` };
  }
  const schemes = allowPrivate ? ["https:", "http:"] : ["https:"];
  if (!schemes.includes(parsed.protocol)) {
    return { ok: false, reason: `the URL must use ${allowPrivate ? "http or https" : "https"}` };
  }
  if (parsed.username || parsed.password) {
    return { ok: false, reason: "the URL must not contain credentials" };
  }
  const host = bareHost(parsed);
  if (!host) return { ok: false, reason: "the URL has no host" };
  if (allowPrivate) return { ok: true, url: parsed };
  if (host === "localhost" || host.endsWith(".localhost")) {
    return { ok: false, reason: `the host ${host} is loopback` };
  }
  if (isIP(host)) {
    const blocked = blockedAddressReason(host);
    if (blocked) return { ok: false, reason: `the host ${host} is a ${blocked} address` };
  }
  return { ok: true, url: parsed };
}

async function resolveAll(host: string, channel: string) {
  try {
    return await lookup(host, { all: true });
  } catch (error) {
    // Includes ENOTFOUND: DNS for a receiver can be briefly broken, so let the retries decide.
    const code = (error as { code?: string }).code ?? "error";
    throw new TransientDeliveryError(`${channel}: could not resolve ${host} (${code})`, {
      cause: error,
    });
  }
}

/**
 * Throws PermanentDeliveryError unless `url` is a destination Herald may call: `checkWebhookUrl`
 * passes and (unless private destinations are allowed) every address the host resolves to is
 * public. Shared with web push, whose endpoints come from callers too.
 *
 * Caveat, DNS rebinding: the HTTP client resolves the host again when it connects, so a hostile
 * DNS server with a zero TTL can answer this check with a public address and the connection with
 * a private one. Closing that needs the connection pinned to the checked address (a custom
 * dispatcher whose `lookup` refuses non-public addresses). Until then, the webhook worker should
 * run where private addresses hold nothing to steal: a Lambda outside any VPC, whose only
 * private neighbours are its own runtime API (127.0.0.1 / 169.254.x, rejected here).
 */
export async function assertDeliverableUrl(url: string, channel: string): Promise<URL> {
  const allowPrivate = tuning().HERALD_WEBHOOK_ALLOW_PRIVATE;
  const checked = checkWebhookUrl(url, allowPrivate);
  if (!checked.ok) throw new PermanentDeliveryError(`${channel}: ${checked.reason}`);
  const host = bareHost(checked.url);
  if (allowPrivate || isIP(host)) return checked.url;
  for (const { address } of await resolveAll(host, channel)) {
    const blocked = blockedAddressReason(address);
    if (blocked) {
      throw new PermanentDeliveryError(
        `${channel}: the host ${host} resolves to ${address}, a ${blocked} address`,
      );
    }
  }
  return checked.url;
}

// --- Sending -----------------------------------------------------------------------------------

async function post(url: URL, body: string, headers: Record<string, string>): Promise<Response> {
  try {
    return await fetch(url, {
      method: "POST",
      body,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const name = (error as Error).name;
    const code = ((error as Error).cause as { code?: string } | undefined)?.code;
    const what =
      name === "TimeoutError"
        ? `no answer from ${url.host} within ${TIMEOUT_MS / 1000} s`
        : `could not reach ${url.host} (${code ?? name})`;
    throw new TransientDeliveryError(`webhook: ${what}`, { cause: error });
  }
}

/** 2xx delivered; 408, 429 and 5xx retried; anything else (other 4xx, redirects) fails for good. */
function outcomeOf(response: Response, host: string): Outcome {
  const { status } = response;
  if (status >= 200 && status < 300) return { status: "delivered" };
  const message = `webhook: ${host} answered ${status || response.type}`;
  if (status === 408 || status === 429 || status >= 500) throw new TransientDeliveryError(message);
  const hint = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
  throw new PermanentDeliveryError(message + hint);
}

/**
 * POSTs one webhook. The URL is checked before every attempt (DNS answers change); error
 * messages name the host only, since webhook URLs often carry tokens in their path or query.
 */
export async function sendWebhook(input: {
  id: string;
  tenantId: string;
  url: string;
  event: string;
  data: unknown;
  attempt: number;
}): Promise<Outcome> {
  const url = await assertDeliverableUrl(input.url, "webhook");
  const body = JSON.stringify({
    id: input.id,
    event: input.event,
    data: input.data,
    created_at: new Date().toISOString(),
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await post(url, body, {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "herald-id": input.id,
    "herald-attempt": String(input.attempt),
    "herald-signature": signatureHeader(webhookSecret(input.tenantId), timestamp, body),
  });
  // The body is not needed; release the connection.
  await response.body?.cancel();
  return outcomeOf(response, url.host);
}
