import * as Batch from "@herald/core/notification/batch";
import * as RateLimit from "@herald/core/tenant/ratelimit";
import { api } from "../../lib/http";

/** POST /v1/notifications/batch: each item counts against the key's rate limit as a request. */
export const handler = api(
  { body: true, maxBodyBytes: Batch.MAX_BODY_BYTES },
  async ({ body, principal }) => {
    const items = (body as { items?: unknown }).items;
    const count = Array.isArray(items) && items.length <= Batch.MAX_ITEMS ? items.length : 0;
    // The request itself counted one already.
    const allowed = 1 + (await RateLimit.allow(principal.keyId, count - 1));
    return {
      status: 200,
      body: await Batch.send({
        tenantId: principal.tenantId,
        batch: body as Batch.BatchInput,
        allowed,
        test: principal.test,
      }),
    };
  },
);
