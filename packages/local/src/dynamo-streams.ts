import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, request } from "node:http";
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { invoke, LOCAL_ACCOUNT_ID, LOCAL_REGION, lazy } from "./lambda";
import { close, listen, readBody } from "./net";

/**
 * DynamoDB Streams and its Lambda event-source mapping, for the local cloud: dynalite has no
 * streams. An HTTP proxy in front of dynalite (Herald's clients talk to it, never to dynalite)
 * reads the items a write request touches before it (and, for an update, after it: a put's or a
 * delete's outcome is in the request), and appends one stream record per item that changed:
 * INSERT when it did not exist before (an overwrite is a MODIFY), REMOVE for a delete of an item
 * that existed, nothing when nothing changed (as DynamoDB). Writes to the same item are
 * serialized, so each before/after pair is the write's own and an item's records are in the
 * order of its writes (DynamoDB orders a stream per item only); records are appended before the
 * write is answered. Reads pass straight through.
 *
 * Each mapping then runs its function as Lambda would: the records its filters match (the
 * others are never handed to it), in order, in batches of up to `batchSize` gathered for up to
 * `batchingWindowMs`, one batch at a time (one shard); a failed invocation is retried whole,
 * `maximumRetryAttempts` times, then skipped.
 */

/** Stream records kept for inspection (`records`); the mappings get every one regardless. */
const RECORDS_KEPT = 10_000;

export type StreamViewType = "KEYS_ONLY" | "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES";

export interface StreamMapping {
  functionName: string;
  /** Lazy loader: the module is imported on first use, after the environment is set. */
  handler: () => Promise<(event: DynamoDBStreamEvent, context: Context) => Promise<unknown>>;
  /** Records per invocation, 1 to 10,000. */
  batchSize: number;
  /** How long records are gathered for a fuller batch (default 0). */
  batchingWindowMs?: number;
  /** Lambda event filtering: a record goes to the function when any pattern matches it. */
  filters?: Record<string, unknown>[];
  /** Retries of a failed batch before it is skipped (default 2). */
  maximumRetryAttempts?: number;
  /** Function timeout (default 30 000 ms). */
  timeoutMs?: number;
}

export interface DynamoStreams {
  /** DynamoDB's endpoint, with the table's stream recorded. */
  url: string;
  /**
   * The latest stream records, in order (filtered or not): at least the last `RECORDS_KEPT`.
   * DynamoDB keeps a stream's records 24 hours; a long `npm run dev` or a large topic bench
   * would hold them all in memory, and only tests read them.
   */
  readonly records: readonly DynamoDBRecord[];
  /** Invocations of the mappings' functions so far. */
  readonly invocations: number;
  /**
   * Resolves once every write in flight is answered and each mapping has handled every record
   * its filters match (its batching window included); rejects after `timeoutMs`.
   */
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A filter pattern the emulator does not implement (Lambda's syntax is larger than Herald's use). */
export class UnsupportedFilterError extends Error {
  constructor(pattern: unknown) {
    super(`Unsupported filter rule: ${JSON.stringify(pattern)}`);
    this.name = "UnsupportedFilterError";
  }
}

/** `drain()` gave up before the stream was processed. */
export class StreamDrainTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`The table's stream was not processed within ${timeoutMs} ms`);
    this.name = "StreamDrainTimeoutError";
  }
}

/** The header the local TTL sweeper sets: its deletes are DynamoDB's own, as TTL's are. */
export const TTL_DELETE_HEADER = "x-herald-local-ttl";

type AttributeMap = Record<string, unknown>;
/** What the stream needs of a write request (DynamoDB's JSON protocol). */
interface TableWrite {
  TableName?: string;
  Item?: AttributeMap;
  Key?: AttributeMap;
}
/** An item a write touches, and what it leaves there (null: nothing; undefined: read it). */
interface Touched {
  key: AttributeMap;
  after?: Image | null;
}
interface WriteRequest extends TableWrite {
  RequestItems?: Record<
    string,
    { PutRequest?: { Item: AttributeMap }; DeleteRequest?: { Key: AttributeMap } }[]
  >;
  TransactItems?: { Put?: TableWrite; Update?: TableWrite; Delete?: TableWrite }[];
}
type Image = NonNullable<NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"]>;

const WRITES = new Set([
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "BatchWriteItem",
  "TransactWriteItems",
]);
const BODY_LIMIT = 16 * 1024 * 1024;
const DRAIN_CHECK_MS = 10;

export async function startDynamoStreams(options: {
  /** dynalite's endpoint. */
  dynamoUrl: string;
  tableName: string;
  /** The table's key attributes (strings). */
  keys: [partitionKey: string, sortKey: string];
  viewType: StreamViewType;
  mappings: StreamMapping[];
  port?: number;
  region?: string;
  onError: (error: unknown) => void;
}): Promise<DynamoStreams> {
  const region = options.region ?? LOCAL_REGION;
  const [pk, sk] = options.keys;
  const streamArn = `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT_ID}:table/${options.tableName}/stream/${new Date().toISOString().slice(0, 23)}`;
  const records: DynamoDBRecord[] = [];
  let sequence = 0;
  /** The last write waiting on or holding each item (by canonical key), for the next to wait on. */
  const tails = new Map<string, Promise<void>>();
  let inFlight = 0;

  const target = new URL(options.dynamoUrl);
  const forward = (headers: IncomingHttpHeaders, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) => {
        const outgoing = request(
          {
            hostname: target.hostname,
            port: target.port,
            method: "POST",
            path: "/",
            headers: { ...headers, host: target.host },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () =>
              resolve({
                status: response.statusCode ?? 500,
                headers: response.headers,
                body: Buffer.concat(chunks),
              }),
            );
            response.on("error", reject);
          },
        );
        outgoing.on("error", reject);
        outgoing.end(body);
      },
    );

  /** The item at each key (absent: not there), read strongly consistent from dynalite. */
  const readItems = async (keys: AttributeMap[]) =>
    Promise.all(
      keys.map(async (key) => {
        const response = await forward(
          {
            "content-type": "application/x-amz-json-1.0",
            "x-amz-target": "DynamoDB_20120810.GetItem",
            "x-amz-date": "20260101T000000Z",
            authorization:
              "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local",
          },
          Buffer.from(
            JSON.stringify({ TableName: options.tableName, Key: key, ConsistentRead: true }),
          ),
        );
        const answer = JSON.parse(response.body.toString()) as { Item?: Image };
        if (response.status !== 200) throw new Error(`GetItem failed: ${response.body}`);
        return answer.Item;
      }),
    );

  const keyOf = (item: AttributeMap): AttributeMap => ({ [pk]: item[pk], [sk]: item[sk] });

  /**
   * The items of this table a write request touches, each once, with what it leaves there when
   * the request says so (a put's item; null: deleted); undefined: read it after the write.
   */
  const touchedBy = (operation: string, data: WriteRequest): Touched[] => {
    const mine = (entry: TableWrite | undefined): entry is TableWrite =>
      entry?.TableName === options.tableName;
    const touched: (Touched | undefined)[] = [];
    const put = (item: AttributeMap | undefined) =>
      item ? { key: keyOf(item), after: item as Image } : undefined;
    const remove = (key: AttributeMap | undefined) => (key ? { key, after: null } : undefined);
    const update = (key: AttributeMap | undefined) => (key ? { key } : undefined);
    if (operation === "PutItem" && mine(data)) touched.push(put(data.Item));
    if (operation === "UpdateItem" && mine(data)) touched.push(update(data.Key));
    if (operation === "DeleteItem" && mine(data)) touched.push(remove(data.Key));
    if (operation === "BatchWriteItem") {
      for (const entry of data.RequestItems?.[options.tableName] ?? []) {
        touched.push(
          entry.PutRequest ? put(entry.PutRequest.Item) : remove(entry.DeleteRequest?.Key),
        );
      }
    }
    if (operation === "TransactWriteItems") {
      for (const entry of data.TransactItems ?? []) {
        if (mine(entry.Put)) touched.push(put(entry.Put.Item));
        if (mine(entry.Update)) touched.push(update(entry.Update.Key));
        if (mine(entry.Delete)) touched.push(remove(entry.Delete.Key));
      }
    }
    const seen = new Set<string>();
    return touched.filter((entry): entry is Touched => {
      if (!entry) return false;
      const id = canonical(entry.key);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  };

  /** Run `work` once every earlier write to these items is done, and before any later one. */
  const exclusive = async <T>(ids: string[], work: () => Promise<T>): Promise<T> => {
    const earlier = ids.map((id) => tails.get(id));
    let release = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const id of ids) tails.set(id, mine);
    try {
      await Promise.all(earlier);
      return await work();
    } finally {
      release();
      for (const id of ids) if (tails.get(id) === mine) tails.delete(id);
    }
  };

  const append = (
    key: AttributeMap,
    before: Image | undefined,
    after: Image | undefined,
    byTtl: boolean,
  ) => {
    if (!before && !after) return;
    if (before && after && canonical(before) === canonical(after)) return;
    const eventName = !before ? "INSERT" : !after ? "REMOVE" : "MODIFY";
    const view = options.viewType;
    const images = {
      ...(after && (view === "NEW_IMAGE" || view === "NEW_AND_OLD_IMAGES")
        ? { NewImage: after }
        : {}),
      ...(before && (view === "OLD_IMAGE" || view === "NEW_AND_OLD_IMAGES")
        ? { OldImage: before }
        : {}),
    };
    const record: DynamoDBRecord = {
      eventID: randomBytes(16).toString("hex"),
      eventName,
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: region,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: key as Image,
        ...images,
        SequenceNumber: String(++sequence).padStart(21, "0"),
        SizeBytes: Buffer.byteLength(JSON.stringify({ key, ...images })),
        StreamViewType: view,
      },
      eventSourceARN: streamArn,
      ...(byTtl && eventName === "REMOVE"
        ? { userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" } }
        : {}),
    };
    records.push(record);
    if (records.length >= 2 * RECORDS_KEPT) records.splice(0, records.length - RECORDS_KEPT);
    for (const runner of runners) runner.offer(record);
  };

  const write = async (operation: string, headers: IncomingHttpHeaders, body: Buffer) => {
    let data: WriteRequest | undefined;
    try {
      data = JSON.parse(body.toString());
    } catch {
      // Not JSON: dynalite answers it (with a SerializationException).
    }
    const touched = data ? touchedBy(operation, data) : [];
    if (touched.length === 0) return forward(headers, body);
    return exclusive(
      touched.map((entry) => canonical(entry.key)),
      async () => {
        const before = await readItems(touched.map((entry) => entry.key));
        const response = await forward(headers, body);
        if (response.status !== 200) return response;
        const unprocessed = (
          JSON.parse(response.body.toString()) as { UnprocessedItems?: Record<string, unknown[]> }
        ).UnprocessedItems?.[options.tableName]?.length;
        // A batch write DynamoDB left partly undone: what it did is read, as an update's is.
        const unread = touched.filter((entry) => unprocessed || entry.after === undefined);
        const read = await readItems(unread.map((entry) => entry.key));
        const byTtl = headers[TTL_DELETE_HEADER] !== undefined;
        touched.forEach((entry, i) => {
          const at = unread.indexOf(entry);
          const after = at >= 0 ? read[at] : (entry.after ?? undefined);
          append(entry.key, before[i], after, byTtl);
        });
        return response;
      },
    );
  };

  const server = createServer(async (req, res) => {
    try {
      const body = (await readBody(req, BODY_LIMIT)) ?? Buffer.alloc(0);
      const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
      let response: Awaited<ReturnType<typeof forward>>;
      if (!WRITES.has(operation)) response = await forward(req.headers, body);
      else {
        inFlight++;
        try {
          response = await write(operation, req.headers, body);
        } finally {
          inFlight--;
        }
      }
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    } catch (error) {
      options.onError(error);
      res.writeHead(500, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify({ __type: "com.amazonaws.dynamodb.v20120810#InternalServerError" }));
    }
  });
  const url = `http://127.0.0.1:${await listen(server, options.port ?? 0)}`;

  const runners = options.mappings.map((mapping) => runMapping(mapping, region, options.onError));

  return {
    url,
    records,
    get invocations() {
      return runners.reduce((sum, runner) => sum + runner.invocations, 0);
    },
    async drain(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (inFlight > 0 || runners.some((runner) => !runner.idle())) {
        if (Date.now() > deadline) throw new StreamDrainTimeoutError(timeoutMs);
        await new Promise((resolve) => setTimeout(resolve, DRAIN_CHECK_MS));
      }
    },
    async stop() {
      for (const runner of runners) await runner.stop();
      await close(server);
    },
  };
}

/** One event-source mapping: filter, gather, invoke, one batch at a time. */
function runMapping(mapping: StreamMapping, region: string, onError: (error: unknown) => void) {
  for (const pattern of mapping.filters ?? []) checkPattern(pattern);
  if (!Number.isInteger(mapping.batchSize) || mapping.batchSize < 1 || mapping.batchSize > 10_000) {
    throw new Error(`${mapping.functionName}: batchSize must be an integer from 1 to 10,000`);
  }
  const load = lazy(mapping.handler);
  const windowMs = mapping.batchingWindowMs ?? 0;
  const pending: { record: DynamoDBRecord; at: number }[] = [];
  let busy: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let invocations = 0;
  let stopped = false;

  const invokeBatch = async (batch: DynamoDBRecord[]) => {
    const retries = mapping.maximumRetryAttempts ?? 2;
    for (let attempt = 0; attempt <= retries && !stopped; attempt++) {
      invocations++;
      try {
        await invoke(await load(), { Records: batch } satisfies DynamoDBStreamEvent, {
          functionName: mapping.functionName,
          timeoutMs: mapping.timeoutMs ?? 30_000,
          region,
        });
        return;
      } catch (error) {
        onError(error);
      }
    }
  };

  const pump = () => {
    if (busy || stopped || pending.length === 0) return;
    clearTimeout(timer);
    timer = undefined;
    const waited = Date.now() - (pending[0]?.at ?? 0);
    if (pending.length < mapping.batchSize && waited < windowMs) {
      timer = setTimeout(pump, windowMs - waited);
      return;
    }
    const batch = pending.splice(0, mapping.batchSize).map((entry) => entry.record);
    busy = invokeBatch(batch).finally(() => {
      busy = undefined;
      pump();
    });
  };

  return {
    get invocations() {
      return invocations;
    },
    offer(record: DynamoDBRecord) {
      if (mapping.filters && !mapping.filters.some((pattern) => matches(pattern, record))) return;
      pending.push({ record, at: Date.now() });
      pump();
    },
    idle: () => pending.length === 0 && !busy,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await busy;
    },
  };
}

/**
 * Lambda's filter rules, as far as Herald uses them: nested objects, and arrays of values one of
 * which the field must equal (or `{ exists }`, `{ prefix }` rules).
 */
export function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    const values = Array.isArray(value) ? value : [value];
    return pattern.some((rule) => {
      if (rule !== null && typeof rule === "object") {
        const { exists, prefix } = rule as { exists?: boolean; prefix?: string };
        if (exists !== undefined) return exists === (value !== undefined);
        return values.some((v) => typeof v === "string" && v.startsWith(prefix as string));
      }
      return values.some((v) => v === rule);
    });
  }
  if (value === null || typeof value !== "object") return false;
  return Object.entries(pattern as Record<string, unknown>).every(([name, inner]) => {
    const field = (value as Record<string, unknown>)[name];
    if (field === undefined && !Array.isArray(inner)) return false;
    return matches(inner, field);
  });
}

function checkPattern(pattern: unknown): void {
  if (Array.isArray(pattern)) {
    for (const rule of pattern) {
      if (rule === null || typeof rule !== "object") continue;
      const names = Object.keys(rule);
      const known =
        names.length === 1 &&
        ((names[0] === "exists" && typeof (rule as { exists: unknown }).exists === "boolean") ||
          (names[0] === "prefix" && typeof (rule as { prefix: unknown }).prefix === "string"));
      if (!known) throw new UnsupportedFilterError(rule);
    }
    return;
  }
  if (pattern === null || typeof pattern !== "object") throw new UnsupportedFilterError(pattern);
  for (const inner of Object.values(pattern)) checkPattern(inner);
}

/** JSON with object keys sorted: equal items, equal strings. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1)))
      : inner,
  );
}
