import { link } from "../config";
import { fn } from "../fn";
import { RecipientId } from "../notification/status";
import * as z from "../zod";
import { feedChannel } from "./channel";
import { catchUpAfterMs } from "./presence";
import { feedUrl, issueToken, TokenRequest } from "./token";

/**
 * The WebSocket feed, on AWS AppSync Events: AppSync holds the connections (billed per
 * connection-minute, its own keep-alives), fans each publish out to every subscriber of a
 * channel, and asks Herald's authorizer (`authorize` in ./channel, functions/socket.ts) before
 * each connect and subscribe. Herald keeps no connection registry: the authorizer registers the
 * subscriber's presence (./presence) until its token expires, and a status change is one signed
 * publish (`publishAll`) when its recipient is present, however many are listening.
 */

export * from "./channel";
export { publishAll } from "./publish";

/** Where browsers connect, and the host their authorization names (the `Events` link). */
export function endpoints(): { url: string; host: string } {
  const events = link("Events");
  return { url: events.realtime, host: new URL(events.http).host };
}

/** What `POST /v1/recipients/{id}/tokens` answers: the token, and where to use it. */
export const TokenResponse = z.object({
  token: z.string().check(z.describe("Short-lived bearer token for the real-time feed")),
  expires_at: z.string(),
  feed_url: z
    .optional(z.string())
    .check(
      z.describe("The server-sent events feed (and replay) with this token, when Herald knows"),
    ),
  socket_url: z
    .string()
    .check(z.describe("The WebSocket feed (AppSync Events real-time endpoint) to connect to")),
  socket_host: z
    .string()
    .check(z.describe("The host to name in the WebSocket authorization (AppSync's HTTP domain)")),
  channel: z
    .string()
    .check(
      z.describe(
        "The recipient's channel: subscribe to `<channel>/*` for every notification, or `<channel>/<segment>` for one",
      ),
    ),
  catch_up_ms: z
    .int()
    .check(
      z.describe(
        "How long after each (re)subscribe a WebSocket client replays once more (`feed_url?replay=only`): Herald publishes only to recipients present, and its workers may take this long to see a new subscriber",
      ),
    ),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** Issue a token for a request body (`TokenRequest`), as the API does. */
export const issue = fn(
  z.object({
    tenantId: z.string().check(z.minLength(1)),
    recipientId: RecipientId,
    request: TokenRequest,
  }),
  ({ tenantId, recipientId, request }): TokenResponse => {
    const issued = issueToken({ tenantId, recipientId, ttlSeconds: request.ttl_seconds });
    const url = feedUrl() ?? link("Events").feed;
    const socket = endpoints();
    return {
      ...issued,
      ...(url ? { feed_url: url } : {}),
      socket_url: socket.url,
      socket_host: socket.host,
      channel: feedChannel(tenantId, recipientId),
      catch_up_ms: catchUpAfterMs(),
    };
  },
);
