import { Agent as HttpsAgent } from "node:https";
import { createConnection } from "node:net";
import type { Duplex } from "node:stream";
import webpush, { type WebPushError } from "web-push";
import { link } from "../config";
import { type Destination, httpsAgentFor, resolveDestination } from "./destination";
import {
  PermanentDeliveryError,
  PushSubscriptionGoneError,
  TransientDeliveryError,
} from "./errors";
import type { Outcome } from "./provider";

/**
 * Web push (RFC 8030) through the `web-push` library: the payload is encrypted for the
 * subscription (aes128gcm, RFC 8291) and the request carries a VAPID JWT signed with the linked
 * key pair. A push service accepting a message is not delivery, so the outcome is `sent`.
 */

const DEFAULT_TTL_SECONDS = 24 * 60 * 60;
const TIMEOUT_MS = 10_000;
/** 4096-byte record limit minus the aes128gcm header (86), padding delimiter (1) and tag (16). */
const MAX_PAYLOAD_BYTES = 3993;

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

/**
 * `web-push` always calls `https.request`. Real push services are https-only; the local cloud's
 * push service listens on plain http, which the destination check allows only together with
 * private destinations. For such endpoints this agent hands `https.request` a plain TCP socket,
 * to the checked address like every other connection.
 */
class PlainHttpAgent extends HttpsAgent {
  constructor(private readonly destination: Destination) {
    super({ keepAlive: false });
  }

  override createConnection(options: { port?: number | string | null }) {
    return createConnection({
      host: this.destination.address,
      port: Number(options.port ?? 80),
    }) as Duplex;
  }
}

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

function payloadOf(input: { id: string; content: PushContent }): string {
  const { title, body, url, icon, data } = input.content;
  const payload = JSON.stringify({ id: input.id, title, body, url, icon, data });
  if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
    throw new PermanentDeliveryError(
      `push: the payload is ${Buffer.byteLength(payload)} bytes, more than ${MAX_PAYLOAD_BYTES}`,
    );
  }
  return payload;
}

function isWebPushError(error: unknown): error is WebPushError {
  return typeof (error as WebPushError | undefined)?.statusCode === "number";
}

/** Maps a failed send; messages name the host only, since the endpoint path is a capability. */
function classify(error: unknown, host: string): Error {
  if (!isWebPushError(error)) {
    // Network errors (ECONNREFUSED, "Socket timeout", ...) and, rarely, a VAPID key the library
    // refuses: neither is the recipient's fault, so retry.
    const reason = (error as { code?: string }).code ?? (error as Error).message;
    return new TransientDeliveryError(`push: sending to ${host} failed (${reason})`, {
      cause: error,
    });
  }
  const { statusCode } = error;
  const detail =
    typeof error.body === "string" && error.body ? `: ${error.body.slice(0, 200)}` : "";
  const message = `push: ${host} answered ${statusCode}${detail}`;
  if (statusCode === 404 || statusCode === 410) {
    return new PushSubscriptionGoneError(message, { cause: error });
  }
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) {
    return new TransientDeliveryError(message, { cause: error });
  }
  // 400 malformed, 401/403 VAPID rejected or mismatched, 413 too large, and the rest.
  return new PermanentDeliveryError(message, { cause: error });
}

function location(headers: Record<string, string | string[] | undefined>): string | undefined {
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
  const { publicKey, privateKey, subject } = link("Vapid");
  // web-push re-parses the endpoint with the legacy url.parse: give it the normalised URL, which
  // both parsers read alike, and an agent that can only connect to the address checked above.
  const subscription = { ...input.subscription, endpoint: endpoint.href };
  const agent =
    endpoint.protocol === "http:" ? new PlainHttpAgent(destination) : httpsAgentFor(destination);
  try {
    const result = await webpush.sendNotification(subscription, payload, {
      vapidDetails: { subject, publicKey, privateKey },
      TTL: input.ttlSeconds ?? DEFAULT_TTL_SECONDS,
      urgency: "normal",
      timeout: TIMEOUT_MS,
      agent,
    });
    return { status: "sent", providerMessageId: location(result.headers) };
  } catch (error) {
    throw classify(error, endpoint.host);
  }
}
