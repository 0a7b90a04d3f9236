import { convert } from "html-to-text";
import { type FS, Liquid, LiquidError, type LiquidOptions } from "liquidjs";
import { ValidationError } from "../error";

/**
 * LiquidJS, configured safe for templates tenants write and data callers send: no filesystem
 * (`include`, `render` and `layout` find nothing), own properties only (no prototype walk),
 * strict variables and filters (a missing one is an error, never an empty string), and bounded
 * parse size, render time and memory. HTML fields escape every output (`outputEscape`); the
 * other fields are plain text and are left as written.
 */

const noFiles: FS = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (file) => {
    throw new Error(`templates cannot read files (${file})`);
  },
  readFileSync: (file) => {
    throw new Error(`templates cannot read files (${file})`);
  },
  resolve: (_dir, file) => file,
  contains: async () => false,
  containsSync: () => false,
};

const limits = {
  fs: noFiles,
  root: [] as string[],
  partials: [] as string[],
  layouts: [] as string[],
  relativeReference: false,
  strictVariables: true,
  // `{% if nickname %}` and `{{ nickname | default: name }}` may test for an optional variable.
  lenientIf: true,
  strictFilters: true,
  ownPropertyOnly: true,
  cache: false,
  parseLimit: 100_000,
  renderLimit: 200,
  memoryLimit: 10_000_000,
} satisfies LiquidOptions;

const engines = {
  text: new Liquid({ ...limits }),
  html: new Liquid({ ...limits, outputEscape: "escape" }),
};

/** Where in a template a field lives, as a caller sees it (`email.html`, `locales.fr.sms.text`). */
export type FieldPath = string;

/** Render one field; a Liquid error becomes 400 `template_render_failed` naming the field. */
export async function renderField(
  source: string,
  data: Record<string, unknown>,
  kind: "text" | "html",
  where: { template: string; version: number; field: FieldPath },
): Promise<string> {
  try {
    const engine = engines[kind];
    return String(await engine.parseAndRender(source, data));
  } catch (error) {
    if (!(error instanceof LiquidError) && !(error instanceof Error)) throw error;
    const message = error.message;
    throw new ValidationError(
      "template_render_failed",
      `Template ${where.template} v${where.version} could not be rendered at ${where.field}: ${message}`,
      {
        template: where.template,
        version: where.version,
        field: where.field,
        variable: /undefined variable: ([^,\s]+)/.exec(message)?.[1],
        line: Number(/line:(\d+)/.exec(message)?.[1]) || undefined,
        reason: message,
      },
    );
  }
}

/**
 * A responsive base layout for email HTML: one centred column up to 600 px, inline styles (mail
 * clients drop `<style>` blocks unevenly), a table for Outlook. HTML that is already a document
 * (`<html`) is sent as it is.
 */
export function wrapEmail(html: string, subject: string): string {
  if (/<html[\s>]/i.test(html)) return html;
  const title = subject.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<title>${title}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f5;">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0" style="background-color:#f4f4f5;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0" style="max-width:600px;width:100%;background-color:#ffffff;border-radius:8px;">
<tr><td style="padding:32px 28px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#18181b;word-wrap:break-word;">
${html}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>`;
}

/** The text part of an email that only has HTML. */
export function textFromHtml(html: string): string {
  return convert(html, {
    wordwrap: 78,
    selectors: [
      { selector: "img", format: "skip" },
      { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
    ],
  }).trim();
}
