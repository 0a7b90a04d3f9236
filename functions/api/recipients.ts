import * as Inbox from "@herald/core/notification/inbox";
import * as Recipient from "@herald/core/recipient";
import * as PreferenceLink from "@herald/core/recipient/preference-link";
import * as Preferences from "@herald/core/recipient/preferences";
import { type ApiRequest, type ApiResult, api } from "../lib/http";
import type { BodyRule } from "../lib/route";
import type { RouteKey } from "../routes";

function markAs(mark: "read" | "seen") {
  return async ({ principal, id, event }: ApiRequest & { id: string }): Promise<ApiResult> => ({
    status: 200,
    body: await Inbox.mark({
      tenantId: principal.tenantId,
      recipientId: id,
      id: event.pathParameters?.notification ?? "",
      mark,
    }),
  });
}

/** Recipient profiles and in-app inboxes: one handler for the route group. */
const routes = {
  "PUT /v1/recipients/{id}": async ({ principal, id, body }) => ({
    status: 200,
    body: await Recipient.put({
      tenantId: principal.tenantId,
      id,
      profile: body as Recipient.ProfileInput,
    }),
  }),
  "GET /v1/recipients/{id}": async ({ principal, id }) => ({
    status: 200,
    body: await Recipient.get({ tenantId: principal.tenantId, id }),
  }),
  "DELETE /v1/recipients/{id}": async ({ principal, id }) => {
    await Recipient.remove({ tenantId: principal.tenantId, id });
    return { status: 204 };
  },
  "GET /v1/recipients/{id}/inbox": async ({ principal, id, event }) => ({
    status: 200,
    body: await Inbox.list({
      tenantId: principal.tenantId,
      recipientId: id,
      query: (event.queryStringParameters ?? {}) as Inbox.ListInput,
    }),
  }),
  "GET /v1/recipients/{id}/inbox/unread-count": async ({ principal, id }) => ({
    status: 200,
    body: await Inbox.unreadCount({ tenantId: principal.tenantId, recipientId: id }),
  }),
  "GET /v1/recipients/{id}/preferences": async ({ principal, id }) => ({
    status: 200,
    body: await Preferences.get({ tenantId: principal.tenantId, id }),
  }),
  "PUT /v1/recipients/{id}/preferences": async ({ principal, id, body }) => ({
    status: 200,
    body: await Preferences.put({
      tenantId: principal.tenantId,
      id,
      preferences: body as Preferences.PreferencesInput,
    }),
  }),
  "POST /v1/recipients/{id}/preferences/link": async ({ principal, id, body }) => ({
    status: 200,
    body: PreferenceLink.link({
      tenantId: principal.tenantId,
      id,
      input: (body ?? {}) as PreferenceLink.LinkInput,
    }),
  }),
  "POST /v1/recipients/{id}/inbox/{notification}/read": markAs("read"),
  "POST /v1/recipients/{id}/inbox/{notification}/seen": markAs("seen"),
} satisfies Record<
  RouteKey<"functions/api/recipients.handler">,
  (request: ApiRequest & { id: string }) => Promise<ApiResult>
>;

const bodies = {
  "PUT /v1/recipients/{id}": true,
  "PUT /v1/recipients/{id}/preferences": true,
  "POST /v1/recipients/{id}/preferences/link": "optional",
} satisfies Partial<Record<RouteKey<"functions/api/recipients.handler">, BodyRule>>;

export const handler = api(
  { body: bodies, query: { "GET /v1/recipients/{id}/inbox": Inbox.ListInput } },
  async (request) => {
    const route = routes[request.event.routeKey as keyof typeof routes];
    if (!route)
      throw new Error(`recipients handler got unexpected route ${request.event.routeKey}`);
    return route({ ...request, id: request.event.pathParameters?.id ?? "" });
  },
);
