import { NotFoundError } from "../error";
import { fn } from "../fn";
import * as Realtime from "../realtime/publish";
import { reached } from "../workflow/outcome";
import * as z from "../zod";
import { type Info, RecipientId } from "./model";
import * as Store from "./store";

/**
 * A recipient's in-app inbox: in-app notifications, newest delivery first, filed there by the
 * write that delivered them (a sparse index, so the inbox holds nothing else). Read and seen
 * marks are idempotent single-item writes.
 */

const Ref = z.object({ tenantId: z.string().check(z.minLength(1)), recipientId: RecipientId });

export const ListInput = z.strictObject({
  unread: z.optional(z.enum(["true", "false"])),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 25),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});
export type ListInput = z.input<typeof ListInput>;

export const list = fn(
  z.extend(Ref, { query: ListInput }),
  async ({ tenantId, recipientId, query }) => {
    const page = await Store.query({
      listing: { tenantId, by: "inbox", recipientId },
      unread: query.unread === "true",
      limit: query.limit,
      cursor: query.cursor,
    });
    return { items: page.items.map(Store.toInfo), next_cursor: page.cursor };
  },
);

export const unreadCount = fn(Ref, async ({ tenantId, recipientId }) => ({
  unread: await Store.countUnread(tenantId, recipientId),
}));

const Mark = z.extend(Ref, {
  id: z.string().check(z.minLength(1), z.maxLength(64)),
  mark: z.enum(["read", "seen"]),
  now: z.optional(z.date()),
});

/** Mark an inbox message read (which implies seen) or seen. Repeating it changes nothing. */
export const mark = fn(
  Mark,
  async ({ tenantId, recipientId, id, mark, now = new Date() }): Promise<Info> => {
    const stamp = now.toISOString();
    const item = await Store.touch({
      tenantId,
      id,
      keep: mark === "read" ? { read_at: stamp, seen_at: stamp } : { seen_at: stamp },
      inboxOf: recipientId,
    });
    if (!item) throw new NotFoundError("inbox_message", id);
    const info = Store.toInfo(item);
    // A workflow step read or seen stops the later steps waiting on that (workflow/outcome.ts).
    await Promise.all([
      Realtime.publish(tenantId, info),
      info.workflow
        ? reached(tenantId, info, mark === "read" ? ["read", "seen"] : ["seen"], now)
        : undefined,
    ]);
    return info;
  },
);

/**
 * Mark every unread message read, page by page (each mark is the same idempotent write as
 * `mark`, and publishes its event, so open feeds see each message change). Answers how many it
 * marked and the unread count left (zero unless messages arrived meanwhile).
 */
export const readAll = fn(
  z.extend(Ref, { now: z.optional(z.date()) }),
  async ({ tenantId, recipientId, now = new Date() }) => {
    let marked = 0;
    let cursor: string | undefined;
    do {
      const page = await list({
        tenantId,
        recipientId,
        query: { unread: "true", limit: 100, cursor },
      });
      for (const item of page.items) {
        await mark({ tenantId, recipientId, id: item.id, mark: "read", now });
        marked += 1;
      }
      cursor = page.next_cursor;
    } while (cursor);
    const { unread } = await unreadCount({ tenantId, recipientId });
    return { marked, unread };
  },
);
