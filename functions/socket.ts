import { errorFields, log } from "@herald/core/log";
import * as Realtime from "@herald/core/realtime";
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";

/**
 * The WebSocket feed's routes (API Gateway WebSocket API, `functions/manifest.ts` `socket`):
 * `$connect` checks the recipient token (`?token=`, as browsers cannot set headers, or
 * `Authorization: Bearer`), `$disconnect` forgets the connection, and every message
 * (`subscribe`, `unsubscribe`, `ping`, `$default`) is answered on the connection itself.
 */

/** `$connect` carries the handshake's query and headers, which the message type lacks. */
export type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
};

export async function connect(event: ConnectEvent): Promise<APIGatewayProxyResultV2> {
  const { connectionId } = event.requestContext;
  log.setContext({ requestId: event.requestContext.requestId, route: "$connect" });
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "")?.[1];
  try {
    await Realtime.Socket.connect({
      connectionId,
      token: bearer ?? event.queryStringParameters?.token,
    });
    return { statusCode: 200 };
  } catch (error) {
    if (error instanceof Realtime.TokenError) {
      return {
        statusCode: 401,
        body: JSON.stringify({ error: { code: error.code, message: error.message } }),
      };
    }
    log.error("connect failed", errorFields(error));
    return { statusCode: 500 };
  }
}

export async function disconnect(
  event: APIGatewayProxyWebsocketEventV2,
): Promise<APIGatewayProxyResultV2> {
  log.setContext({ requestId: event.requestContext.requestId, route: "$disconnect" });
  await Realtime.Socket.disconnect(event.requestContext.connectionId);
  return { statusCode: 200 };
}

export async function message(
  event: APIGatewayProxyWebsocketEventV2,
): Promise<APIGatewayProxyResultV2> {
  log.setContext({
    requestId: event.requestContext.requestId,
    route: event.requestContext.routeKey,
  });
  await Realtime.Socket.receive(event.requestContext.connectionId, event.body ?? undefined);
  return { statusCode: 200 };
}
