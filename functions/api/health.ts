import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/**
 * GET /health, without a credential: a plain handler, not the middy chain, since it reads
 * nothing from the request and can only answer this (the chain was nearly all of its init).
 */
export async function handler(): Promise<APIGatewayProxyStructuredResultV2> {
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ok: true }),
  };
}
