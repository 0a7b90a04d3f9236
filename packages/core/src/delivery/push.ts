import { createECDH, createPrivateKey, type KeyObject, randomBytes, sign } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import ece from "http_ece";
import { link } from "../config";
import { type Answer, post, resolveDestination } from "./destination";
import {
  PermanentDeliveryError,
  PushSubscriptionGoneError,
  TransientDeliveryError,
} from "./errors";
import type { Outcome } from "./provider";

/**
 * Web push (RFC 8030): the payload is encrypted for the subscription (aes128gcm, RFC 8291) with
 * `http_ece`, and the request carries a VAPID JWT (RFC 8292) signed here with the linked key
 * pair. The request is the one the `web-push` library sent (this replaced it: its 120 KB were
 * mostly asn1.js and bn.js, there only to turn the raw private key into PEM, which
 * node:crypto reads as a JWK). A push service accepting a message is not delivery, so the
 * outcome is `sent`.
 */

const DEFAULT_TTL_SECONDS = 24 * 60 * 60;
/** 4096-byte record limit minus the aes128gcm header (86), padding delimiter (1) and tag (16). */
const MAX_PAYLOAD_BYTES = 3993;
/** RFC 8292 allows at most 24 hours; 12 is what web-push signed for. */
const JWT_LIFETIME_SECONDS = 12 * 60 * 60;
/** Enough of an error answer for the message; the rest is discarded. */
const MAX_ERROR_BODY_CHARS = 200;

export interface PushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushContent {
  title: string;
  body?: string;
  url?: string;
  icon?: string;
  data?: Record<string, unknown>;
}

export { PushSubscriptionGoneError };

function decodedLength(value: string): number {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, "base64url").length : -1;
}

function assertSubscriptionKeys({ keys }: PushSubscription) {
  if (decodedLength(keys.p256dh) !== 65) {
    throw new PermanentDeliveryError("push: the subscription's p256dh key is not a P-256 point");
  }
  if (decodedLength(keys.auth) !== 16) {
    throw new PermanentDeliveryError("push: the subscription's auth secret is not 16 bytes");
  }
}

function payloadOf(input: { id: string; content: PushContent }): Buffer {
  const { title, body, url, icon, data } = input.content;
  const payload = Buffer.from(JSON.stringify({ id: input.id, title, body, url, icon, data }));
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new PermanentDeliveryError(
      `push: the payload is ${payload.length} bytes, more than ${MAX_PAYLOAD_BYTES}`,
    );
  }
  return payload;
}

/**
 * aes128gcm for the subscription, as web-push did it: a fresh P-256 key pair (its public key is
 * the header's key id) and a random 16-byte salt per message, one 4096-byte record, no padding.
 */
function encrypt(payload: Buffer, { keys }: PushSubscription): Buffer {
  const ephemeral = createECDH("prime256v1");
  ephemeral.generateKeys();
  return ece.encrypt(payload, {
    version: "aes128gcm",
    dh: keys.p256dh,
    privateKey: ephemeral,
    salt: randomBytes(16),
    authSecret: keys.auth,
  });
}

// --- VAPID (RFC 8292) --------------------------------------------------------------------------

interface Vapid {
  key: KeyObject;
  publicKey: string;
  subject: string;
}

let vapid: Vapid | undefined;

/** The linked key pair as a signing key, built once per container. */
function vapidKey(): Vapid {
  if (vapid) return vapid;
  const { publicKey, privateKey, subject } = link("Vapid");
  const point = Buffer.from(publicKey, "base64url");
  if (point.length !== 65 || point[0] !== 4 || decodedLength(privateKey) !== 32) {
    throw new Error("the VAPID key pair is not a raw P-256 key pair (base64url)");
  }
  if (!/^(mailto:|https:)/.test(subject)) {
    throw new Error("the VAPID subject is not a mailto: or https: URL");
  }
  const key = createPrivateKey({
    key: {
      kty: "EC",
      crv: "P-256",
      d: privateKey,
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33).toString("base64url"),
    },
    format: "jwk",
  });
  vapid = { key, publicKey, subject };
  return vapid;
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** `vapid t=<ES256 JWT for the push service's origin>, k=<public key>`. */
function vapidAuthorization(endpoint: URL): string {
  const { key, publicKey, subject } = vapidKey();
  const claims = {
    aud: endpoint.origin,
    exp: Math.floor(Date.now() / 1000) + JWT_LIFETIME_SECONDS,
    sub: subject,
  };
  const signed = `${base64url({ typ: "JWT", alg: "ES256" })}.${base64url(claims)}`;
  // JWS wants r || s (64 bytes), not the DER that node:crypto signs with by default.
  const signature = sign("sha256", Buffer.from(signed), { key, dsaEncoding: "ieee-p1363" });
  return `vapid t=${signed}.${signature.toString("base64url")}, k=${publicKey}`;
}

// --- Sending -----------------------------------------------------------------------------------

/** Maps a push service's refusal; messages name the host only (the endpoint path is a capability). */
function refusal({ status, body }: Answer, host: string): Error {
  const detail = body ? `: ${body.slice(0, MAX_ERROR_BODY_CHARS)}` : "";
  const message = `push: ${host} answered ${status}${detail}`;
  if (status === 404 || status === 410) return new PushSubscriptionGoneError(message);
  if (status === 408 || status === 429 || status >= 500) return new TransientDeliveryError(message);
  // 400 malformed, 401/403 VAPID rejected or mismatched, 413 too large, and the rest.
  return new PermanentDeliveryError(message);
}

function location(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.location;
  return Array.isArray(value) ? value[0] : value;
}

export async function sendPush(input: {
  id: string;
  subscription: PushSubscription;
  content: PushContent;
  ttlSeconds?: number;
}): Promise<Outcome> {
  const destination = await resolveDestination(input.subscription.endpoint, "push");
  const endpoint = destination.url;
  assertSubscriptionKeys(input.subscription);
  const payload = payloadOf(input);
  let answer: Answer;
  try {
    answer = await post(
      destination,
      encrypt(payload, input.subscription),
      {
        TTL: String(input.ttlSeconds ?? DEFAULT_TTL_SECONDS),
        "Content-Type": "application/octet-stream",
        "Content-Encoding": "aes128gcm",
        Authorization: vapidAuthorization(endpoint),
        Urgency: "normal",
      },
      MAX_ERROR_BODY_CHARS,
    );
  } catch (error) {
    // Network errors (ECONNREFUSED, ETIMEDOUT, ECONNTIMEOUT, ...) and, rarely, a linked VAPID key that
    // does not parse: neither is the recipient's fault, so retry.
    const reason = (error as { code?: string }).code ?? (error as Error).message;
    throw new TransientDeliveryError(`push: sending to ${endpoint.host} failed (${reason})`, {
      cause: error,
    });
  }
  if (answer.status < 200 || answer.status > 299) throw refusal(answer, endpoint.host);
  return { status: "sent", providerMessageId: location(answer.headers) };
}
