import { errorFields, log } from "@herald/core/log";
import * as Channel from "@herald/core/realtime/channel";
import * as Presence from "@herald/core/realtime/presence";

/**
 * The WebSocket feed's authorizer: AppSync Events (AWS_LAMBDA auth mode) calls it before each
 * connect and subscribe with the recipient token the browser put in its authorization; the
 * decision is `Realtime.Socket.authorize`. An allowed subscribe registers the recipient's
 * presence until the token expires (./presence: changes are published on AppSync only for
 * recipients present), so a subscription whose token is not renewed stops receiving; when
 * presence cannot be registered the subscribe is refused (the client retries). Publishing never
 * reaches it: the API accepts publishes only over IAM, from Herald's own functions.
 */
export async function handler(event: Channel.AuthorizerEvent): Promise<Channel.AuthorizerResult> {
  log.setContext({
    requestId: event.requestContext.requestId,
    route: event.requestContext.operation,
  });
  const { result, subscriber } = Channel.decide(event);
  if (!result.isAuthorized) {
    log.info("real-time request refused", { operation: event.requestContext.operation });
  }
  if (!subscriber) return result;
  try {
    await Presence.register(
      subscriber.tenantId,
      Presence.member.socket(subscriber.recipientId),
      subscriber.until,
    );
    return result;
  } catch (error) {
    log.warn("real-time presence not registered; subscribe refused", errorFields(error));
    return { isAuthorized: false, ttlOverride: 0 };
  }
}
