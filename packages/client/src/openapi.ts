/**
 * The API's types, generated from Herald's /openapi.json by openapi-typescript.
 * Do not edit: `npm run client:types` regenerates it.
 */

export type paths = {
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readable API reference
         * @description An interactive reference (Scalar) that renders /openapi.json.
         */
        get: operations["getDocs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Health check */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["getOpenapiJson"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/callbacks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List status callback endpoints */
        get: operations["getCallbacks"];
        put?: never;
        /**
         * Register a status callback endpoint
         * @description Herald POSTs each change of a notification to one of `events` to the URL, signed in the Standard Webhooks format (webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256>) with the returned `whsec_` secret. Failed calls are retried on the delivery retry schedule; an endpoint failing through the whole schedule is disabled. At most 10 per tenant (too_many_callbacks).
         */
        post: operations["postCallbacks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/callbacks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a status callback endpoint
         * @description With its failure state: failing_since, last_error, disabled_at.
         */
        get: operations["getCallbacksId"];
        put?: never;
        post?: never;
        /** Delete a status callback endpoint */
        delete: operations["deleteCallbacksId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/callbacks/{id}/enable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Enable a disabled callback endpoint */
        post: operations["postCallbacksIdEnable"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/callbacks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a callback endpoint's signing secret
         * @description The new secret signs from now on; the old one also signs (a second, space-separated `v1,` signature) for overlap_seconds (default a day).
         */
        post: operations["postCallbacksIdRotateSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List webhook endpoints that have failed
         * @description Each webhook origin that failed transiently has a circuit: open (calls paused, notifications deferred), or disabled after failing for a day without a success (notifications fail with last_error saying so, retryable once it is enabled).
         */
        get: operations["getEndpoints"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints/{id}/enable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Re-enable a webhook endpoint
         * @description Closes its circuit and restarts its failure count.
         */
        post: operations["postEndpointsIdEnable"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the token's recipient's inbox
         * @description For browsers: the inbox of the recipient the token names, newest first. Same paging as GET /v1/recipients/{id}/inbox.
         */
        get: operations["getInbox"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inbox/{notification}/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark an inbox message read
         * @description Sets read_at (and seen_at) once; repeating it changes nothing.
         */
        post: operations["postInboxNotificationRead"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inbox/{notification}/seen": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark an inbox message seen
         * @description Sets seen_at once; repeating it changes nothing.
         */
        post: operations["postInboxNotificationSeen"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inbox/read-all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark all the token's recipient's messages read
         * @description Each unread message is marked read (and published on the feed).
         */
        post: operations["postInboxReadAll"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inbox/unread-count": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Count the token's recipient's unread messages */
        get: operations["getInboxUnreadCount"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Notification counts by channel and status, and what they cost
         * @description Hourly counters for the caller's tenant (default: the last 24 hours; at most 31 days), and the infrastructure cost of the period's notifications in USD by channel (provider fees apart). Counting trails the notifications by a few seconds: `accepted` is counted from the table's stream, up to about 5 s after the send was accepted; final statuses when the worker's batch is done.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List notifications
         * @description Newest first, optionally by recipient, status, channel and creation time.
         */
        get: operations["getNotifications"];
        put?: never;
        /**
         * Send a notification
         * @description Sends now or at `send_at` in the recipient's timezone, moved into their delivery window unless `immediate`. Nothing is stored for a rejected request.
         */
        post: operations["postNotifications"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a notification
         * @description Its status, schedule and history.
         */
        get: operations["getNotificationsId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a notification
         * @description Only before it starts sending (accepted, scheduled, queued or held); not a digest (cancel the notifications it holds).
         */
        post: operations["postNotificationsIdCancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/{id}/force": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a waiting notification now
         * @description Ignores its schedule and delivery window.
         */
        post: operations["postNotificationsIdForce"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry a notification whose retries ran out
         * @description Only for transient failures that went through the dead-letter queue.
         */
        post: operations["postNotificationsIdRetry"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send many notifications
         * @description Up to 1000 sends (a body of at most 4 MiB), each a POST /v1/notifications body with its own optional `idempotency_key`. Each item succeeds or fails on its own: one result per item, in order, either accepted (id, status) or refused with the code and status a single send would answer (nothing is stored for it). Each item counts as a request against the key's rate limit; items past what the window holds are refused as rate_limited. 400 only when the envelope itself is invalid (too_many_items past the limit).
         */
        post: operations["postNotificationsBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/preferences/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The recipient's preference page
         * @description An HTML form of category × channel settings. No API key: the token is the credential.
         */
        get: operations["getPreferencesToken"];
        put?: never;
        /**
         * Save the recipient's preferences from the page
         * @description JSON `{categories}` (changes only; other settings stay) answers the preferences; the page's form (application/x-www-form-urlencoded, fields `<category>:<channel>`) answers the page again. Only categories the link offers or the recipient has may be set.
         */
        post: operations["postPreferencesToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/recipients/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a recipient profile */
        get: operations["getRecipientsId"];
        /**
         * Create or replace a recipient profile
         * @description Contact points, timezone, delivery window and channel opt-outs.
         */
        put: operations["putRecipientsId"];
        post?: never;
        /** Delete a recipient profile */
        delete: operations["deleteRecipientsId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/recipients/{id}/inbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a recipient's in-app inbox
         * @description Delivered in-app notifications, newest first.
         */
        get: operations["getRecipientsIdInbox"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/recipients/{id}/inbox/{notification}/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark an inbox message read
         * @description Sets read_at (and seen_at) once; repeating it changes nothing.
         */
        post: operations["postRecipientsIdInboxNotificationRead"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/recipients/{id}/inbox/{notification}/seen": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark an inbox message seen
         * @description Sets seen_at once; repeating it changes nothing.
         */
        post: operations["postRecipientsIdInboxNotificationSeen"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/recipients/{id}/inbox/unread-count": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Count unread inbox messages */
        get: operations["getRecipientsIdInboxUnreadCount"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/recipients/{id}/preferences": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a recipient's preferences
         * @description category → channel → on | off | digest. Anything not named is on. A send whose category the recipient turned off on its channel is accepted as `skipped` (skip_reason preference), and checked again when it is sent.
         */
        get: operations["getRecipientsIdPreferences"];
        /** Replace a recipient's preferences */
        put: operations["putRecipientsIdPreferences"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/recipients/{id}/preferences/link": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issue a signed preference link
         * @description A link (`/v1/preferences/{token}`) the recipient opens to set their own preferences for the categories named here and those they already have settings for.
         */
        post: operations["postRecipientsIdPreferencesLink"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/recipients/{id}/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issue a real-time feed token
         * @description A short-lived token a recipient's client uses to subscribe to the real-time feed.
         */
        post: operations["postRecipientsIdTokens"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get the tenant's settings
         * @description retention_days: how long notifications are kept (default 30).
         */
        get: operations["getSettings"];
        /**
         * Change the tenant's settings
         * @description retention_days applies to notifications accepted from now on: each gets expires_at, after which reads skip it and DynamoDB TTL deletes it with its side items.
         */
        put: operations["putSettings"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/suppressions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List suppressed email addresses
         * @description Addresses that bounced hard or complained; a send to one is refused with 400 recipient_suppressed and costs no provider call.
         */
        get: operations["getSuppressions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/suppressions/{address}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a suppression
         * @description Why and since when an address is suppressed.
         */
        get: operations["getSuppressionsAddress"];
        put?: never;
        post?: never;
        /**
         * Remove a suppression
         * @description Email may go to the address again.
         */
        delete: operations["deleteSuppressionsAddress"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/templates/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a template
         * @description The latest version, or `version`.
         */
        get: operations["getTemplatesId"];
        /**
         * Store a new version of a template
         * @description Each PUT stores a new version (1 for a new id); versions never change. Fields are Liquid: `{{ name }}`; a variable the data lacks is an error, HTML fields escape every output, and there are no file includes. `locales` holds translations (fr-CA falls back to fr, then to `channels`).
         */
        put: operations["putTemplatesId"];
        post?: never;
        /**
         * Delete a template
         * @description Every version; notifications already sent keep their rendered content. Version numbers are not reused if the id is stored again.
         */
        delete: operations["deleteTemplatesId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/templates/{id}/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Preview a template
         * @description Renders each channel as a send would (email HTML in its layout, the text part generated), with `data` or else the template's sample_data.
         */
        post: operations["postTemplatesIdPreview"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/topics/{topic}/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send to every subscriber of a topic
         * @description A POST /v1/notifications body without `recipient`. Checked, stored and answered at once; the fan-out worker then sends each subscriber the notification a single send to their recipient id would create (their timezone, window and contact points; one who opted out of the channel, or has no contact point for it, is skipped), exactly once each, also across crashes. Follow it with GET /v1/topics/{topic}/notifications/{id}.
         */
        post: operations["postTopicsTopicNotifications"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/topics/{topic}/notifications/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A topic send's progress
         * @description How many subscribers' notifications are accepted so far, and whether it is done.
         */
        get: operations["getTopicsTopicNotificationsId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/topics/{topic}/subscribers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a topic's subscribers
         * @description In recipient-id order; `limit` (≤1000) and `cursor` (from `next_cursor`).
         */
        get: operations["getTopicsTopicSubscribers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/topics/{topic}/subscribers/{recipient}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Subscribe a recipient to a topic
         * @description Idempotent (a repeat keeps the first subscribed_at). The recipient id needs no profile, though a profile plans their sends (timezone, window, contact points, opt-outs).
         */
        put: operations["putTopicsTopicSubscribersRecipient"];
        post?: never;
        /** Unsubscribe a recipient from a topic */
        delete: operations["deleteTopicsTopicSubscribersRecipient"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/unsubscribe/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * One-click unsubscribe (RFC 8058)
         * @description The URL of an email's List-Unsubscribe header; a POST (List-Unsubscribe=One-Click) opts the recipient out of email, or suppresses an address sent to without a recipient id. No API key: the signed token is the credential.
         */
        post: operations["postUnsubscribeToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get the webhook signing secret
         * @description Webhook receivers verify the signature header with it.
         */
        get: operations["getWebhooksSecret"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/secret/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate the webhook signing secret
         * @description Stores a new random secret. The previous one also signs (a second `v1=` entry in herald-signature, after the new one) for overlap_seconds (default a day, at most 7); workers pick the new secret up within a minute, which the overlap covers.
         */
        post: operations["postWebhooksSecretRotate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/workflows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send through fallback steps
         * @description One notification carried by several channels, cheapest first: each step is a notification of its own, sent at the workflow's start plus `after` (in the delivery window), skipped if `unless` names an outcome (read, seen, delivered) an earlier step reached, or if `critical_only` and the priority is not critical. Every step is checked before anything is stored.
         */
        post: operations["postWorkflows"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/workflows/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a workflow
         * @description Its combined status and each step's status.
         */
        get: operations["getWorkflowsId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/workflows/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a workflow
         * @description Cancels every step still waiting; a step already sending or final stays as it is.
         */
        post: operations["postWorkflowsIdCancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
};
export type webhooks = Record<string, never>;
export type components = {
    schemas: {
        BatchResult: {
            accepted: number;
            failed: number;
            /** @description One per item, in the order sent */
            results: ({
                /** @constant */
                accepted: true;
                id: string;
                index: number;
                /** @description An earlier send with this idempotency key answered */
                replayed: boolean;
                scheduled_at: string;
                status: ("queued" | "scheduled") | string;
            } | {
                /** @constant */
                accepted: false;
                error: {
                    code: string;
                    details?: unknown;
                    message: string;
                };
                /** @description What a single send of this item would answer */
                http_status: number;
                index: number;
            })[];
        };
        Callback: {
            created_at: string;
            /** @description Set when a call failed through the whole retry schedule; nothing is sent since */
            disabled_at?: string;
            events: ("accepted" | "scheduled" | "queued" | "sending" | "delivered" | "sent" | "delivery_delayed" | "bounced" | "complained" | "failed" | "cancelled" | "skipped" | "held" | "digested")[];
            /** @description When the current run of failed attempts began (cleared by a success) */
            failing_since?: string;
            id: string;
            last_error?: string;
            /** @description Until then the secret before the last rotation signs too */
            previous_secret_until?: string;
            url: string;
        };
        CallbackInput: {
            /** @description The statuses to be called about */
            events: ("accepted" | "scheduled" | "queued" | "sending" | "delivered" | "sent" | "delivery_delayed" | "bounced" | "complained" | "failed" | "cancelled" | "skipped" | "held" | "digested")[];
            /**
             * Format: uri
             * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
             */
            url: string;
        };
        CallbackList: {
            items: components["schemas"]["Callback"][];
        };
        CallbackWithSecret: {
            created_at: string;
            /** @description Set when a call failed through the whole retry schedule; nothing is sent since */
            disabled_at?: string;
            events: ("accepted" | "scheduled" | "queued" | "sending" | "delivered" | "sent" | "delivery_delayed" | "bounced" | "complained" | "failed" | "cancelled" | "skipped" | "held" | "digested")[];
            /** @description When the current run of failed attempts began (cleared by a success) */
            failing_since?: string;
            id: string;
            last_error?: string;
            /** @description Until then the secret before the last rotation signs too */
            previous_secret_until?: string;
            /** @description whsec_ + base64 key: verify the webhook-signature header with it */
            secret: string;
            url: string;
        };
        Endpoint: {
            disabled_at?: string;
            disabled_reason?: string;
            /** @description Transient failures in a row */
            failures: number;
            first_failure_at?: string;
            /** @description The endpoint's id (its origin, base64url) */
            id: string;
            last_error?: string;
            last_failure_at?: string;
            open_until?: string;
            /** @description scheme://host:port: what one circuit covers */
            origin: string;
            /**
             * @description failing: recent transient failures; open: calls paused until open_until; disabled: no calls until enabled
             * @enum {string}
             */
            status: "healthy" | "failing" | "open" | "disabled";
        };
        EndpointList: {
            items: components["schemas"]["Endpoint"][];
        };
        /** @description Every error Herald itself answers with */
        Error: {
            error: {
                /** @description Stable, machine-readable: branch on this */
                code: string;
                /** @description Context, e.g. for invalid_request the offending fields as {path, code, message} */
                details?: unknown;
                /** @description For humans; may change */
                message: string;
            };
        };
        /** @description API Gateway's own refusal, before any Herald code runs */
        GatewayError: {
            message: string;
        };
        Health: {
            /** @constant */
            ok: true;
        };
        Metrics: {
            /** @description What the period's notifications cost, from list prices (us-east-1) and the usage per notification `npm run bench cost` measures; an estimate, not a bill */
            cost: {
                by_channel: {
                    [key: string]: {
                        /** @description USD: AWS and Upstash requests, compute, logs, transfer, storage */
                        infrastructure: number;
                        /** @description Notifications accepted in the period */
                        notifications: number;
                        /** @description USD: SES and SMS per-message fees, for those sent */
                        provider_fees: number;
                    };
                };
                /** @constant */
                currency: "USD";
                /** @description USD, all channels */
                infrastructure: number;
                /** @description USD, all channels */
                provider_fees: number;
                /** @description The tenant's retention the storage is priced for */
                retention_days: number;
            };
            /** @description Start of the period, UTC */
            from: string;
            hours: {
                channel: string;
                count: number;
                /** @description Start of the hour, UTC */
                hour: string;
                status: string;
            }[];
            /** @description End of the period, UTC */
            to: string;
            /** @description channel → status → count over the whole period */
            totals: {
                [key: string]: {
                    [key: string]: number;
                };
            };
        };
        Notification: {
            /** @description Whether the requested time fell in the window */
            appropriate_delivery: boolean;
            attempts: number;
            bounced_at?: string;
            cancelled_at?: string;
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /** @enum {string} */
            channel: "email" | "push" | "sms" | "webhook" | "in_app";
            complained_at?: string;
            content: {
                html?: string;
                subject: string;
                text?: string;
            } | {
                body?: string;
                data?: {
                    [key: string]: unknown;
                };
                /** Format: uri */
                icon?: string;
                title: string;
                /** Format: uri */
                url?: string;
            } | {
                text: string;
            } | {
                data: unknown;
                event: string;
            } | {
                body?: string;
                data?: {
                    [key: string]: unknown;
                };
                title: string;
                /** Format: uri */
                url?: string;
            };
            created_at: string;
            delivered_at?: string;
            delivery_delayed_at?: string;
            /** @description Set on a digest: one message for the held notifications of a category */
            digest?: {
                category: string;
                /** @description How many notifications it carried */
                count?: number;
                /** @description Their ids, oldest first */
                items?: string[];
            };
            /** @description Status held or digested: the digest (a notification) that carries it */
            digest_id?: string;
            /** @description When the digest carrying it was sent */
            digested_at?: string;
            estimated_delivery_time: string;
            /** @description Provider feedback, in order of arrival */
            events?: {
                /** @description When the provider says it happened */
                at: string;
                /** @enum {string} */
                bounce_type?: "hard" | "soft";
                /** @description SMTP diagnostic, bounce type, complaint type or carrier status */
                detail?: string;
                /** @description Arrived after a status it may not change: recorded, status unchanged */
                late?: boolean;
                /** @enum {string} */
                provider: "ses" | "sms" | "push";
                received_at: string;
                /** @enum {string} */
                status: "delivered" | "bounced" | "complained" | "delivery_delayed" | "failed";
            }[];
            /** @description Epoch seconds: from then on it is gone (the tenant's retention, default 30 days after creation) */
            expires_at?: number;
            failed_at?: string;
            /**
             * @description push: the push service said the subscription is gone (404/410); it was removed
             * @enum {string}
             */
            failure_reason?: "subscription_gone";
            /** @description Sent ahead of its schedule by a force request */
            forced?: boolean;
            id: string;
            last_error?: string;
            /** @description scheduled_at in the recipient's timezone */
            local_scheduled_time: string;
            metadata?: {
                [key: string]: string;
            };
            /** @description While waiting to retry: when the next attempt is planned */
            next_attempt_at?: string;
            /** @enum {string} */
            priority?: "normal" | "critical";
            /** @description When a provider accepted it although its status had meanwhile been changed by another writer; such a notification is never sent again */
            provider_accepted_at?: string;
            provider_message_id?: string;
            /** @description In-app: when the recipient read it */
            read_at?: string;
            recipient: {
                /** Format: email */
                email?: string;
                /** @description Your id for the recipient: their profile and history */
                id?: string;
                phone?: string;
                /** @description A browser PushSubscription (subscription.toJSON()) */
                push_subscription?: {
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    endpoint: string;
                    keys: {
                        auth: string;
                        p256dh: string;
                    };
                };
                /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                timezone?: string;
                /**
                 * Format: uri
                 * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                 */
                webhook_url?: string;
            };
            /** @description When Herald sends it, UTC */
            scheduled_at: string;
            /** @description In-app: when the recipient saw it in a list */
            seen_at?: string;
            sent_at?: string;
            /**
             * @description Status skipped: preference (the recipient turned this category off on this channel), budget (the tenant's monthly budget for the channel is spent), workflow_settled (an earlier step of its workflow was read, seen or delivered), critical_only (a step only for critical notifications), empty_digest (a digest whose notifications were all cancelled)
             * @enum {string}
             */
            skip_reason?: "preference" | "budget" | "workflow_settled" | "critical_only" | "empty_digest";
            skipped_at?: string;
            /** @enum {string} */
            status: "accepted" | "scheduled" | "queued" | "sending" | "delivered" | "sent" | "delivery_delayed" | "bounced" | "complained" | "failed" | "cancelled" | "skipped" | "held" | "digested";
            /** @description Set when the content was rendered from a template */
            template?: {
                id: string;
                /** @description The locale whose fields were rendered (after fallback) */
                locale: string;
                version: number;
            };
            /** @description Sent with a test key: the outcome is simulated and no provider is called */
            test?: boolean;
            timezone: string;
            updated_at: string;
            /** @description Whether the delivery window moved the send */
            window_adjusted: boolean;
            /** @description Set on a step of a workflow */
            workflow?: {
                critical_only?: boolean;
                /** @description The workflow (wfl_...) */
                id: string;
                /** @description Index of this step in the workflow's steps */
                step: number;
                /**
                 * @description Skipped if an earlier step reached this outcome
                 * @enum {string}
                 */
                unless?: "seen" | "read" | "delivered";
            };
        };
        NotificationList: {
            items: components["schemas"]["Notification"][];
            /** @description Pass as `cursor` for the next page; absent on the last page */
            next_cursor?: string;
        };
        PayloadTooLarge: components["schemas"]["Error"] | components["schemas"]["GatewayError"];
        PreferenceLink: {
            expires_at: string;
            token: string;
            /** @description The page, when the API's public URL is known */
            url?: string;
        };
        PreferenceLinkInput: {
            /**
             * @description Categories the page offers (those with settings are always shown)
             * @default []
             */
            categories: string[];
            /**
             * @description How long the link works
             * @default 30
             */
            ttl_days: number;
        };
        ReadAll: {
            /** @description Messages this request marked read */
            marked: number;
            /** @description Unread messages left (ones that arrived meanwhile) */
            unread: number;
        };
        RecipientPreferences: {
            categories: {
                [key: string]: {
                    [key: string]: "on" | "off" | "digest";
                };
            };
            updated_at?: string;
        };
        RecipientPreferencesInput: {
            /** @description category → channel → on | off | digest; anything not named is on */
            categories: {
                [key: string]: {
                    [key: string]: "on" | "off" | "digest";
                };
            };
        };
        RecipientProfile: {
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** Format: email */
            email?: string;
            id: string;
            /** @description Their language (BCP 47): templated sends render in it unless the send names one */
            locale?: string;
            /**
             * @description Channels this recipient refuses
             * @default []
             */
            opt_out: ("email" | "push" | "sms" | "webhook" | "in_app")[];
            phone?: string;
            /** @description A browser PushSubscription (subscription.toJSON()) */
            push_subscription?: {
                /**
                 * Format: uri
                 * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                 */
                endpoint: string;
                keys: {
                    auth: string;
                    p256dh: string;
                };
            };
            /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
            timezone?: string;
            updated_at: string;
            /**
             * Format: uri
             * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
             */
            webhook_url?: string;
        };
        RecipientProfileInput: {
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** Format: email */
            email?: string;
            /** @description Their language (BCP 47): templated sends render in it unless the send names one */
            locale?: string;
            /**
             * @description Channels this recipient refuses
             * @default []
             */
            opt_out: ("email" | "push" | "sms" | "webhook" | "in_app")[];
            phone?: string;
            /** @description A browser PushSubscription (subscription.toJSON()) */
            push_subscription?: {
                /**
                 * Format: uri
                 * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                 */
                endpoint: string;
                keys: {
                    auth: string;
                    p256dh: string;
                };
            };
            /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
            timezone?: string;
            /**
             * Format: uri
             * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
             */
            webhook_url?: string;
        };
        RecipientToken: {
            /** @description How long after each (re)subscribe a WebSocket client replays once more (`feed_url?replay=only`): Herald publishes only to recipients present, and its workers may take this long to see a new subscriber */
            catch_up_ms: number;
            /** @description The recipient's channel: subscribe to `<channel>/*` for every notification, or `<channel>/<segment>` for one */
            channel: string;
            expires_at: string;
            /** @description The server-sent events feed (and replay) with this token, when Herald knows */
            feed_url?: string;
            /** @description The host to name in the WebSocket authorization (AppSync's HTTP domain) */
            socket_host: string;
            /** @description The WebSocket feed (AppSync Events real-time endpoint) to connect to */
            socket_url: string;
            /** @description Short-lived bearer token for the real-time feed */
            token: string;
        };
        RecipientTokenInput: {
            /** @description Lifetime in seconds (default 3600) */
            ttl_seconds?: number;
        };
        RotateSecretInput: {
            /**
             * @description How long the previous secret keeps signing besides the new one (default a day)
             * @default 86400
             */
            overlap_seconds: number;
        };
        RotateWebhookSecretInput: {
            /**
             * @description How long the previous secret keeps signing besides the new one (default a day)
             * @default 86400
             */
            overlap_seconds: number;
        };
        SendBatch: {
            /** @description 1 to 1000 sends; each succeeds or fails on its own */
            items: (({
                /** @description What the notification is about; recipients' preferences apply per category */
                category?: string;
                /** @constant */
                channel: "email";
                content: {
                    html?: string;
                    subject: string;
                    text?: string;
                };
                /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
                delivery_window?: {
                    end: string;
                    start: string;
                };
                /** @description Collect this category's notifications to the recipient into one message per slot */
                digest?: {
                    /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                    every: string;
                };
                /** @description As a single send's Idempotency-Key header, and the same keys: a key used by a single send replays in a batch, and the other way round */
                idempotency_key?: string;
                /**
                 * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
                 * @default false
                 */
                immediate: boolean;
                metadata?: {
                    [key: string]: string;
                };
                /**
                 * @description Default normal
                 * @enum {string}
                 */
                priority?: "normal" | "critical";
                recipient: {
                    /** Format: email */
                    email?: string;
                    /** @description Your id for the recipient: their profile and history */
                    id?: string;
                    phone?: string;
                    /** @description A browser PushSubscription (subscription.toJSON()) */
                    push_subscription?: {
                        /**
                         * Format: uri
                         * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                         */
                        endpoint: string;
                        keys: {
                            auth: string;
                            p256dh: string;
                        };
                    };
                    /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                    timezone?: string;
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    webhook_url?: string;
                };
                /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
                send_at?: string;
                /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
                throttle?: {
                    limit: number;
                    /** @description The period, aligned to the clock (UTC) */
                    per: string;
                };
            } | {
                /** @description What the notification is about; recipients' preferences apply per category */
                category?: string;
                /** @constant */
                channel: "push";
                content: {
                    body?: string;
                    data?: {
                        [key: string]: unknown;
                    };
                    /** Format: uri */
                    icon?: string;
                    title: string;
                    /** Format: uri */
                    url?: string;
                };
                /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
                delivery_window?: {
                    end: string;
                    start: string;
                };
                /** @description Collect this category's notifications to the recipient into one message per slot */
                digest?: {
                    /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                    every: string;
                };
                /** @description As a single send's Idempotency-Key header, and the same keys: a key used by a single send replays in a batch, and the other way round */
                idempotency_key?: string;
                /**
                 * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
                 * @default false
                 */
                immediate: boolean;
                metadata?: {
                    [key: string]: string;
                };
                /**
                 * @description Default normal
                 * @enum {string}
                 */
                priority?: "normal" | "critical";
                recipient: {
                    /** Format: email */
                    email?: string;
                    /** @description Your id for the recipient: their profile and history */
                    id?: string;
                    phone?: string;
                    /** @description A browser PushSubscription (subscription.toJSON()) */
                    push_subscription?: {
                        /**
                         * Format: uri
                         * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                         */
                        endpoint: string;
                        keys: {
                            auth: string;
                            p256dh: string;
                        };
                    };
                    /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                    timezone?: string;
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    webhook_url?: string;
                };
                /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
                send_at?: string;
                /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
                throttle?: {
                    limit: number;
                    /** @description The period, aligned to the clock (UTC) */
                    per: string;
                };
            } | {
                /** @description What the notification is about; recipients' preferences apply per category */
                category?: string;
                /** @constant */
                channel: "sms";
                content: {
                    text: string;
                };
                /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
                delivery_window?: {
                    end: string;
                    start: string;
                };
                /** @description Collect this category's notifications to the recipient into one message per slot */
                digest?: {
                    /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                    every: string;
                };
                /** @description As a single send's Idempotency-Key header, and the same keys: a key used by a single send replays in a batch, and the other way round */
                idempotency_key?: string;
                /**
                 * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
                 * @default false
                 */
                immediate: boolean;
                metadata?: {
                    [key: string]: string;
                };
                /**
                 * @description Default normal
                 * @enum {string}
                 */
                priority?: "normal" | "critical";
                recipient: {
                    /** Format: email */
                    email?: string;
                    /** @description Your id for the recipient: their profile and history */
                    id?: string;
                    phone?: string;
                    /** @description A browser PushSubscription (subscription.toJSON()) */
                    push_subscription?: {
                        /**
                         * Format: uri
                         * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                         */
                        endpoint: string;
                        keys: {
                            auth: string;
                            p256dh: string;
                        };
                    };
                    /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                    timezone?: string;
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    webhook_url?: string;
                };
                /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
                send_at?: string;
                /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
                throttle?: {
                    limit: number;
                    /** @description The period, aligned to the clock (UTC) */
                    per: string;
                };
            } | {
                /** @description What the notification is about; recipients' preferences apply per category */
                category?: string;
                /** @constant */
                channel: "webhook";
                content: {
                    data: unknown;
                    event: string;
                };
                /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
                delivery_window?: {
                    end: string;
                    start: string;
                };
                /** @description Collect this category's notifications to the recipient into one message per slot */
                digest?: {
                    /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                    every: string;
                };
                /** @description As a single send's Idempotency-Key header, and the same keys: a key used by a single send replays in a batch, and the other way round */
                idempotency_key?: string;
                /**
                 * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
                 * @default false
                 */
                immediate: boolean;
                metadata?: {
                    [key: string]: string;
                };
                /**
                 * @description Default normal
                 * @enum {string}
                 */
                priority?: "normal" | "critical";
                recipient: {
                    /** Format: email */
                    email?: string;
                    /** @description Your id for the recipient: their profile and history */
                    id?: string;
                    phone?: string;
                    /** @description A browser PushSubscription (subscription.toJSON()) */
                    push_subscription?: {
                        /**
                         * Format: uri
                         * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                         */
                        endpoint: string;
                        keys: {
                            auth: string;
                            p256dh: string;
                        };
                    };
                    /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                    timezone?: string;
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    webhook_url?: string;
                };
                /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
                send_at?: string;
                /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
                throttle?: {
                    limit: number;
                    /** @description The period, aligned to the clock (UTC) */
                    per: string;
                };
            } | {
                /** @description What the notification is about; recipients' preferences apply per category */
                category?: string;
                /** @constant */
                channel: "in_app";
                content: {
                    body?: string;
                    data?: {
                        [key: string]: unknown;
                    };
                    title: string;
                    /** Format: uri */
                    url?: string;
                };
                /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
                delivery_window?: {
                    end: string;
                    start: string;
                };
                /** @description Collect this category's notifications to the recipient into one message per slot */
                digest?: {
                    /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                    every: string;
                };
                /** @description As a single send's Idempotency-Key header, and the same keys: a key used by a single send replays in a batch, and the other way round */
                idempotency_key?: string;
                /**
                 * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
                 * @default false
                 */
                immediate: boolean;
                metadata?: {
                    [key: string]: string;
                };
                /**
                 * @description Default normal
                 * @enum {string}
                 */
                priority?: "normal" | "critical";
                recipient: {
                    /** Format: email */
                    email?: string;
                    /** @description Your id for the recipient: their profile and history */
                    id?: string;
                    phone?: string;
                    /** @description A browser PushSubscription (subscription.toJSON()) */
                    push_subscription?: {
                        /**
                         * Format: uri
                         * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                         */
                        endpoint: string;
                        keys: {
                            auth: string;
                            p256dh: string;
                        };
                    };
                    /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                    timezone?: string;
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    webhook_url?: string;
                };
                /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
                send_at?: string;
                /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
                throttle?: {
                    limit: number;
                    /** @description The period, aligned to the clock (UTC) */
                    per: string;
                };
            }) | {
                /** @description What the notification is about; recipients' preferences apply per category */
                category?: string;
                /** @enum {string} */
                channel: "email" | "push" | "sms" | "webhook" | "in_app";
                /**
                 * @description The template's variables
                 * @default {}
                 */
                data: {
                    [key: string]: unknown;
                };
                /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
                delivery_window?: {
                    end: string;
                    start: string;
                };
                /** @description Collect this category's notifications to the recipient into one message per slot */
                digest?: {
                    /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                    every: string;
                };
                /** @description As a single send's Idempotency-Key header, and the same keys: a key used by a single send replays in a batch, and the other way round */
                idempotency_key?: string;
                /**
                 * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
                 * @default false
                 */
                immediate: boolean;
                /** @description Default: the recipient profile's locale; fr-CA falls back to fr, then the template's */
                locale?: string;
                metadata?: {
                    [key: string]: string;
                };
                /**
                 * @description Default normal
                 * @enum {string}
                 */
                priority?: "normal" | "critical";
                recipient: {
                    /** Format: email */
                    email?: string;
                    /** @description Your id for the recipient: their profile and history */
                    id?: string;
                    phone?: string;
                    /** @description A browser PushSubscription (subscription.toJSON()) */
                    push_subscription?: {
                        /**
                         * Format: uri
                         * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                         */
                        endpoint: string;
                        keys: {
                            auth: string;
                            p256dh: string;
                        };
                    };
                    /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                    timezone?: string;
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    webhook_url?: string;
                };
                /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
                send_at?: string;
                template: {
                    id: string;
                    /** @description Pin a version; default the latest */
                    version?: number;
                };
                /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
                throttle?: {
                    limit: number;
                    /** @description The period, aligned to the clock (UTC) */
                    per: string;
                };
            })[];
        };
        SendEmail: {
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            channel: "email";
            content: {
                html?: string;
                subject: string;
                text?: string;
            };
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** @description Collect this category's notifications to the recipient into one message per slot */
            digest?: {
                /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                every: string;
            };
            /**
             * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
             * @default false
             */
            immediate: boolean;
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Default normal
             * @enum {string}
             */
            priority?: "normal" | "critical";
            recipient: {
                /** Format: email */
                email?: string;
                /** @description Your id for the recipient: their profile and history */
                id?: string;
                phone?: string;
                /** @description A browser PushSubscription (subscription.toJSON()) */
                push_subscription?: {
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    endpoint: string;
                    keys: {
                        auth: string;
                        p256dh: string;
                    };
                };
                /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                timezone?: string;
                /**
                 * Format: uri
                 * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                 */
                webhook_url?: string;
            };
            /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
            send_at?: string;
            /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
            throttle?: {
                limit: number;
                /** @description The period, aligned to the clock (UTC) */
                per: string;
            };
        };
        SendInApp: {
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            channel: "in_app";
            content: {
                body?: string;
                data?: {
                    [key: string]: unknown;
                };
                title: string;
                /** Format: uri */
                url?: string;
            };
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** @description Collect this category's notifications to the recipient into one message per slot */
            digest?: {
                /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                every: string;
            };
            /**
             * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
             * @default false
             */
            immediate: boolean;
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Default normal
             * @enum {string}
             */
            priority?: "normal" | "critical";
            recipient: {
                /** Format: email */
                email?: string;
                /** @description Your id for the recipient: their profile and history */
                id?: string;
                phone?: string;
                /** @description A browser PushSubscription (subscription.toJSON()) */
                push_subscription?: {
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    endpoint: string;
                    keys: {
                        auth: string;
                        p256dh: string;
                    };
                };
                /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                timezone?: string;
                /**
                 * Format: uri
                 * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                 */
                webhook_url?: string;
            };
            /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
            send_at?: string;
            /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
            throttle?: {
                limit: number;
                /** @description The period, aligned to the clock (UTC) */
                per: string;
            };
        };
        SendNotification: components["schemas"]["SendWithContent"] | components["schemas"]["SendWithTemplate"];
        SendPush: {
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            channel: "push";
            content: {
                body?: string;
                data?: {
                    [key: string]: unknown;
                };
                /** Format: uri */
                icon?: string;
                title: string;
                /** Format: uri */
                url?: string;
            };
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** @description Collect this category's notifications to the recipient into one message per slot */
            digest?: {
                /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                every: string;
            };
            /**
             * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
             * @default false
             */
            immediate: boolean;
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Default normal
             * @enum {string}
             */
            priority?: "normal" | "critical";
            recipient: {
                /** Format: email */
                email?: string;
                /** @description Your id for the recipient: their profile and history */
                id?: string;
                phone?: string;
                /** @description A browser PushSubscription (subscription.toJSON()) */
                push_subscription?: {
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    endpoint: string;
                    keys: {
                        auth: string;
                        p256dh: string;
                    };
                };
                /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                timezone?: string;
                /**
                 * Format: uri
                 * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                 */
                webhook_url?: string;
            };
            /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
            send_at?: string;
            /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
            throttle?: {
                limit: number;
                /** @description The period, aligned to the clock (UTC) */
                per: string;
            };
        };
        SendSms: {
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            channel: "sms";
            content: {
                text: string;
            };
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** @description Collect this category's notifications to the recipient into one message per slot */
            digest?: {
                /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                every: string;
            };
            /**
             * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
             * @default false
             */
            immediate: boolean;
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Default normal
             * @enum {string}
             */
            priority?: "normal" | "critical";
            recipient: {
                /** Format: email */
                email?: string;
                /** @description Your id for the recipient: their profile and history */
                id?: string;
                phone?: string;
                /** @description A browser PushSubscription (subscription.toJSON()) */
                push_subscription?: {
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    endpoint: string;
                    keys: {
                        auth: string;
                        p256dh: string;
                    };
                };
                /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                timezone?: string;
                /**
                 * Format: uri
                 * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                 */
                webhook_url?: string;
            };
            /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
            send_at?: string;
            /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
            throttle?: {
                limit: number;
                /** @description The period, aligned to the clock (UTC) */
                per: string;
            };
        };
        SendWebhook: {
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            channel: "webhook";
            content: {
                data: unknown;
                event: string;
            };
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** @description Collect this category's notifications to the recipient into one message per slot */
            digest?: {
                /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                every: string;
            };
            /**
             * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
             * @default false
             */
            immediate: boolean;
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Default normal
             * @enum {string}
             */
            priority?: "normal" | "critical";
            recipient: {
                /** Format: email */
                email?: string;
                /** @description Your id for the recipient: their profile and history */
                id?: string;
                phone?: string;
                /** @description A browser PushSubscription (subscription.toJSON()) */
                push_subscription?: {
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    endpoint: string;
                    keys: {
                        auth: string;
                        p256dh: string;
                    };
                };
                /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                timezone?: string;
                /**
                 * Format: uri
                 * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                 */
                webhook_url?: string;
            };
            /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
            send_at?: string;
            /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
            throttle?: {
                limit: number;
                /** @description The period, aligned to the clock (UTC) */
                per: string;
            };
        };
        SendWithContent: components["schemas"]["SendEmail"] | components["schemas"]["SendPush"] | components["schemas"]["SendSms"] | components["schemas"]["SendWebhook"] | components["schemas"]["SendInApp"];
        SendWithTemplate: {
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /** @enum {string} */
            channel: "email" | "push" | "sms" | "webhook" | "in_app";
            /**
             * @description The template's variables
             * @default {}
             */
            data: {
                [key: string]: unknown;
            };
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** @description Collect this category's notifications to the recipient into one message per slot */
            digest?: {
                /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                every: string;
            };
            /**
             * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
             * @default false
             */
            immediate: boolean;
            /** @description Default: the recipient profile's locale; fr-CA falls back to fr, then the template's */
            locale?: string;
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Default normal
             * @enum {string}
             */
            priority?: "normal" | "critical";
            recipient: {
                /** Format: email */
                email?: string;
                /** @description Your id for the recipient: their profile and history */
                id?: string;
                phone?: string;
                /** @description A browser PushSubscription (subscription.toJSON()) */
                push_subscription?: {
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    endpoint: string;
                    keys: {
                        auth: string;
                        p256dh: string;
                    };
                };
                /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                timezone?: string;
                /**
                 * Format: uri
                 * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                 */
                webhook_url?: string;
            };
            /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
            send_at?: string;
            template: {
                id: string;
                /** @description Pin a version; default the latest */
                version?: number;
            };
            /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
            throttle?: {
                limit: number;
                /** @description The period, aligned to the clock (UTC) */
                per: string;
            };
        };
        Settings: {
            retention_days: number;
            sms_monthly_budget_usd?: number;
            /** @description GET: the estimated SMS spend counted against the budget this month (UTC) */
            sms_spent_usd_this_month?: number;
            updated_at?: string;
        };
        SettingsInput: {
            /** @description Days a notification is kept after it was created (default 30) */
            retention_days: number;
            /** @description At most this much SMS spend (USD, estimated per segment) per calendar month (UTC); an SMS that would exceed it is skipped (skip_reason budget). Absent: no limit */
            sms_monthly_budget_usd?: number;
        };
        Suppression: {
            address: string;
            created_at: string;
            /** @description The bounce diagnostic or complaint type */
            detail?: string;
            /** @description The notification whose feedback added it */
            notification_id?: string;
            /** @enum {string} */
            reason: "hard_bounce" | "complaint" | "unsubscribed";
        };
        SuppressionList: {
            items: components["schemas"]["Suppression"][];
            /** @description Pass as `cursor` for the next page */
            next_cursor?: string;
        };
        Template: {
            /** @description Liquid source per channel field */
            channels: {
                email?: {
                    html?: string;
                    subject: string;
                    text?: string;
                };
                in_app?: {
                    body?: string;
                    title: string;
                    url?: string;
                };
                push?: {
                    body?: string;
                    title: string;
                    url?: string;
                };
                sms?: {
                    text: string;
                };
                /** @description The event name; the notification's data is the send's `data` */
                webhook?: {
                    event: string;
                };
            };
            created_at: string;
            description?: string;
            id: string;
            /**
             * @description The locale of `channels` (the default)
             * @default en
             */
            locale: string;
            /** @description Per locale, the channels' fields in that language; a missing one falls back */
            locales?: {
                [key: string]: {
                    email?: {
                        html?: string;
                        subject: string;
                        text?: string;
                    };
                    in_app?: {
                        body?: string;
                        title: string;
                        url?: string;
                    };
                    push?: {
                        body?: string;
                        title: string;
                        url?: string;
                    };
                    sms?: {
                        text: string;
                    };
                    /** @description The event name; the notification's data is the send's `data` */
                    webhook?: {
                        event: string;
                    };
                };
            };
            /** @description Data the preview renders with */
            sample_data?: {
                [key: string]: unknown;
            };
            version: number;
        };
        TemplateInput: {
            /** @description Liquid source per channel field */
            channels: {
                email?: {
                    html?: string;
                    subject: string;
                    text?: string;
                };
                in_app?: {
                    body?: string;
                    title: string;
                    url?: string;
                };
                push?: {
                    body?: string;
                    title: string;
                    url?: string;
                };
                sms?: {
                    text: string;
                };
                /** @description The event name; the notification's data is the send's `data` */
                webhook?: {
                    event: string;
                };
            };
            description?: string;
            /**
             * @description The locale of `channels` (the default)
             * @default en
             */
            locale: string;
            /** @description Per locale, the channels' fields in that language; a missing one falls back */
            locales?: {
                [key: string]: {
                    email?: {
                        html?: string;
                        subject: string;
                        text?: string;
                    };
                    in_app?: {
                        body?: string;
                        title: string;
                        url?: string;
                    };
                    push?: {
                        body?: string;
                        title: string;
                        url?: string;
                    };
                    sms?: {
                        text: string;
                    };
                    /** @description The event name; the notification's data is the send's `data` */
                    webhook?: {
                        event: string;
                    };
                };
            };
            /** @description Data the preview renders with */
            sample_data?: {
                [key: string]: unknown;
            };
        };
        TemplatePreview: {
            /** @description Each channel the template has, rendered as it would be sent */
            channels: {
                [key: string]: {
                    content: {
                        [key: string]: unknown;
                    };
                    locale: string;
                };
            };
            id: string;
            version: number;
        };
        TemplatePreviewInput: {
            /** @description Defaults to the template's sample_data */
            data?: {
                [key: string]: unknown;
            };
            /** @description BCP 47 language tag, e.g. fr-CA (falls back to fr, then the template's default) */
            locale?: string;
            version?: number;
        };
        TopicSend: ({
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /** @constant */
            channel: "email";
            content: {
                html?: string;
                subject: string;
                text?: string;
            };
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** @description Collect this category's notifications to the recipient into one message per slot */
            digest?: {
                /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                every: string;
            };
            /**
             * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
             * @default false
             */
            immediate: boolean;
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Default normal
             * @enum {string}
             */
            priority?: "normal" | "critical";
            /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
            send_at?: string;
            /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
            throttle?: {
                limit: number;
                /** @description The period, aligned to the clock (UTC) */
                per: string;
            };
        } | {
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /** @constant */
            channel: "push";
            content: {
                body?: string;
                data?: {
                    [key: string]: unknown;
                };
                /** Format: uri */
                icon?: string;
                title: string;
                /** Format: uri */
                url?: string;
            };
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** @description Collect this category's notifications to the recipient into one message per slot */
            digest?: {
                /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                every: string;
            };
            /**
             * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
             * @default false
             */
            immediate: boolean;
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Default normal
             * @enum {string}
             */
            priority?: "normal" | "critical";
            /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
            send_at?: string;
            /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
            throttle?: {
                limit: number;
                /** @description The period, aligned to the clock (UTC) */
                per: string;
            };
        } | {
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /** @constant */
            channel: "sms";
            content: {
                text: string;
            };
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** @description Collect this category's notifications to the recipient into one message per slot */
            digest?: {
                /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                every: string;
            };
            /**
             * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
             * @default false
             */
            immediate: boolean;
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Default normal
             * @enum {string}
             */
            priority?: "normal" | "critical";
            /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
            send_at?: string;
            /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
            throttle?: {
                limit: number;
                /** @description The period, aligned to the clock (UTC) */
                per: string;
            };
        } | {
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /** @constant */
            channel: "webhook";
            content: {
                data: unknown;
                event: string;
            };
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** @description Collect this category's notifications to the recipient into one message per slot */
            digest?: {
                /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                every: string;
            };
            /**
             * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
             * @default false
             */
            immediate: boolean;
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Default normal
             * @enum {string}
             */
            priority?: "normal" | "critical";
            /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
            send_at?: string;
            /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
            throttle?: {
                limit: number;
                /** @description The period, aligned to the clock (UTC) */
                per: string;
            };
        } | {
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /** @constant */
            channel: "in_app";
            content: {
                body?: string;
                data?: {
                    [key: string]: unknown;
                };
                title: string;
                /** Format: uri */
                url?: string;
            };
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** @description Collect this category's notifications to the recipient into one message per slot */
            digest?: {
                /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                every: string;
            };
            /**
             * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
             * @default false
             */
            immediate: boolean;
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Default normal
             * @enum {string}
             */
            priority?: "normal" | "critical";
            /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
            send_at?: string;
            /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
            throttle?: {
                limit: number;
                /** @description The period, aligned to the clock (UTC) */
                per: string;
            };
        }) | {
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /** @enum {string} */
            channel: "email" | "push" | "sms" | "webhook" | "in_app";
            /**
             * @description The template's variables
             * @default {}
             */
            data: {
                [key: string]: unknown;
            };
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** @description Collect this category's notifications to the recipient into one message per slot */
            digest?: {
                /** @description Collect into one digest per slot of this length (aligned to the clock, UTC); at most 8784h */
                every: string;
            };
            /**
             * @description Skip the delivery window: send at send_at (or now, without one) even outside the window
             * @default false
             */
            immediate: boolean;
            /** @description Default: the recipient profile's locale; fr-CA falls back to fr, then the template's */
            locale?: string;
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Default normal
             * @enum {string}
             */
            priority?: "normal" | "critical";
            /** @description ISO 8601 instant with offset, or local date-time in the recipient's timezone */
            send_at?: string;
            template: {
                id: string;
                /** @description Pin a version; default the latest */
                version?: number;
            };
            /** @description At most `limit` of this category to the recipient per period; the excess is held for the digest at the period's end */
            throttle?: {
                limit: number;
                /** @description The period, aligned to the clock (UTC) */
                per: string;
            };
        };
        TopicSendStatus: {
            /** @description Notifications accepted so far, one per subscriber */
            accepted: number;
            created_at: string;
            /** @description Every subscriber has been fanned out to */
            done: boolean;
            done_at?: string;
            /** @description The topic send's id (tps_...) */
            id: string;
            /** @description Subscribers not sent to: opted out of the channel, or no contact point for it */
            skipped: number;
            /** @enum {string} */
            status: "fanning_out" | "done";
            topic: string;
        };
        TopicSubscriber: {
            recipient: string;
            subscribed_at: string;
            topic: string;
        };
        TopicSubscriberList: {
            items: {
                recipient: string;
                subscribed_at: string;
            }[];
            /** @description Pass as `cursor` for the next page; absent on the last page */
            next_cursor?: string;
        };
        Unauthorized: components["schemas"]["Error"] | components["schemas"]["GatewayError"];
        UnreadCount: {
            unread: number;
        };
        Unsubscribed: {
            /** @constant */
            unsubscribed: true;
        };
        WebhookSecret: {
            /** @description The request header that carries the signature */
            header: string;
            /** @description Set while the secret before the last rotation still signs (a second v1= entry) */
            previous_valid_until?: string;
            /** @description Verify webhook signatures with this */
            secret: string;
        };
        Workflow: {
            category?: string;
            created_at: string;
            id: string;
            /** @enum {string} */
            priority?: "normal" | "critical";
            recipient_id?: string;
            settled_at?: string;
            /**
             * @description The outcome that stopped the remaining steps
             * @enum {string}
             */
            settled_by?: "seen" | "read" | "delivered";
            /**
             * @description active: a step is waiting or sending; completed: an outcome stopped it, or a step reached the recipient and none is left; failed: no step reached the recipient; cancelled: every step was cancelled
             * @enum {string}
             */
            status: "active" | "completed" | "failed" | "cancelled";
            steps: {
                /** @description Seconds after the workflow's start */
                after: number;
                /** @enum {string} */
                channel: "email" | "push" | "sms" | "webhook" | "in_app";
                critical_only?: boolean;
                /** @description The step's notification (ntf_...) */
                id: string;
                scheduled_at: string;
                skip_reason?: string;
                /** @enum {string} */
                status: "accepted" | "scheduled" | "queued" | "sending" | "delivered" | "sent" | "delivery_delayed" | "bounced" | "complained" | "failed" | "cancelled" | "skipped" | "held" | "digested";
                /** @enum {string} */
                unless?: "seen" | "read" | "delivered";
            }[];
        };
        WorkflowInput: {
            /** @description What the notification is about; recipients' preferences apply per category */
            category?: string;
            /**
             * @description The template's variables
             * @default {}
             */
            data: {
                [key: string]: unknown;
            };
            /** @description Local hours in which delivery is appropriate; end before start crosses midnight */
            delivery_window?: {
                end: string;
                start: string;
            };
            /** @default false */
            immediate: boolean;
            locale?: string;
            metadata?: {
                [key: string]: string;
            };
            /** @enum {string} */
            priority?: "normal" | "critical";
            recipient: {
                /** Format: email */
                email?: string;
                /** @description Your id for the recipient: their profile and history */
                id?: string;
                phone?: string;
                /** @description A browser PushSubscription (subscription.toJSON()) */
                push_subscription?: {
                    /**
                     * Format: uri
                     * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                     */
                    endpoint: string;
                    keys: {
                        auth: string;
                        p256dh: string;
                    };
                };
                /** @description IANA timezone, e.g. Europe/Paris; a fixed offset such as +05:30 has no DST */
                timezone?: string;
                /**
                 * Format: uri
                 * @description An https URL Herald calls; loopback, private and metadata hosts are refused (invalid_destination)
                 */
                webhook_url?: string;
            };
            /** @description When the first step goes (default now) */
            send_at?: string;
            steps: {
                /** @description After the workflow's start (default 0) */
                after?: string;
                /** @enum {string} */
                channel: "email" | "push" | "sms" | "webhook" | "in_app";
                /** @description This channel's content; default the template's */
                content?: {
                    html?: string;
                    subject: string;
                    text?: string;
                } | {
                    body?: string;
                    data?: {
                        [key: string]: unknown;
                    };
                    /** Format: uri */
                    icon?: string;
                    title: string;
                    /** Format: uri */
                    url?: string;
                } | {
                    text: string;
                } | {
                    data: unknown;
                    event: string;
                } | {
                    body?: string;
                    data?: {
                        [key: string]: unknown;
                    };
                    title: string;
                    /** Format: uri */
                    url?: string;
                };
                /** @description Only for priority critical; skipped (critical_only) otherwise */
                critical_only?: boolean;
                /**
                 * @description Skip this step once an earlier step was read (in-app), seen (in-app) or delivered
                 * @enum {string}
                 */
                unless?: "seen" | "read" | "delivered";
            }[];
            /** @description Renders every step without content of its own */
            template?: {
                id: string;
                version?: number;
            };
        };
    };
    responses: {
        /** @description The request is not valid. `error.code` says why: invalid_request (with the offending fields in details; also a query parameter the route does not take), invalid_json, missing_body, unsupported_media_type, forbidden_key (a `__proto__` key), invalid_cursor (a cursor this listing did not return), invalid_destination (a webhook URL or push endpoint Herald will not call), missing_contact_point, invalid_timezone, invalid_send_at, send_at_in_past, send_at_too_far, recipient_suppressed (the address is on the suppression list), too_many_items (a batch over its limit), too_many_callbacks, invalid_unsubscribe_token (an unsubscribe link Herald did not sign), invalid_preference_token (a preference link Herald did not sign, or expired), invalid_period (metrics), template_render_failed (a template field did not render: details.field names it, details.variable a missing variable), template_channel_missing */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The resource's state does not allow it (invalid_transition), or an Idempotency-Key was reused with a different body (idempotency_key_reused) */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The API key is unknown or revoked */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["GatewayError"];
            };
        };
        /** @description No such resource for this tenant (another tenant's ids are not found either): notification_not_found, workflow_not_found, recipient_not_found, inbox_message_not_found, endpoint_not_found, suppression_not_found, template_not_found, callback_not_found, subscriber_not_found, topic_send_not_found; route_not_found for a path no route serves */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The body is over 256 KiB, 4 MiB for a batch (payload_too_large). Past API Gateway's own 10 MB limit the gateway refuses it before Herald runs, as {message}. */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["PayloadTooLarge"];
            };
        };
        /** @description Too many requests for this API key; retry after Retry-After seconds */
        RateLimited: {
            headers: {
                /** @description Seconds to wait */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No API key (API Gateway's `{message}`): send `Authorization: Bearer <key>`; or, on /v1/inbox routes, a recipient token that is missing, invalid (invalid_token) or expired (token_expired) */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Unauthorized"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
};
export type $defs = Record<string, never>;
export interface operations {
    getDocs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTML page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Herald is up */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    getOpenapiJson: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI 3.1 document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
        };
    };
    getCallbacks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every endpoint */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CallbackList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    postCallbacks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CallbackInput"];
            };
        };
        responses: {
            /** @description Registered; the secret is shown here */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CallbackWithSecret"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    getCallbacksId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Callback endpoint id (cb_...) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoint */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Callback"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    deleteCallbacksId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Callback endpoint id (cb_...) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    postCallbacksIdEnable: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Callback endpoint id (cb_...) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoint */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Callback"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    postCallbacksIdRotateSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Callback endpoint id (cb_...) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RotateSecretInput"];
            };
        };
        responses: {
            /** @description The new secret */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CallbackWithSecret"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    getEndpoints: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Endpoints and their circuit state */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EndpointList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    postEndpointsIdEnable: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Endpoint id from GET /v1/endpoints */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoint */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Endpoint"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    getInbox: {
        parameters: {
            query?: {
                cursor?: string;
                limit?: number;
                unread?: "true" | "false";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotificationList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["RateLimited"];
        };
    };
    postInboxNotificationRead: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Notification id */
                notification: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The message, marked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Notification"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    postInboxNotificationSeen: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Notification id */
                notification: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The message, marked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Notification"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    postInboxReadAll: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What was marked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReadAll"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["RateLimited"];
        };
    };
    getInboxUnreadCount: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The count */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UnreadCount"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["RateLimited"];
        };
    };
    getMetrics: {
        parameters: {
            query?: {
                from?: string;
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Counts over the period */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Metrics"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    getNotifications: {
        parameters: {
            query?: {
                channel?: "email" | "push" | "sms" | "webhook" | "in_app";
                created_after?: string;
                created_before?: string;
                cursor?: string;
                limit?: number;
                recipient?: string;
                status?: "accepted" | "scheduled" | "queued" | "sending" | "delivered" | "sent" | "delivery_delayed" | "bounced" | "complained" | "failed" | "cancelled" | "skipped" | "held" | "digested";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotificationList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    postNotifications: {
        parameters: {
            query?: never;
            header?: {
                /** @description Retrying with the same key and body returns the first result and creates nothing new */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SendNotification"];
            };
        };
        responses: {
            /** @description Accepted: stored and on its way (or scheduled) */
            202: {
                headers: {
                    /** @description Present when an earlier request with this Idempotency-Key answered */
                    "Idempotent-Replayed"?: "true";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Notification"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    getNotificationsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Notification id (ntf_...) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The notification */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Notification"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    postNotificationsIdCancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Notification id (ntf_...) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The notification */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Notification"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["RateLimited"];
        };
    };
    postNotificationsIdForce: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Notification id (ntf_...) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The notification */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Notification"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["RateLimited"];
        };
    };
    postNotificationsIdRetry: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Notification id (ntf_...) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The notification */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Notification"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["RateLimited"];
        };
    };
    postNotificationsBatch: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SendBatch"];
            };
        };
        responses: {
            /** @description One result per item */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    getPreferencesToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Signed token from the preference link */
                token: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTML page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            400: components["responses"]["BadRequest"];
        };
    };
    postPreferencesToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Signed token from the preference link */
                token: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RecipientPreferencesInput"];
            };
        };
        responses: {
            /** @description The preferences */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecipientPreferences"];
                };
            };
            400: components["responses"]["BadRequest"];
            413: components["responses"]["PayloadTooLarge"];
        };
    };
    getRecipientsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Your id for the recipient */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The profile */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecipientProfile"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    putRecipientsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Your id for the recipient */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RecipientProfileInput"];
            };
        };
        responses: {
            /** @description The stored profile */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecipientProfile"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    deleteRecipientsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Your id for the recipient */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted (or there was none) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    getRecipientsIdInbox: {
        parameters: {
            query?: {
                cursor?: string;
                limit?: number;
                unread?: "true" | "false";
            };
            header?: never;
            path: {
                /** @description Your id for the recipient */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotificationList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    postRecipientsIdInboxNotificationRead: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Your id for the recipient */
                id: string;
                /** @description Notification id */
                notification: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The message, marked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Notification"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    postRecipientsIdInboxNotificationSeen: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Your id for the recipient */
                id: string;
                /** @description Notification id */
                notification: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The message, marked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Notification"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    getRecipientsIdInboxUnreadCount: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Your id for the recipient */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The count */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UnreadCount"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    getRecipientsIdPreferences: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Your id for the recipient */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The preferences */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecipientPreferences"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    putRecipientsIdPreferences: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Your id for the recipient */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RecipientPreferencesInput"];
            };
        };
        responses: {
            /** @description The stored preferences */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecipientPreferences"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    postRecipientsIdPreferencesLink: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Your id for the recipient */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["PreferenceLinkInput"];
            };
        };
        responses: {
            /** @description The link */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PreferenceLink"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    postRecipientsIdTokens: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Your id for the recipient */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RecipientTokenInput"];
            };
        };
        responses: {
            /** @description The token */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecipientToken"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    getSettings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The settings */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Settings"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    putSettings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SettingsInput"];
            };
        };
        responses: {
            /** @description The settings */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Settings"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    getSuppressions: {
        parameters: {
            query?: {
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuppressionList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    getSuppressionsAddress: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description An email address */
                address: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The entry */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Suppression"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    deleteSuppressionsAddress: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description An email address */
                address: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    getTemplatesId: {
        parameters: {
            query?: {
                version?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The version */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Template"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    putTemplatesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TemplateInput"];
            };
        };
        responses: {
            /** @description The version stored */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Template"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    deleteTemplatesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    postTemplatesIdPreview: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["TemplatePreviewInput"];
            };
        };
        responses: {
            /** @description The rendered channels */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TemplatePreview"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    postTopicsTopicNotifications: {
        parameters: {
            query?: never;
            header?: {
                /** @description Retrying with the same key and body answers the first topic send */
                "Idempotency-Key"?: string;
            };
            path: {
                /** @description The topic's name, e.g. product-updates */
                topic: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TopicSend"];
            };
        };
        responses: {
            /** @description Accepted: being fanned out */
            202: {
                headers: {
                    /** @description Present when an earlier request with this Idempotency-Key answered */
                    "Idempotent-Replayed"?: "true";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TopicSendStatus"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    getTopicsTopicNotificationsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Topic send id (tps_...) */
                id: string;
                /** @description The topic's name, e.g. product-updates */
                topic: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Its progress */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TopicSendStatus"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    getTopicsTopicSubscribers: {
        parameters: {
            query?: {
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path: {
                /** @description The topic's name, e.g. product-updates */
                topic: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TopicSubscriberList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    putTopicsTopicSubscribersRecipient: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Your id for the recipient */
                recipient: string;
                /** @description The topic's name, e.g. product-updates */
                topic: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The subscription */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TopicSubscriber"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    deleteTopicsTopicSubscribersRecipient: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Your id for the recipient */
                recipient: string;
                /** @description The topic's name, e.g. product-updates */
                topic: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Unsubscribed */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    postUnsubscribeToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Signed token from the email */
                token: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Unsubscribed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Unsubscribed"];
                };
            };
            400: components["responses"]["BadRequest"];
        };
    };
    getWebhooksSecret: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The secret */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSecret"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
        };
    };
    postWebhooksSecretRotate: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RotateWebhookSecretInput"];
            };
        };
        responses: {
            /** @description The new secret */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSecret"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    postWorkflows: {
        parameters: {
            query?: never;
            header?: {
                /** @description Retrying with the same key and body returns the workflow, creating nothing new */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WorkflowInput"];
            };
        };
        responses: {
            /** @description Accepted: the workflow and its steps */
            202: {
                headers: {
                    /** @description Present when an earlier request with this Idempotency-Key answered */
                    "Idempotent-Replayed"?: "true";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Workflow"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
        };
    };
    getWorkflowsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Workflow id (wfl_...) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The workflow */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Workflow"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
    postWorkflowsIdCancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Workflow id (wfl_...) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The workflow */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Workflow"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
        };
    };
}
