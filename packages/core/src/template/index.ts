import { NotFoundError, ValidationError } from "../error";
import { fn } from "../fn";
import { jsonObject } from "../json";
import {
  type Channel,
  EmailContent,
  InAppContent,
  Locale as NotificationLocale,
  PushContent,
  SmsContent,
  WebhookContent,
} from "../notification/model";
import * as z from "../zod";
import * as Store from "./store";

/**
 * Templates: per tenant, versioned, one set of Liquid fields per channel, optionally per locale.
 * Every PUT stores a new version (versions are never changed), so a notification sent with a
 * template names the version it was rendered from. Rendering happens when a send is accepted
 * (`render`), so a template error is a 400 to the caller and workers only ever see content.
 * Stored by ./store.ts; rendered by ./render.ts.
 */

export const TemplateId = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[\w.:-]+$/, "letters, digits and . _ : - only"),
  );

/** A template's locale, or a translation's. */
export const Locale = NotificationLocale.check(
  z.describe("BCP 47 language tag, e.g. fr-CA (falls back to fr, then the template's default)"),
);

const field = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

const EmailFields = z
  .strictObject({
    subject: field(998),
    text: z.optional(field(100_000)),
    html: z.optional(field(200_000)),
  })
  .check(
    z.refine((email) => email.text !== undefined || email.html !== undefined, {
      message: "text or html is required",
    }),
  );

const WebhookFields = z
  .strictObject({ event: field(200) })
  .check(z.describe("The event name; the notification's data is the send's `data`"));

const Channels = z
  .strictObject({
    email: z.optional(EmailFields),
    push: z.optional(
      z.strictObject({
        title: field(1_000),
        body: z.optional(field(4_000)),
        url: z.optional(field(2_000)),
      }),
    ),
    sms: z.optional(z.strictObject({ text: field(4_000) })),
    in_app: z.optional(
      z.strictObject({
        title: field(1_000),
        body: z.optional(field(10_000)),
        url: z.optional(field(2_000)),
      }),
    ),
    webhook: z.optional(WebhookFields),
  })
  .check(z.describe("Liquid source per channel field"));

const Translations = z
  .record(Locale, Channels)
  .check(
    z.refine((locales) => Object.keys(locales).length <= 50, { message: "at most 50 locales" }),
  );

export const TemplateInput = z.strictObject({
  description: z.optional(z.string().check(z.maxLength(500))),
  locale: z._default(Locale, "en").check(z.describe("The locale of `channels` (the default)")),
  channels: Channels,
  locales: z
    .optional(Translations)
    .check(
      z.describe("Per locale, the channels' fields in that language; a missing one falls back"),
    ),
  sample_data: z.optional(jsonObject(16_000)).check(z.describe("Data the preview renders with")),
});
export type TemplateInput = z.input<typeof TemplateInput>;

export const Template = z.extend(TemplateInput, {
  id: z.string(),
  version: z.int().check(z.gte(1)),
  created_at: z.string(),
});
export type Template = z.infer<typeof Template>;

const TenantId = z.string().check(z.minLength(1), z.maxLength(64));
const Version = z.coerce.number().check(z.int(), z.gte(1), z.lte(99_999_999));
const Ref = z.object({ tenantId: TenantId, id: TemplateId });

/** Store a new version; the first PUT creates version 1. */
export const put = fn(
  z.extend(Ref, { template: TemplateInput }),
  async ({ tenantId, id, template }): Promise<Template> => {
    const version = await Store.nextVersion(tenantId, id);
    const item: Template = { ...template, id, version, created_at: new Date().toISOString() };
    await Store.putVersion(tenantId, id, version, item);
    return item;
  },
);

/** The latest version, or the one asked for. */
/** The query of `GET /v1/templates/{id}`: an optional version (the current one without it). */
export const GetQuery = z.strictObject({ version: z.optional(Version) });

export const get = fn(
  z.extend(Ref, { version: z.optional(Version) }),
  async ({ tenantId, id, version }): Promise<Template> => {
    const item = await Store.readVersion(tenantId, id, version);
    if (!item) throw new NotFoundError("template", version ? `${id} version ${version}` : id);
    return item as Template;
  },
);

/** Delete a template and its versions; notifications already sent keep their content. */
export const remove = fn(Ref, async ({ tenantId, id }) => {
  if (!(await Store.removeVersions(tenantId, id))) throw new NotFoundError("template", id);
});

/** `fr-CA` → `fr-CA`, `fr`; the template's own locale comes last. */
function candidates(locale: string | undefined): string[] {
  if (!locale) return [];
  const parts = locale.split("-");
  const chain: string[] = [];
  for (let n = parts.length; n >= 1; n--) chain.push(parts.slice(0, n).join("-").toLowerCase());
  return chain;
}

/** The locale whose fields a channel renders with, following the fallback chain. */
export function pickLocale(template: Template, channel: Channel, locale?: string) {
  const byLower = new Map(
    Object.entries(template.locales ?? {}).map(([name, channels]) => [
      name.toLowerCase(),
      { name, channels },
    ]),
  );
  for (const candidate of candidates(locale)) {
    const found = byLower.get(candidate);
    if (found?.channels[channel])
      return { locale: found.name, fields: found.channels, path: `locales.${found.name}` };
    if (candidate === template.locale.toLowerCase()) break;
  }
  return { locale: template.locale, fields: template.channels, path: "channels" };
}

export interface Rendered {
  content: Record<string, unknown>;
  template: { id: string; version: number; locale: string };
}

/**
 * Render a template's fields for one channel into that channel's content. Every failure (a
 * missing variable, a Liquid error, a result the channel refuses) is 400
 * `template_render_failed` with the field in `details`.
 */
export async function renderChannel(
  template: Template,
  channel: Channel,
  data: Record<string, unknown>,
  locale?: string,
): Promise<Rendered> {
  const picked = pickLocale(template, channel, locale);
  const source = picked.fields[channel];
  if (!source) {
    throw new ValidationError(
      "template_channel_missing",
      `Template ${template.id} v${template.version} has no ${channel} content`,
      { template: template.id, version: template.version, channel },
    );
  }
  // LiquidJS and html-to-text load only when a template is rendered (a chunk of their own): the
  // templates API's other routes, and every send without a template, never read them.
  const { renderField, textFromHtml, wrapEmail } = await import("./render");
  const where = (name: string) => ({
    template: template.id,
    version: template.version,
    field: `${picked.path}.${channel}.${name}`,
  });
  const render = async (name: string, value: string | undefined, kind: "text" | "html" = "text") =>
    value === undefined ? undefined : renderField(value, data, kind, where(name));
  const fields = source as Record<string, string | undefined>;
  let content: Record<string, unknown>;
  let schema: z.ZodMiniType;
  switch (channel) {
    case "email": {
      const subject = (await render("subject", fields.subject)) as string;
      const html = await render("html", fields.html, "html");
      const text = (await render("text", fields.text)) ?? (html ? textFromHtml(html) : undefined);
      content = { subject, text, html: html === undefined ? undefined : wrapEmail(html, subject) };
      schema = EmailContent;
      break;
    }
    case "sms":
      content = { text: await render("text", fields.text) };
      schema = SmsContent;
      break;
    case "webhook":
      content = { event: await render("event", fields.event), data };
      schema = WebhookContent;
      break;
    case "push":
    case "in_app":
      content = {
        title: await render("title", fields.title),
        body: await render("body", fields.body),
        url: await render("url", fields.url),
      };
      schema = channel === "push" ? PushContent : InAppContent;
      break;
  }
  content = Object.fromEntries(Object.entries(content).filter(([, value]) => value !== undefined));
  const checked = schema.safeParse(content);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new ValidationError(
      "template_render_failed",
      `Template ${template.id} v${template.version} rendered ${channel} content that is not valid: ${issue?.message}`,
      {
        template: template.id,
        version: template.version,
        field: `${picked.path}.${channel}${issue?.path.length ? `.${issue.path.join(".")}` : ""}`,
        reason: issue?.message,
      },
    );
  }
  return {
    content: checked.data as Record<string, unknown>,
    template: { id: template.id, version: template.version, locale: picked.locale },
  };
}

export const PreviewInput = z.strictObject({
  version: z.optional(Version),
  locale: z.optional(Locale),
  data: z.optional(jsonObject(64_000)).check(z.describe("Defaults to the template's sample_data")),
});

const RenderedChannel = z.object({
  locale: z.string(),
  content: z.record(z.string(), z.unknown()),
});

export const Preview = z.object({
  id: z.string(),
  version: z.int(),
  channels: z
    .record(z.string(), RenderedChannel)
    .check(z.describe("Each channel the template has, rendered as it would be sent")),
});
export type Preview = z.infer<typeof Preview>;

/** Render every channel of a template with sample (or given) data, as a send would. */
export const preview = fn(
  z.extend(Ref, { input: PreviewInput }),
  async ({ tenantId, id, input }): Promise<Preview> => {
    const template = await get({ tenantId, id, version: input.version });
    const data = input.data ?? template.sample_data ?? {};
    const channels: Preview["channels"] = {};
    const named = [template.channels, ...Object.values(template.locales ?? {})].flatMap(
      Object.keys,
    );
    for (const channel of [...new Set(named)] as Channel[]) {
      const rendered = await renderChannel(template, channel, data, input.locale);
      channels[channel] = { locale: rendered.template.locale, content: rendered.content };
    }
    return { id, version: template.version, channels };
  },
);

/** Render for a send: the template (latest unless pinned) for one channel. */
export async function render(
  tenantId: string,
  ref: { id: string; version?: number },
  channel: Channel,
  data: Record<string, unknown>,
  locale?: string,
): Promise<Rendered> {
  const template = await get({ tenantId, id: ref.id, version: ref.version });
  return renderChannel(template, channel, data, locale);
}
