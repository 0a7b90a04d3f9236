import type { Server } from "node:http";
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { type DynamoStreams, matches, startDynamoStreams } from "@herald/local/dynamo-streams";
import { close, listen } from "@herald/local/net";
import { startTtlSweeper } from "@herald/local/ttl";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import dynalite from "dynalite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { unique } from "../support";

/**
 * The table's stream emulator, driven through `@aws-sdk/client-dynamodb` as Herald drives
 * DynamoDB: the records a write yields (which event, which image, in the stream's AttributeValue
 * shape), and the event-source mapping that hands them to a function (filter, batch size,
 * window, retries).
 */

const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
const TABLE = "streams-test";

let server: Server;
let streams: DynamoStreams;
let ddb: DynamoDBClient;
/** What the mapped function received, one event per invocation. */
const events: DynamoDBStreamEvent[] = [];
/** Invocations the function fails before it succeeds (a crash: the batch is retried whole). */
let failing = 0;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  const dynamoUrl = `http://127.0.0.1:${await listen(server, 0)}`;
  streams = await startDynamoStreams({
    dynamoUrl,
    tableName: TABLE,
    keys: ["pk", "sk"],
    viewType: "NEW_IMAGE",
    region: REGION,
    onError: () => undefined,
    mappings: [
      {
        functionName: "counter",
        handler: async () => async (event) => {
          if (failing > 0) {
            failing--;
            throw new Error("crashed");
          }
          events.push(event);
        },
        batchSize: 3,
        batchingWindowMs: 100,
        maximumRetryAttempts: 2,
        filters: [{ eventName: ["INSERT"], dynamodb: { Keys: { sk: { S: ["COUNTED"] } } } }],
      },
    ],
  });
  ddb = new DynamoDBClient({ endpoint: streams.url, region: REGION, credentials: CREDENTIALS });
  await ddb.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    }),
  );
});

afterAll(async () => {
  ddb?.destroy();
  await streams?.stop();
  if (server) await close(server);
});

beforeEach(async () => {
  await streams.drain();
  events.length = 0;
  failing = 0;
});

/** The records written after `from`, for the partition `pk`. */
const recordsOf = (pk: string) =>
  streams.records.filter((record) => record.dynamodb?.Keys?.pk?.S === pk);
const summary = (records: DynamoDBRecord[]) =>
  records.map((record) => [record.eventName, record.dynamodb?.NewImage?.v]);

describe("stream records", () => {
  it("an INSERT for a new item, a MODIFY for an overwrite or update, a REMOVE for a delete", async () => {
    // Prepare
    const pk = unique("item");
    const Key = { pk: { S: pk }, sk: { S: "A" } };

    // Act
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...Key, v: { N: "1" } } }));
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...Key, v: { N: "2" } } }));
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...Key, v: { N: "2" } } }));
    await ddb.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key,
        UpdateExpression: "ADD v :one",
        ExpressionAttributeValues: { ":one": { N: "1" } },
      }),
    );
    await ddb.send(new DeleteItemCommand({ TableName: TABLE, Key }));
    await ddb.send(new DeleteItemCommand({ TableName: TABLE, Key }));
    // An update of an item that is not there creates it.
    await ddb.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key,
        UpdateExpression: "SET v = :v",
        ExpressionAttributeValues: { ":v": { N: "7" } },
      }),
    );

    // Assess: the unchanged overwrite and the delete of nothing wrote no record.
    const records = recordsOf(pk);
    expect(summary(records)).toEqual([
      ["INSERT", { N: "1" }],
      ["MODIFY", { N: "2" }],
      ["MODIFY", { N: "3" }],
      ["REMOVE", undefined],
      ["INSERT", { N: "7" }],
    ]);
    const sequence = records.map((record) => BigInt(record.dynamodb?.SequenceNumber ?? "0"));
    expect(sequence).toEqual([...sequence].sort((a, b) => (a < b ? -1 : 1)));
    expect(records[0]).toMatchObject({
      eventSource: "aws:dynamodb",
      awsRegion: REGION,
      eventSourceARN: expect.stringMatching(/^arn:aws:dynamodb:.+:table\/streams-test\/stream\//),
      dynamodb: { Keys: Key, StreamViewType: "NEW_IMAGE" },
    });
    expect(records[3]?.dynamodb?.Keys).toEqual(Key);
    expect(records[3]?.userIdentity).toBeUndefined();
  });

  it("records concurrent writes to one item in their order, each with its own image", async () => {
    // Prepare
    const pk = unique("concurrent");
    const Key = { pk: { S: pk }, sk: { S: "A" } };

    // Act: twenty increments at once, the first of which creates the item.
    await Promise.all(
      Array.from({ length: 20 }, () =>
        ddb.send(
          new UpdateItemCommand({
            TableName: TABLE,
            Key,
            UpdateExpression: "ADD v :one",
            ExpressionAttributeValues: { ":one": { N: "1" } },
          }),
        ),
      ),
    );

    // Assess
    expect(summary(recordsOf(pk))).toEqual(
      Array.from({ length: 20 }, (_, i) => [i === 0 ? "INSERT" : "MODIFY", { N: String(i + 1) }]),
    );
  });

  it("carries the item in the stream's AttributeValue shape (binary as base64)", async () => {
    // Prepare
    const pk = unique("shape");
    const Item = {
      pk: { S: pk },
      sk: { S: "A" },
      n: { N: "42" },
      b: { B: new Uint8Array([1, 2, 3]) },
      ss: { SS: ["x", "y"] },
      m: { M: { flag: { BOOL: true }, none: { NULL: true } } },
      l: { L: [{ S: "a" }, { N: "1" }] },
    };

    // Act
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item }));

    // Assess
    expect(recordsOf(pk)[0]?.dynamodb?.NewImage).toEqual({
      ...Item,
      b: { B: Buffer.from([1, 2, 3]).toString("base64") },
    });
  });

  it("writes nothing for a write that failed", async () => {
    // Prepare
    const pk = unique("failed");
    const Key = { pk: { S: pk }, sk: { S: "A" } };
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: Key }));

    // Act
    const refused = ddb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { ...Key, v: { N: "1" } },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    // dynalite has no transactions: refused, so nothing is written either.
    const transaction = ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: TABLE, Item: { ...Key, v: { N: "2" } } } }],
      }),
    );

    // Assess
    await expect(refused).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(transaction).rejects.toThrow();
    expect(summary(recordsOf(pk))).toEqual([["INSERT", undefined]]);
  });

  it("one record per item of a BatchWriteItem", async () => {
    // Prepare
    const pk = unique("batch");
    await ddb.send(
      new PutItemCommand({ TableName: TABLE, Item: { pk: { S: pk }, sk: { S: "0" } } }),
    );

    // Act
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [TABLE]: [
            { PutRequest: { Item: { pk: { S: pk }, sk: { S: "1" } } } },
            { PutRequest: { Item: { pk: { S: pk }, sk: { S: "2" } } } },
            { DeleteRequest: { Key: { pk: { S: pk }, sk: { S: "0" } } } },
          ],
        },
      }),
    );

    // Assess
    const records = recordsOf(pk).slice(1);
    expect(records.map((r) => [r.eventName, r.dynamodb?.Keys?.sk?.S])).toEqual([
      ["INSERT", "1"],
      ["INSERT", "2"],
      ["REMOVE", "0"],
    ]);
  });

  it("marks the TTL sweeper's deletes as DynamoDB's own", async () => {
    // Prepare
    const pk = unique("ttl");
    await ddb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: pk }, sk: { S: "A" }, expires_at: { N: "1" } },
      }),
    );
    const ttl = startTtlSweeper({
      endpoint: streams.url,
      region: REGION,
      credentials: CREDENTIALS,
      tableName: TABLE,
      onError: () => undefined,
    });

    // Act
    await ttl.sweep();
    await ttl.stop();

    // Assess
    const removed = recordsOf(pk).at(-1);
    expect(removed?.eventName).toBe("REMOVE");
    expect(removed?.userIdentity).toEqual({
      type: "Service",
      principalId: "dynamodb.amazonaws.com",
    });
  });
});

describe("the event-source mapping", () => {
  const counted = (pk: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        ddb.send(
          new PutItemCommand({
            TableName: TABLE,
            Item: { pk: { S: `${pk}#${i}` }, sk: { S: "COUNTED" } },
          }),
        ),
      ),
    );

  it("hands the function only what its filter matches, in batches of at most batchSize", async () => {
    // Prepare
    const pk = unique("mapped");

    // Act
    await counted(pk, 7);
    await ddb.send(
      new PutItemCommand({ TableName: TABLE, Item: { pk: { S: pk }, sk: { S: "OTHER" } } }),
    );
    await ddb.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { pk: { S: `${pk}#0` }, sk: { S: "COUNTED" } },
        UpdateExpression: "SET v = :v",
        ExpressionAttributeValues: { ":v": { N: "1" } },
      }),
    );
    await streams.drain();

    // Assess: the seven INSERTs, not the other item nor the MODIFY.
    const handed = events.flatMap((event) => event.Records);
    expect(handed.map((r) => r.dynamodb?.Keys?.pk?.S).sort()).toEqual(
      Array.from({ length: 7 }, (_, i) => `${pk}#${i}`).sort(),
    );
    expect(handed.every((r) => r.eventName === "INSERT")).toBe(true);
    expect(events.map((event) => event.Records.length)).toEqual([3, 3, 1]);
  });

  it("gathers records for the batching window", async () => {
    // Prepare
    const pk = unique("window");

    // Act: two writes within the window, apart.
    await counted(`${pk}a`, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await counted(`${pk}b`, 1);
    await streams.drain();

    // Assess
    expect(events.map((event) => event.Records.length)).toEqual([2]);
  });

  it("retries a failed batch whole, then skips it after maximumRetryAttempts", async () => {
    // Prepare
    const pk = unique("retried");
    failing = 2;

    // Act
    await counted(`${pk}a`, 1);
    await streams.drain();
    failing = 3;
    await counted(`${pk}b`, 1);
    await streams.drain();

    // Assess: the first batch's third attempt succeeded; the second's never did.
    expect(events.map((event) => event.Records[0]?.dynamodb?.Keys?.pk?.S)).toEqual([`${pk}a#0`]);
  });
});

describe("filter rules", () => {
  it("match values, nested fields, exists and prefix", () => {
    const record = { eventName: "INSERT", dynamodb: { Keys: { sk: { S: "NTF" } } } };
    expect(matches({ eventName: ["INSERT", "MODIFY"] }, record)).toBe(true);
    expect(matches({ eventName: ["REMOVE"] }, record)).toBe(false);
    expect(matches({ dynamodb: { Keys: { sk: { S: ["NTF"] } } } }, record)).toBe(true);
    expect(matches({ dynamodb: { Keys: { pk: { S: ["NTF"] } } } }, record)).toBe(false);
    expect(matches({ dynamodb: { Keys: { sk: { S: [{ prefix: "NT" }] } } } }, record)).toBe(true);
    expect(matches({ dynamodb: { NewImage: [{ exists: false }] } }, record)).toBe(true);
    expect(matches({ dynamodb: { Keys: [{ exists: true }] } }, record)).toBe(true);
  });
});
