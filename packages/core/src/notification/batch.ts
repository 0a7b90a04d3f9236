import { HTTP_STATUS, ValidationError, VisibleError } from "../error";
import { fn } from "../fn";
import { errorFields, log } from "../log";
import { settle } from "../pool";
import * as Recipient from "../recipient";
import * as z from "../zod";
import { type Dispatch, dispatchMany } from "./dispatch";
import { mapSendInput } from "./model";
import {
  checkReplay,
  dispatchOf,
  joinDigest,
  type Prepared,
  type ProfileLookup,
  prepareRequest,
  redispatchOf,
  rejoinDigest,
  templateCache,
} from "./send";
import * as Store from "./store";

/**
 * POST /v1/notifications/batch: many sends in one request, each planned exactly as a single
 * send is (`prepareRequest`: the same schemas, templates, profiles, suppression, windows), then
 * stored and dispatched together:
 *
 * - an item with an idempotency key has a derived id, so its write must be conditional (a
 *   replay finds the first one): one conditional PutItem each, in parallel. BatchWriteItem
 *   takes no condition, and dynalite (the local cloud) has no TransactWriteItems; a transaction
 *   would also be all-or-nothing where items should succeed apart, and costs twice the units.
 * - an item without one gets a fresh random id, which nothing else can hold: BatchWriteItem, 25
 *   a call (the same write units as 25 puts, in one round trip).
 * - then SendMessageBatch, 10 a call per channel queue, refused entries retried; schedules for
 *   the far ones. An item is reported accepted only once it is stored and its message or
 *   schedule is dispatched (or, replayed, was stored and dispatched by the first request).
 */

/** Items per batch: 1,000 fits the Lambda and API Gateway payload limits (see MAX_BODY_BYTES). */
export const MAX_ITEMS = 1_000;
/**
 * The batch body's limit: a Lambda request payload is at most 6 MB, and the body travels in the
 * event as a JSON string (every quote escaped, about +25 % for send bodies) beside the headers
 * and context; HTTP API takes 10 MB. Items keep their single-send field limits.
 */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** As the Idempotency-Key header (which cannot hold a NUL: nor can this, ids derive from it). */
export const IdempotencyKey = z.string().check(
  z.minLength(1),
  z.maxLength(255),
  z.refine((key) => !key.includes("\u0000"), "no NUL character"),
);

const keyField = {
  idempotency_key: z
    .optional(IdempotencyKey)
    .check(
      z.describe(
        "As a single send's Idempotency-Key header, and the same keys: a key used by a single " +
          "send replays in a batch, and the other way round",
      ),
    ),
};

/** One item, as documented: a POST /v1/notifications body with its own optional key. */
export const BatchItem = mapSendInput((variant) => z.extend(variant, keyField));

/** The envelope: only its shape is checked here; each item is checked on its own. */
export const BatchInput = z.strictObject({
  items: z.array(z.unknown()).check(
    z.minLength(1),
    z.superRefine((items, ctx) => {
      if (items.length <= MAX_ITEMS) return;
      ctx.addIssue({
        code: "custom",
        message: `At most ${MAX_ITEMS} items per batch; send the rest in another`,
        params: { code: "too_many_items" },
      });
    }),
  ),
});
export type BatchInput = z.input<typeof BatchInput>;

/** The envelope as documented (the same limits, each item's schema spelt out). */
export const BatchRequest = z.strictObject({
  items: z
    .array(BatchItem)
    .check(
      z.minLength(1),
      z.maxLength(MAX_ITEMS),
      z.describe(`1 to ${MAX_ITEMS} sends; each succeeds or fails on its own`),
    ),
});

const ItemAccepted = z
  .object({
    index: z.int(),
    accepted: z.literal(true),
    id: z.string(),
    status: z.union([z.enum(["queued", "scheduled"]), z.string()]),
    scheduled_at: z.string(),
    replayed: z.boolean().check(z.describe("An earlier send with this idempotency key answered")),
  })
  .check(z.describe("Stored and on its way (or scheduled)"));

const ItemRefused = z
  .object({
    index: z.int(),
    accepted: z.literal(false),
    http_status: z.int().check(z.describe("What a single send of this item would answer")),
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.optional(z.unknown()),
    }),
  })
  .check(z.describe("Refused, with the single send's stable code; nothing was stored for it"));

export const ItemResult = z.union([ItemAccepted, ItemRefused]);
export type ItemResult = z.infer<typeof ItemResult>;

export const BatchResult = z.object({
  accepted: z.int(),
  failed: z.int(),
  results: z.array(ItemResult).check(z.describe("One per item, in the order sent")),
});
export type BatchResult = z.infer<typeof BatchResult>;

function refused(index: number, error: unknown): ItemResult {
  if (!(error instanceof VisibleError)) {
    log.error("batch item failed", { index, ...errorFields(error) });
    return {
      index,
      accepted: false,
      http_status: 500,
      error: { code: "internal_error", message: "Something went wrong on our side" },
    };
  }
  return {
    index,
    accepted: false,
    http_status: HTTP_STATUS[error.kind],
    error: {
      code: error.code,
      message: error.message,
      ...(error.details !== undefined ? { details: error.details } : {}),
    },
  };
}

function acceptedResult(index: number, item: Store.Item, replayed: boolean): ItemResult {
  return {
    index,
    accepted: true,
    id: item.id,
    status: item.status,
    scheduled_at: item.scheduled_at,
    replayed,
  };
}

class DispatchFailedError extends VisibleError {
  constructor(cause: unknown) {
    super(
      "unavailable",
      "dispatch_failed",
      "Stored but not queued; send it again (with its idempotency key, the same notification)",
      undefined,
      { cause },
    );
  }
}

interface Entry {
  index: number;
  prepared: Prepared;
}
interface Answer {
  index: number;
  /** Answered by an earlier send with the same key (in this batch or before). */
  replayed: boolean;
}
/** A stored notification waiting for its dispatch, and the items it answers. */
interface Pending {
  answers: Answer[];
  dispatch: Dispatch;
  item: Store.Item;
  keyed: boolean;
}

/**
 * A stored send with no message of its own: skipped (nothing to do), or held for a digest (it
 * joins it, or a replay joins it again).
 */
interface Undispatched {
  answers: Answer[];
  item: Store.Item;
  work: () => Promise<void>;
}

/** Over the key's rate limit: the items past what its window still held. */
class RateLimitedItemError extends VisibleError {
  constructor() {
    super(
      "rate_limited",
      "rate_limited",
      "Over the API key's rate limit: each item counts as a request; send this one later",
    );
  }
}

/**
 * A stored item nobody can dispatch again (no idempotency key): failed, so it never looks
 * pending. Best effort: it is already reported as not accepted.
 */
async function abandon(tenantId: string, item: Store.Item, now: Date) {
  try {
    await Store.transition({
      tenantId,
      id: item.id,
      from: ["queued", "scheduled"],
      to: "failed",
      now,
      set: { failed_at: now.toISOString(), last_error: "not dispatched at acceptance" },
    });
  } catch (error) {
    log.warn("undispatched batch item not marked failed", { id: item.id, ...errorFields(error) });
  }
}

const keyOf = (item: unknown) => (item as { idempotency_key?: unknown } | null)?.idempotency_key;

/** Profiles of every recipient id the items name, read 100 at a time. */
async function profileLookup(tenantId: string, items: unknown[]): Promise<ProfileLookup> {
  const ids = items.flatMap((item) => {
    const id = (item as { recipient?: { id?: unknown } } | null)?.recipient?.id;
    return typeof id === "string" && id.length <= 128 ? [id] : [];
  });
  const profiles = ids.length ? await Recipient.findMany(tenantId, ids) : new Map();
  const read = new Set(ids);
  return async (tenant, id) =>
    tenant === tenantId && read.has(id) ? profiles.get(id) : Recipient.find(tenant, id);
}

/**
 * Send every item that is valid; each gets its result, in order (partial success). `allowed`
 * items at most (the rest are `rate_limited`: the key's window counts each item).
 */
export const send = fn(
  z.object({
    tenantId: z.string().check(z.minLength(1), z.maxLength(64)),
    batch: BatchInput,
    allowed: z.optional(z.int().check(z.gte(0))),
    test: z.optional(z.boolean()),
    now: z.optional(z.date()),
  }),
  async ({ tenantId, batch, allowed = Infinity, test, now = new Date() }): Promise<BatchResult> => {
    const results: ItemResult[] = new Array(batch.items.length);
    const profiles = await profileLookup(tenantId, batch.items);
    const templates = templateCache();

    // 1. Plan each item as a single send would; an item that fails stores nothing.
    const prepared = await settle(batch.items, 16, async (raw, index) => {
      if (index >= allowed) throw new RateLimitedItemError();
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        throw new ValidationError("invalid_request", "An item is a send body (a JSON object)");
      }
      const { idempotency_key: key, ...input } = raw as Record<string, unknown>;
      if (key !== undefined && !IdempotencyKey.safeParse(key).success) {
        throw new ValidationError("invalid_request", "idempotency_key: 1 to 255 characters", [
          {
            path: "idempotency_key",
            code: "invalid_format",
            message: "1 to 255 characters, no NUL",
          },
        ]);
      }
      return prepareRequest({
        tenantId,
        input,
        idempotencyKey: key as string | undefined,
        test,
        now,
        profiles,
        templates,
      });
    });

    // 2. Group by id: a key repeated within the batch is one send (its first item); the others
    // answer as a replay of it would (the same id, or idempotency_key_reused).
    const keyed = new Map<string, Entry[]>();
    const fresh: Entry[] = [];
    prepared.forEach((result, index) => {
      if (result.status === "rejected") {
        results[index] = refused(index, result.reason);
        return;
      }
      const entry = { index, prepared: result.value };
      if (keyOf(batch.items[index]) === undefined) fresh.push(entry);
      else keyed.set(result.value.info.id, [...(keyed.get(result.value.info.id) ?? []), entry]);
    });

    // 3. Store: conditional puts for keyed items, BatchWriteItem for fresh ones.
    const toDispatch: Pending[] = [];
    const undispatched: Undispatched[] = [];
    const unkeyedFailures = await Store.createFresh(fresh.map((entry) => entry.prepared.item));
    for (const { index, prepared: p } of fresh) {
      const failure = unkeyedFailures.get(p.info.id);
      const answers = [{ index, replayed: false }];
      const dispatch = dispatchOf(p);
      if (failure) results[index] = refused(index, failure);
      else if (dispatch) toDispatch.push({ answers, dispatch, item: p.item, keyed: false });
      else undispatched.push({ answers, item: p.item, work: () => joinDigest(p) });
    }
    const groups = [...keyed.values()];
    const stored = await settle(groups, 16, async ([first]) => {
      const p = (first as Entry).prepared;
      if (await Store.create(p.item)) return { item: p.item, created: true };
      return { item: await Store.read(tenantId, p.info.id), created: false };
    });
    stored.forEach((outcome, g) => {
      const group = groups[g] as Entry[];
      if (outcome.status === "rejected") {
        for (const { index } of group) results[index] = refused(index, outcome.reason);
        return;
      }
      const { item, created } = outcome.value;
      const answers: Answer[] = [];
      for (const [position, { index, prepared: p }] of group.entries()) {
        if (position === 0 && created) {
          answers.push({ index, replayed: false });
          continue;
        }
        // A later item with the same key, or a key an earlier request stored: the same body
        // is a replay of it, another body idempotency_key_reused.
        try {
          checkReplay(p, item);
          answers.push({ index, replayed: true });
        } catch (error) {
          results[index] = refused(index, error);
        }
      }
      if (!item || answers.length === 0) return;
      const leader = (group[0] as Entry).prepared;
      const first = created ? dispatchOf(leader) : undefined;
      if (created && !first) {
        undispatched.push({ answers, item, work: () => joinDigest(leader) });
      } else if (!created && item.status === "held") {
        undispatched.push({ answers, item, work: () => rejoinDigest(tenantId, item, now) });
      } else if (created || Store.mayHaveLostItsMessage(item)) {
        const dispatch = first ?? redispatchOf(tenantId, item, now);
        toDispatch.push({ answers, dispatch, item, keyed: true });
      } else {
        for (const { index } of answers) results[index] = acceptedResult(index, item, true);
      }
    });

    // 4. Dispatch: SendMessageBatch per queue, schedules for the far ones; held items join
    // their digests (skipped ones are done).
    const [failedDispatch, joined] = await Promise.all([
      dispatchMany(toDispatch.map((entry) => entry.dispatch)),
      settle(undispatched, 16, (entry) => entry.work()),
    ]);
    // (`accepted` and `skipped` are counted from the table's stream: ../counters/accepted.ts.)
    const abandoned: Store.Item[] = [];
    joined.forEach((outcome, i) => {
      const { answers, item } = undispatched[i] as Undispatched;
      for (const { index, replayed } of answers) {
        results[index] =
          outcome.status === "rejected"
            ? refused(index, outcome.reason)
            : acceptedResult(index, item, replayed);
      }
    });
    for (const { answers, dispatch, item, keyed: hasKey } of toDispatch) {
      const failure = failedDispatch.get(dispatch.id);
      for (const { index, replayed } of answers) {
        results[index] = failure
          ? refused(index, new DispatchFailedError(failure))
          : acceptedResult(index, item, replayed);
      }
      // Without a key nobody can replay it into a queue: it must not look pending forever.
      if (failure && !hasKey) abandoned.push(item);
    }
    await Promise.all(abandoned.map((item) => abandon(tenantId, item, now)));
    const accepted = results.filter((result) => result.accepted).length;
    return { accepted, failed: results.length - accepted, results };
  },
);
