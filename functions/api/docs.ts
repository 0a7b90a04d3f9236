import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/**
 * GET /openapi.json: the OpenAPI 3.1 document, built from the route declarations.
 * GET /docs: Scalar's API reference (a kept renderer, not ours) rendering /openapi.json. The
 * script comes from a CDN at a pinned version, checked by its SRI hash: the page is for API
 * users, whose browsers are online; /openapi.json itself needs nothing from outside.
 */

/** `@scalar/api-reference`'s standalone build; bump the version and hash together. */
const SCALAR = {
  version: "1.76.0",
  // sha384 of dist/browser/standalone.js in the npm package (`npm pack @scalar/api-reference@…`).
  integrity: "sha384-oH1C0RwqcwbVXkC+r8A+4qRoyEUQdtxAzOwumkxZtQBBcsy61FOoPt7B50OVJYYQ",
};
const SCALAR_BASE = `https://cdn.jsdelivr.net/npm/@scalar/api-reference@${SCALAR.version}/`;

// No fonts or telemetry from Scalar's servers: the page talks to this API and the CDN only.
const INIT = `Scalar.createApiReference("#app", { url: "/openapi.json", withDefaultFonts: false, telemetry: false });`;

/**
 * The CSP hash of INIT (sha256, base64), written out rather than computed: loading node:crypto
 * for it cost ~3.5 ms of every cold start. Change INIT and this together; test/openapi.test.ts
 * checks the page's inline script against it.
 */
const INIT_HASH = "'sha256-0zJmAqX6hKEYFxlkjfvYMwQ4firSZo71+iCfJQK5xn4='";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald API reference</title>
</head>
<body>
<div id="app"></div>
<noscript>The reference needs JavaScript; the document itself is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<script src="${SCALAR_BASE}dist/browser/standalone.js" integrity="${SCALAR.integrity}" crossorigin="anonymous"></script>
<script>${INIT}</script>
</body>
</html>
`;

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  // Scripts: the pinned Scalar build and the inline call above; styles are Scalar's own
  // (injected, hence 'unsafe-inline'); requests (the document, "try it") go to this origin only.
  "content-security-policy": [
    "default-src 'self'",
    `script-src ${SCALAR_BASE} ${INIT_HASH}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-content-type-options": "nosniff",
  "cache-control": "public, max-age=300",
};

/**
 * The document needs every route's zod schemas, hence the whole domain: loaded on the first
 * request for it, not at init (the page needs none of it).
 */
async function openApi() {
  const [{ openApiDocument }, { httpRoutes }] = await Promise.all([
    import("@herald/core/openapi"),
    import("../routes"),
  ]);
  return openApiDocument(httpRoutes);
}

/**
 * A plain handler, not the middy chain: it reads nothing from the request but its route, and
 * has no answer but these two (API Gateway answers unknown routes; a failure is its 500, logged
 * by the runtime). The chain's modules were most of what it loaded at init.
 */
export async function handler(
  event: Pick<APIGatewayProxyEventV2, "routeKey">,
): Promise<APIGatewayProxyStructuredResultV2> {
  if (event.routeKey === "GET /docs") {
    return { statusCode: 200, headers: PAGE_HEADERS, body: PAGE };
  }
  return {
    statusCode: 200,
    headers: { "content-type": "application/json", "cache-control": "public, max-age=300" },
    body: JSON.stringify(await openApi()),
  };
}
