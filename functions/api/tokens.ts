import { ValidationError } from "@herald/core/error";
import { issues } from "@herald/core/fn";
import * as Realtime from "@herald/core/realtime";
import { type ApiEvent, api } from "../lib/http";

/**
 * POST /v1/recipients/{id}/tokens: a short-lived token with which that recipient (a browser tab
 * of theirs, say) reads their own real-time feed. The body is optional: `{"ttl_seconds": 900}`.
 */
export const handler = api({}, async ({ event, principal }) => {
  const request = Realtime.TokenRequest.safeParse(optionalJson(event));
  if (!request.success) {
    throw new ValidationError("invalid_request", "The request is not valid", issues(request.error));
  }
  const issued = Realtime.issueToken({
    tenantId: principal.tenantId,
    recipientId: event.pathParameters?.id ?? "",
    ttlSeconds: request.data.ttl_seconds,
  });
  const feedUrl = Realtime.feedUrl();
  return { status: 200, body: feedUrl ? { ...issued, feed_url: feedUrl } : issued };
});

/** The JSON body if there is one (`{}` if not). */
function optionalJson(event: ApiEvent): unknown {
  if (!event.body) return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString() : event.body;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError("invalid_json", "The body is not valid JSON", {
      reason: (error as Error).message,
    });
  }
}
