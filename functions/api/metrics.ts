import * as Counters from "@herald/core/counters/query";
import { api } from "../lib/http";

/** GET /v1/metrics?from=&to=: hourly counts by channel and status for the caller's tenant. */
export const handler = api(
  { query: { "GET /v1/metrics": Counters.QueryInput } },
  async ({ event, principal }) => ({
    status: 200,
    body: await Counters.query({
      tenantId: principal.tenantId,
      query: (event.queryStringParameters ?? {}) as Counters.QueryInput,
    }),
  }),
);
