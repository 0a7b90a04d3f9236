import { z } from "zod";
import * as Callbacks from "./callback";
import * as Counters from "./counters";
import * as Endpoint from "./delivery/endpoint";
import { RotateWebhookSecretInput, WebhookSecretInfo } from "./delivery/webhook-secret";
import * as Notification from "./notification";
import * as Realtime from "./realtime";
import * as Recipient from "./recipient";
import * as PreferenceLink from "./recipient/preference-link";
import * as Preferences from "./recipient/preferences";
import * as Suppression from "./suppression";
import * as Template from "./template";
import * as Settings from "./tenant/settings";
import * as Workflow from "./workflow";

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the same zod schemas the domain
 * verbs parse their input with. The routes come from the caller (the API manifest), and every
 * one of them must have an entry in `operations` below: an undocumented route, or an entry
 * for a route that no longer exists, makes the build throw, so neither can ship.
 */

/** What the document needs to know about a route: its key and whether it needs an API key. */
export interface DocumentedRoute {
  /** API Gateway route key, e.g. `GET /v1/notifications/{id}`. */
  route: string;
  /** Whether the API key authorizer guards it (default true). */
  auth?: boolean;
}

/** A route the API serves that the table below does not describe. */
export class UndocumentedRouteError extends Error {
  constructor(route: string) {
    super(
      `Route "${route}" has no entry in the OpenAPI operations table (packages/core/src/openapi.ts)`,
    );
    this.name = "UndocumentedRouteError";
  }
}

/** The operations table and the routes disagree in some other way. */
export class OpenApiTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OpenApiTableError";
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

const ErrorBody = z
  .object({
    error: z.object({
      code: z
        .string()
        .regex(/^[a-z_]+$/)
        .describe("Stable, machine-readable: branch on this"),
      message: z.string().describe("For humans; may change"),
      details: z
        .unknown()
        .optional()
        .describe(
          "Context, e.g. for invalid_request the offending fields as {path, code, message}",
        ),
    }),
  })
  .describe("Every error Herald itself answers with");

const GatewayError = z
  .object({ message: z.string() })
  .describe("API Gateway's own refusal, before any Herald code runs");

const Listing = z.object({
  items: z.array(Notification.Info),
  next_cursor: z
    .string()
    .optional()
    .describe("Pass as `cursor` for the next page; absent on the last page"),
});

const Counts = z.object({
  from: z.string().describe("Start of the period, UTC"),
  to: z.string().describe("End of the period, UTC"),
  totals: z
    .record(z.string(), z.record(z.string(), z.number().int()))
    .describe("channel → status → count over the whole period"),
  hours: z.array(
    z.object({
      hour: z.string().describe("Start of the hour, UTC"),
      channel: z.string(),
      status: z.string(),
      count: z.number().int(),
    }),
  ),
});

/** Request bodies, converted as what a caller may send (defaults optional). */
const inputs = {
  SendNotification: Notification.SendRequest,
  SendWithContent: Notification.SendInput,
  SendWithTemplate: Notification.TemplateSendInput,
  TemplateInput: Template.TemplateInput,
  TemplatePreviewInput: Template.PreviewInput,
  RecipientProfileInput: Recipient.ProfileInput,
  WorkflowInput: Workflow.WorkflowInput,
  RecipientPreferencesInput: Preferences.PreferencesInput,
  PreferenceLinkInput: PreferenceLink.LinkInput,
  RecipientTokenInput: Realtime.TokenRequest,
  SettingsInput: Settings.SettingsInput,
  CallbackInput: Callbacks.CreateInput,
  RotateSecretInput: Callbacks.RotateInput.unwrap(),
  RotateWebhookSecretInput: RotateWebhookSecretInput.unwrap(),
} satisfies Record<string, z.ZodType>;

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
  NotificationList: Listing,
  RecipientProfile: Recipient.Profile,
  RecipientPreferences: Preferences.Preferences,
  Workflow: Workflow.Info,
  PreferenceLink: PreferenceLink.Link,
  UnreadCount: z.object({ unread: z.number().int() }),
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
  Unsubscribed: z.object({ unsubscribed: z.literal(true) }),
  EndpointList: Endpoint.EndpointList,
  Health: z.object({ ok: z.literal(true) }),
  Error: ErrorBody,
  GatewayError,
  PayloadTooLarge: z.union([ErrorBody, GatewayError]),
  Unauthorized: z.union([ErrorBody, GatewayError]),
  ReadAll: z.object({
    marked: z.number().int().describe("Messages this request marked read"),
    unread: z.number().int().describe("Unread messages left (ones that arrived meanwhile)"),
  }),
} satisfies Record<string, z.ZodType>;

type InputName = keyof typeof inputs;
type OutputName = keyof typeof outputs;

// ---------------------------------------------------------------------------------------------
// Operations

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429;

interface Operation {
  summary: string;
  description?: string;
  tag: "notifications" | "recipients" | "inbox" | "tenant" | "meta";
  /** Schema of each `{name}` in the path; every one must be listed. */
  path?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  headers?: Record<string, { schema: z.ZodType; description: string }>;
  body?: InputName;
  /** The body may be left out altogether (when sent, it is parsed like any other). */
  bodyOptional?: boolean;
  ok: {
    status: number;
    description: string;
    /** A JSON body (a component), `html` for the docs page, or nothing. */
    body?: OutputName | "html";
    headers?: Record<string, { schema: z.ZodType; description: string }>;
  };
  /** Errors beyond those implied: 400 for any input, 413 for a body, 401/403/429 for auth. */
  errors?: ErrorStatus[];
  /** Authenticated by a recipient token (checked by the handler) rather than an API key. */
  recipientToken?: boolean;
}

const NotificationId = Notification.get.schema.shape.id.describe("Notification id (ntf_...)");
const RecipientPathId = Recipient.get.schema.shape.id.describe("Your id for the recipient");
const CallbackPathId = Callbacks.get.schema.shape.id.describe("Callback endpoint id (cb_...)");
const SuppressedAddress = Suppression.get.schema.shape.address.describe("An email address");
const PreferenceToken = z.string().max(4096).describe("Signed token from the preference link");
const InboxMessageId = Notification.Inbox.mark.schema.shape.id.describe("Notification id");

const inboxMark = (mark: "read" | "seen"): Operation => ({
  summary: `Mark an inbox message ${mark}`,
  description:
    mark === "read"
      ? "Sets read_at (and seen_at) once; repeating it changes nothing."
      : "Sets seen_at once; repeating it changes nothing.",
  tag: "inbox",
  path: { id: RecipientPathId, notification: InboxMessageId },
  ok: { status: 200, description: "The message, marked", body: "Notification" },
  errors: [404],
});

const byId = (summary: string, description: string, errors: ErrorStatus[]): Operation => ({
  summary,
  description,
  tag: "notifications",
  path: { id: NotificationId },
  ok: { status: 200, description: "The notification", body: "Notification" },
  errors,
});

const operations: Record<string, Operation> = {
  "GET /health": {
    summary: "Health check",
    tag: "meta",
    ok: { status: 200, description: "Herald is up", body: "Health" },
  },
  "GET /openapi.json": {
    summary: "This document",
    tag: "meta",
    ok: { status: 200, description: "The OpenAPI 3.1 document" },
  },
  "GET /docs": {
    summary: "Readable API reference",
    description: "A self-contained page that renders /openapi.json.",
    tag: "meta",
    ok: { status: 200, description: "HTML page", body: "html" },
  },
  "GET /v1/metrics": {
    summary: "Notification counts by channel and status",
    description:
      "Hourly counters for the caller's tenant (default: the last 24 hours; at most 31 days).",
    tag: "tenant",
    query: Counters.QueryInput,
    ok: { status: 200, description: "Counts over the period", body: "Metrics" },
  },
  "POST /v1/notifications": {
    summary: "Send a notification",
    description:
      "Sends now or at `send_at` in the recipient's timezone, moved into their delivery window " +
      "unless `immediate`. Nothing is stored for a rejected request.",
    tag: "notifications",
    headers: {
      "Idempotency-Key": {
        schema: Notification.send.schema.shape.idempotencyKey,
        description:
          "Retrying with the same key and body returns the first result and creates nothing new",
      },
    },
    body: "SendNotification",
    ok: {
      status: 202,
      description: "Accepted: stored and on its way (or scheduled)",
      body: "Notification",
      headers: {
        "Idempotent-Replayed": {
          schema: z.literal("true"),
          description: "Present when an earlier request with this Idempotency-Key answered",
        },
      },
    },
    // 404: a `template` this tenant does not have (template_not_found).
    errors: [404, 409],
  },
  "GET /v1/notifications": {
    summary: "List notifications",
    description: "Newest first, optionally by recipient, status, channel and creation time.",
    tag: "notifications",
    query: Notification.ListInput,
    ok: { status: 200, description: "One page", body: "NotificationList" },
  },
  "GET /v1/notifications/{id}": byId(
    "Get a notification",
    "Its status, schedule and history.",
    [404],
  ),
  "POST /v1/notifications/{id}/cancel": byId(
    "Cancel a notification",
    "Only before it starts sending (accepted, scheduled or queued).",
    [404, 409],
  ),
  "POST /v1/notifications/{id}/force": byId(
    "Send a waiting notification now",
    "Ignores its schedule and delivery window.",
    [404, 409],
  ),
  "POST /v1/notifications/{id}/retry": byId(
    "Retry a notification whose retries ran out",
    "Only for transient failures that went through the dead-letter queue.",
    [404, 409],
  ),
  "POST /v1/workflows": {
    summary: "Send through fallback steps",
    description:
      "One notification carried by several channels, cheapest first: each step is a " +
      "notification of its own, sent at the workflow's start plus `after` (in the delivery " +
      "window), skipped if `unless` names an outcome (read, seen, delivered) an earlier step " +
      "reached, or if `critical_only` and the priority is not critical. Every step is checked " +
      "before anything is stored.",
    tag: "notifications",
    headers: {
      "Idempotency-Key": {
        schema: Notification.send.schema.shape.idempotencyKey,
        description:
          "Retrying with the same key and body returns the workflow, creating nothing new",
      },
    },
    body: "WorkflowInput",
    ok: { status: 202, description: "Accepted: the workflow and its steps", body: "Workflow" },
    errors: [404, 409],
  },
  "GET /v1/workflows/{id}": {
    summary: "Get a workflow",
    description: "Its combined status and each step's status.",
    tag: "notifications",
    path: { id: z.string().min(1).max(64).describe("Workflow id (wfl_...)") },
    ok: { status: 200, description: "The workflow", body: "Workflow" },
    errors: [404],
  },
  "POST /v1/workflows/{id}/cancel": {
    summary: "Cancel a workflow",
    description:
      "Cancels every step still waiting; a step already sending or final stays as it is.",
    tag: "notifications",
    path: { id: z.string().min(1).max(64).describe("Workflow id (wfl_...)") },
    ok: { status: 200, description: "The workflow", body: "Workflow" },
    errors: [404],
  },
  "PUT /v1/recipients/{id}": {
    summary: "Create or replace a recipient profile",
    description: "Contact points, timezone, delivery window and channel opt-outs.",
    tag: "recipients",
    path: { id: RecipientPathId },
    body: "RecipientProfileInput",
    ok: { status: 200, description: "The stored profile", body: "RecipientProfile" },
  },
  "GET /v1/recipients/{id}": {
    summary: "Get a recipient profile",
    tag: "recipients",
    path: { id: RecipientPathId },
    ok: { status: 200, description: "The profile", body: "RecipientProfile" },
    errors: [404],
  },
  "DELETE /v1/recipients/{id}": {
    summary: "Delete a recipient profile",
    tag: "recipients",
    path: { id: RecipientPathId },
    ok: { status: 204, description: "Deleted (or there was none)" },
  },
  "GET /v1/recipients/{id}/inbox": {
    summary: "List a recipient's in-app inbox",
    description: "Delivered in-app notifications, newest first.",
    tag: "inbox",
    path: { id: RecipientPathId },
    query: Notification.Inbox.ListInput,
    ok: { status: 200, description: "One page", body: "NotificationList" },
  },
  "GET /v1/recipients/{id}/inbox/unread-count": {
    summary: "Count unread inbox messages",
    tag: "inbox",
    path: { id: RecipientPathId },
    ok: { status: 200, description: "The count", body: "UnreadCount" },
  },
  "GET /v1/recipients/{id}/preferences": {
    summary: "Get a recipient's preferences",
    description:
      "category → channel → on | off | digest. Anything not named is on. A send whose " +
      "category the recipient turned off on its channel is accepted as `skipped` " +
      "(skip_reason preference), and checked again when it is sent.",
    tag: "recipients",
    path: { id: RecipientPathId },
    ok: { status: 200, description: "The preferences", body: "RecipientPreferences" },
  },
  "PUT /v1/recipients/{id}/preferences": {
    summary: "Replace a recipient's preferences",
    tag: "recipients",
    path: { id: RecipientPathId },
    body: "RecipientPreferencesInput",
    ok: { status: 200, description: "The stored preferences", body: "RecipientPreferences" },
  },
  "POST /v1/recipients/{id}/preferences/link": {
    summary: "Issue a signed preference link",
    description:
      "A link (`/v1/preferences/{token}`) the recipient opens to set their own preferences " +
      "for the categories named here and those they already have settings for.",
    tag: "recipients",
    path: { id: RecipientPathId },
    body: "PreferenceLinkInput",
    bodyOptional: true,
    ok: { status: 200, description: "The link", body: "PreferenceLink" },
  },
  "GET /v1/preferences/{token}": {
    summary: "The recipient's preference page",
    description:
      "An HTML form of category × channel settings. No API key: the token is the credential.",
    tag: "recipients",
    path: { token: PreferenceToken },
    ok: { status: 200, description: "HTML page", body: "html" },
    errors: [400],
  },
  "POST /v1/preferences/{token}": {
    summary: "Save the recipient's preferences from the page",
    description:
      "JSON `{categories}` (changes only; other settings stay) answers the preferences; the " +
      "page's form (application/x-www-form-urlencoded, fields `<category>:<channel>`) answers " +
      "the page again. Only categories the link offers or the recipient has may be set.",
    tag: "recipients",
    path: { token: PreferenceToken },
    body: "RecipientPreferencesInput",
    ok: { status: 200, description: "The preferences", body: "RecipientPreferences" },
    errors: [400],
  },
  "POST /v1/recipients/{id}/inbox/{notification}/read": inboxMark("read"),
  "POST /v1/recipients/{id}/inbox/{notification}/seen": inboxMark("seen"),
  "GET /v1/inbox": {
    summary: "List the token's recipient's inbox",
    description:
      "For browsers: the inbox of the recipient the token names, newest first. Same paging as " +
      "GET /v1/recipients/{id}/inbox.",
    tag: "inbox",
    recipientToken: true,
    query: Notification.Inbox.ListInput,
    ok: { status: 200, description: "One page", body: "NotificationList" },
  },
  "GET /v1/inbox/unread-count": {
    summary: "Count the token's recipient's unread messages",
    tag: "inbox",
    recipientToken: true,
    ok: { status: 200, description: "The count", body: "UnreadCount" },
  },
  "POST /v1/inbox/read-all": {
    summary: "Mark all the token's recipient's messages read",
    description: "Each unread message is marked read (and published on the feed).",
    tag: "inbox",
    recipientToken: true,
    ok: { status: 200, description: "What was marked", body: "ReadAll" },
  },
  "POST /v1/inbox/{notification}/read": {
    ...inboxMark("read"),
    recipientToken: true,
    path: { notification: InboxMessageId },
  },
  "POST /v1/inbox/{notification}/seen": {
    ...inboxMark("seen"),
    recipientToken: true,
    path: { notification: InboxMessageId },
  },
  "GET /v1/webhooks/secret": {
    summary: "Get the webhook signing secret",
    description: "Webhook receivers verify the signature header with it.",
    tag: "tenant",
    ok: { status: 200, description: "The secret", body: "WebhookSecret" },
  },
  "POST /v1/webhooks/secret/rotate": {
    summary: "Rotate the webhook signing secret",
    description:
      "Stores a new random secret. The previous one also signs (a second `v1=` entry in " +
      "herald-signature, after the new one) for overlap_seconds (default a day, at most 7); " +
      "workers pick the new secret up within a minute, which the overlap covers.",
    tag: "tenant",
    body: "RotateWebhookSecretInput",
    bodyOptional: true,
    ok: { status: 200, description: "The new secret", body: "WebhookSecret" },
  },
  "GET /v1/settings": {
    summary: "Get the tenant's settings",
    description: "retention_days: how long notifications are kept (default 30).",
    tag: "tenant",
    ok: { status: 200, description: "The settings", body: "Settings" },
  },
  "PUT /v1/settings": {
    summary: "Change the tenant's settings",
    description:
      "retention_days applies to notifications accepted from now on: each gets expires_at, " +
      "after which reads skip it and DynamoDB TTL deletes it with its side items.",
    tag: "tenant",
    body: "SettingsInput",
    ok: { status: 200, description: "The settings", body: "Settings" },
  },
  "PUT /v1/templates/{id}": {
    summary: "Store a new version of a template",
    description:
      "Each PUT stores a new version (1 for a new id); versions never change. Fields are " +
      "Liquid: `{{ name }}`; a variable the data lacks is an error, HTML fields escape every " +
      "output, and there are no file includes. `locales` holds translations (fr-CA falls back " +
      "to fr, then to `channels`).",
    tag: "tenant",
    path: { id: Template.TemplateId },
    body: "TemplateInput",
    ok: { status: 200, description: "The version stored", body: "Template" },
  },
  "GET /v1/templates/{id}": {
    summary: "Get a template",
    description: "The latest version, or `version`.",
    tag: "tenant",
    path: { id: Template.TemplateId },
    query: z.object({ version: Template.get.schema.shape.version }),
    ok: { status: 200, description: "The version", body: "Template" },
    errors: [404],
  },
  "DELETE /v1/templates/{id}": {
    summary: "Delete a template",
    description:
      "Every version; notifications already sent keep their rendered content. Version " +
      "numbers are not reused if the id is stored again.",
    tag: "tenant",
    path: { id: Template.TemplateId },
    ok: { status: 204, description: "Deleted" },
    errors: [404],
  },
  "POST /v1/templates/{id}/preview": {
    summary: "Preview a template",
    description:
      "Renders each channel as a send would (email HTML in its layout, the text part " +
      "generated), with `data` or else the template's sample_data.",
    tag: "tenant",
    path: { id: Template.TemplateId },
    body: "TemplatePreviewInput",
    bodyOptional: true,
    ok: { status: 200, description: "The rendered channels", body: "TemplatePreview" },
    errors: [404],
  },
  "POST /v1/callbacks": {
    summary: "Register a status callback endpoint",
    description:
      "Herald POSTs each change of a notification to one of `events` to the URL, signed in the " +
      "Standard Webhooks format (webhook-id, webhook-timestamp, webhook-signature: v1,<base64 " +
      "HMAC-SHA256>) with the returned `whsec_` secret. Failed calls are retried on the " +
      "delivery retry schedule; an endpoint failing through the whole schedule is disabled. " +
      "At most 10 per tenant (too_many_callbacks).",
    tag: "tenant",
    body: "CallbackInput",
    ok: {
      status: 201,
      description: "Registered; the secret is shown here",
      body: "CallbackWithSecret",
    },
  },
  "GET /v1/callbacks": {
    summary: "List status callback endpoints",
    tag: "tenant",
    ok: { status: 200, description: "Every endpoint", body: "CallbackList" },
  },
  "GET /v1/callbacks/{id}": {
    summary: "Get a status callback endpoint",
    description: "With its failure state: failing_since, last_error, disabled_at.",
    tag: "tenant",
    path: { id: CallbackPathId },
    ok: { status: 200, description: "The endpoint", body: "Callback" },
    errors: [404],
  },
  "DELETE /v1/callbacks/{id}": {
    summary: "Delete a status callback endpoint",
    tag: "tenant",
    path: { id: CallbackPathId },
    ok: { status: 204, description: "Deleted" },
    errors: [404],
  },
  "POST /v1/callbacks/{id}/rotate-secret": {
    summary: "Rotate a callback endpoint's signing secret",
    description:
      "The new secret signs from now on; the old one also signs (a second, space-separated " +
      "`v1,` signature) for overlap_seconds (default a day).",
    tag: "tenant",
    path: { id: CallbackPathId },
    body: "RotateSecretInput",
    bodyOptional: true,
    ok: { status: 200, description: "The new secret", body: "CallbackWithSecret" },
    errors: [404],
  },
  "POST /v1/callbacks/{id}/enable": {
    summary: "Enable a disabled callback endpoint",
    tag: "tenant",
    path: { id: CallbackPathId },
    ok: { status: 200, description: "The endpoint", body: "Callback" },
    errors: [404],
  },
  "GET /v1/suppressions": {
    summary: "List suppressed email addresses",
    description:
      "Addresses that bounced hard or complained; a send to one is refused with " +
      "400 recipient_suppressed and costs no provider call.",
    tag: "tenant",
    query: Suppression.ListInput,
    ok: { status: 200, description: "One page", body: "SuppressionList" },
  },
  "GET /v1/suppressions/{address}": {
    summary: "Get a suppression",
    description: "Why and since when an address is suppressed.",
    tag: "tenant",
    path: { address: SuppressedAddress },
    ok: { status: 200, description: "The entry", body: "Suppression" },
    errors: [404],
  },
  "DELETE /v1/suppressions/{address}": {
    summary: "Remove a suppression",
    description: "Email may go to the address again.",
    tag: "tenant",
    path: { address: SuppressedAddress },
    ok: { status: 204, description: "Removed" },
    errors: [404],
  },
  "POST /v1/unsubscribe/{token}": {
    summary: "One-click unsubscribe (RFC 8058)",
    description:
      "The URL of an email's List-Unsubscribe header; a POST (List-Unsubscribe=One-Click) opts " +
      "the recipient out of email, or suppresses an address sent to without a recipient id. " +
      "No API key: the signed token is the credential.",
    tag: "recipients",
    path: { token: z.string().max(2048).describe("Signed token from the email") },
    ok: { status: 200, description: "Unsubscribed", body: "Unsubscribed" },
    errors: [400],
  },
  "GET /v1/endpoints": {
    summary: "List webhook endpoints that have failed",
    description:
      "Each webhook origin that failed transiently has a circuit: open (calls paused, " +
      "notifications deferred), or disabled after failing for a day without a success " +
      "(notifications fail with last_error saying so, retryable once it is enabled).",
    tag: "tenant",
    ok: { status: 200, description: "Endpoints and their circuit state", body: "EndpointList" },
  },
  "POST /v1/endpoints/{id}/enable": {
    summary: "Re-enable a webhook endpoint",
    description: "Closes its circuit and restarts its failure count.",
    tag: "tenant",
    path: { id: z.string().min(1).max(400).describe("Endpoint id from GET /v1/endpoints") },
    ok: { status: 200, description: "The endpoint", body: "Endpoint" },
    errors: [404],
  },
  "POST /v1/recipients/{id}/tokens": {
    summary: "Issue a real-time feed token",
    description:
      "A short-lived token a recipient's client uses to subscribe to the real-time feed.",
    tag: "recipients",
    path: { id: RecipientPathId },
    body: "RecipientTokenInput",
    bodyOptional: true,
    ok: { status: 200, description: "The token", body: "RecipientToken" },
  },
};

const TAGS: OpenApiDocument["tags"] = [
  { name: "notifications", description: "Send notifications and follow them" },
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
      "fields in details), invalid_json, missing_body, unsupported_media_type, forbidden_key " +
      "(a `__proto__` key), invalid_cursor (a cursor this listing did not return), " +
      "invalid_destination (a webhook URL or push endpoint Herald will not call), " +
      "missing_contact_point, invalid_timezone, invalid_send_at, send_at_in_past, " +
      "send_at_too_far, recipient_suppressed (the address is on the suppression list), " +
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
      "endpoint_not_found, suppression_not_found, template_not_found, callback_not_found; " +
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
      "The body is over 256 KiB (payload_too_large). Past API Gateway's own 10 MB limit the " +
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
    if (!(zodSchema instanceof z.ZodDiscriminatedUnion)) return;
    const propertyName = zodSchema.def.discriminator;
    const mapping: Record<string, string> = {};
    for (const option of zodSchema.options) {
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
  const strict = zodSchema instanceof z.ZodObject && zodSchema.def.catchall instanceof z.ZodNever;
  if (jsonSchema.additionalProperties === false && !strict) delete jsonSchema.additionalProperties;
};

/** `$schema` and `$id` belong to standalone JSON Schemas, not to OpenAPI components. */
function component(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function convertRegistry(
  schemas: Record<string, z.ZodType>,
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
    for (const option of Notification.SendInput.options) {
      registry.add(option, { id: SEND_VARIANTS[option.shape.channel.value] });
    }
  });
  const responseSchemas = convertRegistry(outputs, "output");
  for (const name of Object.keys(requestSchemas)) {
    if (name in responseSchemas) throw new OpenApiTableError(`Schema name ${name} is used twice`);
  }
  return { ...requestSchemas, ...responseSchemas };
}

/** A standalone schema, for a parameter. */
function inline(schema: z.ZodType): JsonSchema {
  return component(z.toJSONSchema(schema, { target: "draft-2020-12", io: "input" }));
}

function describedParameter(
  location: "path" | "query" | "header",
  name: string,
  schema: JsonSchema,
  required: boolean,
) {
  const { description, ...rest } = schema;
  return {
    name,
    in: location,
    required,
    ...(typeof description === "string" ? { description } : {}),
    schema: rest,
  };
}

function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1] as string);
}

function parameters(route: string, path: string, operation: Operation) {
  const names = pathParameterNames(path);
  const documented = Object.keys(operation.path ?? {});
  if (names.join() !== documented.join()) {
    throw new OpenApiTableError(
      `${route}: path parameters [${names}] but the table documents [${documented}]`,
    );
  }
  const inPath = Object.entries(operation.path ?? {}).map(([name, schema]) =>
    describedParameter("path", name, inline(schema), true),
  );
  const query = operation.query ? inline(operation.query) : undefined;
  const required = new Set((query?.required as string[] | undefined) ?? []);
  const properties = (query?.properties ?? {}) as Record<string, JsonSchema>;
  const inQuery = Object.entries(properties).map(([name, schema]) =>
    describedParameter("query", name, schema, required.has(name)),
  );
  const inHeaders = Object.entries(operation.headers ?? {}).map(([name, header]) => ({
    ...describedParameter("header", name, inline(header.schema), false),
    description: header.description,
  }));
  return [...inPath, ...inQuery, ...inHeaders];
}

function successResponse(operation: Operation) {
  const { ok } = operation;
  const content =
    ok.body === "html"
      ? { "text/html": { schema: { type: "string" } } }
      : ok.body
        ? { "application/json": { schema: ref(ok.body) } }
        : ok.status === 204
          ? undefined
          : { "application/json": { schema: { type: "object" } } };
  const headers = Object.entries(ok.headers ?? {}).map(([name, header]) => [
    name,
    { description: header.description, schema: inline(header.schema) },
  ]);
  return {
    description: ok.description,
    ...(headers.length ? { headers: Object.fromEntries(headers) } : {}),
    ...(content ? { content } : {}),
  };
}

function errorStatuses(operation: Operation, auth: boolean): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>(operation.errors ?? []);
  if (operation.body || operation.query || operation.path) statuses.add(400);
  if (operation.body) statuses.add(413);
  if (auth) for (const status of [401, 403, 429] as const) statuses.add(status);
  if (operation.recipientToken) for (const status of [401, 429] as const) statuses.add(status);
  return [...statuses].sort((a, b) => a - b);
}

function operationObject(spec: DocumentedRoute, method: string, path: string) {
  const operation = operations[spec.route];
  if (!operation) throw new UndocumentedRouteError(spec.route);
  const auth = spec.auth ?? true;
  const responses: Record<string, unknown> = { [operation.ok.status]: successResponse(operation) };
  for (const status of errorStatuses(operation, auth)) {
    responses[status] = { $ref: `#/components/responses/${ERRORS[status].name}` };
  }
  const params = parameters(spec.route, path, operation);
  return {
    operationId: operationId(method, path),
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: [operation.tag],
    security: operation.recipientToken
      ? [{ [RECIPIENT_SCHEME]: [] }]
      : auth
        ? [{ [SECURITY_SCHEME]: [] }]
        : [],
    ...(params.length ? { parameters: params } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: !operation.bodyOptional,
            content: { "application/json": { schema: ref(operation.body) } },
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

function splitRoute(route: string): { method: string; path: string } {
  const [method, path, ...rest] = route.trim().split(/\s+/);
  if (!method || !path?.startsWith("/") || rest.length > 0) {
    throw new OpenApiTableError(`Route "${route}" is not "<METHOD> /path"`);
  }
  return { method: method.toLowerCase(), path: path.replace(/\{([^}]+)\+\}/g, "{$1}") };
}

function paths(routes: readonly DocumentedRoute[]): OpenApiDocument["paths"] {
  const result: OpenApiDocument["paths"] = {};
  for (const spec of routes) {
    // API Gateway's catch-all route is not an operation of the API.
    if (spec.route === "$default") continue;
    const { method, path } = splitRoute(spec.route);
    result[path] ??= {};
    result[path][method] = operationObject(spec, method, path);
  }
  const served = new Set(routes.map((spec) => spec.route));
  const stale = Object.keys(operations).filter((route) => !served.has(route));
  if (stale.length > 0) {
    throw new OpenApiTableError(`The OpenAPI table documents routes nobody serves: ${stale}`);
  }
  return result;
}

const DESCRIPTION = `Herald sends notifications by email, web push, SMS, webhook and in-app, now or later,
in each recipient's timezone and delivery window.

Authenticate with an API key: \`Authorization: Bearer hrld_...\`. Errors Herald answers have the
shape \`{"error": {"code", "message", "details"}}\` with a stable \`code\`; 401 and 403 come from
API Gateway's authorizer as \`{"message"}\`. Bodies are JSON, at most 256 KiB.`;

function build(routes: readonly DocumentedRoute[]): OpenApiDocument {
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

const built = new WeakMap<readonly DocumentedRoute[], OpenApiDocument>();

/**
 * The document for these routes, built on first use and cached per routes list. Throws
 * UndocumentedRouteError when a route has no entry in the operations table.
 */
export function openApiDocument(routes: readonly DocumentedRoute[]): OpenApiDocument {
  let document = built.get(routes);
  if (!document) {
    document = build(routes);
    built.set(routes, document);
  }
  return document;
}
