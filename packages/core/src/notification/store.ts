import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../aws/dynamo";
import { tableName } from "../config";
import * as Cursor from "../cursor";
import { itemBytes } from "../item-size";
import { settle } from "../pool";
import { expired } from "../retention";
import { type IndexName, schema } from "../table";
import * as Body from "./body";
import type { Info, Route, Status } from "./model";
import { CLAIMABLE } from "./status";

/**
 * The notification entity in the single table (`../table.ts`): every key and every DynamoDB
 * expression about notifications is written here and nowhere else. Private to the domain:
 * handlers go through the verbs in ./index.ts and ./inbox.ts, which call these functions.
 *
 *   pk  NTF#<tenant>#<id>          sk  NTF
 *   gsi1pk TNT#<tenant>            gsi1sk <created_at>#<id>     (tenant listing, newest first)
 *   gsi2pk RCP#<tenant>#<recipient> gsi2sk <created_at>#<id>    (recipient history)
 *   gsi3pk BOX#<tenant>#<recipient> gsi3sk <delivered_at>#<id>  (in-app inbox; sparse: set on
 *                                                                 delivery of in-app messages)
 *
 * and, for content that would make every status write cost another KB (./body.ts), its body:
 *
 *   pk  NTF#<tenant>#<id>          sk  BODY#<hash of the content>  data <brotli of its JSON>
 *
 * written before the status item that names it (`body`), with the same `expires_at`, never
 * changed. Every function here that returns an item returns it with its `content`.
 */
export interface Item extends Info {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk?: string;
  gsi2sk?: string;
  gsi3pk?: string;
  gsi3sk?: string;
  tenant_id: string;
  route: Route;
  request_hash: string;
  lease_until?: number;
  /** Set when its retries ran out (schedule spent or dead-lettered), which makes it retryable. */
  exhausted?: boolean;
  /** Generation of the current dispatch; only a message carrying it may claim (absent: 0). */
  gen?: number;
  /** `attempts` when the current retry round began (0, or its value at an API retry). */
  round_start?: number;
  /** Name of the pending Scheduler schedule when it is not the id (retries: one per attempt). */
  schedule_name?: string;
  /** The attempt a provider accepted although its completion found the item changed. */
  provider_accepted_attempt?: number;
  /** A digest: the ids of the notifications that joined it (a string set). */
  members?: Set<string>;
  /** The sort key of the body item holding `content`, which the stored item then lacks. */
  body?: string;
}

const SK = "NTF";

/** Waiting for its first attempt, which no worker has begun. */
export function mayHaveLostItsMessage(item: Pick<Item, "status" | "attempts">): boolean {
  return (item.status === "queued" || item.status === "scheduled") && (item.attempts ?? 0) === 0;
}

export function key(tenantId: string, id: string) {
  return { pk: `NTF#${tenantId}#${id}`, sk: SK };
}

export function toItem(tenantId: string, info: Info, route: Route, requestHash: string): Item {
  const sort = `${info.created_at}#${info.id}`;
  return {
    ...key(tenantId, info.id),
    gsi1pk: `TNT#${tenantId}`,
    gsi1sk: sort,
    ...(info.recipient.id ? { gsi2pk: `RCP#${tenantId}#${info.recipient.id}`, gsi2sk: sort } : {}),
    tenant_id: tenantId,
    route,
    request_hash: requestHash,
    ...info,
  };
}

const INTERNAL = [
  "pk",
  "sk",
  "gsi1pk",
  "gsi1sk",
  "gsi2pk",
  "gsi2sk",
  "gsi3pk",
  "gsi3sk",
  "tenant_id",
  "route",
  "request_hash",
  "lease_until",
  "exhausted",
  "gen",
  "round_start",
  "schedule_name",
  "provider_accepted_attempt",
  "members",
  Body.MARKER,
] as const;

export function toInfo(item: Item): Info {
  const info: Record<string, unknown> = { ...item };
  for (const field of INTERNAL) delete info[field];
  return info as Info;
}

const table = tableName;

/**
 * Caller-supplied JSON (content, metadata) is stored as a JSON string: DynamoDB maps cannot hold
 * every JSON value (numbers beyond 38 digits, nesting past 32 levels), and nothing queries into
 * it. Everything else stays a typed attribute.
 */
const OPAQUE = ["content", "metadata"] as const;

function encode(item: Item): Record<string, unknown> {
  const record: Record<string, unknown> = { ...item };
  for (const field of OPAQUE) {
    if (record[field] !== undefined) record[field] = JSON.stringify(record[field]);
  }
  return record;
}

function decode(record: Record<string, unknown> | undefined): Item | undefined {
  if (!record) return undefined;
  const item: Record<string, unknown> = { ...record };
  for (const field of OPAQUE) {
    if (typeof item[field] === "string") item[field] = JSON.parse(item[field] as string);
  }
  return item as unknown as Item;
}

/** What a write of `item` stores: the status item, and the body to write first (if any). */
interface Stored {
  record: Record<string, unknown>;
  body?: BodyItem;
}

type BodyItem = { pk: string; sk: string; data: Uint8Array; expires_at?: number };

/** The item as stored: its content inline, or in a body when that saves write units. */
function store(item: Item): Stored {
  const { content, body: _stale, ...rest } = encode(item);
  if (typeof content !== "string") return { record: rest };
  const kept = Body.offload(itemBytes(rest), content);
  if (!kept) return { record: { ...rest, content } };
  return {
    record: { ...rest, [Body.MARKER]: kept.sk },
    body: { pk: item.pk, sk: kept.sk, data: kept.data, expires_at: item.expires_at },
  };
}

const bodyKey = (pk: string, sk: string) => `${pk}\n${sk}`;

/**
 * Write a body, before the status item that will name it. Content-addressed, so one already
 * there holds these very bytes (a replay, a retry after a crash): only its `expires_at` may
 * differ, and it only ever moves later, so a body outlives every status item that names it.
 */
async function putBody(body: BodyItem): Promise<void> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: table(),
        Item: body,
        ...(body.expires_at === undefined
          ? {}
          : {
              ConditionExpression: "attribute_not_exists(pk) OR expires_at < :expires",
              ExpressionAttributeValues: { ":expires": body.expires_at },
            }),
      }),
    );
  } catch (error) {
    // There already, and kept at least as long.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * Give items whose content is in a body their `content`: from this container's cache, else one
 * read for all (eventually consistent, half the price; the body was written before any status
 * item naming it, so only a replica that has not caught up yet can miss it, and those are read
 * again strongly consistent).
 */
async function hydrate(items: Item[]): Promise<void> {
  const wanted = new Map<string, Item[]>();
  for (const item of items) {
    if (!item.body || item.content !== undefined) continue;
    const key = bodyKey(item.pk, item.body);
    const cached = Body.recall(key);
    if (cached !== undefined) item.content = JSON.parse(cached);
    else wanted.set(key, [...(wanted.get(key) ?? []), item]);
  }
  if (wanted.size === 0) return;
  let keys = [...wanted.values()].map(([item]) => ({ pk: item?.pk, sk: item?.body }));
  for (const consistent of [false, true]) {
    for (const found of await readRecords(keys, consistent)) {
      const key = bodyKey(String(found.pk), String(found.sk));
      const json = Body.decompress(found.data as Uint8Array);
      Body.remember(key, json);
      for (const item of wanted.get(key) ?? []) item.content = JSON.parse(json);
      wanted.delete(key);
    }
    keys = keys.filter((k) => wanted.has(bodyKey(String(k.pk), String(k.sk))));
    if (keys.length === 0) return;
  }
  throw new Error(`notification bodies missing: ${[...wanted.keys()].join(", ")}`);
}

/** The items at these keys that exist, in no particular order (GetItem for one, else BatchGetItem). */
async function readRecords(
  keys: Record<string, unknown>[],
  consistent = false,
): Promise<Record<string, unknown>[]> {
  if (keys.length === 1) {
    const result = await dynamo().send(
      new GetCommand({ TableName: table(), Key: keys[0], ConsistentRead: consistent }),
    );
    return result.Item ? [result.Item] : [];
  }
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let wanted: Record<string, unknown>[] | undefined = keys.slice(i, i + 100);
    for (let round = 0; wanted?.length; round++) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** round));
      const result: BatchGetCommandOutput = await dynamo().send(
        new BatchGetCommand({
          RequestItems: { [table()]: { Keys: wanted, ConsistentRead: consistent } },
        }),
      );
      found.push(...(result.Responses?.[table()] ?? []));
      wanted = result.UnprocessedKeys?.[table()]?.Keys;
    }
  }
  return found;
}

/** Create the item unless one with the same key exists. Returns false when it already did. */
export async function create(item: Item): Promise<boolean> {
  const { record, body } = store(item);
  if (body) await putBody(body);
  try {
    await dynamo().send(
      new PutCommand({
        TableName: table(),
        Item: record,
        // An expired item TTL has not deleted yet is gone already: its key may be reused.
        ConditionExpression: "attribute_not_exists(pk) OR expires_at <= :now_s",
        ExpressionAttributeValues: { ":now_s": Math.floor(Date.now() / 1000) },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** BatchWriteItem takes at most 25 puts. */
const WRITE_BATCH = 25;

/**
 * Store items whose ids are fresh (random, never derived from a caller's key), so no condition
 * is needed: `BatchWriteItem`, 25 a call, unprocessed items retried with backoff; the bodies of
 * a chunk's items first, then the items. Returns the ids that could not be stored (with why);
 * the rest are stored. Never for an item that may exist (an idempotent send needs `create`'s
 * condition, which BatchWriteItem cannot carry).
 */
export async function createFresh(items: Item[]): Promise<Map<string, unknown>> {
  const failed = new Map<string, unknown>();
  const chunks = Array.from({ length: Math.ceil(items.length / WRITE_BATCH) }, (_, i) =>
    items.slice(i * WRITE_BATCH, (i + 1) * WRITE_BATCH),
  );
  const results = await settle(chunks, 8, async (chunk) => {
    const stored = chunk.map(store);
    // Fresh ids: no body can be there yet, so plain puts.
    await putAll(stored.flatMap(({ body }) => (body ? [body] : [])));
    await putAll(stored.map(({ record }) => record));
  });
  results.forEach((result, i) => {
    if (result.status === "fulfilled") return;
    // A chunk that failed may be partly stored: those ids are reported failed all the same,
    // and their items, never dispatched, are never sent.
    for (const item of chunks[i] ?? []) failed.set(item.id, result.reason);
  });
  return failed;
}

/** Put up to 25 items (one BatchWriteItem), unprocessed ones again with backoff. */
async function putAll(records: Record<string, unknown>[]): Promise<void> {
  let pending = records.map((record) => ({ PutRequest: { Item: record } }));
  for (let round = 0; pending.length > 0; round++) {
    if (round === 5) throw new Error("DynamoDB left items unprocessed after 5 rounds");
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
    const result = await dynamo().send(
      new BatchWriteCommand({ RequestItems: { [table()]: pending } }),
    );
    pending = (result.UnprocessedItems?.[table()] ?? []) as typeof pending;
  }
}

export async function read(tenantId: string, id: string): Promise<Item | undefined> {
  const result = await dynamo().send(
    new GetCommand({ TableName: table(), Key: key(tenantId, id), ConsistentRead: true }),
  );
  const item = decode(result.Item);
  // TTL deletes up to days after expiry: an expired item is gone already.
  if (!item || expired(item.expires_at)) return undefined;
  await hydrate([item]);
  return item;
}

export interface Transition {
  tenantId: string;
  id: string;
  /** The statuses the item must be in for the change to apply. */
  from: Status[];
  to: Status;
  now: Date;
  /** Extra attributes to set. */
  set?: Record<string, unknown>;
  /** Attributes to set only where the item has none yet. */
  keep?: Record<string, unknown>;
  /** Attributes to remove. */
  remove?: string[];
  /** Refinements of the status check (see `Guard`). */
  guard?: Guard;
  /** Count this as a delivery attempt. */
  attempt?: boolean;
  /** Numbers to add to (absent counts as 0), e.g. `{ gen: 1 }`. */
  add?: Record<string, number>;
  /** Attributes set to another attribute's value (before this write), as `{ to: from }`. */
  copy?: Record<string, string>;
  /** Values appended to list attributes (absent counts as empty), e.g. `{ events: [event] }`. */
  append?: Record<string, unknown[]>;
}

function appendClauses(
  append: Record<string, unknown[]>,
  names: Record<string, string>,
  values: Record<string, unknown>,
): string[] {
  return Object.entries(append).map(([field, items]) => {
    names[`#${field}`] = field;
    values[`:append_${field}`] = items;
    values[":empty_list"] = [];
    return `#${field} = list_append(if_not_exists(#${field}, :empty_list), :append_${field})`;
  });
}

/**
 * One conditional write that moves a notification between statuses. Returns the item after the
 * write, or undefined when the condition did not hold (it is in another status, or gone).
 */
export async function transition(change: Transition): Promise<Item | undefined> {
  const guard = guardOf(change.guard ?? {});
  const names: Record<string, string> = { "#status": "status", "#updated": "updated_at" };
  const values: Record<string, unknown> = {
    ":to": change.to,
    ":now": change.now.toISOString(),
    ...guard.values,
  };
  const sets = ["#status = :to", "#updated = :now"];
  for (const [field, value] of Object.entries(change.set ?? {})) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  for (const [field, value] of Object.entries(change.keep ?? {})) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = if_not_exists(#${field}, :${field})`);
  }
  if (change.attempt) {
    values[":one"] = 1;
    values[":zero"] = 0;
    sets.push("attempts = if_not_exists(attempts, :zero) + :one");
  }
  for (const [field, source] of Object.entries(change.copy ?? {})) {
    names[`#${field}`] = field;
    names[`#${source}`] = source;
    values[":zero"] = 0;
    sets.push(`#${field} = if_not_exists(#${source}, :zero)`);
  }
  for (const [field, amount] of Object.entries(change.add ?? {})) {
    names[`#${field}`] = field;
    values[`:add_${field}`] = amount;
    values[":zero"] = 0;
    sets.push(`#${field} = if_not_exists(#${field}, :zero) + :add_${field}`);
  }
  sets.push(...appendClauses(change.append ?? {}, names, values));
  const fromKeys = change.from.map((status, index) => {
    values[`:from${index}`] = status;
    return `:from${index}`;
  });
  let status = `#status IN (${fromKeys.join(", ")})`;
  if (guard.or) status = `(${status} OR (${guard.or}))`;
  let condition = `attribute_exists(pk) AND ${status}`;
  if (guard.and.length) condition += ` AND (${guard.and.join(") AND (")})`;
  const remove = change.remove?.length ? ` REMOVE ${change.remove.join(", ")}` : "";
  return conditionalUpdate(change, `SET ${sets.join(", ")}${remove}`, condition, names, values);
}

/** What a transition's write is conditional on: the item's status, and its guard. */
export type Condition = Pick<Transition, "from" | "guard">;

/**
 * What taking a notification for delivery requires (README, "Exactly once"): a claimable status,
 * or `sending` whose lease ran out before `now` (its worker died), and the message's generation.
 * A claim's write, the outcome write of a `take` that did not claim and a dead letter's write are
 * conditional on it; `take` decides on it in memory first (`admits`).
 */
export function claimable(now: Date, gen: number): Condition {
  return { from: CLAIMABLE, guard: { leaseExpiredBefore: now, generation: gen } };
}

/**
 * What a transition also requires, beyond the item being in one of its `from` statuses. Each is
 * one rule of the delivery protocol (README, "Exactly once").
 */
export interface Guard {
  /** Also admit an item still `sending` whose lease ran out before this instant. */
  leaseExpiredBefore?: Date;
  /** Only the dispatch of this generation (an item without one is at generation 0). */
  generation?: number;
  /** Only while the item is at exactly this stored generation (a hand-back after a failed force). */
  storedGen?: number;
  /** Only the claim that counted this attempt owns the item. */
  attempt?: number;
  /** Only an item whose retries ran out and that no provider ever accepted. */
  retryable?: boolean;
  /** Not a digest (which carries held members: cancelling it would strand them). */
  notDigest?: boolean;
}

function guardOf(guard: Guard): { or?: string; and: string[]; values: Record<string, unknown> } {
  const and: string[] = [];
  const values: Record<string, unknown> = {};
  let or: string | undefined;
  if (guard.leaseExpiredBefore) {
    or = "#status = :sending AND lease_until < :now_ms";
    Object.assign(values, { ":sending": "sending", ":now_ms": guard.leaseExpiredBefore.getTime() });
  }
  if (guard.generation !== undefined) {
    and.push("gen = :gen OR (attribute_not_exists(gen) AND :gen = :gen0)");
    Object.assign(values, { ":gen": guard.generation, ":gen0": 0 });
  }
  if (guard.storedGen !== undefined) {
    and.push("gen = :stored_gen");
    values[":stored_gen"] = guard.storedGen;
  }
  if (guard.attempt !== undefined) {
    and.push("attempts = :attempt");
    values[":attempt"] = guard.attempt;
  }
  if (guard.retryable) {
    and.push("exhausted = :yes AND attribute_not_exists(provider_accepted_at)");
    values[":yes"] = true;
  }
  if (guard.notDigest) and.push("attribute_not_exists(digest)");
  return { or, and, values };
}

/**
 * Whether the item, as read, passes the condition `transition` writes for it (the status check
 * and `guardOf`'s clauses, evaluated in memory): for a decision made on a read that the write it
 * leads to checks again (`take`). Change it with `guardOf`: test/claim-condition.test.ts holds
 * the two to the same answer, case by case, against DynamoDB.
 */
export function admits(item: Item | undefined, { from, guard = {} }: Condition): boolean {
  if (!item) return false;
  const leaseRanOut =
    guard.leaseExpiredBefore !== undefined &&
    item.status === "sending" &&
    item.lease_until !== undefined &&
    item.lease_until < guard.leaseExpiredBefore.getTime();
  if (!from.includes(item.status) && !leaseRanOut) return false;
  if (guard.generation !== undefined && (item.gen ?? 0) !== guard.generation) return false;
  if (guard.storedGen !== undefined && item.gen !== guard.storedGen) return false;
  if (guard.attempt !== undefined && item.attempts !== guard.attempt) return false;
  if (guard.retryable && (item.exhausted !== true || item.provider_accepted_at !== undefined)) {
    return false;
  }
  return true;
}

/** One conditional update returning the item after it, or undefined when the condition failed. */
async function conditionalUpdate(
  ref: { tenantId: string; id: string },
  update: string,
  condition: string,
  names: Record<string, string>,
  values: Record<string, unknown>,
): Promise<Item | undefined> {
  try {
    const result = await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: key(ref.tenantId, ref.id),
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
    );
    const item = decode(result.Attributes);
    if (item) await hydrate([item]);
    return item;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** Which notifications a listing reads, newest first (each is one index partition). */
export type Listing = { tenantId: string } & (
  | { by: "tenant" }
  | { by: "recipient"; recipientId: string }
  /** The recipient's in-app inbox, by delivery time. */
  | { by: "inbox"; recipientId: string }
);

function partitionOf(listing: Listing): { index: IndexName; partition: string } {
  switch (listing.by) {
    case "tenant":
      return { index: "gsi1", partition: `TNT#${listing.tenantId}` };
    case "recipient":
      return { index: "gsi2", partition: `RCP#${listing.tenantId}#${listing.recipientId}` };
    case "inbox":
      return { index: "gsi3", partition: inboxKey(listing.tenantId, listing.recipientId) };
  }
}

export interface Query {
  listing: Listing;
  /** Inclusive bounds on the sort time (created_at; delivery time for the inbox), ISO. */
  since?: string;
  until?: string;
  /** Equality filters on attributes, e.g. `{ status: "failed" }`. */
  filters?: Record<string, string>;
  /** Only inbox messages not read yet. */
  unread?: boolean;
  limit: number;
  /** A cursor this very listing returned (anything else is `invalid_cursor`). */
  cursor?: string;
}

export interface Page {
  items: Item[];
  /** Continues after the last item returned; undefined on the last page. */
  cursor?: string;
}

/**
 * Newest first, filtered, without gaps or repeats: pages are cut at the last item returned
 * (not at DynamoDB's LastEvaluatedKey, which may lie past items a filter made us skip over).
 * The cursor in and out is authenticated (see `encodeCursor`).
 */
export async function query(q: Query): Promise<Page> {
  const { index, partition } = partitionOf(q.listing);
  const after = q.cursor ? decodeCursor(q.cursor, index, partition, q.listing.tenantId) : undefined;
  const page = await readPage(q, after);
  return {
    items: page.items,
    cursor: page.next && encodeCursor(page.next, index, partition),
  };
}

/**
 * The newest `limit` items of a listing since a time, without cursors (feed replay); `more` says
 * whether the window held more than that.
 */
export async function recent(
  listing: Listing,
  since: string,
  limit: number,
): Promise<{ items: Item[]; more: boolean }> {
  const page = await readPage({ listing, since, limit }, undefined);
  return { items: page.items, more: page.next !== undefined };
}

async function readPage(
  q: Omit<Query, "cursor">,
  after: Record<string, unknown> | undefined,
): Promise<{ items: Item[]; next?: Record<string, unknown> }> {
  const { index, partition } = partitionOf(q.listing);
  // A keys-only index holds no other attribute: its items are read from the table (BatchGetItem)
  // and filtered here; an index that projects everything is filtered by DynamoDB.
  const projected = schema.indexes[index].projection === "all";
  // Sort keys are `<time>#<id>`; "#" sorts before any id character and "~" after.
  const from = q.since === undefined ? undefined : `${q.since}#`;
  const to = q.until === undefined ? undefined : `${q.until}~`;
  const names: Record<string, string> = { "#pk": `${index}pk` };
  const values: Record<string, unknown> = { ":pk": partition };
  let condition = "#pk = :pk";
  if (from !== undefined || to !== undefined) names["#sk"] = `${index}sk`;
  if (from !== undefined && to !== undefined) {
    condition += " AND #sk BETWEEN :from AND :to";
    Object.assign(values, { ":from": from, ":to": to });
  } else if (from !== undefined) {
    condition += " AND #sk >= :from";
    values[":from"] = from;
  } else if (to !== undefined) {
    condition += " AND #sk <= :to";
    values[":to"] = to;
  }
  const equal = Object.entries(q.filters ?? {});
  const filters = projected
    ? equal.map(([field, value]) => {
        names[`#f_${field}`] = field;
        values[`:f_${field}`] = value;
        return `#f_${field} = :f_${field}`;
      })
    : [];
  if (q.unread) {
    if (!projected) throw new Error(`${index} does not project read_at`);
    filters.push(UNREAD);
  }
  const filtered = equal.length > 0 || q.unread;
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined = after;
  let more = true;
  while (items.length < q.limit && more) {
    const result = await dynamo().send(
      new QueryCommand({
        TableName: table(),
        IndexName: index,
        KeyConditionExpression: condition,
        FilterExpression: filters.length ? filters.join(" AND ") : undefined,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        ExclusiveStartKey: start,
        Limit: filtered ? Math.max(q.limit * 4, 25) : q.limit + 1,
      }),
    );
    const records = projected ? (result.Items ?? []) : await readItems(result.Items ?? []);
    for (const record of records) {
      const item = decode(record) as Item;
      if (expired(item.expires_at)) continue;
      if (!projected && !equal.every(([field, value]) => item[field as keyof Item] === value)) {
        continue;
      }
      items.push(item);
    }
    start = result.LastEvaluatedKey;
    more = start !== undefined;
  }
  const page = items.slice(0, q.limit);
  await hydrate(page);
  const last = page.at(-1);
  const hasMore = items.length > q.limit || more;
  return {
    items: page,
    next:
      hasMore && last
        ? {
            pk: last.pk,
            sk: last.sk,
            [`${index}pk`]: last[`${index}pk`],
            [`${index}sk`]: last[`${index}sk`],
          }
        : undefined,
  };
}

/**
 * The table's items for a keys-only index page, in the page's order (BatchGetItem, 100 keys a
 * request, unprocessed keys asked again). An item gone meanwhile (TTL) is left out.
 */
async function readItems(keys: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const found = new Map<string, Record<string, unknown>>();
  const records = await readRecords(keys.map((k) => ({ pk: k.pk, sk: k.sk })));
  for (const item of records) found.set(String(item.pk), item);
  return keys.flatMap((k) => {
    const item = found.get(String(k.pk));
    return item ? [item] : [];
  });
}

const UNREAD = "attribute_not_exists(read_at)";

function inboxKey(tenantId: string, recipientId: string) {
  return `BOX#${tenantId}#${recipientId}`;
}

/** The attributes that file a delivered in-app message in its recipient's inbox. */
export function inboxEntry(tenantId: string, recipientId: string, deliveredAt: string, id: string) {
  return { gsi3pk: inboxKey(tenantId, recipientId), gsi3sk: `${deliveredAt}#${id}` };
}

/** How many messages of a recipient's inbox are unread (reads the partition, returns no items). */
export async function countUnread(tenantId: string, recipientId: string): Promise<number> {
  const { index, partition } = partitionOf({ tenantId, by: "inbox", recipientId });
  let total = 0;
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: table(),
      IndexName: index,
      KeyConditionExpression: "#pk = :pk",
      // Expired items are gone already, though TTL has not deleted them yet.
      FilterExpression: `(${UNREAD}) AND (attribute_not_exists(#expires) OR #expires > :now_s)`,
      ExpressionAttributeNames: { "#pk": `${index}pk`, "#expires": "expires_at" },
      ExpressionAttributeValues: { ":pk": partition, ":now_s": Math.floor(Date.now() / 1000) },
      Select: "COUNT",
    },
  );
  for await (const page of pages) total += page.Count ?? 0;
  return total;
}

/** A listing's cursors are signed for its index and partition (which name the tenant). */
function encodeCursor(keys: Record<string, unknown>, index: string, partition: string) {
  return Cursor.sign(keys, `${index}\n${partition}`);
}

/** The keys to continue after, from a cursor this listing returned; else `invalid_cursor`. */
function decodeCursor(cursor: string, index: string, partition: string, tenantId: string) {
  const record = Cursor.verify(cursor, `${index}\n${partition}`);
  // Authentic, so Herald wrote it; the shape is checked anyway (defence in depth).
  const names = ["pk", "sk", `${index}pk`, `${index}sk`];
  if (
    Object.keys(record).length !== names.length ||
    !names.every((name) => typeof record[name] === "string" && record[name] !== "") ||
    record[`${index}pk`] !== partition ||
    record.sk !== SK ||
    !(record.pk as string).startsWith(`NTF#${tenantId}#`)
  ) {
    throw Cursor.invalidCursor();
  }
  return record as Record<string, string>;
}

/**
 * Replace the content (and set other attributes) of a notification this attempt holds, as read
 * (`item`): a digest's content is composed when it is sent. Large content goes to a body of its
 * own (another key: bodies never change), written first. Undefined when the claim was lost.
 */
export async function setContent(
  item: Item,
  attempt: number,
  content: unknown,
  set: Record<string, unknown>,
): Promise<Item | undefined> {
  const { record, body } = store({ ...item, ...set, content } as Item);
  if (body) {
    await putBody(body);
    // This worker goes on to send it: its own write need not be read back.
    Body.remember(bodyKey(body.pk, body.sk), JSON.stringify(content));
  }
  const names: Record<string, string> = { "#status": "status" };
  const values: Record<string, unknown> = { ":sending": "sending", ":attempt": attempt };
  const sets: string[] = [];
  const kept = { ...set, ...(body ? { [Body.MARKER]: body.sk } : { content: record.content }) };
  for (const [field, value] of Object.entries(kept)) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  names["#dropped"] = body ? "content" : Body.MARKER;
  return conditionalUpdate(
    { tenantId: item.tenant_id, id: item.id },
    `SET ${sets.join(", ")} REMOVE #dropped`,
    "attribute_exists(pk) AND #status = :sending AND attempts = :attempt",
    names,
    values,
  );
}

/**
 * Add a held notification to a digest (a notification itself), only while the digest has not
 * begun sending: its claim (`sending`) closes it, and returns the members it carries. False
 * when it is closed (or gone).
 */
export async function addMember(
  tenantId: string,
  digestId: string,
  memberId: string,
): Promise<boolean> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: key(tenantId, digestId),
        UpdateExpression: "ADD members :member",
        ConditionExpression:
          "attribute_exists(pk) AND #status IN (:scheduled, :queued) AND (attribute_not_exists(attempts) OR attempts = :zero)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":member": new Set([memberId]),
          ":scheduled": "scheduled",
          ":queued": "queued",
          ":zero": 0,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Set attributes that are not set yet, without a status change; undefined when the item is
 * missing or (with `inboxOf`) not in that recipient's inbox.
 */
export async function touch(change: {
  tenantId: string;
  id: string;
  keep: Record<string, unknown>;
  /** Only a message filed in this recipient's inbox. */
  inboxOf?: string;
}): Promise<Item | undefined> {
  // updated_at moves too: it orders real-time events, so a mark is an event of its own.
  const names: Record<string, string> = { "#updated": "updated_at" };
  const values: Record<string, unknown> = { ":updated": new Date().toISOString() };
  let condition = "attribute_exists(pk)";
  if (change.inboxOf !== undefined) {
    condition += " AND gsi3pk = :box";
    values[":box"] = inboxKey(change.tenantId, change.inboxOf);
  }
  const sets = ["#updated = :updated"];
  sets.push(
    ...Object.entries(change.keep).map(([field, value]) => {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      return `#${field} = if_not_exists(#${field}, :${field})`;
    }),
  );
  return conditionalUpdate(change, `SET ${sets.join(", ")}`, condition, names, values);
}

/**
 * Append to list attributes of an existing item without a status change (a provider's late
 * report); undefined when the item is missing.
 */
export async function append(
  tenantId: string,
  id: string,
  lists: Record<string, unknown[]>,
  now = new Date(),
): Promise<Item | undefined> {
  const names: Record<string, string> = { "#updated": "updated_at" };
  const values: Record<string, unknown> = { ":updated": now.toISOString() };
  const sets = ["#updated = :updated", ...appendClauses(lists, names, values)];
  return conditionalUpdate(
    { tenantId, id },
    `SET ${sets.join(", ")}`,
    "attribute_exists(pk)",
    names,
    values,
  );
}
