/**
 * Which notification a provider's report is about, carried by the message itself: the email's
 * SES message tags (`EmailTags`) and the text's End User Messaging `Context` name the tenant and
 * the notification, and the provider echoes them in every event it publishes for that message,
 * so feedback finds the notification without an index item written at send time.
 *
 * - SES event publishing puts a message's tags in the event's `mail.tags`, as
 *   `{ name: [values] }` (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html).
 *   A tag value may hold only ASCII letters, digits, `_` and `-`, 256 characters at most
 *   (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageTag.html).
 * - End User Messaging SMS (pinpoint-sms-voice-v2) puts `SendTextMessage`'s `Context` map in the
 *   event record's `context` field, as sent (`"context": { "key": "value" }` in
 *   https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-format.html).
 *
 * Values: Herald's tenant ids (`TenantId` in ../tenant/index.ts: `^[a-z0-9][a-z0-9_-]*$`, 64 at
 * most) and notification ids (`ntf_` and a Crockford base32 ULID) are valid tag values and are
 * sent as they are. Any other value (a tenant id that did not come through `createKey`) is sent
 * as `X` and its UTF-8 bytes in base64url (no padding), which SES accepts; a plain value never
 * starts with an upper-case letter, so reading one back is unambiguous.
 */

export interface Ref {
  tenant_id: string;
  id: string;
}

/** The tag (SES) and context key (SMS) names. */
export const TAGS = { tenant: "tenant_id", notification: "notification_id" } as const;

const PLAIN = /^[a-z0-9][A-Za-z0-9_-]*$/;
const ESCAPE = "X";

/** `value` as a tag value SES accepts (see above). */
export function tagValue(value: string): string {
  return PLAIN.test(value) ? value : ESCAPE + Buffer.from(value, "utf8").toString("base64url");
}

/** The value `tagValue` was given; undefined for a value it never produces. */
export function untag(value: string): string | undefined {
  if (PLAIN.test(value)) return value;
  if (!value.startsWith(ESCAPE)) return undefined;
  const decoded = Buffer.from(value.slice(ESCAPE.length), "base64url").toString("utf8");
  return decoded && tagValue(decoded) === value ? decoded : undefined;
}

/** SES v2 `EmailTags` for a notification's email. */
export function emailTags(ref: Ref): { Name: string; Value: string }[] {
  return [
    { Name: TAGS.tenant, Value: tagValue(ref.tenant_id) },
    { Name: TAGS.notification, Value: tagValue(ref.id) },
  ];
}

/** End User Messaging `Context` for a notification's text. */
export function smsContext(ref: Ref): Record<string, string> {
  return { [TAGS.tenant]: tagValue(ref.tenant_id), [TAGS.notification]: tagValue(ref.id) };
}

/**
 * The notification an event's tags (SES `mail.tags`: lists of values) or context (SMS: single
 * values) name; undefined unless they name both a tenant and a notification.
 */
export function refOf(tags: unknown): Ref | undefined {
  if (typeof tags !== "object" || tags === null) return undefined;
  const record = tags as Record<string, unknown>;
  const one = (name: string) => {
    const value = record[name];
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === "string" ? untag(first) : undefined;
  };
  const tenant = one(TAGS.tenant);
  const id = one(TAGS.notification);
  return tenant && id ? { tenant_id: tenant, id } : undefined;
}
