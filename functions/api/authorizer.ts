import * as Tenant from "@herald/core/tenant";
import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";

/**
 * API Gateway Lambda authorizer (payload 2.0, simple responses): the API key becomes the
 * tenant the route handlers see in `requestContext.authorizer.lambda`.
 */
export async function handler(event: APIGatewayRequestAuthorizerEventV2) {
  const principal = await Tenant.authenticate(event.headers?.authorization);
  return principal ? { isAuthorized: true, context: { ...principal } } : { isAuthorized: false };
}
