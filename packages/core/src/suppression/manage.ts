import { NotFoundError } from "../error";
import { fn } from "../fn";
import * as z from "../zod";
import { normalize } from "./index";
import * as Store from "./store";

/**
 * The suppression list's API (`/v1/suppressions`): its entries' schemas and the list, get and
 * remove verbs. Apart from ./index (add, assertNotSuppressed), so the workers, the feedback
 * function and the sending routes construct none of these schemas at init.
 */

export const Entry = z.object({
  address: z.string(),
  reason: z.enum(["hard_bounce", "complaint", "unsubscribed"]),
  notification_id: z
    .optional(z.string())
    .check(z.describe("The notification whose feedback added it")),
  detail: z.optional(z.string()).check(z.describe("The bounce diagnostic or complaint type")),
  created_at: z.string(),
});
export type Entry = z.infer<typeof Entry>;

export const EntryList = z.object({
  items: z.array(Entry),
  next_cursor: z.optional(z.string()).check(z.describe("Pass as `cursor` for the next page")),
});

const Address = z.string().check(z.minLength(3), z.maxLength(254));
const TenantId = z.string().check(z.minLength(1), z.maxLength(64));

export const ListInput = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 25),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});

export const list = fn(z.object({ tenantId: TenantId, query: ListInput }), ({ tenantId, query }) =>
  Store.listPage(tenantId, query.limit, query.cursor),
);

export const get = fn(
  z.object({ tenantId: TenantId, address: Address }),
  async ({ tenantId, address }) => {
    const entry = await Store.find(tenantId, normalize(address));
    if (!entry) throw new NotFoundError("suppression", address);
    return entry;
  },
);

export const remove = fn(
  z.object({ tenantId: TenantId, address: Address }),
  async ({ tenantId, address }) => {
    if (!(await Store.remove(tenantId, normalize(address)))) {
      throw new NotFoundError("suppression", address);
    }
  },
);
