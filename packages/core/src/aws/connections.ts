import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";

const managers = new Map<string, ApiGatewayManagementApiClient>();
/**
 * The `@connections` Management API of a WebSocket API. Its endpoint is the API's own (from the
 * `Socket` link), not a regional service endpoint, so there is one client per endpoint.
 */
export function connections(endpoint: string): ApiGatewayManagementApiClient {
  let client = managers.get(endpoint);
  if (!client) {
    client = new ApiGatewayManagementApiClient({ endpoint });
    managers.set(endpoint, client);
  }
  return client;
}
