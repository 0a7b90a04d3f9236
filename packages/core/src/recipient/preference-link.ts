import { createHmac, timingSafeEqual } from "node:crypto";
import { derivedKey, tuning } from "../config";
import { ValidationError } from "../error";
import { fn } from "../fn";
import { escapeHtml } from "../html";
import { Category, Channel, RecipientId } from "../notification/model";
import * as z from "../zod";
import { get, merge, type Preferences, PreferencesInput, Setting } from "./preferences";

const Ref = z.object({ tenantId: z.string().check(z.minLength(1)), id: RecipientId });

// ---------------------------------------------------------------------------------------------
// The preference link: `<base64url JSON>.<base64url HMAC>`, like the unsubscribe token, with a
// key of its own; it names the tenant, the recipient, the categories to show and an expiry.

interface LinkSubject {
  /** Tenant. */
  t: string;
  /** Recipient id. */
  r: string;
  /** Categories the page lists (besides those the recipient already has settings for). */
  c: string[];
  /** Expiry, epoch seconds. */
  e: number;
}

export const LinkInput = z.strictObject({
  categories: z
    ._default(z.array(Category).check(z.maxLength(50)), [])
    .check(z.describe("Categories the page offers (those with settings are always shown)")),
  ttl_days: z
    ._default(z.int().check(z.gte(1), z.lte(365)), 30)
    .check(z.describe("How long the link works")),
});
export type LinkInput = z.input<typeof LinkInput>;

export const Link = z.object({
  token: z.string(),
  url: z.optional(z.string()).check(z.describe("The page, when the API's public URL is known")),
  expires_at: z.string(),
});
export type Link = z.infer<typeof Link>;

function mac(payload: string): Buffer {
  return createHmac("sha256", derivedKey("preferences")).update(payload).digest();
}

/** A signed link the recipient opens to change their preferences themselves. */
export const link = fn(
  z.extend(Ref, { input: LinkInput, now: z.optional(z.date()) }),
  ({ tenantId, id, input, now = new Date() }): Link => {
    const expires = Math.floor(now.getTime() / 1000) + input.ttl_days * 86_400;
    const subject: LinkSubject = { t: tenantId, r: id, c: input.categories, e: expires };
    const payload = Buffer.from(JSON.stringify(subject)).toString("base64url");
    const token = `${payload}.${mac(payload).toString("base64url")}`;
    const base = tuning().HERALD_API_URL;
    return {
      token,
      ...(base ? { url: `${base.replace(/\/$/, "")}/v1/preferences/${token}` } : {}),
      expires_at: new Date(expires * 1000).toISOString(),
    };
  },
);

/** The tenant, recipient and categories a preference token names; else `invalid_preference_token`. */
export function verify(token: string, now = new Date()): LinkSubject {
  const invalid = () =>
    new ValidationError(
      "invalid_preference_token",
      "This preference link is not valid or has expired",
    );
  const [payload = "", given = "", ...rest] = token.split(".");
  const expected = mac(payload);
  const provided = Buffer.from(given, "base64url");
  if (rest.length || provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
    throw invalid();
  }
  const subject = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as LinkSubject;
  if (
    typeof subject.t !== "string" ||
    typeof subject.r !== "string" ||
    !Array.isArray(subject.c) ||
    typeof subject.e !== "number" ||
    subject.e * 1000 <= now.getTime()
  ) {
    throw invalid();
  }
  return subject;
}

const SETTING_LABEL: Record<Setting, string> = { on: "On", off: "Off", digest: "Digest" };

/** One setting from the page's form. */
const FormField = z.object({ category: Category, channel: Channel, setting: Setting });

/** The preference page: a form of category × channel settings that POSTs to itself. */
export async function page(token: string, saved = false): Promise<string> {
  const subject = verify(token);
  const current = await get({ tenantId: subject.t, id: subject.r });
  const categories = [...new Set([...subject.c, ...Object.keys(current.categories)])].sort();
  const rows = categories
    .map((category) => {
      const cells = Channel.options
        .map((channel) => {
          const value = current.categories[category]?.[channel] ?? "on";
          const options = Setting.options
            .map(
              (setting) =>
                `<option value="${setting}"${setting === value ? " selected" : ""}>${SETTING_LABEL[setting]}</option>`,
            )
            .join("");
          const name = escapeHtml(`${category}:${channel}`);
          return `<td><select name="${name}" aria-label="${name}">${options}</select></td>`;
        })
        .join("");
      return `<tr><th scope="row">${escapeHtml(category)}</th>${cells}</tr>`;
    })
    .join("\n");
  const head = Channel.options.map((channel) => `<th scope="col">${channel}</th>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Notification preferences</title>
<style>body{font:16px system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}th,td{padding:.4rem .6rem;text-align:left}</style>
</head><body>
<h1>Notification preferences</h1>
${saved ? '<p role="status">Saved.</p>' : ""}
<form method="post">
<table><thead><tr><th>Category</th>${head}</tr></thead><tbody>
${rows || '<tr><td colspan="6">Nothing to set yet.</td></tr>'}
</tbody></table>
<p><button type="submit">Save</button></p>
</form></body></html>`;
}

/**
 * The page's POST: form fields `<category>:<channel>=on|off|digest`. Only categories the link
 * offers or the recipient already has may be set. Answers the preferences after the change.
 */
export async function submit(token: string, form: Record<string, unknown>): Promise<Preferences> {
  return save(verify(token), Object.entries(form));
}

const parseJson = fn(PreferencesInput, (input) => input);

/**
 * The same save as JSON, the documented body `{"categories": {...}}` (PreferencesInput, as
 * `PUT /v1/recipients/{id}/preferences` takes it); anything else is `invalid_request`. The
 * token is checked first: a forged link is refused whatever it carries.
 */
export async function submitJson(token: string, body: unknown): Promise<Preferences> {
  const subject = verify(token);
  const { categories } = parseJson(body as z.input<typeof PreferencesInput>);
  const fields = Object.entries(categories).flatMap(([category, channels]) =>
    Object.entries(channels).map(([channel, value]) => [`${category}:${channel}`, value] as const),
  );
  return save(subject, fields);
}

async function save(
  subject: LinkSubject,
  fields: (readonly [string, unknown])[],
): Promise<Preferences> {
  const changes: Record<string, Record<string, Setting>> = {};
  for (const [field, value] of fields) {
    const [category = "", channel = ""] = String(field).split(":");
    const parsed = FormField.safeParse({ category, channel, setting: value });
    if (!parsed.success) {
      throw new ValidationError("invalid_request", `Not a preference: ${String(field)}`, {
        field,
      });
    }
    changes[category] = { ...changes[category], [channel]: parsed.data.setting };
  }
  const known = new Set([
    ...subject.c,
    ...Object.keys((await get({ tenantId: subject.t, id: subject.r })).categories),
  ]);
  const unknown = Object.keys(changes).find((category) => !known.has(category));
  if (unknown) {
    throw new ValidationError(
      "invalid_request",
      `This link does not offer the category ${unknown}`,
      {
        category: unknown,
      },
    );
  }
  return merge(subject.t, subject.r, changes);
}
