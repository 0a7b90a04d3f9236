import * as Topic from "@herald/core/topic";
import { api, replayedHeaders, unhandled } from "../lib/http";
import type { RouteKey } from "../routes";

/** Topics: subscribers, and sends to all of them (fanned out by the fan-out worker). */
export const handler = api(
  { body: "POST", query: { "GET /v1/topics/{topic}/subscribers": Topic.ListInput } },
  async ({ event, body, principal }) => {
    const tenantId = principal.tenantId;
    const topic = event.pathParameters?.topic ?? "";
    const recipient = event.pathParameters?.recipient ?? "";
    const route = event.routeKey as RouteKey<"functions/api/topics.handler">;
    switch (route) {
      case "PUT /v1/topics/{topic}/subscribers/{recipient}":
        return { status: 200, body: await Topic.subscribe({ tenantId, topic, recipient }) };
      case "DELETE /v1/topics/{topic}/subscribers/{recipient}":
        await Topic.unsubscribe({ tenantId, topic, recipient });
        return { status: 204 };
      case "GET /v1/topics/{topic}/subscribers":
        return {
          status: 200,
          body: await Topic.list({
            tenantId,
            topic,
            query: (event.queryStringParameters ?? {}) as Topic.ListInput,
          }),
        };
      case "POST /v1/topics/{topic}/notifications": {
        const { send, replayed } = await Topic.send({
          tenantId,
          topic,
          input: body as Topic.TopicSendInput,
          idempotencyKey: event.headers["idempotency-key"],
          test: principal.test,
        });
        return {
          status: 202,
          body: send,
          headers: replayedHeaders(replayed),
        };
      }
      case "GET /v1/topics/{topic}/notifications/{id}":
        return {
          status: 200,
          body: await Topic.get({ tenantId, topic, id: event.pathParameters?.id ?? "" }),
        };
      default:
        return unhandled(route);
    }
  },
);
