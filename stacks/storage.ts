import { keyAttributes, schema } from "../packages/core/src/table";

/**
 * The one DynamoDB table (single-table design, generic key attributes), as declared in
 * `packages/core/src/table.ts`, which the store modules and the local cloud read too.
 */

/** Every GSI the code queries. */
export const indexes = Object.keys(schema.indexes) as (keyof typeof schema.indexes)[];

export const data = new sst.aws.Dynamo("Data", {
  fields: Object.fromEntries(keyAttributes.map((key) => [key, "string" as const])),
  primaryIndex: { hashKey: schema.partitionKey, rangeKey: schema.sortKey },
  globalIndexes: Object.fromEntries(
    Object.entries(schema.indexes).map(([name, index]) => [
      name,
      { hashKey: index.partitionKey, rangeKey: index.sortKey, projection: index.projection },
    ]),
  ),
  ttl: schema.ttl,
  // Read by the counter function (stacks/workers.ts).
  stream: schema.stream,
  deletionProtection: $app.stage === "production",
  transform: {
    table: (args) => {
      args.pointInTimeRecovery = { enabled: true };
    },
  },
});

/**
 * `Resource.Table`: the built-in link grants `dynamodb:*`; the code only reads and writes single
 * items, batch-writes and batch-reads them, and queries the indexes, so this grants exactly that,
 * on the table and its named indexes.
 */
export const table = new sst.Linkable("Table", {
  properties: { name: data.name },
  include: [
    sst.aws.permission({
      actions: [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        // Batch sends and topic fan-outs: fresh items 25 a call, profiles 100 a call; listings
        // by a keys-only index read their items from the table.
        "dynamodb:BatchWriteItem",
        "dynamodb:BatchGetItem",
      ],
      resources: [data.arn, ...indexes.map((name) => $interpolate`${data.arn}/index/${name}`)],
    }),
  ],
});
