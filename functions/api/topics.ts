import * as Topic from "@herald/core/topic";
import { type ApiRequest, type ApiResult, api } from "../lib/http";

type Route = (request: ApiRequest & { topic: string }) => Promise<ApiResult>;

/** Topics: subscribers, and sends to all of them (fanned out by the fan-out worker). */
const routes: Record<string, Route> = {
  "PUT /v1/topics/{topic}/subscribers/{recipient}": async ({ principal, topic, event }) => ({
    status: 200,
    body: await Topic.subscribe({
      tenantId: principal.tenantId,
      topic,
      recipient: event.pathParameters?.recipient ?? "",
    }),
  }),
  "DELETE /v1/topics/{topic}/subscribers/{recipient}": async ({ principal, topic, event }) => {
    await Topic.unsubscribe({
      tenantId: principal.tenantId,
      topic,
      recipient: event.pathParameters?.recipient ?? "",
    });
    return { status: 204 };
  },
  "GET /v1/topics/{topic}/subscribers": async ({ principal, topic, event }) => ({
    status: 200,
    body: await Topic.list({
      tenantId: principal.tenantId,
      topic,
      query: (event.queryStringParameters ?? {}) as Topic.ListInput,
    }),
  }),
  "POST /v1/topics/{topic}/notifications": async ({ principal, topic, event, body }) => {
    const { send, replayed } = await Topic.send({
      tenantId: principal.tenantId,
      topic,
      input: body as Topic.TopicSendInput,
      idempotencyKey: event.headers["idempotency-key"],
      test: principal.test,
    });
    return {
      status: 202,
      body: send,
      headers: replayed ? { "idempotent-replayed": "true" } : undefined,
    };
  },
  "GET /v1/topics/{topic}/notifications/{id}": async ({ principal, topic, event }) => ({
    status: 200,
    body: await Topic.get({
      tenantId: principal.tenantId,
      topic,
      id: event.pathParameters?.id ?? "",
    }),
  }),
};

export const handler = api({ body: "POST" }, async (request) => {
  const route = routes[request.event.routeKey];
  if (!route) throw new Error(`unexpected route ${request.event.routeKey}`);
  return route({ ...request, topic: request.event.pathParameters?.topic ?? "" });
});
