import { createHash } from "node:crypto";
import { openApiDocument } from "@herald/core/openapi";
import { api } from "../lib/http";
import { routes } from "../manifest";

/**
 * GET /openapi.json: the OpenAPI 3.1 document, generated from the zod schemas.
 * GET /docs: a self-contained page (no CDN, works offline) whose inline script fetches the
 * document and renders routes, parameters and schemas.
 */

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2430; display: flex; }
nav { width: 260px; flex: none; height: 100vh; overflow: auto; position: sticky; top: 0;
  background: #f4f6f9; border-right: 1px solid #dde2ea; padding: 16px; box-sizing: border-box; }
nav h2 { font-size: 12px; text-transform: uppercase; color: #667; margin: 16px 0 4px; }
nav a { display: block; color: inherit; text-decoration: none; font-size: 13px; padding: 2px 0; }
main { flex: 1; padding: 24px 40px; max-width: 980px; }
section { border: 1px solid #dde2ea; border-radius: 8px; padding: 12px 16px; margin: 16px 0; }
h1 { margin-top: 0; }
h3 { margin: 0; font-size: 16px; font-family: ui-monospace, monospace; }
h4 { margin: 12px 0 4px; font-size: 13px; text-transform: uppercase; color: #667; }
code, .type { font-family: ui-monospace, monospace; font-size: 13px; }
.method { display: inline-block; min-width: 56px; text-align: center; border-radius: 4px;
  color: #fff; font-size: 12px; padding: 1px 6px; margin-right: 8px; background: #556; }
.get { background: #2b7bb9; } .post { background: #2f9e5a; } .put { background: #b9822b; }
.delete { background: #c0392b; }
.lock { font-size: 12px; color: #8a5a00; margin-left: 8px; }
.open { font-size: 12px; color: #2f9e5a; margin-left: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
td, th { text-align: left; vertical-align: top; padding: 4px 8px; border-top: 1px solid #eef0f4; }
ul.schema { list-style: none; padding-left: 16px; margin: 2px 0; border-left: 2px solid #eef0f4; }
.name { font-family: ui-monospace, monospace; font-weight: 600; }
.req { color: #c0392b; }
.muted { color: #667; }
.error { color: #c0392b; }
`;

const SCRIPT = `
"use strict";
(async function () {
  const root = document.getElementById("app");
  function h(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of [].concat(children || [])) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }
  function refName(ref) { return ref.split("/").pop(); }
  function anchor(name) { return "schema-" + name; }

  function constraints(schema) {
    const parts = [];
    if (schema.const !== undefined) parts.push("= " + JSON.stringify(schema.const));
    if (schema.enum) parts.push("one of " + schema.enum.map((v) => JSON.stringify(v)).join(", "));
    if (schema.format) parts.push("format " + schema.format);
    if (schema.minLength !== undefined) parts.push("min length " + schema.minLength);
    if (schema.maxLength !== undefined) parts.push("max length " + schema.maxLength);
    if (schema.minimum !== undefined) parts.push("≥ " + schema.minimum);
    if (schema.maximum !== undefined) parts.push("≤ " + schema.maximum);
    if (schema.minItems !== undefined) parts.push("min items " + schema.minItems);
    if (schema.maxItems !== undefined) parts.push("max items " + schema.maxItems);
    if (schema.pattern && !schema.format) parts.push("pattern " + schema.pattern);
    if (schema.default !== undefined) parts.push("default " + JSON.stringify(schema.default));
    if (schema.additionalProperties === false) parts.push("no other fields");
    return parts.join(" · ");
  }

  function typeOf(schema) {
    if (schema.$ref) return h("a", { href: "#" + anchor(refName(schema.$ref)) }, refName(schema.$ref));
    if (schema.oneOf || schema.anyOf) return "one of";
    if (schema.type === "array") return "array";
    if (schema.type === "object" && schema.additionalProperties && !schema.properties) return "map";
    return [].concat(schema.type || "any").join(" | ");
  }

  function schemaView(schema, depth) {
    if (!schema || depth > 8) return null;
    if (schema.$ref) return null;
    const items = [];
    const properties = schema.properties || {};
    const required = schema.required || [];
    for (const [name, property] of Object.entries(properties)) {
      items.push(h("li", {}, [
        h("span", { class: "name" }, name),
        required.includes(name) ? h("span", { class: "req" }, " *") : null,
        " ", h("span", { class: "type" }, typeOf(property)),
        constraints(property) ? h("span", { class: "muted" }, " · " + constraints(property)) : null,
        property.description ? h("div", { class: "muted" }, property.description) : null,
        schemaView(property, depth + 1),
      ]));
    }
    const variants = schema.oneOf || schema.anyOf;
    if (variants) {
      if (schema.discriminator) {
        items.push(h("li", { class: "muted" }, "chosen by the field " + schema.discriminator.propertyName));
      }
      variants.forEach((variant, index) => {
        items.push(h("li", {}, [
          h("span", { class: "muted" }, "option " + (index + 1) + ": "),
          h("span", { class: "type" }, typeOf(variant)),
          schemaView(variant, depth + 1),
        ]));
      });
    }
    if (schema.type === "array" && schema.items) {
      items.push(h("li", {}, [
        h("span", { class: "muted" }, "items: "), h("span", { class: "type" }, typeOf(schema.items)),
        schemaView(schema.items, depth + 1),
      ]));
    }
    if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
      const value = schema.additionalProperties;
      items.push(h("li", {}, [
        h("span", { class: "muted" }, "any key → "), h("span", { class: "type" }, typeOf(value)),
        schemaView(value, depth + 1),
      ]));
    }
    return items.length ? h("ul", { class: "schema" }, items) : null;
  }

  function schemaBlock(schema) {
    return h("div", {}, [
      h("span", { class: "type" }, typeOf(schema)),
      constraints(schema) ? h("span", { class: "muted" }, " · " + constraints(schema)) : null,
      schemaView(schema, 0),
    ]);
  }

  function parametersTable(parameters) {
    const rows = parameters.map((p) => h("tr", {}, [
      h("td", {}, [h("span", { class: "name" }, p.name), p.required ? h("span", { class: "req" }, " *") : null]),
      h("td", { class: "muted" }, p.in),
      h("td", {}, [h("span", { class: "type" }, typeOf(p.schema || {})), " ",
        h("span", { class: "muted" }, constraints(p.schema || {}))]),
      h("td", {}, p.description || ""),
    ]));
    return h("table", {}, [h("tr", {}, ["name", "in", "type", "description"].map((t) => h("th", {}, t))), ...rows]);
  }

  function responseView(status, response, spec) {
    const named = response.$ref ? refName(response.$ref) : null;
    const resolved = named ? spec.components.responses[named] : response;
    const content = resolved.content || {};
    return h("li", {}, [
      h("span", { class: "name" }, status), " ", resolved.description || "",
      ...Object.entries(content).map(([type, media]) => h("div", {}, [
        h("code", { class: "muted" }, type + " "), schemaBlock(media.schema || {}),
      ])),
      ...Object.entries(resolved.headers || {}).map(([name, header]) =>
        h("div", { class: "muted" }, "header " + name + ": " + (header.description || ""))),
    ]);
  }

  function operationView(path, method, operation, spec) {
    const secured = (operation.security || spec.security || []).length > 0;
    const id = "op-" + (operation.operationId || method + path);
    return h("section", { id }, [
      h("h3", {}, [h("span", { class: "method " + method }, method.toUpperCase()), path,
        secured ? h("span", { class: "lock" }, "API key") : h("span", { class: "open" }, "public")]),
      h("p", {}, operation.summary || ""),
      operation.description ? h("p", { class: "muted" }, operation.description) : null,
      operation.parameters && operation.parameters.length
        ? h("div", {}, [h("h4", {}, "Parameters"), parametersTable(operation.parameters)]) : null,
      operation.requestBody ? h("div", {}, [h("h4", {}, "Body"),
        ...Object.entries(operation.requestBody.content || {}).map(([type, media]) =>
          h("div", {}, [h("code", { class: "muted" }, type + " "), schemaBlock(media.schema || {})]))]) : null,
      h("h4", {}, "Responses"),
      h("ul", { class: "schema" }, Object.entries(operation.responses || {}).map(([status, response]) =>
        responseView(status, response, spec))),
    ]);
  }

  function render(spec) {
    const nav = h("nav", {}, [h("strong", {}, spec.info.title + " API")]);
    const main = h("main", {}, [h("h1", {}, spec.info.title + " API " + spec.info.version)]);
    for (const paragraph of (spec.info.description || "").split(/\\n\\n/)) main.append(h("p", {}, paragraph));
    const byTag = new Map((spec.tags || []).map((tag) => [tag.name, []]));
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const tag = (operation.tags || ["other"])[0];
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push(operationView(path, method, operation, spec));
      }
    }
    for (const [tag, sections] of byTag) {
      if (!sections.length) continue;
      nav.append(h("h2", {}, tag));
      for (const section of sections) {
        const title = section.querySelector("h3");
        nav.append(h("a", { href: "#" + section.id }, title.textContent.replace(/(API key|public)$/, "")));
      }
      main.append(h("h2", {}, tag), ...sections);
    }
    nav.append(h("h2", {}, "schemas"));
    main.append(h("h2", {}, "Schemas"));
    for (const [name, schema] of Object.entries(spec.components.schemas || {})) {
      nav.append(h("a", { href: "#" + anchor(name) }, name));
      main.append(h("section", { id: anchor(name) }, [h("h3", {}, name),
        schema.description ? h("p", { class: "muted" }, schema.description) : null, schemaBlock(schema)]));
    }
    root.replaceChildren(nav, main);
    if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
  }

  try {
    const response = await fetch("/openapi.json", { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error("GET /openapi.json answered " + response.status);
    render(await response.json());
  } catch (error) {
    root.replaceChildren(h("p", { class: "error" }, "Could not load /openapi.json: " + error.message));
  }
})();
`;

const hash = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald API reference</title>
<style>${STYLE}</style>
</head>
<body>
<div id="app"><p>Loading <a href="/openapi.json">/openapi.json</a>…</p></div>
<script>${SCRIPT}</script>
</body>
</html>
`;

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  // Only the inline script and style above may run; the page may fetch from its own origin.
  "content-security-policy": [
    "default-src 'none'",
    `script-src ${hash(SCRIPT)}`,
    `style-src ${hash(STYLE)}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-content-type-options": "nosniff",
  "cache-control": "public, max-age=300",
};

export const handler = api({ auth: false }, async ({ event }) => {
  if (event.routeKey === "GET /docs") return { status: 200, body: PAGE, headers: PAGE_HEADERS };
  return {
    status: 200,
    body: openApiDocument(routes),
    headers: { "cache-control": "public, max-age=300" },
  };
});
