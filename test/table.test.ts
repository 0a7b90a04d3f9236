import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { schema } from "@herald/core/table";
import { describe, expect, it } from "vitest";
import { useLocalCloud } from "./support";

const cloud = useLocalCloud();

describe("the local cloud's table", () => {
  it("is the one packages/core/src/table.ts declares: keys, indexes and projections", async () => {
    // Prepare
    const dynamo = new DynamoDBClient({});

    // Act
    const { Table: table } = await dynamo.send(
      new DescribeTableCommand({ TableName: cloud().tableName }),
    );
    dynamo.destroy();

    // Assess
    expect(table?.KeySchema).toEqual([
      { AttributeName: schema.partitionKey, KeyType: "HASH" },
      { AttributeName: schema.sortKey, KeyType: "RANGE" },
    ]);
    const indexes = (table?.GlobalSecondaryIndexes ?? []).map((index) => [
      index.IndexName,
      index.KeySchema?.map((key) => `${key.AttributeName} ${key.KeyType}`),
      index.Projection?.ProjectionType,
    ]);
    expect(indexes.sort()).toEqual(
      Object.entries(schema.indexes)
        .map(([name, index]) => [
          name,
          [`${index.partitionKey} HASH`, `${index.sortKey} RANGE`],
          index.projection.toUpperCase().replace("-", "_"),
        ])
        .sort(),
    );
  });
});
