import { cached } from "../cache";
import { tuning } from "../config";
import * as Store from "./store";

/**
 * A tenant's endpoints, read at most every HERALD_CALLBACK_CACHE_MS per container (a tenant
 * without any costs one Query per container and period instead of one per status change). The
 * API verbs forget a tenant they change; other containers see it within the period.
 */
export const endpointsOf = cached(
  () => tuning().HERALD_CALLBACK_CACHE_MS,
  (tenantId: string) => Store.all(tenantId),
);
