import { log } from "@herald/core/log";
import * as Channel from "@herald/core/realtime/channel";

/**
 * The WebSocket feed's authorizer: AppSync Events (AWS_LAMBDA auth mode) calls it before each
 * connect and subscribe with the recipient token the browser put in its authorization; the
 * decision is `Realtime.Socket.authorize`. Publishing never reaches it: the API accepts
 * publishes only over IAM, from Herald's own functions.
 */
export async function handler(event: Channel.AuthorizerEvent): Promise<Channel.AuthorizerResult> {
  log.setContext({
    requestId: event.requestContext.requestId,
    route: event.requestContext.operation,
  });
  const result = Channel.authorize(event);
  if (!result.isAuthorized) {
    log.info("real-time request refused", { operation: event.requestContext.operation });
  }
  return result;
}
