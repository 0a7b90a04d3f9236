import * as Callbacks from "@herald/core/callback";
import * as Counters from "@herald/core/counters/query";
import * as Endpoint from "@herald/core/delivery/endpoint";
import { RotateWebhookSecretInput, WebhookSecretInfo } from "@herald/core/delivery/webhook-secret";
import * as Notification from "@herald/core/notification";
import * as Batch from "@herald/core/notification/batch";
import {
  Counts,
  Health,
  NotificationList,
  ReadAll,
  type RouteDoc,
  type Tag,
  UnreadCount,
  Unsubscribed,
} from "@herald/core/openapi";
import * as Realtime from "@herald/core/realtime";
import * as Recipient from "@herald/core/recipient";
import * as PreferenceLink from "@herald/core/recipient/preference-link";
import * as Preferences from "@herald/core/recipient/preferences";
import * as Suppression from "@herald/core/suppression/manage";
import * as Template from "@herald/core/template";
import * as Settings from "@herald/core/tenant/settings";
import * as Topic from "@herald/core/topic";
import * as Workflow from "@herald/core/workflow";
import * as z from "@herald/core/zod";
import type { LinkName } from "./manifest";

/**
 * Every route of the HTTP API, declared once: its handler, how it authenticates, what it is
 * linked to, and what it is for callers (summary, the zod schemas its handler parses path, query
 * and body with, its responses and error statuses). Both clouds serve `routes` from the
 * manifest, derived from this table (`stacks/api.ts`, the local API Gateway), and
 * /openapi.json is built from it (`packages/core/src/openapi.ts`).
 *
 * A route is one entry in a `serve(handler, shared, { "METHOD /path": {...} })` group below.
 * Routes sharing a handler share its auth and links (a Lambda has one set of links).
 */

export interface RouteDeclaration extends RouteDoc {
  /** SST handler, `path/to/file.exportName` from the repo root. */
  handler: string;
  /**
   * What the handler is linked to, and so may reach: nothing more. Every `apiKey` route also
   * gets Upstash (the per-key rate limit).
   */
  links: LinkName[];
}

type Entry = Omit<RouteDoc, "auth" | "tag"> & { tag?: Tag };

/** Route keys seen so far: a key in two groups would otherwise silently lose one of them. */
const declared = new Set<string>();

/** One handler's routes: `shared` (auth, links, default tag) applies to each of them. */
function serve<const Handler extends string, const Routes extends Record<string, Entry>>(
  handler: Handler,
  shared: Pick<RouteDoc, "auth" | "tag"> & { links: LinkName[] },
  routes: Routes,
): { [Key in keyof Routes]: RouteDeclaration & { handler: Handler } } {
  for (const route of Object.keys(routes)) {
    if (declared.has(route)) throw new Error(`Route "${route}" is declared twice`);
    declared.add(route);
  }
  return Object.fromEntries(
    Object.entries(routes).map(([route, entry]) => [
      route,
      { handler, ...shared, ...entry, tag: entry.tag ?? shared.tag },
    ]),
  ) as { [Key in keyof Routes]: RouteDeclaration & { handler: Handler } };
}

// Path parameters, as the verbs parse them.
const NotificationId = z.object({
  id: Notification.get.schema.shape.id.check(z.describe("Notification id (ntf_...)")),
});
const RecipientId = Recipient.get.schema.shape.id.check(z.describe("Your id for the recipient"));
const InboxMessageId = Notification.Inbox.mark.schema.shape.id.check(z.describe("Notification id"));
const CallbackId = z.object({
  id: Callbacks.get.schema.shape.id.check(z.describe("Callback endpoint id (cb_...)")),
});
const SuppressedAddress = z.object({
  address: Suppression.get.schema.shape.address.check(z.describe("An email address")),
});
const TemplateId = z.object({ id: Template.TemplateId });
const PreferenceToken = z.object({
  token: z.string().check(z.maxLength(4096), z.describe("Signed token from the preference link")),
});

/** What an accepting POST that takes an `Idempotency-Key` answers on a replay (`replayedHeaders`). */
const Replayed = z.object({
  "Idempotent-Replayed": z
    .literal("true")
    .check(z.describe("Present when an earlier request with this Idempotency-Key answered")),
});

/**
 * Accepting and changing notifications: the table, the queues and schedules they go to, and the
 * AppSync Events API every status change is published on (`Realtime.publish`).
 */
const sending: LinkName[] = ["Table", "Queues", "Scheduler", "Events"];

const inboxMark = (mark: "read" | "seen") =>
  ({
    summary: `Mark an inbox message ${mark}`,
    description:
      mark === "read"
        ? "Sets read_at (and seen_at) once; repeating it changes nothing."
        : "Sets seen_at once; repeating it changes nothing.",
    responses: { 200: { description: "The message, marked", body: Notification.Info } },
    errors: [404],
  }) satisfies Entry;

const byId = (summary: string, description: string, errors: RouteDoc["errors"]) =>
  ({
    summary,
    description,
    path: NotificationId,
    responses: { 200: { description: "The notification", body: Notification.Info } },
    errors,
  }) satisfies Entry;

export const httpRoutes = {
  ...serve(
    "functions/api/health.handler",
    { auth: "none", tag: "meta", links: [] },
    {
      "GET /health": {
        summary: "Health check",
        queryIgnored: true,
        responses: { 200: { description: "Herald is up", body: Health } },
      },
    },
  ),
  ...serve(
    "functions/api/docs.handler",
    { auth: "none", tag: "meta", links: [] },
    {
      "GET /openapi.json": {
        summary: "This document",
        queryIgnored: true,
        responses: { 200: { description: "The OpenAPI 3.1 document" } },
      },
      "GET /docs": {
        summary: "Readable API reference",
        queryIgnored: true,
        description: "An interactive reference (Scalar) that renders /openapi.json.",
        responses: { 200: { description: "HTML page", body: "html" } },
      },
    },
  ),
  ...serve(
    "functions/api/metrics.handler",
    { auth: "apiKey", tag: "tenant", links: ["Table"] },
    {
      "GET /v1/metrics": {
        summary: "Notification counts by channel and status, and what they cost",
        description:
          "Hourly counters for the caller's tenant (default: the last 24 hours; at most 31 days), and the infrastructure cost of the period's notifications in USD by channel (provider fees apart). Counting trails the notifications by a few seconds: `accepted` is counted from the table's stream, up to about 5 s after the send was accepted; final statuses when the worker's batch is done.",
        query: Counters.QueryInput,
        responses: { 200: { description: "Counts over the period", body: Counts } },
      },
    },
  ),
  ...serve(
    "functions/api/notifications/send.handler",
    { auth: "apiKey", tag: "notifications", links: sending },
    {
      "POST /v1/notifications": {
        summary: "Send a notification",
        description:
          "Sends now or at `send_at` in the recipient's timezone, moved into their delivery " +
          "window unless `immediate`. Nothing is stored for a rejected request.",
        headers: z.object({
          "Idempotency-Key": Notification.send.schema.shape.idempotencyKey.check(
            z.describe(
              "Retrying with the same key and body returns the first result and creates nothing new",
            ),
          ),
        }),
        body: Notification.SendRequest,
        responses: {
          202: {
            description: "Accepted: stored and on its way (or scheduled)",
            body: Notification.Info,
            headers: Replayed,
          },
        },
        // 404: a `template` this tenant does not have (template_not_found).
        errors: [404, 409],
      },
    },
  ),
  ...serve(
    "functions/api/notifications/batch.handler",
    { auth: "apiKey", tag: "notifications", links: sending },
    {
      "POST /v1/notifications/batch": {
        summary: "Send many notifications",
        description:
          `Up to ${Batch.MAX_ITEMS} sends (a body of at most ${Batch.MAX_BODY_BYTES / 1024 / 1024} ` +
          "MiB), each a POST /v1/notifications body with its own optional `idempotency_key`. " +
          "Each item succeeds or fails on its own: one result per item, in order, either " +
          "accepted (id, status) or refused with the code and status a single send would " +
          "answer (nothing is stored for it). Each item counts as a request against the key's " +
          "rate limit; items past what the window holds are refused as rate_limited. 400 only " +
          "when the envelope itself is invalid (too_many_items past the limit).",
        body: Batch.BatchRequest,
        responses: { 200: { description: "One result per item", body: Batch.BatchResult } },
      },
    },
  ),
  ...serve(
    "functions/api/notifications/list.handler",
    // Webhooks: the key cursors are signed with derives from its signing key.
    { auth: "apiKey", tag: "notifications", links: ["Table", "Webhooks"] },
    {
      "GET /v1/notifications": {
        summary: "List notifications",
        description: "Newest first, optionally by recipient, status, channel and creation time.",
        query: Notification.ListInput,
        responses: { 200: { description: "One page", body: NotificationList } },
      },
    },
  ),
  ...serve(
    "functions/api/notifications/by-id.handler",
    { auth: "apiKey", tag: "notifications", links: sending },
    {
      "GET /v1/notifications/{id}": byId(
        "Get a notification",
        "Its status, schedule and history.",
        [404],
      ),
      "POST /v1/notifications/{id}/cancel": byId(
        "Cancel a notification",
        "Only before it starts sending (accepted, scheduled, queued or held); not a digest (cancel the notifications it holds).",
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
    },
  ),
  ...serve(
    "functions/api/workflows.handler",
    // Workflows accept and read notifications (their steps) like the notification routes.
    { auth: "apiKey", tag: "notifications", links: sending },
    {
      "POST /v1/workflows": {
        summary: "Send through fallback steps",
        description:
          "One notification carried by several channels, cheapest first: each step is a " +
          "notification of its own, sent at the workflow's start plus `after` (in the delivery " +
          "window), skipped if `unless` names an outcome (read, seen, delivered) an earlier " +
          "step reached, or if `critical_only` and the priority is not critical. Every step is " +
          "checked before anything is stored.",
        headers: z.object({
          "Idempotency-Key": Notification.send.schema.shape.idempotencyKey.check(
            z.describe(
              "Retrying with the same key and body returns the workflow, creating nothing new",
            ),
          ),
        }),
        body: Workflow.WorkflowInput,
        responses: {
          202: {
            description: "Accepted: the workflow and its steps",
            body: Workflow.Info,
            headers: Replayed,
          },
        },
        // 404: a `template` this tenant does not have (template_not_found).
        errors: [404, 409],
      },
      "GET /v1/workflows/{id}": {
        summary: "Get a workflow",
        description: "Its combined status and each step's status.",
        path: z.object({
          id: Workflow.get.schema.shape.id.check(z.describe("Workflow id (wfl_...)")),
        }),
        responses: { 200: { description: "The workflow", body: Workflow.Info } },
        errors: [404],
      },
      "POST /v1/workflows/{id}/cancel": {
        summary: "Cancel a workflow",
        description:
          "Cancels every step still waiting; a step already sending or final stays as it is.",
        path: z.object({
          id: Workflow.get.schema.shape.id.check(z.describe("Workflow id (wfl_...)")),
        }),
        responses: { 200: { description: "The workflow", body: Workflow.Info } },
        errors: [404],
      },
    },
  ),
  ...serve(
    "functions/api/recipients.handler",
    // Webhooks: inbox cursors are signed with a key derived from its signing key. Events: a
    // read or seen mark is a change the WebSocket feed carries. Queues and Scheduler: a mark on
    // a workflow step skips the steps it stops (their schedules deleted, status callbacks
    // enqueued).
    {
      auth: "apiKey",
      tag: "recipients",
      links: ["Table", "Queues", "Scheduler", "Webhooks", "Events"],
    },
    {
      "PUT /v1/recipients/{id}": {
        summary: "Create or replace a recipient profile",
        description: "Contact points, timezone, delivery window and channel opt-outs.",
        path: z.object({ id: RecipientId }),
        body: Recipient.ProfileInput,
        responses: { 200: { description: "The stored profile", body: Recipient.Profile } },
      },
      "GET /v1/recipients/{id}": {
        summary: "Get a recipient profile",
        path: z.object({ id: RecipientId }),
        responses: { 200: { description: "The profile", body: Recipient.Profile } },
        errors: [404],
      },
      "DELETE /v1/recipients/{id}": {
        summary: "Delete a recipient profile",
        path: z.object({ id: RecipientId }),
        responses: { 204: { description: "Deleted (or there was none)" } },
      },
      "GET /v1/recipients/{id}/inbox": {
        summary: "List a recipient's in-app inbox",
        description: "Delivered in-app notifications, newest first.",
        tag: "inbox",
        path: z.object({ id: RecipientId }),
        query: Notification.Inbox.ListInput,
        responses: { 200: { description: "One page", body: NotificationList } },
      },
      "GET /v1/recipients/{id}/inbox/unread-count": {
        summary: "Count unread inbox messages",
        tag: "inbox",
        path: z.object({ id: RecipientId }),
        responses: { 200: { description: "The count", body: UnreadCount } },
      },
      "POST /v1/recipients/{id}/inbox/{notification}/read": {
        ...inboxMark("read"),
        tag: "inbox",
        path: z.object({ id: RecipientId, notification: InboxMessageId }),
      },
      "POST /v1/recipients/{id}/inbox/{notification}/seen": {
        ...inboxMark("seen"),
        tag: "inbox",
        path: z.object({ id: RecipientId, notification: InboxMessageId }),
      },
      "GET /v1/recipients/{id}/preferences": {
        summary: "Get a recipient's preferences",
        description:
          "category → channel → on | off | digest. Anything not named is on. A send whose " +
          "category the recipient turned off on its channel is accepted as `skipped` " +
          "(skip_reason preference), and checked again when it is sent.",
        path: z.object({ id: RecipientId }),
        responses: { 200: { description: "The preferences", body: Preferences.Preferences } },
      },
      "PUT /v1/recipients/{id}/preferences": {
        summary: "Replace a recipient's preferences",
        path: z.object({ id: RecipientId }),
        body: Preferences.PreferencesInput,
        responses: {
          200: { description: "The stored preferences", body: Preferences.Preferences },
        },
      },
      "POST /v1/recipients/{id}/preferences/link": {
        summary: "Issue a signed preference link",
        description:
          "A link (`/v1/preferences/{token}`) the recipient opens to set their own preferences " +
          "for the categories named here and those they already have settings for.",
        path: z.object({ id: RecipientId }),
        body: PreferenceLink.LinkInput,
        bodyOptional: true,
        responses: { 200: { description: "The link", body: PreferenceLink.Link } },
      },
    },
  ),
  // Queues: a topic send is handed to the fan-out queue; Webhooks: subscriber cursors are
  // signed with a key derived from its signing key.
  ...serve(
    "functions/api/topics.handler",
    { auth: "apiKey", tag: "topics", links: ["Table", "Queues", "Webhooks"] },
    {
      "PUT /v1/topics/{topic}/subscribers/{recipient}": {
        summary: "Subscribe a recipient to a topic",
        description:
          "Idempotent (a repeat keeps the first subscribed_at). The recipient id needs no " +
          "profile, though a profile plans their sends (timezone, window, contact points, " +
          "opt-outs).",
        path: z.object({ topic: Topic.TopicName, recipient: RecipientId }),
        responses: { 200: { description: "The subscription", body: Topic.Subscriber } },
      },
      "DELETE /v1/topics/{topic}/subscribers/{recipient}": {
        summary: "Unsubscribe a recipient from a topic",
        path: z.object({ topic: Topic.TopicName, recipient: RecipientId }),
        responses: { 204: { description: "Unsubscribed" } },
        errors: [404],
      },
      "GET /v1/topics/{topic}/subscribers": {
        summary: "List a topic's subscribers",
        description: "In recipient-id order; `limit` (≤1000) and `cursor` (from `next_cursor`).",
        path: z.object({ topic: Topic.TopicName }),
        query: Topic.ListInput,
        responses: { 200: { description: "One page", body: Topic.SubscriberList } },
      },
      "POST /v1/topics/{topic}/notifications": {
        summary: "Send to every subscriber of a topic",
        description:
          "A POST /v1/notifications body without `recipient`. Checked, stored and answered at " +
          "once; the fan-out worker then sends each subscriber the notification a single send " +
          "to their recipient id would create (their timezone, window and contact points; one " +
          "who opted out of the channel, or has no contact point for it, is skipped), exactly " +
          "once each, also across crashes. Follow it with GET " +
          "/v1/topics/{topic}/notifications/{id}.",
        path: z.object({ topic: Topic.TopicName }),
        headers: z.object({
          "Idempotency-Key": Topic.send.schema.shape.idempotencyKey.check(
            z.describe("Retrying with the same key and body answers the first topic send"),
          ),
        }),
        body: Topic.TopicSendInput,
        responses: {
          202: {
            description: "Accepted: being fanned out",
            body: Topic.SendInfo,
            headers: Replayed,
          },
        },
        // 404: a `template` this tenant does not have (template_not_found).
        errors: [404, 409],
      },
      "GET /v1/topics/{topic}/notifications/{id}": {
        summary: "A topic send's progress",
        description:
          "How many subscribers' notifications are accepted so far, and whether it is done.",
        path: z.object({
          topic: Topic.TopicName,
          id: Topic.get.schema.shape.id.check(z.describe("Topic send id (tps_...)")),
        }),
        responses: { 200: { description: "Its progress", body: Topic.SendInfo } },
        errors: [404],
      },
    },
  ),
  ...serve(
    "functions/api/tokens.handler",
    // Events: the WebSocket feed's endpoints, returned with the token.
    { auth: "apiKey", tag: "recipients", links: ["Realtime", "Events"] },
    {
      "POST /v1/recipients/{id}/tokens": {
        summary: "Issue a real-time feed token",
        description:
          "A short-lived token a recipient's client uses to subscribe to the real-time feed.",
        path: z.object({ id: RecipientId }),
        body: Realtime.TokenRequest,
        bodyOptional: true,
        responses: { 200: { description: "The token", body: Realtime.TokenResponse } },
      },
    },
  ),
  // A recipient's own inbox, authenticated by a recipient token (the handler checks it), for
  // browsers: Realtime holds the token key, Upstash the per-recipient rate limit and the feed,
  // Events the WebSocket feed that carries each mark.
  ...serve(
    "functions/api/inbox.handler",
    {
      auth: "recipientToken",
      tag: "inbox",
      // Queues and Scheduler: a mark on a workflow step skips the steps it stops.
      links: ["Table", "Queues", "Scheduler", "Webhooks", "Realtime", "Upstash", "Events"],
    },
    {
      "GET /v1/inbox": {
        summary: "List the token's recipient's inbox",
        description:
          "For browsers: the inbox of the recipient the token names, newest first. Same paging " +
          "as GET /v1/recipients/{id}/inbox.",
        query: Notification.Inbox.ListInput,
        responses: { 200: { description: "One page", body: NotificationList } },
      },
      "GET /v1/inbox/unread-count": {
        summary: "Count the token's recipient's unread messages",
        responses: { 200: { description: "The count", body: UnreadCount } },
      },
      "POST /v1/inbox/read-all": {
        summary: "Mark all the token's recipient's messages read",
        description: "Each unread message is marked read (and published on the feed).",
        responses: { 200: { description: "What was marked", body: ReadAll } },
      },
      "POST /v1/inbox/{notification}/read": {
        ...inboxMark("read"),
        path: z.object({ notification: InboxMessageId }),
      },
      "POST /v1/inbox/{notification}/seen": {
        ...inboxMark("seen"),
        path: z.object({ notification: InboxMessageId }),
      },
    },
  ),
  ...serve(
    "functions/api/unsubscribe.handler",
    // Webhooks: unsubscribe tokens are signed with a key derived from its signing key.
    { auth: "signedLink", tag: "recipients", links: ["Table", "Webhooks"] },
    {
      "POST /v1/unsubscribe/{token}": {
        summary: "One-click unsubscribe (RFC 8058)",
        queryIgnored: true,
        description:
          "The URL of an email's List-Unsubscribe header; a POST (List-Unsubscribe=One-Click) " +
          "opts the recipient out of email, or suppresses an address sent to without a " +
          "recipient id. No API key: the signed token is the credential.",
        path: z.object({
          token: z.string().check(z.maxLength(2048), z.describe("Signed token from the email")),
        }),
        responses: { 200: { description: "Unsubscribed", body: Unsubscribed } },
        errors: [400],
      },
    },
  ),
  ...serve(
    "functions/api/preferences.handler",
    // The recipient's own preference page. Webhooks: its token's key derives from the signing key.
    { auth: "signedLink", tag: "recipients", links: ["Table", "Webhooks"] },
    {
      "GET /v1/preferences/{token}": {
        summary: "The recipient's preference page",
        queryIgnored: true,
        description:
          "An HTML form of category × channel settings. No API key: the token is the credential.",
        path: PreferenceToken,
        responses: { 200: { description: "HTML page", body: "html" } },
        errors: [400],
      },
      "POST /v1/preferences/{token}": {
        summary: "Save the recipient's preferences from the page",
        queryIgnored: true,
        description:
          "JSON `{categories}` (changes only; other settings stay) answers the preferences; the " +
          "page's form (application/x-www-form-urlencoded, fields `<category>:<channel>`) " +
          "answers the page again. Only categories the link offers or the recipient has may be set.",
        path: PreferenceToken,
        body: Preferences.PreferencesInput,
        responses: { 200: { description: "The preferences", body: Preferences.Preferences } },
        errors: [400],
      },
    },
  ),
  // Table: a rotated secret is stored; Webhooks: the derived one until the first rotation.
  ...serve(
    "functions/api/webhooks.handler",
    { auth: "apiKey", tag: "tenant", links: ["Table", "Webhooks"] },
    {
      "GET /v1/webhooks/secret": {
        summary: "Get the webhook signing secret",
        description: "Webhook receivers verify the signature header with it.",
        responses: { 200: { description: "The secret", body: WebhookSecretInfo } },
      },
      "POST /v1/webhooks/secret/rotate": {
        summary: "Rotate the webhook signing secret",
        description:
          "Stores a new random secret. The previous one also signs (a second `v1=` entry in " +
          "herald-signature, after the new one) for overlap_seconds (default a day, at most 7); " +
          "workers pick the new secret up within a minute, which the overlap covers.",
        body: RotateWebhookSecretInput.def.innerType,
        bodyOptional: true,
        responses: { 200: { description: "The new secret", body: WebhookSecretInfo } },
      },
    },
  ),
  ...serve(
    "functions/api/settings.handler",
    { auth: "apiKey", tag: "tenant", links: ["Table"] },
    {
      "GET /v1/settings": {
        summary: "Get the tenant's settings",
        description: "retention_days: how long notifications are kept (default 30).",
        responses: { 200: { description: "The settings", body: Settings.Settings } },
      },
      "PUT /v1/settings": {
        summary: "Change the tenant's settings",
        description:
          "retention_days applies to notifications accepted from now on: each gets expires_at, " +
          "after which reads skip it and DynamoDB TTL deletes it with its side items.",
        body: Settings.SettingsInput,
        responses: { 200: { description: "The settings", body: Settings.Settings } },
      },
    },
  ),
  ...serve(
    "functions/api/templates.handler",
    { auth: "apiKey", tag: "tenant", links: ["Table"] },
    {
      "PUT /v1/templates/{id}": {
        summary: "Store a new version of a template",
        description:
          "Each PUT stores a new version (1 for a new id); versions never change. Fields are " +
          "Liquid: `{{ name }}`; a variable the data lacks is an error, HTML fields escape " +
          "every output, and there are no file includes. `locales` holds translations (fr-CA " +
          "falls back to fr, then to `channels`).",
        path: TemplateId,
        body: Template.TemplateInput,
        responses: { 200: { description: "The version stored", body: Template.Template } },
      },
      "GET /v1/templates/{id}": {
        summary: "Get a template",
        description: "The latest version, or `version`.",
        path: TemplateId,
        query: Template.GetQuery,
        responses: { 200: { description: "The version", body: Template.Template } },
        errors: [404],
      },
      "DELETE /v1/templates/{id}": {
        summary: "Delete a template",
        description:
          "Every version; notifications already sent keep their rendered content. Version " +
          "numbers are not reused if the id is stored again.",
        path: TemplateId,
        responses: { 204: { description: "Deleted" } },
        errors: [404],
      },
      "POST /v1/templates/{id}/preview": {
        summary: "Preview a template",
        description:
          "Renders each channel as a send would (email HTML in its layout, the text part " +
          "generated), with `data` or else the template's sample_data.",
        path: TemplateId,
        body: Template.PreviewInput,
        bodyOptional: true,
        responses: { 200: { description: "The rendered channels", body: Template.Preview } },
        errors: [404],
      },
    },
  ),
  ...serve(
    "functions/api/callbacks.handler",
    { auth: "apiKey", tag: "tenant", links: ["Table"] },
    {
      "POST /v1/callbacks": {
        summary: "Register a status callback endpoint",
        description:
          "Herald POSTs each change of a notification to one of `events` to the URL, signed in " +
          "the Standard Webhooks format (webhook-id, webhook-timestamp, webhook-signature: " +
          "v1,<base64 HMAC-SHA256>) with the returned `whsec_` secret. Failed calls are " +
          "retried on the delivery retry schedule; an endpoint failing through the whole " +
          "schedule is disabled. At most 10 per tenant (too_many_callbacks).",
        body: Callbacks.CreateInput,
        responses: {
          201: {
            description: "Registered; the secret is shown here",
            body: Callbacks.CallbackWithSecret,
          },
        },
      },
      "GET /v1/callbacks": {
        summary: "List status callback endpoints",
        responses: { 200: { description: "Every endpoint", body: Callbacks.CallbackList } },
      },
      "GET /v1/callbacks/{id}": {
        summary: "Get a status callback endpoint",
        description: "With its failure state: failing_since, last_error, disabled_at.",
        path: CallbackId,
        responses: { 200: { description: "The endpoint", body: Callbacks.Callback } },
        errors: [404],
      },
      "DELETE /v1/callbacks/{id}": {
        summary: "Delete a status callback endpoint",
        path: CallbackId,
        responses: { 204: { description: "Deleted" } },
        errors: [404],
      },
      "POST /v1/callbacks/{id}/rotate-secret": {
        summary: "Rotate a callback endpoint's signing secret",
        description:
          "The new secret signs from now on; the old one also signs (a second, space-separated " +
          "`v1,` signature) for overlap_seconds (default a day).",
        path: CallbackId,
        body: Callbacks.RotateInput.def.innerType,
        bodyOptional: true,
        responses: {
          200: { description: "The new secret", body: Callbacks.CallbackWithSecret },
        },
        errors: [404],
      },
      "POST /v1/callbacks/{id}/enable": {
        summary: "Enable a disabled callback endpoint",
        path: CallbackId,
        responses: { 200: { description: "The endpoint", body: Callbacks.Callback } },
        errors: [404],
      },
    },
  ),
  ...serve(
    "functions/api/endpoints.handler",
    { auth: "apiKey", tag: "tenant", links: ["Table"] },
    {
      "GET /v1/endpoints": {
        summary: "List webhook endpoints that have failed",
        description:
          "Each webhook origin that failed transiently has a circuit: open (calls paused, " +
          "notifications deferred), or disabled after failing for a day without a success " +
          "(notifications fail with last_error saying so, retryable once it is enabled).",
        responses: {
          200: { description: "Endpoints and their circuit state", body: Endpoint.EndpointList },
        },
      },
      "POST /v1/endpoints/{id}/enable": {
        summary: "Re-enable a webhook endpoint",
        description: "Closes its circuit and restarts its failure count.",
        path: z.object({
          id: z
            .string()
            .check(
              z.minLength(1),
              z.maxLength(400),
              z.describe("Endpoint id from GET /v1/endpoints"),
            ),
        }),
        responses: { 200: { description: "The endpoint", body: Endpoint.EndpointInfo } },
        errors: [404],
      },
    },
  ),
  ...serve(
    "functions/api/suppressions.handler",
    // Webhooks: the signing key the list's cursors are signed with (derived).
    { auth: "apiKey", tag: "tenant", links: ["Table", "Webhooks"] },
    {
      "GET /v1/suppressions": {
        summary: "List suppressed email addresses",
        description:
          "Addresses that bounced hard or complained; a send to one is refused with " +
          "400 recipient_suppressed and costs no provider call.",
        query: Suppression.ListInput,
        responses: { 200: { description: "One page", body: Suppression.EntryList } },
      },
      "GET /v1/suppressions/{address}": {
        summary: "Get a suppression",
        description: "Why and since when an address is suppressed.",
        path: SuppressedAddress,
        responses: { 200: { description: "The entry", body: Suppression.Entry } },
        errors: [404],
      },
      "DELETE /v1/suppressions/{address}": {
        summary: "Remove a suppression",
        description: "Email may go to the address again.",
        path: SuppressedAddress,
        responses: { 204: { description: "Removed" } },
        errors: [404],
      },
    },
  ),
};

/** `"METHOD /path"` of every route, or of those one handler serves: its handler map's keys. */
export type RouteKey<Handler extends string = string> = {
  [Key in keyof typeof httpRoutes]: (typeof httpRoutes)[Key]["handler"] extends Handler
    ? Key
    : never;
}[keyof typeof httpRoutes];
