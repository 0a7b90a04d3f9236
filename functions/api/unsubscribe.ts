import { unsubscribe } from "@herald/core/suppression/one-click";
import { publicApi } from "../lib/route";

/**
 * POST /v1/unsubscribe/{token}: RFC 8058 one-click unsubscribe, what a mail client POSTs
 * (`List-Unsubscribe=One-Click`) to the URL in an email's List-Unsubscribe header. The signed
 * token is the credential.
 */
export const handler = publicApi(
  { query: { "POST /v1/unsubscribe/{token}": "any" } },
  async ({ event }) => {
    await unsubscribe(event.pathParameters?.token ?? "");
    return { status: 200, body: { unsubscribed: true } };
  },
);
