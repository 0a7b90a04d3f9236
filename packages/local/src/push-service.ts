import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  type ECDH,
  hkdfSync,
  randomBytes,
  randomUUID,
  verify,
} from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { close, HOST, listen } from "./net";

/**
 * Herald's local Web Push service: what a browser's push endpoint is in production (FCM, Mozilla
 * autopush, Apple). `subscribe()` plays the browser: it makes a real subscription (P-256 key pair
 * and auth secret), so the service can check the sender's VAPID JWT (ES256, RFC 8292), decrypt
 * the payload (aes128gcm, RFC 8188 / RFC 8291) and record what arrived. It answers like a push
 * service: 201 with a `Location`, 400 / 401 / 403 / 404 / 410 / 413 / 415 for bad requests.
 */

export interface PushSubscriptionJson {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  /** The decrypted payload. */
  payload: string;
  ttl?: string;
  urgency?: string;
  /** The `Authorization: vapid t=..., k=...` header it came with (already verified). */
  authorization?: string;
  /** Epoch milliseconds when it arrived. */
  at: number;
}

export interface PushService {
  /** `http://127.0.0.1:PORT`, also the audience a VAPID JWT for this service must name. */
  url: string;
  /**
   * A real subscription: a fresh P-256 key pair and 16-byte auth secret, endpoint
   * `http://127.0.0.1:PORT/push/<random id>`. With `applicationServerKey` (a VAPID public key,
   * base64url), requests signed with another key are refused with 403, as browsers' services do.
   */
  subscribe(opts?: { applicationServerKey?: string }): PushSubscriptionJson;
  /** Decrypted payloads received on this endpoint, oldest first. */
  received(endpoint: string): ReceivedPush[];
  /** Answer the next `count` (default 1) requests to this endpoint with `status`. */
  failNext(endpoint: string, status: number, count?: number): void;
  /** The subscription is gone: from now on the endpoint answers 410. */
  expire(endpoint: string): void;
  stop(): Promise<void>;
}

/** RFC 8030 lets services refuse more; 4096 is what browsers' services accept. */
const MAX_MESSAGE_BYTES = 4096;
/** RFC 8292: a VAPID JWT must not expire more than 24 hours ahead. */
const MAX_JWT_LIFETIME_SECONDS = 24 * 60 * 60;
const URGENCIES = ["very-low", "low", "normal", "high"];
const TAG_BYTES = 16;

/** A request the service refuses, with the status it answers. */
class PushServiceError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "PushServiceError";
  }
}

/** The test asked about an endpoint this service never issued. */
export class UnknownPushEndpointError extends Error {
  constructor(endpoint: string) {
    super(`No subscription has the endpoint ${endpoint}`);
    this.name = "UnknownPushEndpointError";
  }
}

interface Subscriber {
  ecdh: ECDH;
  /** Uncompressed P-256 point, 65 bytes. */
  publicKey: Buffer;
  auth: Buffer;
  applicationServerKey?: string;
  received: ReceivedPush[];
  failures: number[];
  expired: boolean;
}

interface Context {
  origin: string;
  subscribers: Map<string, Subscriber>;
}

export async function startPushService(opts: { port?: number } = {}): Promise<PushService> {
  const subscribers = new Map<string, Subscriber>();
  const context: Context = { origin: "", subscribers };
  const server = createServer((req, res) => {
    handle(context, req, res).catch((error: unknown) => sendError(res, error));
  });
  const port = await listen(server, opts.port ?? 0);
  context.origin = `http://${HOST}:${port}`;
  const find = (endpoint: string) => {
    const subscriber = subscribers.get(idOf(endpoint, context.origin));
    if (!subscriber) throw new UnknownPushEndpointError(endpoint);
    return subscriber;
  };
  return {
    url: context.origin,
    subscribe({ applicationServerKey } = {}) {
      const id = randomBytes(16).toString("base64url");
      const ecdh = createECDH("prime256v1");
      const publicKey = ecdh.generateKeys();
      const auth = randomBytes(16);
      subscribers.set(id, {
        ecdh,
        publicKey,
        auth,
        applicationServerKey,
        received: [],
        failures: [],
        expired: false,
      });
      return {
        endpoint: `${context.origin}/push/${id}`,
        keys: { p256dh: publicKey.toString("base64url"), auth: auth.toString("base64url") },
      };
    },
    received: (endpoint) => [...find(endpoint).received],
    failNext(endpoint, status, count = 1) {
      const subscriber = find(endpoint);
      for (let i = 0; i < count; i++) subscriber.failures.push(status);
    },
    expire(endpoint) {
      find(endpoint).expired = true;
    },
    stop: () => close(server),
  };
}

function idOf(endpoint: string, origin: string): string {
  const prefix = `${origin}/push/`;
  return endpoint.startsWith(prefix) ? endpoint.slice(prefix.length) : "";
}

// --- HTTP ----------------------------------------------------------------------------------------

async function handle(context: Context, req: IncomingMessage, res: ServerResponse) {
  const body = await readBody(req);
  const match = /^\/push\/([A-Za-z0-9_-]+)$/.exec(req.url ?? "");
  const subscriber = match?.[1] ? context.subscribers.get(match[1]) : undefined;
  if (!subscriber) throw new PushServiceError(404, "No such subscription");
  if (req.method !== "POST") throw new PushServiceError(405, "Push messages are POSTed");
  if (subscriber.expired) throw new PushServiceError(410, "The subscription has expired");
  const failure = subscriber.failures.shift();
  if (failure !== undefined) throw new PushServiceError(failure, "Simulated failure");

  const authorization = req.headers.authorization;
  const senderKey = verifyVapid(authorization, context.origin);
  if (subscriber.applicationServerKey && subscriber.applicationServerKey !== senderKey) {
    throw new PushServiceError(403, "The VAPID key does not match the subscription's key");
  }
  const ttl = req.headers.ttl?.toString();
  if (ttl === undefined || !/^\d+$/.test(ttl)) {
    throw new PushServiceError(400, "A TTL header (seconds) is required");
  }
  const urgency = req.headers.urgency?.toString();
  if (urgency !== undefined && !URGENCIES.includes(urgency)) {
    throw new PushServiceError(400, `Urgency must be one of ${URGENCIES.join(", ")}`);
  }
  if (req.headers["content-encoding"] !== "aes128gcm") {
    throw new PushServiceError(415, "Content-Encoding must be aes128gcm");
  }
  if (body.length > MAX_MESSAGE_BYTES) {
    throw new PushServiceError(413, `The message is larger than ${MAX_MESSAGE_BYTES} bytes`);
  }
  const payload = decrypt(body, subscriber).toString("utf8");
  subscriber.received.push({ payload, ttl, urgency, authorization, at: Date.now() });
  res.writeHead(201, { location: `${context.origin}/message/${randomUUID()}`, ttl });
  res.end();
}

function sendError(res: ServerResponse, error: unknown) {
  const status = error instanceof PushServiceError ? error.status : 500;
  const message = error instanceof Error ? error.message : String(error);
  res.writeHead(status, {
    "content-type": "application/json",
    ...(status === 429 ? { "retry-after": "1" } : {}),
  });
  res.end(JSON.stringify({ code: status, error: message }));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Keep a little more than the limit, enough to answer 413 rather than cut the connection.
      if (size <= 4 * MAX_MESSAGE_BYTES) chunks.push(chunk);
    });
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

// --- VAPID (RFC 8292) ------------------------------------------------------------------------------

function unauthorized(message: string, cause?: unknown): PushServiceError {
  return new PushServiceError(401, `VAPID: ${message}`, { cause });
}

/** `vapid t=<jwt>, k=<public key>` → its parameters. */
function vapidParameters(header: string | undefined): { token: string; key: string } {
  const match = /^vapid\s+(.*)$/i.exec(header ?? "");
  if (!match?.[1]) throw unauthorized("expected an Authorization: vapid t=..., k=... header");
  const parameters = new Map<string, string>();
  for (const part of match[1].split(",")) {
    const separator = part.indexOf("=");
    if (separator > 0) {
      parameters.set(part.slice(0, separator).trim(), part.slice(separator + 1).trim());
    }
  }
  const token = parameters.get("t");
  const key = parameters.get("k");
  if (!token || !key) throw unauthorized("the header needs both t and k");
  return { token, key };
}

function p256PublicKey(key: string) {
  const point = Buffer.from(key, "base64url");
  if (point.length !== 65 || point[0] !== 4) {
    throw unauthorized("k is not an uncompressed P-256 point");
  }
  try {
    return createPublicKey({
      key: {
        kty: "EC",
        crv: "P-256",
        x: point.subarray(1, 33).toString("base64url"),
        y: point.subarray(33).toString("base64url"),
      },
      format: "jwk",
    });
  } catch (error) {
    throw unauthorized("k is not a point on P-256", error);
  }
}

function decodeJson(segment: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
  } catch (error) {
    throw unauthorized("the JWT is not valid JSON", error);
  }
  throw unauthorized("the JWT header and claims must be objects");
}

function assertClaims(claims: Record<string, unknown>, audience: string) {
  const now = Math.floor(Date.now() / 1000);
  if (claims.aud !== audience) throw unauthorized(`aud must be ${audience}`);
  if (typeof claims.exp !== "number" || claims.exp <= now) throw unauthorized("the JWT expired");
  if (claims.exp > now + MAX_JWT_LIFETIME_SECONDS + 60) {
    throw unauthorized("exp is more than 24 hours ahead");
  }
  if (typeof claims.sub !== "string" || !/^(mailto:|https:)/.test(claims.sub)) {
    throw unauthorized("sub must be a mailto: or https: URL");
  }
}

/** Verifies the VAPID JWT against the key it names; returns that key (base64url). */
function verifyVapid(header: string | undefined, audience: string): string {
  const { token, key } = vapidParameters(header);
  const [encodedHeader = "", encodedClaims = "", encodedSignature = "", ...rest] = token.split(".");
  if (rest.length > 0 || !encodedSignature) throw unauthorized("t is not a signed JWT");
  if (decodeJson(encodedHeader).alg !== "ES256") throw unauthorized("alg must be ES256");
  const valid = verify(
    "sha256",
    Buffer.from(`${encodedHeader}.${encodedClaims}`),
    { key: p256PublicKey(key), dsaEncoding: "ieee-p1363" },
    Buffer.from(encodedSignature, "base64url"),
  );
  if (!valid) throw unauthorized("the JWT signature does not verify with k");
  assertClaims(decodeJson(encodedClaims), audience);
  return key;
}

// --- Decryption (aes128gcm, RFC 8188; Web Push keys, RFC 8291) ----------------------------------

function label(text: string, ...parts: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(text, "utf8"), Buffer.of(0), ...parts]);
}

function hkdf(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync("sha256", ikm, salt, info, length));
}

function badPayload(message: string, cause?: unknown): PushServiceError {
  return new PushServiceError(400, `Payload: ${message}`, { cause });
}

function decrypt(body: Buffer, subscriber: Subscriber): Buffer {
  if (body.length < 21) throw badPayload("shorter than the aes128gcm header");
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const keyLength = body[20] ?? 0;
  const senderKey = body.subarray(21, 21 + keyLength);
  const records = body.subarray(21 + keyLength);
  if (keyLength !== 65 || recordSize <= TAG_BYTES + 1) {
    throw badPayload("the header must carry the sender's 65-byte key and a sane record size");
  }
  let secret: Buffer;
  try {
    secret = subscriber.ecdh.computeSecret(senderKey);
  } catch (error) {
    throw badPayload("the sender key is not a P-256 point", error);
  }
  const info = label("WebPush: info", subscriber.publicKey, senderKey);
  const ikm = hkdf(secret, subscriber.auth, info, 32);
  const key = hkdf(ikm, salt, label("Content-Encoding: aes128gcm"), 16);
  const nonce = hkdf(ikm, salt, label("Content-Encoding: nonce"), 12);
  const plaintexts: Buffer[] = [];
  for (let offset = 0, sequence = 0; offset < records.length; offset += recordSize, sequence++) {
    const record = records.subarray(offset, offset + recordSize);
    const last = offset + recordSize >= records.length;
    plaintexts.push(unpad(openRecord(record, key, nonce, sequence), last));
  }
  return Buffer.concat(plaintexts);
}

function openRecord(record: Buffer, key: Buffer, baseNonce: Buffer, sequence: number): Buffer {
  if (record.length <= TAG_BYTES) throw badPayload("a record is shorter than its tag");
  const nonce = Buffer.from(baseNonce);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ sequence) >>> 0, 8);
  try {
    const decipher = createDecipheriv("aes-128-gcm", key, nonce);
    decipher.setAuthTag(record.subarray(record.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(record.subarray(0, record.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch (error) {
    throw badPayload("decryption failed (wrong keys or tampered data)", error);
  }
}

/** Strips the padding: data, then a delimiter (2 in the last record, 1 before), then zeros. */
function unpad(plaintext: Buffer, last: boolean): Buffer {
  let end = plaintext.length - 1;
  while (end >= 0 && plaintext[end] === 0) end--;
  if (plaintext[end] !== (last ? 2 : 1)) throw badPayload("bad padding delimiter");
  return plaintext.subarray(0, end);
}

// --- Server plumbing ---------------------------------------------------------------------------
