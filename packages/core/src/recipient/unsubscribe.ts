import { createHmac, timingSafeEqual } from "node:crypto";
import { derivedKey, tuning } from "../config";
import { ValidationError } from "../error";

/**
 * One-click unsubscribe (RFC 8058): every email carries `List-Unsubscribe: <url>` and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`; a POST to the URL opts the recipient out
 * of email (their profile's `opt_out`), or, for a recipient known only by address, suppresses
 * the address. The URL's token is `<base64url JSON>.<base64url HMAC>` with a key derived from
 * the signing key, so only Herald can mint one and it names its tenant and recipient.
 */
export interface Subject {
  /** Tenant. */
  t: string;
  /** Recipient id, when the notification named one. */
  r?: string;
  /** Email address. */
  a: string;
}

function mac(payload: string): Buffer {
  return createHmac("sha256", derivedKey("unsubscribe")).update(payload).digest();
}

export function token(subject: Subject): string {
  const payload = Buffer.from(JSON.stringify(subject)).toString("base64url");
  return `${payload}.${mac(payload).toString("base64url")}`;
}

/** The headers for an email to `subject`, or none when the API's public URL is unknown. */
export function headers(subject: Subject): { name: string; value: string }[] {
  const base = tuning().HERALD_API_URL;
  if (!base) return [];
  const url = `${base.replace(/\/$/, "")}/v1/unsubscribe/${token(subject)}`;
  return [
    { name: "List-Unsubscribe", value: `<${url}>` },
    { name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click" },
  ];
}

export function verify(value: string): Subject {
  const invalid = () =>
    new ValidationError("invalid_unsubscribe_token", "This unsubscribe link is not valid");
  const [payload = "", given = "", ...rest] = value.split(".");
  const expected = mac(payload);
  const provided = Buffer.from(given, "base64url");
  if (rest.length || provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
    throw invalid();
  }
  const subject = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Subject;
  if (typeof subject.t !== "string" || typeof subject.a !== "string") throw invalid();
  return subject;
}
