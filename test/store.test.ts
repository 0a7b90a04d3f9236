import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

/**
 * What the notification store sends: the verbs name guards and listings, the store writes the
 * expressions. These are the conditions the delivery protocol rests on (README, "Exactly once"),
 * pinned to the text they had when the verbs still wrote them.
 */

vi.stubEnv("SST_RESOURCE_Table", JSON.stringify({ name: "herald-table" }));
vi.stubEnv("SST_RESOURCE_Webhooks", JSON.stringify({ signingKey: "k".repeat(32) }));
const dynamo = mockClient(DynamoDBDocumentClient);
let Store: typeof import("@herald/core/notification/store");

beforeAll(async () => {
  Store = await import("@herald/core/notification/store");
});

beforeEach(() => {
  dynamo.reset();
  dynamo.on(UpdateCommand).resolves({ Attributes: { pk: "p", sk: "NTF", status: "sending" } });
  dynamo.on(QueryCommand).resolves({ Items: [] });
});

const now = new Date("2026-01-01T00:00:00.000Z");

describe("the notification store", () => {
  it("claims: a claimable status or an expired lease, and the message's generation", async () => {
    // Act
    await Store.transition({
      tenantId: "t",
      id: "ntf_1",
      from: ["queued", "scheduled"],
      to: "sending",
      now,
      attempt: true,
      guard: { leaseExpiredBefore: now, generation: 2 },
    });

    // Assess
    const input = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.Key).toEqual({ pk: "NTF#t#ntf_1", sk: "NTF" });
    expect(input?.ConditionExpression).toBe(
      "attribute_exists(pk) AND (#status IN (:from0, :from1) OR (#status = :sending AND lease_until < :now_ms)) AND (gen = :gen OR (attribute_not_exists(gen) AND :gen = :gen0))",
    );
    expect(input?.ExpressionAttributeValues).toMatchObject({
      ":sending": "sending",
      ":now_ms": now.getTime(),
      ":gen": 2,
      ":gen0": 0,
    });
  });

  it("completes only for the attempt that claimed; retries only what ran out and no provider took", async () => {
    // Act
    await Store.transition({
      tenantId: "t",
      id: "n",
      from: ["sending"],
      to: "sent",
      now,
      guard: { attempt: 3 },
    });
    await Store.transition({
      tenantId: "t",
      id: "n",
      from: ["failed"],
      to: "queued",
      now,
      guard: { retryable: true },
    });
    await Store.transition({
      tenantId: "t",
      id: "n",
      from: ["queued"],
      to: "queued",
      now,
      guard: { storedGen: 4 },
    });

    // Assess
    const [complete, retry, handBack] = dynamo
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input);
    expect(complete?.ConditionExpression).toBe(
      "attribute_exists(pk) AND #status IN (:from0) AND (attempts = :attempt)",
    );
    expect(complete?.ExpressionAttributeValues).toMatchObject({ ":attempt": 3 });
    expect(retry?.ConditionExpression).toBe(
      "attribute_exists(pk) AND #status IN (:from0) AND (exhausted = :yes AND attribute_not_exists(provider_accepted_at))",
    );
    expect(handBack?.ConditionExpression).toBe(
      "attribute_exists(pk) AND #status IN (:from0) AND (gen = :stored_gen)",
    );
    expect(handBack?.ExpressionAttributeValues).toMatchObject({ ":stored_gen": 4 });
  });

  it("marks only messages in the recipient's own inbox", async () => {
    // Act
    await Store.touch({ tenantId: "t", id: "n", keep: { seen_at: "x" }, inboxOf: "r1" });

    // Assess
    const input = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe("attribute_exists(pk) AND gsi3pk = :box");
    expect(input?.ExpressionAttributeValues).toMatchObject({ ":box": "BOX#t#r1" });
  });

  it("reads each listing from its index and partition, bounded by time, unread filtered", async () => {
    // Act
    await Store.query({
      listing: { tenantId: "t", by: "tenant" },
      limit: 5,
      since: "2026-01-01T00:00:00.000Z",
      until: "2026-02-01T00:00:00.000Z",
    });
    await Store.query({
      listing: { tenantId: "t", by: "recipient", recipientId: "r" },
      limit: 5,
      filters: { status: "sent" },
    });
    await Store.query({
      listing: { tenantId: "t", by: "inbox", recipientId: "r" },
      limit: 5,
      unread: true,
    });

    // Assess
    const [tenant, recipient, inbox] = dynamo
      .commandCalls(QueryCommand)
      .map((call) => call.args[0].input);
    expect([tenant?.IndexName, tenant?.ExpressionAttributeValues]).toEqual([
      "gsi1",
      { ":pk": "TNT#t", ":from": "2026-01-01T00:00:00.000Z#", ":to": "2026-02-01T00:00:00.000Z~" },
    ]);
    expect(tenant?.KeyConditionExpression).toBe("#pk = :pk AND #sk BETWEEN :from AND :to");
    // gsi2 projects keys only: the status filter applies to the items read from the table.
    expect([recipient?.IndexName, recipient?.ExpressionAttributeValues]).toEqual([
      "gsi2",
      { ":pk": "RCP#t#r" },
    ]);
    expect(recipient?.FilterExpression).toBeUndefined();
    expect([inbox?.IndexName, inbox?.FilterExpression]).toEqual([
      "gsi3",
      "attribute_not_exists(read_at)",
    ]);
  });

  it("reads a keys-only index's items from the table, in the index's order, filtered", async () => {
    // Prepare
    const keys = ["a", "b", "c"].map((id) => ({
      pk: `NTF#t#${id}`,
      sk: "NTF",
      gsi1pk: "TNT#t",
      gsi1sk: `2026-01-01T00:00:0${id.charCodeAt(0) - 97}.000Z#${id}`,
    }));
    dynamo.on(QueryCommand).resolves({ Items: keys });
    dynamo.on(BatchGetCommand).resolves({
      // Out of order, as BatchGetItem answers.
      Responses: {
        "herald-table": [
          { ...keys[2], id: "c", status: "sent" },
          { ...keys[0], id: "a", status: "sent" },
          { ...keys[1], id: "b", status: "failed" },
        ],
      },
    });

    // Act
    const page = await Store.query({
      listing: { tenantId: "t", by: "tenant" },
      limit: 5,
      filters: { status: "sent" },
    });

    // Assess
    expect(page.items.map((item) => item.id)).toEqual(["a", "c"]);
    const [read] = dynamo.commandCalls(BatchGetCommand).map((call) => call.args[0].input);
    expect(read?.RequestItems?.["herald-table"]?.Keys).toEqual(
      keys.map(({ pk, sk }) => ({ pk, sk })),
    );
  });

  it("refuses a cursor it did not mint before reading anything", async () => {
    // Act
    const forged = Buffer.from(JSON.stringify({ pk: "NTF#t#n", sk: "NTF" })).toString("base64url");
    const listing = Store.query({
      listing: { tenantId: "t", by: "tenant" },
      limit: 5,
      cursor: `${forged}.x`,
    });

    // Assess
    await expect(listing).rejects.toMatchObject({ code: "invalid_cursor" });
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it("writes a large content's body before the status item that names it, alone and in batches", async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});
    dynamo.on(BatchWriteCommand).resolves({});
    const item = (id: string, html: string) =>
      ({
        pk: `NTF#t#${id}`,
        sk: "NTF",
        id,
        status: "queued",
        content: { subject: "s", html },
        expires_at: 1_900_000_000,
      }) as unknown as import("@herald/core/notification/store").Item;
    const large = "<p>Order details, item by item.</p>".repeat(100);

    // Act
    await Store.create(item("big", large));
    await Store.create(item("small", "<p>hi</p>"));
    await Store.createFresh([item("b1", large), item("s1", "<p>hi</p>"), item("b2", `${large}!`)]);

    // Assess
    const puts = dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item ?? {});
    expect(puts.map((put) => [put.pk, String(put.sk).slice(0, 5)])).toEqual([
      ["NTF#t#big", "BODY#"],
      ["NTF#t#big", "NTF"],
      ["NTF#t#small", "NTF"],
    ]);
    expect(puts[1]?.body).toBe(puts[0]?.sk);
    expect(puts[1]?.content).toBeUndefined();
    expect(puts[0]?.expires_at).toBe(1_900_000_000);
    expect(puts[2]?.content).toBe(JSON.stringify({ subject: "s", html: "<p>hi</p>" }));
    const batches = dynamo
      .commandCalls(BatchWriteCommand)
      .map((call) =>
        (call.args[0].input.RequestItems?.["herald-table"] ?? []).map((w) => w.PutRequest?.Item),
      );
    expect(
      batches.map((batch) => batch.map((put) => `${put?.pk} ${put?.sk}`.slice(0, 14))),
    ).toEqual([
      ["NTF#t#b1 BODY#", "NTF#t#b2 BODY#"],
      ["NTF#t#b1 NTF", "NTF#t#s1 NTF", "NTF#t#b2 NTF"],
    ]);
  });
});
