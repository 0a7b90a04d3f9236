import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { TTL_DELETE_HEADER } from "./dynamo-streams";

/**
 * DynamoDB TTL for the local cloud: dynalite stores `expires_at` but never deletes by it. This
 * sweep deletes items whose `expires_at` (epoch seconds) has passed, every `intervalMs`, as
 * AWS's TTL does (AWS: within a day or two of expiry; Herald's reads skip expired items either
 * way). `sweep()` runs one pass now, for tests.
 */
export interface TtlSweeper {
  /** Delete what has expired; returns how many items were deleted. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

export function startTtlSweeper(options: {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  tableName: string;
  attribute?: string;
  intervalMs?: number;
  onError: (error: unknown) => void;
}): TtlSweeper {
  const attribute = options.attribute ?? "expires_at";
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: options.endpoint,
      region: options.region,
      credentials: options.credentials,
    }),
  );
  // Its deletes are DynamoDB's own: the table's stream marks their REMOVE records as TTL's.
  client.middlewareStack.add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers[TTL_DELETE_HEADER] = "1";
      return next(args);
    },
    { step: "build", name: "heraldLocalTtl" },
  );
  let running: Promise<number> | undefined;
  const pass = async () => {
    let deleted = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: options.tableName,
          FilterExpression: "#ttl <= :now",
          ExpressionAttributeNames: { "#ttl": attribute, "#pk": "pk", "#sk": "sk" },
          ExpressionAttributeValues: { ":now": Math.floor(Date.now() / 1000) },
          ProjectionExpression: "#pk, #sk",
          ExclusiveStartKey: start,
        }),
      );
      for (const key of page.Items ?? []) {
        await client.send(
          new DeleteCommand({ TableName: options.tableName, Key: { pk: key.pk, sk: key.sk } }),
        );
        deleted++;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return deleted;
  };
  // One pass at a time; a caller during a pass waits for the next one.
  const sweep = async (): Promise<number> => {
    while (running) await running.catch(() => undefined);
    running = pass();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };
  const timer = setInterval(() => {
    sweep().catch(options.onError);
  }, options.intervalMs ?? 10_000);
  timer.unref();
  return {
    sweep,
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => undefined);
      client.destroy();
    },
  };
}
