import * as Callbacks from "./callback";
import * as Endpoint from "./delivery/endpoint";
import { RotateWebhookSecretInput, WebhookSecretInfo } from "./delivery/webhook-secret";
import * as Notification from "./notification";
import * as Batch from "./notification/batch";
import * as Realtime from "./realtime";
import * as Recipient from "./recipient";
import * as PreferenceLink from "./recipient/preference-link";
import * as Preferences from "./recipient/preferences";
import * as Suppression from "./suppression/manage";
import * as Template from "./template";
import * as Settings from "./tenant/settings";
import * as Topic from "./topic";
import * as Workflow from "./workflow";
import * as z from "./zod";

/**
 * The OpenAPI 3.1 document of the HTTP API, built from the route declarations
 * (`functions/routes.ts`: one entry per route, with the zod schemas its handler parses with).
 * Schemas become JSON Schema through zod's own `z.toJSONSchema`; this module only names the
 * shared ones (`components`), adds the standard error responses and security schemes, and
 * lays the operations out.
 */

/** How a route's caller proves who they are. */
export type Auth =
  /** An API key, checked by API Gateway's authorizer (`Authorization: Bearer hrld_...`). */
  | "apiKey"
  /** A recipient token (`hrld_rt_...`), checked by the handler: browsers reading one inbox. */
  | "recipientToken"
  /** Nothing but the signed token in the URL (RFC 8058 unsubscribe links). */
  | "signedLink"
  /** Public. */
  | "none";

export type Tag = "notifications" | "topics" | "recipients" | "inbox" | "tenant" | "meta";

/** Error statuses a route may document; 400/413/401/403/429 are also implied (see `implied`). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429;

export interface ResponseDoc {
  description: string;
  /** The JSON body (a named component is referenced, any other schema inlined), or a page. */
  body?: z.core.$ZodType | "html";
  /** Response headers; each schema's `z.describe()` is the header's description. */
  headers?: z.core.$ZodObject;
}

/** What a route is for its callers: the part of its declaration the document is built from. */
export interface RouteDoc {
  auth: Auth;
  tag: Tag;
  summary: string;
  description?: string;
  /** The `{name}`s of the path, each with its schema (all of them, in order). */
  path?: z.core.$ZodObject;
  query?: z.core.$ZodObject;
  /**
   * Query parameters the route does not take are ignored, not refused (a page a browser or mail
   * client opens from a link, which may carry tracking parameters such as `utm_*`). Otherwise
   * any parameter not in `query` is a 400, `invalid_request`.
   */
  queryIgnored?: boolean;
  /** Request headers (optional ones `z.optional()`), described with `z.describe()`. */
  headers?: z.core.$ZodObject;
  /** The JSON request body. */
  body?: z.core.$ZodType;
  /** The body may be left out altogether (when sent, it is parsed like any other). */
  bodyOptional?: boolean;
  /** The success response(s), by status. */
  responses: Record<number, ResponseDoc>;
  /** Error statuses beyond those implied: 400 for any input, 413 for a body, 401/403/429 for auth. */
  errors?: ErrorStatus[];
}

/** A declaration the document cannot describe (e.g. path parameters that do not match). */
export class RouteDeclarationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RouteDeclarationError";
  }
}

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, JsonSchema>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
  tags: { name: string; description: string }[];
}

// ---------------------------------------------------------------------------------------------
// Schemas

export const ErrorBody = z
  .object({
    error: z.object({
      code: z
        .string()
        .check(z.regex(/^[a-z_]+$/), z.describe("Stable, machine-readable: branch on this")),
      message: z.string().check(z.describe("For humans; may change")),
      details: z
        .optional(z.unknown())
        .check(
          z.describe(
            "Context, e.g. for invalid_request the offending fields as {path, code, message}",
          ),
        ),
    }),
  })
  .check(z.describe("Every error Herald itself answers with"));

const GatewayError = z
  .object({ message: z.string() })
  .check(z.describe("API Gateway's own refusal, before any Herald code runs"));

export const NotificationList = z.object({
  items: z.array(Notification.Info),
  next_cursor: z
    .optional(z.string())
    .check(z.describe("Pass as `cursor` for the next page; absent on the last page")),
});

const ChannelCost = z.object({
  notifications: z.int().check(z.describe("Notifications accepted in the period")),
  infrastructure: z
    .number()
    .check(z.describe("USD: AWS and Upstash requests, compute, logs, transfer, storage")),
  provider_fees: z.number().check(z.describe("USD: SES and SMS per-message fees, for those sent")),
});

const Cost = z
  .object({
    currency: z.literal("USD"),
    retention_days: z.int().check(z.describe("The tenant's retention the storage is priced for")),
    by_channel: z.record(z.string(), ChannelCost),
    infrastructure: z.number().check(z.describe("USD, all channels")),
    provider_fees: z.number().check(z.describe("USD, all channels")),
  })
  .check(
    z.describe(
      "What the period's notifications cost, from list prices (us-east-1) and the usage per notification `npm run bench cost` measures; an estimate, not a bill",
    ),
  );

const HourCount = z.object({
  hour: z.string().check(z.describe("Start of the hour, UTC")),
  channel: z.string(),
  status: z.string(),
  count: z.int(),
});

export const Counts = z.object({
  from: z.string().check(z.describe("Start of the period, UTC")),
  to: z.string().check(z.describe("End of the period, UTC")),
  totals: z
    .record(z.string(), z.record(z.string(), z.int()))
    .check(z.describe("channel → status → count over the whole period")),
  hours: z.array(HourCount),
  cost: Cost,
});

export const UnreadCount = z.object({ unread: z.int() });
export const Unsubscribed = z.object({ unsubscribed: z.literal(true) });
export const Health = z.object({ ok: z.literal(true) });
export const ReadAll = z.object({
  marked: z.int().check(z.describe("Messages this request marked read")),
  unread: z.int().check(z.describe("Unread messages left (ones that arrived meanwhile)")),
});

/** Request bodies, converted as what a caller may send (defaults optional). */
const inputs = {
  SendNotification: Notification.SendRequest,
  SendWithContent: Notification.SendInput,
  SendWithTemplate: Notification.TemplateSendInput,
  SendBatch: Batch.BatchRequest,
  TopicSend: Topic.TopicSendInput,
  TemplateInput: Template.TemplateInput,
  TemplatePreviewInput: Template.PreviewInput,
  RecipientProfileInput: Recipient.ProfileInput,
  WorkflowInput: Workflow.WorkflowInput,
  RecipientPreferencesInput: Preferences.PreferencesInput,
  PreferenceLinkInput: PreferenceLink.LinkInput,
  RecipientTokenInput: Realtime.TokenRequest,
  SettingsInput: Settings.SettingsInput,
  CallbackInput: Callbacks.CreateInput,
  RotateSecretInput: Callbacks.RotateInput.def.innerType,
  RotateWebhookSecretInput: RotateWebhookSecretInput.def.innerType,
} satisfies Record<string, z.core.$ZodType>;

/** The send body's variants get names of their own, so the discriminator can map to them. */
const SEND_VARIANTS: Record<Notification.Channel, string> = {
  email: "SendEmail",
  push: "SendPush",
  sms: "SendSms",
  webhook: "SendWebhook",
  in_app: "SendInApp",
};

/** Response bodies, converted as what Herald returns (defaults applied). */
const outputs = {
  Notification: Notification.Info,
  NotificationList,
  BatchResult: Batch.BatchResult,
  TopicSubscriber: Topic.Subscriber,
  TopicSubscriberList: Topic.SubscriberList,
  TopicSendStatus: Topic.SendInfo,
  RecipientProfile: Recipient.Profile,
  RecipientPreferences: Preferences.Preferences,
  PreferenceLink: PreferenceLink.Link,
  Workflow: Workflow.Info,
  UnreadCount,
  Metrics: Counts,
  WebhookSecret: WebhookSecretInfo,
  RecipientToken: Realtime.TokenResponse,
  Endpoint: Endpoint.EndpointInfo,
  Suppression: Suppression.Entry,
  Template: Template.Template,
  TemplatePreview: Template.Preview,
  SuppressionList: Suppression.EntryList,
  Callback: Callbacks.Callback,
  CallbackWithSecret: Callbacks.CallbackWithSecret,
  CallbackList: Callbacks.CallbackList,
  Settings: Settings.Settings,
  Unsubscribed,
  EndpointList: Endpoint.EndpointList,
  Health,
  Error: ErrorBody,
  GatewayError,
  PayloadTooLarge: z.union([ErrorBody, GatewayError]),
  Unauthorized: z.union([ErrorBody, GatewayError]),
  ReadAll,
} satisfies Record<string, z.core.$ZodType>;

type OutputName = keyof typeof outputs;

const TAGS: OpenApiDocument["tags"] = [
  { name: "notifications", description: "Send notifications and follow them" },
  { name: "topics", description: "Named lists of recipients, and sends to all of them" },
  { name: "recipients", description: "Who receives them: profiles and feed tokens" },
  { name: "inbox", description: "In-app messages, per recipient" },
  { name: "tenant", description: "Per-tenant settings and metrics" },
  { name: "meta", description: "Health and this documentation" },
];

// ---------------------------------------------------------------------------------------------
// Standard responses

const ERRORS: Record<ErrorStatus, { name: string; description: string; body: OutputName }> = {
  400: {
    name: "BadRequest",
    description:
      "The request is not valid. `error.code` says why: invalid_request (with the offending " +
      "fields in details; also a query parameter the route does not take), invalid_json, missing_body, unsupported_media_type, forbidden_key " +
      "(a `__proto__` key), invalid_cursor (a cursor this listing did not return), " +
      "invalid_destination (a webhook URL or push endpoint Herald will not call), " +
      "missing_contact_point, invalid_timezone, invalid_send_at, send_at_in_past, " +
      "send_at_too_far, recipient_suppressed (the address is on the suppression list), " +
      "too_many_items (a batch over its limit), " +
      "too_many_callbacks, " +
      "invalid_unsubscribe_token (an unsubscribe link Herald did not sign), " +
      "invalid_preference_token (a preference link Herald did not sign, or expired), invalid_period " +
      "(metrics), template_render_failed (a template field did not render: details.field names " +
      "it, details.variable a missing variable), template_channel_missing",
    body: "Error",
  },
  401: {
    name: "Unauthorized",
    description:
      "No API key (API Gateway's `{message}`): send `Authorization: Bearer <key>`; or, on " +
      "/v1/inbox routes, a recipient token that is missing, invalid (invalid_token) or expired " +
      "(token_expired)",
    body: "Unauthorized",
  },
  403: {
    name: "Forbidden",
    description: "The API key is unknown or revoked",
    body: "GatewayError",
  },
  404: {
    name: "NotFound",
    description:
      "No such resource for this tenant (another tenant's ids are not found either): " +
      "notification_not_found, workflow_not_found, recipient_not_found, inbox_message_not_found, " +
      "endpoint_not_found, suppression_not_found, template_not_found, callback_not_found, " +
      "subscriber_not_found, topic_send_not_found; " +
      "route_not_found for a path no route serves",
    body: "Error",
  },
  409: {
    name: "Conflict",
    description:
      "The resource's state does not allow it (invalid_transition), or an Idempotency-Key was " +
      "reused with a different body (idempotency_key_reused)",
    body: "Error",
  },
  413: {
    name: "PayloadTooLarge",
    description:
      "The body is over 256 KiB, 4 MiB for a batch (payload_too_large). Past API Gateway's own " +
      "10 MB limit the " +
      "gateway refuses it before Herald runs, as {message}.",
    body: "PayloadTooLarge",
  },
  429: {
    name: "RateLimited",
    description: "Too many requests for this API key; retry after Retry-After seconds",
    body: "Error",
  },
};

const SECURITY_SCHEME = "apiKey";
const RECIPIENT_SCHEME = "recipientToken";

function componentResponses(): Record<string, JsonSchema> {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, error] of Object.entries(ERRORS)) {
    responses[error.name] = {
      description: error.description,
      ...(status === "429"
        ? {
            headers: {
              "Retry-After": {
                description: "Seconds to wait",
                schema: { type: "integer", minimum: 1 },
              },
            },
          }
        : {}),
      content: { "application/json": { schema: ref(error.body) } },
    };
  }
  return responses;
}

// ---------------------------------------------------------------------------------------------
// Conversion

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

type Override = (context: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }) => void;

/** OpenAPI's discriminator on discriminated unions, mapping each value to its named variant. */
function discriminator(registry: z.core.$ZodRegistry<{ id: string }>): Override {
  return ({ zodSchema, jsonSchema }) => {
    if (!(zodSchema instanceof z.core.$ZodDiscriminatedUnion)) return;
    const propertyName = zodSchema._zod.def.discriminator;
    const mapping: Record<string, string> = {};
    for (const option of zodSchema._zod.def.options) {
      const id = registry.get(option)?.id;
      for (const value of option._zod.propValues?.[propertyName] ?? []) {
        if (id && typeof value === "string") mapping[value] = ref(id).$ref;
      }
    }
    jsonSchema.discriminator = { propertyName, mapping };
  };
}

/**
 * zod marks every object of an output schema closed; Herald may add response fields, so only
 * objects that are strict in zod stay closed in the document.
 */
const openResponses: Override = ({ zodSchema, jsonSchema }) => {
  const strict =
    zodSchema instanceof z.core.$ZodObject &&
    zodSchema._zod.def.catchall instanceof z.core.$ZodNever;
  if (jsonSchema.additionalProperties === false && !strict) delete jsonSchema.additionalProperties;
};

/** `$schema` and `$id` belong to standalone JSON Schemas, not to OpenAPI components. */
function component(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function convertRegistry(
  schemas: Record<string, z.core.$ZodType>,
  io: "input" | "output",
  extra: (registry: z.core.$ZodRegistry<{ id: string }>) => void = () => {},
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  extra(registry);
  const discriminate = discriminator(registry);
  const converted = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io,
    uri: (id) => ref(id).$ref,
    override: (context) => {
      discriminate(context);
      if (io === "output") openResponses(context);
    },
  });
  return Object.fromEntries(
    Object.entries(converted.schemas).map(([id, schema]) => [id, component(schema)]),
  );
}

function componentSchemas(): Record<string, JsonSchema> {
  const requestSchemas = convertRegistry(inputs, "input", (registry) => {
    for (const option of Notification.SendInput.def.options) {
      // Each variant's `channel` is a literal of one value.
      const [channel] = option.shape.channel.def.values as [Notification.Channel];
      registry.add(option, { id: SEND_VARIANTS[channel] });
    }
  });
  const responseSchemas = convertRegistry(outputs, "output");
  for (const name of Object.keys(requestSchemas)) {
    if (name in responseSchemas)
      throw new RouteDeclarationError(`Schema name ${name} is used twice`);
  }
  return { ...requestSchemas, ...responseSchemas };
}

/** Each named schema, by schema: a body that is one of them is a `$ref`, any other is inlined. */
const names = new Map<z.core.$ZodType, { name: string; io: "input" | "output" }>([
  ...Object.entries(inputs).map(([name, schema]) => [schema, { name, io: "input" }] as const),
  ...Object.entries(outputs).map(([name, schema]) => [schema, { name, io: "output" }] as const),
]);

/** A standalone schema: a parameter, or a body without a name of its own. */
function inline(schema: z.core.$ZodType, io: "input" | "output" = "input"): JsonSchema {
  return component(z.toJSONSchema(schema, { target: "draft-2020-12", io }));
}

function bodySchema(route: string, schema: z.core.$ZodType, io: "input" | "output"): JsonSchema {
  const named = names.get(schema);
  if (!named) return inline(schema, io);
  if (named.io !== io) {
    throw new RouteDeclarationError(`${route}: ${named.name} is named as an ${named.io} schema`);
  }
  return ref(named.name);
}

/** One parameter per property of an object schema, its description lifted from the schema. */
function parametersOf(
  location: "path" | "query" | "header",
  schema: z.core.$ZodObject | undefined,
) {
  if (!schema) return [];
  const converted = inline(schema);
  const required = new Set((converted.required as string[] | undefined) ?? []);
  const properties = (converted.properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(properties).map(([name, { description, ...rest }]) => ({
    name,
    in: location,
    required: location === "path" || required.has(name),
    ...(typeof description === "string" ? { description } : {}),
    schema: rest,
  }));
}

function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1] as string);
}

function parameters(route: string, path: string, doc: RouteDoc) {
  const names = pathParameterNames(path);
  const declared = Object.keys(doc.path?._zod.def.shape ?? {});
  if (names.join() !== declared.join()) {
    throw new RouteDeclarationError(
      `${route}: path parameters [${names}] but its declaration's \`path\` has [${declared}]`,
    );
  }
  return [
    ...parametersOf("path", doc.path),
    ...parametersOf("query", doc.query),
    ...parametersOf("header", doc.headers),
  ];
}

function response(route: string, status: number, { description, body, headers }: ResponseDoc) {
  const content =
    body === "html"
      ? { "text/html": { schema: { type: "string" } } }
      : body
        ? { "application/json": { schema: bodySchema(route, body, "output") } }
        : status === 204
          ? undefined
          : { "application/json": { schema: { type: "object" } } };
  const documented = parametersOf("header", headers).map(({ name, description, schema }) => [
    name,
    { description, schema },
  ]);
  return {
    description,
    ...(documented.length ? { headers: Object.fromEntries(documented) } : {}),
    ...(content ? { content } : {}),
  };
}

/** The error statuses every route of its kind can answer, plus the ones it declares. */
function errorStatuses(doc: RouteDoc): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>(doc.errors ?? []);
  // Any route but those that ignore them refuses a query parameter it does not take.
  if (doc.body || doc.query || doc.path || !doc.queryIgnored) statuses.add(400);
  if (doc.body) statuses.add(413);
  if (doc.auth === "apiKey") for (const status of [401, 403, 429] as const) statuses.add(status);
  if (doc.auth === "recipientToken") for (const status of [401, 429] as const) statuses.add(status);
  return [...statuses].sort((a, b) => a - b);
}

const SECURITY: Record<Auth, Record<string, string[]>[]> = {
  apiKey: [{ [SECURITY_SCHEME]: [] }],
  recipientToken: [{ [RECIPIENT_SCHEME]: [] }],
  signedLink: [],
  none: [],
};

function operationObject(route: string, method: string, path: string, doc: RouteDoc) {
  const responses: Record<string, unknown> = {};
  for (const [status, ok] of Object.entries(doc.responses)) {
    responses[status] = response(route, Number(status), ok);
  }
  for (const status of errorStatuses(doc)) {
    responses[status] = { $ref: `#/components/responses/${ERRORS[status].name}` };
  }
  const params = parameters(route, path, doc);
  return {
    operationId: operationId(method, path),
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    security: SECURITY[doc.auth],
    ...(params.length ? { parameters: params } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: !doc.bodyOptional,
            content: { "application/json": { schema: bodySchema(route, doc.body, "input") } },
          },
        }
      : {}),
    responses,
  };
}

/** `POST /v1/notifications/{id}/cancel` → `postNotificationsIdCancel`. */
function operationId(method: string, path: string): string {
  const words = path
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word && word !== "v1")
    .map((word) => word[0]?.toUpperCase() + word.slice(1));
  return method.toLowerCase() + words.join("");
}

/** `GET /v1/notifications/{id}` → method `get`, path `/v1/notifications/{id}`. */
export function splitRoute(route: string): { method: string; path: string } {
  const [method, path, ...rest] = route.trim().split(/\s+/);
  if (!method || !path?.startsWith("/") || rest.length > 0) {
    throw new RouteDeclarationError(`Route "${route}" is not "<METHOD> /path"`);
  }
  return { method: method.toLowerCase(), path: path.replace(/\{([^}]+)\+\}/g, "{$1}") };
}

function paths(routes: Readonly<Record<string, RouteDoc>>): OpenApiDocument["paths"] {
  const result: OpenApiDocument["paths"] = {};
  for (const [route, doc] of Object.entries(routes)) {
    const { method, path } = splitRoute(route);
    result[path] ??= {};
    result[path][method] = operationObject(route, method, path, doc);
  }
  return result;
}

const DESCRIPTION = `Herald sends notifications by email, web push, SMS, webhook and in-app, now or later,
in each recipient's timezone and delivery window.

Authenticate with an API key: \`Authorization: Bearer hrld_...\`. Errors Herald answers have the
shape \`{"error": {"code", "message", "details"}}\` with a stable \`code\`; 401 and 403 come from
API Gateway's authorizer as \`{"message"}\`. Bodies are JSON, at most 256 KiB. A query parameter
a route does not document is refused (400 \`invalid_request\`), except on the pages a browser or
mail client opens from a link (/docs, /openapi.json, /health, /v1/preferences/{token},
/v1/unsubscribe/{token}), which ignore it (tracking parameters such as \`utm_*\`).`;

function build(routes: Readonly<Record<string, RouteDoc>>): OpenApiDocument {
  return {
    openapi: "3.1.0",
    info: { title: "Herald", version: "1", description: DESCRIPTION },
    tags: TAGS,
    paths: paths(routes),
    components: {
      schemas: componentSchemas(),
      responses: componentResponses(),
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: "http",
          scheme: "bearer",
          description: "An API key (hrld_...), issued with `npm run keys -- create --tenant <id>`",
        },
        [RECIPIENT_SCHEME]: {
          type: "http",
          scheme: "bearer",
          description:
            "A recipient token (hrld_rt_...) from POST /v1/recipients/{id}/tokens: what a " +
            "browser holds; it reads and marks that one recipient's inbox and feed only",
        },
      },
    },
  };
}

const built = new WeakMap<Readonly<Record<string, RouteDoc>>, OpenApiDocument>();

/**
 * The document for these route declarations (keyed `METHOD /path`), built on first use and
 * cached per table. Throws RouteDeclarationError when a declaration cannot be documented.
 */
export function openApiDocument(routes: Readonly<Record<string, RouteDoc>>): OpenApiDocument {
  let document = built.get(routes);
  if (!document) {
    document = build(routes);
    built.set(routes, document);
  }
  return document;
}
