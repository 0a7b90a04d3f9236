// The inbox and token modules alone: nothing here sends, so nothing reaches queues or schedules.
import * as Inbox from "@herald/core/notification/inbox";
import { verifyToken } from "@herald/core/realtime/token-verify";
import * as RateLimit from "@herald/core/tenant/ratelimit";
import { type ApiRequest, type ApiResult, publicApi } from "../lib/route";
import type { RouteKey } from "../routes";

/**
 * The recipient's own inbox, for browsers (`<herald-inbox>`): authenticated by a recipient
 * token (`POST /v1/recipients/{id}/tokens`), never an API key, so a page can only ever read and
 * mark the inbox of the one recipient, in the one tenant, its token names. Rate limited per
 * recipient like a key.
 */
type Claims = { tenantId: string; recipientId: string };

function markAs(mark: "read" | "seen") {
  return async ({ tenantId, recipientId }: Claims, { event }: ApiRequest): Promise<ApiResult> => ({
    status: 200,
    body: await Inbox.mark({
      tenantId,
      recipientId,
      id: event.pathParameters?.notification ?? "",
      mark,
    }),
  });
}

const routes = {
  "GET /v1/inbox": async (claims, { event }) => ({
    status: 200,
    body: await Inbox.list({
      ...claims,
      query: (event.queryStringParameters ?? {}) as Inbox.ListInput,
    }),
  }),
  "GET /v1/inbox/unread-count": async (claims) => ({
    status: 200,
    body: await Inbox.unreadCount(claims),
  }),
  "POST /v1/inbox/read-all": async (claims) => ({
    status: 200,
    body: await Inbox.readAll(claims),
  }),
  "POST /v1/inbox/{notification}/read": markAs("read"),
  "POST /v1/inbox/{notification}/seen": markAs("seen"),
} satisfies Record<
  RouteKey<"functions/api/inbox.handler">,
  (claims: Claims, request: ApiRequest) => Promise<ApiResult>
>;

export const handler = publicApi(
  { query: { "GET /v1/inbox": Inbox.ListInput } },
  async (request) => {
    const route = routes[request.event.routeKey as keyof typeof routes];
    if (!route) throw new Error(`inbox handler got unexpected route ${request.event.routeKey}`);
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.event.headers.authorization ?? "")?.[1];
    const { tenantId, recipientId } = verifyToken(bearer);
    await RateLimit.enforce(`recipient:${tenantId}:${recipientId}`);
    return route({ tenantId, recipientId }, request);
  },
);
