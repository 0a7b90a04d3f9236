import { randomUUID } from "node:crypto";
import { redis } from "../aws/redis";
import { cached } from "../cache";
import { tuning } from "../config";
import { errorFields, log } from "../log";

/**
 * Presence: who may be listening in a tenant, so a status change is published (on Redis, on
 * AppSync Events) only where someone listens. Most recipients are not connected when their
 * notification changes, and each publish is billed whether anyone receives it or not.
 *
 * One Redis sorted set per tenant, `herald:presence:<tenant>`; a member is one kind of listener,
 * its score the epoch ms until which it listens:
 *
 *   `*`               every change of the tenant, on Redis (a tenant-wide `Realtime.subscribe`)
 *   `r:<recipient>`   a recipient's changes, on Redis (the SSE feed, a recipient `subscribe`)
 *   `n:<id>`          one notification's changes, on Redis (a notification `subscribe`)
 *   `s:<recipient>`   a recipient's changes, on AppSync Events (the WebSocket authorizer)
 *   `*s`              every change with a recipient, on AppSync Events
 *
 * A listener that knows when it ends (the SSE feed, `Realtime.subscribe`) registers a member of
 * its own, `l:<listener id>:<member>`, and removes it when it ends; the WebSocket authorizer
 * never learns when a subscription ends, so `s:` members are shared and last until the token
 * expires. Listeners `register` when they start (one script call: stale members dropped, the
 * member kept at the later of its expiries, the key expiring with its last member); past
 * `MAX_MEMBERS` live members a new listener registers the tenant-wide member of its transport
 * instead (shared: never removed early), so a read stays small. Publishers read a tenant's live
 * members once per HERALD_PRESENCE_CACHE_MS per container (`listening`, one ZRANGE) and publish
 * nothing while nobody listens.
 *
 * The gap: a publisher that read "nobody" just before a listener registered keeps that answer
 * up to the cache TTL and drops what changes meanwhile. Listeners close it themselves: each one
 * replays from DynamoDB once `catchUpAfterMs()` after it registered (the SSE feed, and the
 * WebSocket client through `?replay=only`), and drops the repeats.
 */

/** Live members past which a new listener registers its transport's tenant-wide member. */
export const MAX_MEMBERS = 200;
/** What a catch-up waits beyond the cache TTL: cache stamping, an index's replication lag. */
export const CATCH_UP_MARGIN_MS = 1_000;

const ALL = "*";
const ALL_SOCKET = "*s";

/** The member a listener registers (see the module comment). */
export const member = {
  tenant: () => ALL,
  recipient: (recipientId: string) => `r:${recipientId}`,
  notification: (id: string) => `n:${id}`,
  socket: (recipientId: string) => `s:${recipientId}`,
};

/** A member of one listener's own (`own(member.recipient(id))`), removed when it ends. */
export function own(shared: string): string {
  return `l:${randomUUID()}:${shared}`;
}

/** The shared member an own one stands for. */
function sharedOf(member: string): string {
  return member.startsWith("l:") ? member.slice(member.indexOf(":", 2) + 1) : member;
}

export function keyOf(tenantId: string): string {
  return `herald:presence:${Buffer.from(tenantId).toString("base64url")}`;
}

/**
 * KEYS[1] the tenant's set; ARGV now, member, until (ms), max live members, the overflow member.
 * Returns the member registered (the overflow member when the set was full).
 */
const REGISTER = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local member = ARGV[2]
if not redis.call('ZSCORE', KEYS[1], member) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  member = ARGV[5]
end
local current = redis.call('ZSCORE', KEYS[1], member)
if not current or tonumber(current) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[3], member)
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return member
`;

let script: { exec(keys: string[], args: string[]): Promise<string> } | undefined;

/**
 * Say a listener of `tenantId` listens until `until` (epoch ms). Resolves to the member actually
 * registered: the tenant-wide one when the set was full. A shared member stays until its expiry
 * however early its listeners leave: that costs publishes, never a lost event.
 */
export async function register(
  tenantId: string,
  listener: string,
  until: number,
  now = Date.now(),
): Promise<string> {
  if (until <= now) return listener;
  script ??= redis().createScript<string>(REGISTER);
  const overflow = sharedOf(listener).startsWith("s:") ? ALL_SOCKET : ALL;
  return script.exec(
    [keyOf(tenantId)],
    [String(now), listener, String(Math.ceil(until)), String(MAX_MEMBERS), overflow],
  );
}

/** A listener that ends: its own member goes (a shared one, e.g. the overflow, stays). */
export async function unregister(tenantId: string, registered: string): Promise<void> {
  if (registered.startsWith("l:")) await redis().zrem(keyOf(tenantId), registered);
}

/** A notification as publishers see it: its id and recipient. */
interface Target {
  id: string;
  recipient?: { id?: string };
}

/** Who may be listening in one tenant, by transport. */
export interface Listening {
  /** Someone on Redis (SSE feed, `Realtime.subscribe`) may want this change. */
  redis(notification: Target): boolean;
  /** Someone on AppSync Events (the WebSocket feed) may want it: only changes with a recipient. */
  socket(notification: Target): boolean;
}

export function listeningOf(members: Iterable<string>): Listening {
  const live = new Set([...members].map(sharedOf));
  return {
    redis: ({ id, recipient }) =>
      live.has(ALL) ||
      live.has(member.notification(id)) ||
      (recipient?.id !== undefined && live.has(member.recipient(recipient.id))),
    socket: ({ recipient }) =>
      recipient?.id !== undefined &&
      (live.has(ALL_SOCKET) || live.has(member.socket(recipient.id))),
  };
}

const NOBODY = listeningOf([]);
/** When presence cannot be read: publish everything, as if everyone listened. */
const EVERYONE = listeningOf([ALL, ALL_SOCKET]);

/** The live members of a tenant's set (those whose expiry is still ahead). */
export async function read(tenantId: string, now = Date.now()): Promise<string[]> {
  return redis().zrange<string[]>(keyOf(tenantId), now, "+inf", { byScore: true });
}

const live = cached(
  () => tuning().HERALD_PRESENCE_CACHE_MS,
  async (tenantId: string): Promise<Listening> => {
    try {
      const members = await read(tenantId);
      return members.length === 0 ? NOBODY : listeningOf(members);
    } catch (error) {
      log.warn("presence unreadable; publishing everything", { tenantId, ...errorFields(error) });
      return EVERYONE;
    }
  },
);

/**
 * Who may be listening in a tenant, as this container last read it (at most
 * HERALD_PRESENCE_CACHE_MS ago). Never throws: unreadable presence counts as everyone.
 */
export function listening(tenantId: string): Promise<Listening> {
  return live(tenantId);
}

/** How long after registering a listener replays once more, to catch what a stale cache dropped. */
export function catchUpAfterMs(): number {
  return tuning().HERALD_PRESENCE_CACHE_MS + CATCH_UP_MARGIN_MS;
}
