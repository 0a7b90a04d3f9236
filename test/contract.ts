import { openApiDocument } from "@herald/core/openapi";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { httpRoutes } from "../functions/routes";

/**
 * Every response a test sees, checked against the OpenAPI document /openapi.json serves (the
 * same document, built from the same route declarations): the status must be one the operation documents
 * and a JSON body must match that response's schema (JSON Schema 2020-12, formats included).
 * A header the document declares on some response (Idempotent-Replayed, Retry-After) may only
 * come with a response that declares it, with a value its schema takes.
 * The test client in ./support calls `checkResponse` on every answer, so each existing test is
 * also a contract test.
 */

type Json = Record<string, unknown>;
type Response = { headers?: Record<string, { schema: Json }>; content?: Json; $ref?: string };

const document = openApiDocument(httpRoutes) as unknown as {
  paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
  components: { responses: Record<string, Response> };
};

/** Every response header the document declares somewhere (lower case). */
const declaredHeaders = new Set(
  [
    ...Object.values(document.paths).flatMap((operations) =>
      Object.values(operations).flatMap(({ responses }) => Object.values(responses)),
    ),
    ...Object.values(document.components.responses),
  ].flatMap((response) => Object.keys(response.headers ?? {}).map((name) => name.toLowerCase())),
);

const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
// The OpenAPI-only keyword on the send body's union.
ajv.addKeyword("discriminator");
ajv.addSchema({ $id: "herald:openapi", ...document } as Json, "herald:openapi");

const templates = Object.keys(document.paths).map((template) => ({
  template,
  segments: template.slice(1).split("/"),
  literal: !template.includes("{"),
}));

/** API Gateway matches segment by segment, each percent-decoded; `{x}` is any non-empty one. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    if (error instanceof URIError) return segment;
    throw error;
  }
}

function operationOf(method: string, path: string) {
  const parts = (path.split("?")[0] ?? path).slice(1).split("/");
  const matches = ({ segments }: { segments: string[] }) =>
    segments.length === parts.length &&
    segments.every((segment, i) => {
      const part = parts[i] ?? "";
      return segment.startsWith("{") ? part !== "" : decodeSegment(part) === segment;
    });
  // A literal path wins over a template (`/inbox/unread-count` over `/inbox/{notification}`).
  const match =
    templates.find((candidate) => candidate.literal && matches(candidate)) ??
    templates.find(matches);
  const operation = match && document.paths[match.template]?.[method.toLowerCase()];
  return operation ? { template: match.template, operation } : undefined;
}

const compiled = new Map<string, ValidateFunction>();

function validatorFor(pointer: string): ValidateFunction {
  let validate = compiled.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `herald:openapi#${pointer}` });
    compiled.set(pointer, validate);
  }
  return validate;
}

const pointerSegment = (segment: string) => segment.replaceAll("~", "~0").replaceAll("/", "~1");

/** The documented response for this status (and its pointer), or why there is none. */
function responseOf(
  method: string,
  path: string,
  status: number,
): { base: string; response: Response | undefined } | { problem: string } {
  const found = operationOf(method, path);
  // No route: API Gateway's $default answers, in Herald's error shape.
  if (!found) return { base: "", response: undefined };
  const { template, operation } = found;
  const response = operation.responses[String(status)];
  if (!response) {
    return {
      problem: `${status} is not a documented answer of ${method} ${template} (${Object.keys(operation.responses)})`,
    };
  }
  const name = response.$ref?.split("/").pop();
  return name
    ? { base: `/components/responses/${name}`, response: document.components.responses[name] }
    : {
        base: `/paths/${pointerSegment(template)}/${method.toLowerCase()}/responses/${status}`,
        response,
      };
}

/** The JSON pointer of the schema for this status, or why there is none. */
function schemaPointer(found: ReturnType<typeof responseOf>): string | { problem: string } {
  if ("problem" in found) return found;
  if (!found.base) return "/components/schemas/Error";
  if (!found.response?.content?.["application/json"]) return { problem: "" };
  return `${found.base}/content/application~1json/schema`;
}

/** A declared header this answer carries that its response does not declare, or a bad value. */
function checkHeaders(
  method: string,
  path: string,
  status: number,
  found: ReturnType<typeof responseOf>,
  headers: Headers,
) {
  if ("problem" in found) return;
  const own = Object.entries(found.response?.headers ?? {});
  for (const name of declaredHeaders) {
    const value = headers.get(name);
    if (value === null) continue;
    const declared = own.find(([key]) => key.toLowerCase() === name);
    if (!declared) {
      throw new ContractError(
        `${method} ${path} ${status}: answers the header ${name}, which its response does not declare`,
      );
    }
    const schema = declared[1].schema;
    const numeric = schema.type === "integer" || schema.type === "number";
    const validate = ajv.compile(schema);
    if (!validate(numeric && value.trim() !== "" ? Number(value) : value)) {
      throw new ContractError(
        `${method} ${path} ${status}: header ${name}: ${JSON.stringify(value)} does not match ${JSON.stringify(schema)}`,
      );
    }
  }
}

/** A response that does not match the document. */
export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContractError";
  }
}

/** Throws ContractError when this answer is not one /openapi.json describes. */
export function checkResponse(
  method: string,
  path: string,
  status: number,
  body: unknown,
  headers: Headers = new Headers(),
) {
  if (method === "HEAD" || status >= 500) return;
  const found = responseOf(method, path, status);
  checkHeaders(method, path, status, found, headers);
  const pointer = schemaPointer(found);
  if (typeof pointer !== "string") {
    if (pointer.problem) throw new ContractError(pointer.problem);
    return;
  }
  if (body === undefined || typeof body === "string") return;
  const validate = validatorFor(pointer);
  if (!validate(body)) {
    const errors = ajv.errorsText(validate.errors, { separator: "; " });
    throw new ContractError(
      `${method} ${path} ${status}: the body does not match ${pointer}: ${errors}\n${JSON.stringify(body).slice(0, 500)}`,
    );
  }
}
