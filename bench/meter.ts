import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { itemBytes } from "@herald/core/item-size";
import { type IndexName, schema } from "@herald/core/table";

/**
 * Counts what Herald asks of AWS and Upstash, where it asks: middleware on the very SDK clients
 * the handlers use (`packages/core/src/aws/<client>.ts`, same process, same singletons) and the
 * `use` hook of the `@upstash/redis` client (`redis()`).
 *
 * DynamoDB is metered in request units, not only requests: every call is sent with
 * `ReturnConsumedCapacity: "TOTAL"`, so the emulator reports the table's read and write units
 * (item size, eventually vs strongly consistent reads, the larger of old and new item on an
 * update). dynalite reports nothing for global secondary indexes, so index writes are computed
 * here from the item before and after each write, by DynamoDB's rules: an item entering an index
 * is one index write, leaving it one, changing its index key two, each of ceil(size of what the
 * index projects / 1 KB); any other change to an indexed item is one write when the index
 * projects all attributes, and none when it projects keys only (no projected attribute changed).
 */

export interface Reading {
  /** HTTP requests by `Service Operation`, one per attempt (retries count). */
  requests: Record<string, number>;
  /** Upstash commands by name (a pipeline's commands count one each, as Upstash bills). */
  redisCommands: Record<string, number>;
  /** HTTP requests to Upstash (a pipeline is one). */
  redisRequests: number;
  /** Bytes of Upstash request and response bodies (HTTP overhead apart). */
  redisBodyBytes: number;
  /** Log lines the handlers wrote (JSON lines on stdout/stderr: Herald's and EMF), and bytes. */
  logLines: number;
  logBytes: number;
  dynamo: {
    readUnits: number;
    tableWriteUnits: number;
    indexWriteUnits: number;
    /** Index writes by index name. */
    indexWrites: Record<string, number>;
    /** Writes whose condition failed: still billed, at the item's size. */
    conditionFailures: number;
    /** Largest notification item seen, bytes by DynamoDB's size rules. */
    largestItemBytes: number;
    /** Request units (read, and write with index writes) by operation. */
    unitsByOperation: Record<string, number>;
    /**
     * Bytes kept by what the writes created: each new item (PutItem) and each index entry an
     * item gained, with DynamoDB's 100 bytes of overhead apiece.
     */
    storedBytes: number;
    /** Hourly counter writes: `accepted` ones (the API's) and the others (workers'). */
    counterWrites: { accepted: number; other: number };
  };
}

export interface Meter {
  /** Start a fresh count (one window at a time). */
  start(): void;
  /** Stop counting and return what was counted since `start`. */
  stop(): Reading;
}

type Item = Record<string, unknown>;
type Next = (args: { input: Item }) => Promise<{ output: unknown }>;
type Middleware = (next: Next, context: { commandName?: string }) => Next;
interface Stackable {
  middlewareStack: {
    add(
      middleware: Middleware,
      options: { step: "initialize" | "finalizeRequest"; name: string; priority?: "low" },
    ): void;
  };
}
interface Upstash {
  use(
    middleware: (
      request: { path?: string[]; body?: unknown },
      next: (request: { path?: string[]; body?: unknown }) => Promise<unknown>,
    ) => Promise<unknown>,
  ): void;
}

const INDEXES = Object.keys(schema.indexes) as IndexName[];

const itemKb = (item: Item) => Math.max(1, Math.ceil(itemBytes(item) / 1024));
const kb = itemKb;

function emptyReading(): Reading {
  return {
    requests: {},
    redisCommands: {},
    redisRequests: 0,
    redisBodyBytes: 0,
    logLines: 0,
    logBytes: 0,
    dynamo: {
      readUnits: 0,
      tableWriteUnits: 0,
      indexWriteUnits: 0,
      indexWrites: {},
      conditionFailures: 0,
      largestItemBytes: 0,
      unitsByOperation: {},
      storedBytes: 0,
      counterWrites: { accepted: 0, other: 0 },
    },
  };
}

const bump = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

let attached: Promise<Meter> | undefined;

/**
 * Attach the counters, after `startLocalCloud` (the clients read its environment). The SDK
 * clients take the middleware once: every later call answers the same meter.
 */
export function attachMeter(): Promise<Meter> {
  attached ??= attach();
  return attached;
}

async function attach(): Promise<Meter> {
  // One module per client (packages/core/src/aws/<name>.ts).
  const client = async (name: string): Promise<Record<string, unknown>> =>
    await import(`@herald/core/aws/${name}`);
  const clients = {
    dynamo: (await client("dynamo")).dynamo as () => unknown,
    sqs: (await client("sqs")).sqs as () => unknown,
    scheduler: (await client("scheduler")).scheduler as () => unknown,
    ses: (await client("ses")).ses as () => unknown,
    sms: (await client("sms")).sms as () => unknown,
  };
  const { redis } = await import("@herald/core/aws/redis");
  let reading = emptyReading();
  let active = false;

  // Requests: one per HTTP attempt (finalizeRequest runs below the retry middleware).
  const services: [string, unknown][] = [
    ["DynamoDB", clients.dynamo()],
    ["SQS", clients.sqs()],
    ["Scheduler", clients.scheduler()],
    ["SES", clients.ses()],
    ["SMS", clients.sms()],
  ];
  for (const [service, client] of services) {
    (client as Stackable).middlewareStack.add(
      (next, context) => async (args) => {
        if (active) bump(reading.requests, `${service} ${operation(context)}`);
        return next(args);
      },
      { step: "finalizeRequest", priority: "low", name: "heraldBenchRequests" },
    );
  }

  // DynamoDB request units. The document client's stack is the base client's, and at the
  // initialize step its input and output are still plain (unmarshalled) objects.
  const raw = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const lastSeen = new Map<string, Item | undefined>();
  const keyOf = (key: Item) => `${String(key.pk)}\u0000${String(key.sk)}`;
  (clients.dynamo() as unknown as Stackable).middlewareStack.add(
    (next, context) => async (args) => {
      if (!active) return next(args);
      const op = operation(context);
      const input: Item = { ...args.input, ReturnConsumedCapacity: "TOTAL" };
      const writes = op === "PutItem" || op === "UpdateItem" || op === "DeleteItem";
      const key = (op === "PutItem" ? pick(input.Item as Item) : input.Key) as Item | undefined;
      let result: { output: unknown };
      try {
        result = await next({ ...args, input });
      } catch (error) {
        if (writes && (error as Error).name === "ConditionalCheckFailedException") {
          reading.dynamo.conditionFailures++;
          reading.dynamo.tableWriteUnits += op === "PutItem" ? kb(input.Item as Item) : 1;
        }
        throw error;
      }
      const output = result.output as {
        ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
      };
      const consumed = [output.ConsumedCapacity ?? []]
        .flat()
        .reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      if (op === "BatchWriteItem") {
        // Each put is a write of its item (dynalite's figure is checked below), and every item
        // entering an index is an index write.
        const requests = Object.values(
          (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Item } }[]>,
        ).flat();
        const unprocessed = Object.values(
          ((result.output as { UnprocessedItems?: Record<string, unknown[]> }).UnprocessedItems ??
            {}) as Record<string, unknown[]>,
        ).flat().length;
        if (unprocessed > 0) throw new Error("the meter cannot price unprocessed batch writes");
        for (const request of requests) {
          const item = request.PutRequest?.Item;
          if (!item) continue;
          reading.dynamo.tableWriteUnits += kb(item);
          bump(reading.dynamo.unitsByOperation, op, kb(item));
          lastSeen.set(keyOf(item), item);
          reading.dynamo.storedBytes += itemBytes(item) + 100;
          for (const index of INDEXES) {
            const entered = indexEntry(index, undefined, item);
            if (entered !== undefined) reading.dynamo.storedBytes += entered + 100;
            const units = indexWrite(index, undefined, item);
            if (units > 0) {
              reading.dynamo.indexWriteUnits += units;
              bump(reading.dynamo.indexWrites, index, units);
              bump(reading.dynamo.unitsByOperation, op, units);
            }
          }
        }
        return result;
      }
      if (writes) reading.dynamo.tableWriteUnits += consumed;
      else reading.dynamo.readUnits += consumed;
      bump(reading.dynamo.unitsByOperation, op, consumed);
      if (op === "UpdateItem" && key && String(key.pk).startsWith("MET#")) {
        const status = String(key.sk).split("#")[2];
        reading.dynamo.counterWrites[status === "accepted" ? "accepted" : "other"] += consumed;
      }
      if (writes && key) {
        const id = keyOf(key);
        const before = lastSeen.get(id);
        const after =
          op === "DeleteItem"
            ? undefined
            : ((
                await raw.send(
                  new GetCommand({
                    TableName: input.TableName as string,
                    Key: key,
                    ConsistentRead: true,
                  }),
                )
              ).Item as Item | undefined);
        lastSeen.set(id, after);
        if (after && String(after.pk).startsWith("NTF#")) {
          reading.dynamo.largestItemBytes = Math.max(
            reading.dynamo.largestItemBytes,
            itemBytes(after),
          );
        }
        if (op === "PutItem" && after) reading.dynamo.storedBytes += itemBytes(after) + 100;
        for (const index of INDEXES) {
          const entered = indexEntry(index, op === "PutItem" ? undefined : before, after);
          if (entered !== undefined) reading.dynamo.storedBytes += entered + 100;
          const units = indexWrite(index, op === "PutItem" ? undefined : before, after);
          if (units > 0) {
            reading.dynamo.indexWriteUnits += units;
            bump(reading.dynamo.indexWrites, index, units);
            bump(reading.dynamo.unitsByOperation, op, units);
          }
        }
      }
      return result;
    },
    { step: "initialize", name: "heraldBenchCapacity" },
  );

  // Upstash: every command counts, a pipeline's or transaction's each on its own.
  (redis() as unknown as Upstash).use(async (request, next) => {
    if (active) {
      reading.redisRequests++;
      reading.redisBodyBytes += Buffer.byteLength(JSON.stringify(request.body ?? null));
      const body = request.body;
      const commands =
        Array.isArray(body) && Array.isArray(body[0]) ? (body as unknown[][]) : [body as unknown[]];
      for (const command of commands) {
        bump(reading.redisCommands, String(command?.[0] ?? "?").toUpperCase());
      }
    }
    const response = await next(request);
    if (active) reading.redisBodyBytes += Buffer.byteLength(JSON.stringify(response ?? null));
    return response;
  });

  // Log lines: the handlers run in this process and write JSON lines (core/log.ts and
  // Powertools Metrics) to stdout and stderr. They are counted while metering and never printed (the
  // bench's own output is tables, not JSON lines).
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString();
      if (!text.startsWith("{")) return write(chunk, ...rest);
      if (active) {
        for (const line of text.split("\n").filter(Boolean)) {
          reading.logLines++;
          reading.logBytes += Buffer.byteLength(line);
        }
      }
      const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }

  return {
    start() {
      reading = emptyReading();
      lastSeen.clear();
      active = true;
    },
    stop() {
      active = false;
      return reading;
    },
  };
}

function operation(context: { commandName?: string }) {
  return (context.commandName ?? "Unknown").replace(/Command$/, "");
}

function pick(item: Item | undefined): Item | undefined {
  return item && { pk: item.pk, sk: item.sk };
}

/** Write units one index takes for a change from `before` to `after`. */
function indexWrite(index: IndexName, before: Item | undefined, after: Item | undefined): number {
  const pk = `${index}pk`;
  const sk = `${index}sk`;
  const all = schema.indexes[index].projection === "all";
  // A keys-only index item: the table's and the index's keys.
  const kb = (item: Item) =>
    all ? itemKb(item) : Math.max(1, Math.ceil(itemBytes(pickKeys(item, pk, sk)) / 1024));
  const inBefore = before?.[pk] !== undefined && before?.[sk] !== undefined;
  const inAfter = after?.[pk] !== undefined && after?.[sk] !== undefined;
  if (!inBefore && !inAfter) return 0;
  if (!inBefore && after) return kb(after);
  if (!inAfter && before) return kb(before);
  if (!before || !after) return 0;
  if (before[pk] !== after[pk] || before[sk] !== after[sk]) return kb(before) + kb(after);
  return all ? Math.max(kb(before), kb(after)) : 0;
}

/** Bytes of the entry an item gains in an index by this write (undefined: none gained). */
function indexEntry(
  index: IndexName,
  before: Item | undefined,
  after: Item | undefined,
): number | undefined {
  const pk = `${index}pk`;
  const sk = `${index}sk`;
  const inBefore = before?.[pk] !== undefined && before?.[sk] !== undefined;
  const inAfter = after?.[pk] !== undefined && after?.[sk] !== undefined;
  if (inBefore || !inAfter || !after) return undefined;
  return itemBytes(schema.indexes[index].projection === "all" ? after : pickKeys(after, pk, sk));
}

function pickKeys(item: Item, pk: string, sk: string): Item {
  return { pk: item.pk, sk: item.sk, [pk]: item[pk], [sk]: item[sk] };
}
