/**
 * The one DynamoDB table (single-table design, generic key attributes), shaped like the local
 * cloud's (`packages/local/src/cloud.ts`): pk/sk plus sparse GSIs, all strings, projection ALL.
 */

/** Every GSI the code queries; each is keyed `${name}pk` / `${name}sk`. */
export const indexes = ["gsi1", "gsi2", "gsi3"] as const;

const keys = ["pk", "sk", ...indexes.flatMap((name) => [`${name}pk`, `${name}sk`])];

export const data = new sst.aws.Dynamo("Data", {
  fields: Object.fromEntries(keys.map((key) => [key, "string" as const])),
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  globalIndexes: Object.fromEntries(
    indexes.map((name) => [
      name,
      { hashKey: `${name}pk`, rangeKey: `${name}sk`, projection: "all" as const },
    ]),
  ),
  // Epoch seconds; DynamoDB deletes expired items within days, so reads still filter them.
  ttl: "expires_at",
  deletionProtection: $app.stage === "production",
  transform: {
    table: (args) => {
      args.pointInTimeRecovery = { enabled: true };
    },
  },
});

/**
 * `Resource.Table`: the built-in link grants `dynamodb:*`; the code only reads and writes single
 * items and queries the indexes, so this grants exactly that, on the table and its named indexes.
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
      ],
      resources: [data.arn, ...indexes.map((name) => $interpolate`${data.arn}/index/${name}`)],
    }),
  ],
});
