import { NotFoundError, ValidationError } from "../error";
import { fn } from "../fn";
import { log } from "../log";
import * as z from "../zod";
import * as Store from "./store";

/**
 * Suppression: addresses a tenant's email must not go to, because they bounced hard or their
 * owner complained. Added automatically from provider feedback; a send to a suppressed address
 * is refused at acceptance (400 `recipient_suppressed`), so it costs no provider call. Removing
 * an entry (DELETE) lets the address receive mail again.
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

/** Addresses compare case-insensitively (as mailbox providers treat them in practice). */
export function normalize(address: string): string {
  return address.trim().toLowerCase();
}

/** Put an address on the list (again: the latest reason wins). */
export async function add(
  tenantId: string,
  entry: Omit<Entry, "created_at" | "address"> & { address: string },
) {
  const address = normalize(entry.address);
  await Store.put(tenantId, { ...entry, address, created_at: new Date().toISOString() });
  log.info("suppressed", { address, reason: entry.reason });
}

/** Refuse a send to a suppressed address. */
export async function assertNotSuppressed(tenantId: string, address: string) {
  const entry = await Store.find(tenantId, normalize(address));
  if (entry) {
    throw new ValidationError(
      "recipient_suppressed",
      `${entry.address} is on the suppression list (${entry.reason}); DELETE /v1/suppressions/${encodeURIComponent(entry.address)} to send to it again`,
      { address: entry.address, reason: entry.reason },
    );
  }
}

export const ListInput = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 25),
  cursor: z.optional(z.string().check(z.maxLength(300))),
});

export const list = fn(
  z.object({ tenantId: TenantId, query: ListInput }),
  async ({ tenantId, query }) => {
    const after = query.cursor
      ? Buffer.from(query.cursor, "base64url").toString("utf8")
      : undefined;
    const page = await Store.list(tenantId, query.limit, after);
    return {
      items: page.items,
      ...(page.next ? { next_cursor: Buffer.from(page.next).toString("base64url") } : {}),
    };
  },
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
