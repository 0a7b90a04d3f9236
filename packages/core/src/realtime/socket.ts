import {
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { connections, dynamo } from "../aws/clients";
import { link } from "../config";
import { errorFields, log } from "../log";
import { byEventId, type Event, EventId, instantOf } from "./event";
import { REPLAY_OVERLAP_MS } from "./feed";
import { replayWindow } from "./replay";
import { type Claims, verifyToken } from "./token";

/**
 * The WebSocket feed (an API Gateway WebSocket API): priced per connection-minute and per
 * message, not per second a Lambda waits. A connection is authorised once at `$connect` with a
 * recipient token and registered in the table until it goes; the client then subscribes to
 * feeds on it. Status changes reach sockets through `fanOut`, which the publishing code path
 * calls once per change: it looks up the connections subscribed to that recipient or that
 * notification (two queries) and posts the event to each through the `@connections` API.
 *
 * Items (single table, generic keys):
 *   connection    pk `WSC#<connection>`               sk `#`             tenant, recipient, feeds
 *   subscription  pk `WSS#<tenant>#r#<recipient>`      sk `<connection>`  recipient, expires_at
 *                 pk `WSS#<tenant>#n#<notification>`   sk `<connection>`
 * Every item carries `expires_at` (epoch seconds, the table's TTL attribute): when the token
 * ends, or API Gateway's two-hour limit, whichever is first. DynamoDB deletes expired items
 * within days, so reads filter them; the fan-out closes an expired connection it meets.
 */

/** API Gateway closes any WebSocket connection after two hours. */
export const MAX_CONNECTION_SECONDS = 2 * 3600;
/** Feeds one connection may hold (each is one item and one more lookup hit per event). */
export const MAX_FEEDS = 25;
/** Posts in flight at once during a fan-out. */
export const FAN_OUT_CONCURRENCY = 64;

/** `recipient` (the token's own feed) or `notification:<id>` (one of the recipient's). */
export const FeedName = z
  .string()
  .regex(/^(recipient|notification:[\w-]{1,64})$/, "`recipient` or `notification:<id>`");
export type FeedName = z.infer<typeof FeedName>;

const RequestId = z.string().max(64).optional();

/** What a client sends; API Gateway routes on `action` (`$request.body.action`). */
export const ClientMessage = z.discriminatedUnion("action", [
  z.object({
    action: z.literal("subscribe"),
    id: RequestId,
    feeds: z.array(FeedName).min(1).max(MAX_FEEDS),
    /** Replay what these feeds missed after this event. */
    last_event_id: EventId.optional(),
  }),
  z.object({
    action: z.literal("unsubscribe"),
    id: RequestId,
    feeds: z.array(FeedName).min(1).max(MAX_FEEDS),
  }),
  z.object({ action: z.literal("ping"), id: RequestId }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** What the server sends. */
export type ServerMessage =
  | {
      type: "subscribed";
      id?: string;
      feeds: FeedName[];
      /** Events replayed (sent just before this message). */
      replayed: number;
      /** The replay could not be complete: the client should reload its list. */
      gap: boolean;
    }
  | { type: "unsubscribed"; id?: string; feeds: FeedName[] }
  | { type: "event"; event: Event }
  | { type: "pong"; id?: string }
  | { type: "error"; id?: string; code: string; message: string };

interface Connection {
  pk: string;
  sk: "#";
  connection_id: string;
  tenant_id: string;
  recipient_id: string;
  feeds?: Set<string>;
  connected_at: string;
  expires_at: number;
}

interface Subscription {
  pk: string;
  sk: string;
  connection_id: string;
  recipient_id: string;
  expires_at: number;
}

const table = () => link("Table").name;
const connectionKey = (id: string) => ({ pk: `WSC#${id}`, sk: "#" as const });
const feedKey = (tenantId: string, recipientId: string, feed: FeedName) =>
  feed === "recipient"
    ? `WSS#${tenantId}#r#${recipientId}`
    : `WSS#${tenantId}#n#${feed.slice("notification:".length)}`;
const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

/** `$connect`: verify the token (throws `TokenError`) and register the connection. */
export async function connect(input: {
  connectionId: string;
  token: unknown;
  now?: Date;
}): Promise<Claims> {
  const now = input.now ?? new Date();
  const claims = verifyToken(input.token, now);
  const item: Connection = {
    ...connectionKey(input.connectionId),
    connection_id: input.connectionId,
    tenant_id: claims.tenantId,
    recipient_id: claims.recipientId,
    connected_at: now.toISOString(),
    expires_at: Math.min(epoch(claims.expiresAt), epoch(now) + MAX_CONNECTION_SECONDS),
  };
  await dynamo().send(new PutCommand({ TableName: table(), Item: item }));
  return claims;
}

/** `$disconnect` (or a connection found gone): remove it and its subscriptions. */
export async function disconnect(connectionId: string): Promise<void> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: table(), Key: connectionKey(connectionId) }),
  );
  const connection = Item as Connection | undefined;
  if (!connection) return;
  await Promise.all(
    [...(connection.feeds ?? [])].map((feed) =>
      dynamo().send(
        new DeleteCommand({
          TableName: table(),
          Key: {
            pk: feedKey(connection.tenant_id, connection.recipient_id, feed as FeedName),
            sk: connectionId,
          },
        }),
      ),
    ),
  );
  await dynamo().send(new DeleteCommand({ TableName: table(), Key: connectionKey(connectionId) }));
}

/** A message on a connection (`subscribe`, `unsubscribe`, `ping`, anything else): reply on it. */
export async function receive(connectionId: string, body: string | undefined, now = new Date()) {
  const { Item } = await dynamo().send(
    new GetCommand({
      TableName: table(),
      Key: connectionKey(connectionId),
      ConsistentRead: true,
    }),
  );
  const connection = Item as Connection | undefined;
  if (!connection || connection.expires_at <= epoch(now)) {
    // Its token ran out (or it was never registered): close it; the client reconnects.
    await close(connectionId);
    return;
  }
  const parsed = ClientMessage.safeParse(parseJson(body));
  if (!parsed.success) {
    await post(connectionId, {
      type: "error",
      code: "invalid_message",
      message: `Not a message this feed understands: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    });
    return;
  }
  const message = parsed.data;
  switch (message.action) {
    case "ping":
      await post(connectionId, { type: "pong", id: message.id });
      return;
    case "subscribe":
      await subscribe(connection, message, now);
      return;
    case "unsubscribe":
      await unsubscribe(connection, message.feeds);
      await post(connectionId, { type: "unsubscribed", id: message.id, feeds: message.feeds });
      return;
  }
}

async function subscribe(
  connection: Connection,
  message: Extract<ClientMessage, { action: "subscribe" }>,
  now: Date,
) {
  const feeds = [...new Set(message.feeds)];
  const held = new Set([...(connection.feeds ?? []), ...feeds]);
  if (held.size > MAX_FEEDS) {
    await post(connection.connection_id, {
      type: "error",
      id: message.id,
      code: "too_many_feeds",
      message: `A connection holds at most ${MAX_FEEDS} feeds`,
    });
    return;
  }
  // The connection lists its feeds first, so a disconnect racing this finds every item to
  // delete. Registered before the replay is read: an event published in between is both
  // posted live and replayed (the client drops the repeat), never neither.
  if (!(await listFeeds(connection.connection_id, "ADD", feeds))) return;
  await Promise.all(
    feeds.map((feed) => {
      const item: Subscription = {
        pk: feedKey(connection.tenant_id, connection.recipient_id, feed),
        sk: connection.connection_id,
        connection_id: connection.connection_id,
        recipient_id: connection.recipient_id,
        expires_at: connection.expires_at,
      };
      return dynamo().send(new PutCommand({ TableName: table(), Item: item }));
    }),
  );
  let replayed: Event[] = [];
  let gap = false;
  if (message.last_event_id) {
    ({ events: replayed, gap } = await missed(connection, feeds, message.last_event_id, now));
    for (const event of replayed) await post(connection.connection_id, { type: "event", event });
  }
  await post(connection.connection_id, {
    type: "subscribed",
    id: message.id,
    feeds,
    replayed: replayed.length,
    gap,
  });
}

/**
 * What the feeds missed after `lastEventId`, from DynamoDB, oldest first. It reaches
 * `REPLAY_OVERLAP_MS` further back (events can be published a few ms out of order), so the
 * client may see an event again; `gap` says the replay window could not hold everything.
 */
async function missed(connection: Connection, feeds: FeedName[], lastEventId: string, now: Date) {
  const from = new Date(instantOf(lastEventId).getTime() - REPLAY_OVERLAP_MS).toISOString();
  const window = await replayWindow(connection.tenant_id, connection.recipient_id, from, { now });
  const whole = feeds.includes("recipient");
  const ids = new Set(
    feeds.filter((f) => f !== "recipient").map((f) => f.slice("notification:".length)),
  );
  const events = window.events
    .filter((event) => event.event_id !== lastEventId)
    .filter((event) => whole || ids.has(event.notification.id))
    .sort(byEventId);
  return { events, gap: !window.complete };
}

async function unsubscribe(connection: Connection, feeds: FeedName[]) {
  await Promise.all(
    feeds.map((feed) =>
      dynamo().send(
        new DeleteCommand({
          TableName: table(),
          Key: {
            pk: feedKey(connection.tenant_id, connection.recipient_id, feed),
            sk: connection.connection_id,
          },
        }),
      ),
    ),
  );
  await listFeeds(connection.connection_id, "DELETE", feeds);
}

/** Add feeds to (or delete them from) a connection's list; false when it has gone meanwhile. */
async function listFeeds(connectionId: string, verb: "ADD" | "DELETE", feeds: FeedName[]) {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: connectionKey(connectionId),
        UpdateExpression: `${verb} feeds :feeds`,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":feeds": new Set(feeds) },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export interface FanOut {
  posted: number;
  gone: number;
  expired: number;
}

/**
 * Deliver one event to every connection subscribed to its recipient's feed or to its
 * notification: one post per connection however many of its feeds match, expired connections
 * closed, gone ones (410) removed. Posts run `FAN_OUT_CONCURRENCY` at a time.
 */
export async function fanOut(event: Event, now = new Date()): Promise<FanOut> {
  const recipientId = event.notification.recipient?.id;
  if (!recipientId) return { posted: 0, gone: 0, expired: 0 };
  const partitions = [
    feedKey(event.tenant_id, recipientId, "recipient"),
    feedKey(event.tenant_id, recipientId, `notification:${event.notification.id}`),
  ];
  const found = (await Promise.all(partitions.map(subscribers))).flat();
  const live = new Set<string>();
  const expired = new Set<string>();
  for (const subscription of found) {
    // A notification feed is the recipient's own: a token for another never receives it.
    if (subscription.recipient_id !== recipientId) continue;
    if (subscription.expires_at <= epoch(now)) expired.add(subscription.connection_id);
    else live.add(subscription.connection_id);
  }
  const result: FanOut = { posted: 0, gone: 0, expired: expired.size };
  const data = JSON.stringify({ type: "event", event } satisfies ServerMessage);
  await pool([...live], FAN_OUT_CONCURRENCY, async (connectionId) => {
    if (await send(connectionId, data)) result.posted++;
    else result.gone++;
  });
  await pool(
    [...expired].filter((id) => !live.has(id)),
    FAN_OUT_CONCURRENCY,
    close,
  );
  return result;
}

async function subscribers(partition: string): Promise<Subscription[]> {
  const items: Subscription[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": partition },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...((page.Items ?? []) as Subscription[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function post(connectionId: string, message: ServerMessage): Promise<boolean> {
  return send(connectionId, JSON.stringify(message));
}

/** Post to one connection; false (and the connection removed) when it is gone. */
async function send(connectionId: string, data: string): Promise<boolean> {
  try {
    await manager().send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(data) }),
    );
    return true;
  } catch (error) {
    if (error instanceof GoneException || (error as Error).name === "GoneException") {
      await disconnect(connectionId);
      return false;
    }
    throw error;
  }
}

/** Close a connection (API Gateway then sends `$disconnect`) and forget it at once. */
async function close(connectionId: string): Promise<void> {
  try {
    await manager().send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
  } catch (error) {
    if (!(error instanceof GoneException || (error as Error).name === "GoneException")) {
      log.warn("could not close a connection", { connectionId, ...errorFields(error) });
    }
  }
  await disconnect(connectionId);
}

const manager = () => connections(link("Socket").managementEndpoint);

/** Run `work` over `items`, at most `limit` at a time; a failure is logged, not thrown. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        log.warn("real-time post failed", errorFields(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

function parseJson(body: string | undefined): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(body);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
