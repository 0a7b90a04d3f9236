import * as PreferenceLink from "@herald/core/recipient/preference-link";
import { type ApiEvent, MAX_BODY_BYTES, parseBody, publicApi, unhandled } from "../lib/route";
import type { RouteKey } from "../routes";

const HTML = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" };

/** A form POST (the page), or undefined for any other (JSON, a client of its own). */
function formOf(event: ApiEvent): Record<string, unknown> | undefined {
  const type = event.headers["content-type"] ?? "";
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) return undefined;
  const raw = event.isBase64Encoded
    ? Buffer.from(event.body ?? "", "base64")
    : Buffer.from(event.body ?? "");
  const text = raw.subarray(0, MAX_BODY_BYTES).toString("utf8");
  return Object.fromEntries(new URLSearchParams(text));
}

/**
 * GET /v1/preferences/{token}: the recipient's preference page. POST: save it (the page's form,
 * answered with the page again, or JSON `{"categories": ...}`, answered with the preferences).
 * No API key: the signed token is the credential.
 */
export const handler = publicApi(
  // Opened from an email's link: tracking parameters (utm_*, …) are ignored, never refused.
  { query: { "GET /v1/preferences/{token}": "any", "POST /v1/preferences/{token}": "any" } },
  async ({ event }) => {
    const token = event.pathParameters?.token ?? "";
    const route = event.routeKey as RouteKey<"functions/api/preferences.handler">;
    switch (route) {
      case "GET /v1/preferences/{token}":
        return { status: 200, body: await PreferenceLink.page(token), headers: HTML };
      case "POST /v1/preferences/{token}": {
        const form = formOf(event);
        if (form) {
          await PreferenceLink.submit(token, form);
          return { status: 200, body: await PreferenceLink.page(token, true), headers: HTML };
        }
        return { status: 200, body: await PreferenceLink.submitJson(token, parseBody(event)) };
      }
      default:
        return unhandled(route);
    }
  },
);
