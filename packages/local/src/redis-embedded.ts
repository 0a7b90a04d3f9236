import type {
  Backend,
  CommandArgs,
  Outcome,
  PubSubSink,
  Reply,
  SubscribeKind,
  Subscription,
  TransactionOutcome,
} from "./redis";

/**
 * The embedded fallback for when no `redis-server` is installed: an in-memory engine with the
 * commands a notification service uses, Redis 7 reply shapes and error texts, lazy expiry and
 * pub/sub. Single-threaded and synchronous, so every command and every MULTI/EXEC is atomic.
 */

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INTEGER = "ERR value is not an integer or out of range";
const NOT_FLOAT = "ERR value is not a valid float";
const SYNTAX = "ERR syntax error";
const OVERFLOW = "ERR increment or decrement would overflow";
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** An error reply; the dispatcher turns it into `{ error: message }`. */
class ReplyError extends Error {
  override name = "ReplyError";
}

interface DataByKind {
  string: string;
  hash: Map<string, string>;
  list: string[];
  zset: Map<string, number>;
}
type Kind = keyof DataByKind;
type Value = { [K in Kind]: { kind: K; data: DataByKind[K] } }[Kind];

interface Entry {
  value: Value;
  /** Epoch milliseconds; undefined = no expiry. */
  expiresAt: number | undefined;
}

class Keyspace {
  private readonly entries = new Map<string, Entry>();

  /** The live entry under `key`; an expired one is deleted on the way (lazy expiry). */
  entry(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** The data under `key` if it holds a `kind`, undefined if absent, WRONGTYPE otherwise. */
  read<K extends Kind>(key: string, kind: K): DataByKind[K] | undefined {
    const entry = this.entry(key);
    if (!entry) return undefined;
    if (entry.value.kind !== kind) throw new ReplyError(WRONGTYPE);
    return entry.value.data as DataByKind[K];
  }

  /** Like `read`, creating an empty `kind` when the key is absent. */
  readOrCreate<K extends Kind>(key: string, kind: K, empty: () => DataByKind[K]): DataByKind[K] {
    const existing = this.read(key, kind);
    if (existing !== undefined) return existing;
    const data = empty();
    this.entries.set(key, { value: { kind, data } as Value, expiresAt: undefined });
    return data;
  }

  put(key: string, value: Value, expiresAt?: number) {
    this.entries.set(key, { value, expiresAt });
  }

  delete(key: string): boolean {
    return this.entry(key) !== undefined && this.entries.delete(key);
  }

  /** Redis removes a hash, list or sorted set once it is empty. */
  dropIfEmpty(key: string, data: Map<string, unknown> | unknown[]) {
    if ((data instanceof Map ? data.size : data.length) === 0) this.entries.delete(key);
  }

  keys(): string[] {
    return [...this.entries.keys()].filter((key) => this.entry(key) !== undefined);
  }

  clear() {
    this.entries.clear();
  }
}

class PubSubHub {
  private readonly channels = new Map<string, Set<PubSubSink>>();
  private readonly patterns = new Map<string, { regex: RegExp; sinks: Set<PubSubSink> }>();

  add(kind: SubscribeKind, target: string, sink: PubSubSink): () => void {
    if (kind === "subscribe") {
      const sinks = this.channels.get(target) ?? new Set();
      this.channels.set(target, sinks.add(sink));
      return () => this.remove(this.channels, target, sinks, sink);
    }
    const entry = this.patterns.get(target) ?? { regex: globToRegExp(target), sinks: new Set() };
    this.patterns.set(target, entry);
    entry.sinks.add(sink);
    return () => this.remove(this.patterns, target, entry.sinks, sink);
  }

  private remove<V>(map: Map<string, V>, target: string, sinks: Set<PubSubSink>, sink: PubSubSink) {
    sinks.delete(sink);
    if (sinks.size === 0) map.delete(target);
  }

  /** Delivers to every subscriber and returns how many received it, as PUBLISH does. */
  publish(channel: string, message: string): number {
    let receivers = 0;
    for (const sink of this.channels.get(channel) ?? []) {
      sink.message({ channel, message });
      receivers++;
    }
    for (const [pattern, { regex, sinks }] of this.patterns) {
      if (!regex.test(channel)) continue;
      for (const sink of sinks) {
        sink.message({ pattern, channel, message });
        receivers++;
      }
    }
    return receivers;
  }

  endAll() {
    const sinks = [...this.channels.values(), ...[...this.patterns.values()].map((p) => p.sinks)];
    this.channels.clear();
    this.patterns.clear();
    for (const set of sinks) for (const sink of set) sink.end();
  }
}

interface Context {
  db: Keyspace;
  hub: PubSubHub;
}

interface CommandSpec {
  /** Redis' arity, counting the name: n exactly n, -n at least n. */
  arity: number;
  run(context: Context, args: string[]): Reply;
}

export function createEmbeddedBackend(): Backend {
  const context: Context = { db: new Keyspace(), hub: new PubSubHub() };
  const run = (command: CommandArgs) => execute(context, command);
  return {
    name: "embedded",
    command: async (command) => run(command),
    pipeline: async (commands) => commands.map(run),
    transaction: async (commands) => transaction(context, commands),
    subscribe: async (kind, target, sink) => subscribe(context, kind, target, sink),
    close: async () => {
      context.hub.endAll();
      context.db.clear();
    },
  };
}

function subscribe(
  context: Context,
  kind: SubscribeKind,
  target: string,
  sink: PubSubSink,
): Subscription {
  const remove = context.hub.add(kind, target, sink);
  return { count: 1, close: async () => remove() };
}

function transaction(context: Context, commands: readonly CommandArgs[]): TransactionOutcome {
  for (const command of commands) {
    const problem = queueError(command);
    if (problem) {
      return { error: `EXECABORT Transaction discarded because of previous errors: ${problem}` };
    }
  }
  return { results: commands.map((command) => execute(context, command)) };
}

/** The error Redis gives when queueing this command (unknown name, wrong arity), if any. */
function queueError([name, ...args]: CommandArgs): string | undefined {
  const spec = COMMANDS.get(name.toLowerCase());
  if (!spec) return unknownCommand(name, args);
  const count = args.length + 1;
  if (spec.arity > 0 ? count !== spec.arity : count < -spec.arity) return wrongArity(name);
  return undefined;
}

function execute(context: Context, command: CommandArgs): Outcome {
  const problem = queueError(command);
  if (problem) return { error: problem };
  const [name, ...args] = command;
  const spec = COMMANDS.get(name.toLowerCase()) as CommandSpec;
  try {
    return { result: spec.run(context, args) };
  } catch (error) {
    if (error instanceof ReplyError) return { error: error.message };
    throw error;
  }
}

function unknownCommand(name: string, args: string[]): string {
  let quoted = "";
  for (const arg of args) {
    if (quoted.length >= 128) break;
    quoted += `'${arg.slice(0, 128 - quoted.length)}' `;
  }
  return `ERR unknown command '${name}', with args beginning with: ${quoted}`;
}

function wrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name.toLowerCase()}' command`;
}

// ---------------------------------------------------------------------------------------------
// Argument parsing
// ---------------------------------------------------------------------------------------------

/** Redis' strict int64 parsing (no sign +, no leading zeros, no spaces). */
function parseInt64(raw: string, message = NOT_INTEGER): bigint {
  if (!/^-?(0|[1-9][0-9]*)$/.test(raw) || raw === "-0") throw new ReplyError(message);
  const value = BigInt(raw);
  if (value < INT64_MIN || value > INT64_MAX) throw new ReplyError(message);
  return value;
}

function parseInteger(raw: string, message = NOT_INTEGER): number {
  return Number(parseInt64(raw, message));
}

function parseFloat64(raw: string, message = NOT_FLOAT): number {
  if (/^[+-]?inf(inity)?$/i.test(raw)) return raw.startsWith("-") ? -Infinity : Infinity;
  const value = raw.trim() === raw && raw !== "" ? Number(raw) : Number.NaN;
  if (Number.isNaN(value)) throw new ReplyError(message);
  return value;
}

/** Redis 7.2+/Upstash style: shortest round-trip form, `inf`/`-inf`. */
function formatScore(score: number): string {
  if (score === Infinity) return "inf";
  if (score === -Infinity) return "-inf";
  return String(score);
}

function checkedSum(current: bigint, delta: bigint): bigint {
  const next = current + delta;
  if (next < INT64_MIN || next > INT64_MAX) throw new ReplyError(OVERFLOW);
  return next;
}

/** Resolve Redis' index range (negative from the end) to [from, to) over `length` items. */
function indexRange(rawStart: string, rawStop: string, length: number): [number, number] {
  let start = parseInteger(rawStart);
  let stop = parseInteger(rawStop);
  if (start < 0) start += length;
  if (stop < 0) stop += length;
  start = Math.max(start, 0);
  stop = Math.min(stop, length - 1);
  return start > stop || start >= length ? [0, 0] : [start, stop + 1];
}

// ---------------------------------------------------------------------------------------------
// Keys, strings, expiry
// ---------------------------------------------------------------------------------------------

function ping(_context: Context, args: string[]): Reply {
  if (args.length > 1) throw new ReplyError(wrongArity("ping"));
  return args[0] ?? "PONG";
}

function get({ db }: Context, [key]: string[]): Reply {
  return db.read(key as string, "string") ?? null;
}

interface SetOptions {
  condition?: "nx" | "xx";
  get: boolean;
  keepTtl: boolean;
  expiresAt?: number;
}

function parseSetOptions(options: string[]): SetOptions {
  const parsed: SetOptions = { get: false, keepTtl: false };
  let hasExpiry = false;
  for (let i = 0; i < options.length; i++) {
    const option = (options[i] as string).toLowerCase();
    if (option === "nx" || option === "xx") {
      if (parsed.condition && parsed.condition !== option) throw new ReplyError(SYNTAX);
      parsed.condition = option;
    } else if (option === "get") {
      parsed.get = true;
    } else if (option === "keepttl" && !hasExpiry) {
      parsed.keepTtl = true;
    } else if (["ex", "px", "exat", "pxat"].includes(option) && !hasExpiry && !parsed.keepTtl) {
      const raw = options[++i];
      if (raw === undefined) throw new ReplyError(SYNTAX);
      const amount = parseInteger(raw);
      if (amount <= 0) throw new ReplyError("ERR invalid expire time in 'set' command");
      parsed.expiresAt = absoluteExpiry(option, amount);
      hasExpiry = true;
    } else {
      throw new ReplyError(SYNTAX);
    }
  }
  return parsed;
}

function absoluteExpiry(unit: string, amount: number): number {
  if (unit === "ex") return Date.now() + amount * 1000;
  if (unit === "px") return Date.now() + amount;
  if (unit === "exat") return amount * 1000;
  return amount;
}

function set({ db }: Context, [key, value, ...rest]: string[]): Reply {
  const options = parseSetOptions(rest);
  const existing = db.entry(key as string);
  let previous: Reply = null;
  if (options.get && existing) {
    if (existing.value.kind !== "string") throw new ReplyError(WRONGTYPE);
    previous = existing.value.data;
  }
  const blocked =
    (options.condition === "nx" && existing) || (options.condition === "xx" && !existing);
  if (!blocked) {
    const expiresAt = options.keepTtl ? existing?.expiresAt : options.expiresAt;
    db.put(key as string, { kind: "string", data: value as string }, expiresAt);
  }
  if (options.get) return previous;
  return blocked ? null : "OK";
}

function mget({ db }: Context, keys: string[]): Reply {
  return keys.map((key) => {
    const value = db.entry(key)?.value;
    return value?.kind === "string" ? value.data : null;
  });
}

function mset({ db }: Context, args: string[]): Reply {
  if (args.length % 2 !== 0) throw new ReplyError(wrongArity("mset"));
  for (let i = 0; i < args.length; i += 2) {
    db.put(args[i] as string, { kind: "string", data: args[i + 1] as string });
  }
  return "OK";
}

function del({ db }: Context, keys: string[]): Reply {
  return keys.filter((key) => db.delete(key)).length;
}

function exists({ db }: Context, keys: string[]): Reply {
  return keys.filter((key) => db.entry(key) !== undefined).length;
}

function typeOf({ db }: Context, [key]: string[]): Reply {
  return db.entry(key as string)?.value.kind ?? "none";
}

function incrementBy({ db }: Context, key: string, delta: bigint): Reply {
  const entry = db.entry(key);
  if (entry && entry.value.kind !== "string") throw new ReplyError(WRONGTYPE);
  const current = entry?.value.kind === "string" ? parseInt64(entry.value.data) : 0n;
  const next = checkedSum(current, delta);
  db.put(key, { kind: "string", data: next.toString() }, entry?.expiresAt);
  return Number(next);
}

function decrement(raw: string): bigint {
  const amount = parseInt64(raw);
  if (amount === INT64_MIN) throw new ReplyError("ERR decrement would overflow");
  return -amount;
}

interface ExpireFlags {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
}

function parseExpireFlags(options: string[]): ExpireFlags {
  const flags: ExpireFlags = { nx: false, xx: false, gt: false, lt: false };
  for (const option of options) {
    const flag = option.toLowerCase();
    if (!(flag in flags)) throw new ReplyError(`ERR Unsupported option ${option}`);
    flags[flag as keyof ExpireFlags] = true;
  }
  if (flags.nx && (flags.xx || flags.gt || flags.lt)) {
    throw new ReplyError("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if (flags.gt && flags.lt) {
    throw new ReplyError("ERR GT and LT options at the same time are not compatible");
  }
  return flags;
}

function expire({ db }: Context, args: string[], unitMs: number): Reply {
  const [key, rawAmount, ...options] = args as [string, string, ...string[]];
  const amount = parseInteger(rawAmount);
  const flags = parseExpireFlags(options);
  const entry = db.entry(key);
  if (!entry) return 0;
  const at = Date.now() + amount * unitMs;
  const current = entry.expiresAt;
  if (flags.nx && current !== undefined) return 0;
  if (flags.xx && current === undefined) return 0;
  if (flags.gt && (current === undefined || at <= current)) return 0;
  if (flags.lt && current !== undefined && at >= current) return 0;
  if (at <= Date.now()) db.delete(key);
  else entry.expiresAt = at;
  return 1;
}

function ttl({ db }: Context, [key]: string[], inMilliseconds: boolean): Reply {
  const entry = db.entry(key as string);
  if (!entry) return -2;
  if (entry.expiresAt === undefined) return -1;
  const remaining = Math.max(0, entry.expiresAt - Date.now());
  return inMilliseconds ? remaining : Math.floor((remaining + 500) / 1000);
}

function persist({ db }: Context, [key]: string[]): Reply {
  const entry = db.entry(key as string);
  if (entry?.expiresAt === undefined) return 0;
  entry.expiresAt = undefined;
  return 1;
}

function keys({ db }: Context, [pattern]: string[]): Reply {
  const regex = globToRegExp(pattern as string);
  return db.keys().filter((key) => regex.test(key));
}

function flush({ db }: Context, options: string[]): Reply {
  const option = options[0]?.toLowerCase();
  if (options.length > 1 || (option !== undefined && option !== "async" && option !== "sync")) {
    throw new ReplyError(SYNTAX);
  }
  db.clear();
  return "OK";
}

// ---------------------------------------------------------------------------------------------
// Hashes
// ---------------------------------------------------------------------------------------------

function hset({ db }: Context, [key, ...pairs]: string[]): Reply {
  if (pairs.length % 2 !== 0) throw new ReplyError(wrongArity("hset"));
  const hash = db.readOrCreate(key as string, "hash", () => new Map());
  let added = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    const field = pairs[i] as string;
    if (!hash.has(field)) added++;
    hash.set(field, pairs[i + 1] as string);
  }
  return added;
}

function hget({ db }: Context, [key, field]: string[]): Reply {
  return db.read(key as string, "hash")?.get(field as string) ?? null;
}

function hmget({ db }: Context, [key, ...fields]: string[]): Reply {
  const hash = db.read(key as string, "hash");
  return fields.map((field) => hash?.get(field) ?? null);
}

function hgetall({ db }: Context, [key]: string[]): Reply {
  return [...(db.read(key as string, "hash") ?? [])].flat();
}

function hdel({ db }: Context, [key, ...fields]: string[]): Reply {
  const hash = db.read(key as string, "hash");
  if (!hash) return 0;
  const removed = fields.filter((field) => hash.delete(field)).length;
  db.dropIfEmpty(key as string, hash);
  return removed;
}

function hincrby({ db }: Context, [key, field, rawDelta]: string[]): Reply {
  const delta = parseInt64(rawDelta as string);
  const hash = db.readOrCreate(key as string, "hash", () => new Map());
  const current = hash.get(field as string);
  const base = current === undefined ? 0n : parseInt64(current, "ERR hash value is not an integer");
  const next = checkedSum(base, delta);
  hash.set(field as string, next.toString());
  return Number(next);
}

function hlen({ db }: Context, [key]: string[]): Reply {
  return db.read(key as string, "hash")?.size ?? 0;
}

function hexists({ db }: Context, [key, field]: string[]): Reply {
  return db.read(key as string, "hash")?.has(field as string) ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------

function push({ db }: Context, [key, ...values]: string[], end: "head" | "tail"): Reply {
  const list = db.readOrCreate(key as string, "list", () => []);
  if (end === "head") list.unshift(...values.reverse());
  else list.push(...values);
  return list.length;
}

function pop({ db }: Context, [key, rawCount]: string[], end: "head" | "tail"): Reply {
  if (rawCount !== undefined && parseInteger(rawCount) < 0) {
    throw new ReplyError("ERR value is out of range, must be positive");
  }
  const list = db.read(key as string, "list");
  if (!list) return null;
  const count = rawCount === undefined ? 1 : parseInteger(rawCount);
  const taken =
    end === "head"
      ? list.splice(0, count)
      : list.splice(Math.max(list.length - count, 0)).reverse();
  db.dropIfEmpty(key as string, list);
  if (rawCount === undefined) return taken[0] ?? null;
  return taken;
}

function lrange({ db }: Context, [key, start, stop]: string[]): Reply {
  const list = db.read(key as string, "list") ?? [];
  const [from, to] = indexRange(start as string, stop as string, list.length);
  return list.slice(from, to);
}

function ltrim({ db }: Context, [key, start, stop]: string[]): Reply {
  const list = db.read(key as string, "list");
  if (!list) return "OK";
  const [from, to] = indexRange(start as string, stop as string, list.length);
  const kept = list.slice(from, to);
  list.splice(0, list.length, ...kept);
  db.dropIfEmpty(key as string, list);
  return "OK";
}

function llen({ db }: Context, [key]: string[]): Reply {
  return db.read(key as string, "list")?.length ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Sorted sets
// ---------------------------------------------------------------------------------------------

interface ZaddFlags {
  nx: boolean;
  xx: boolean;
  ch: boolean;
  incr: boolean;
  gt: boolean;
  lt: boolean;
}

function parseZaddFlags(args: string[]): { flags: ZaddFlags; pairs: string[] } {
  const flags: ZaddFlags = { nx: false, xx: false, ch: false, incr: false, gt: false, lt: false };
  let i = 0;
  for (; i < args.length; i++) {
    const flag = (args[i] as string).toLowerCase();
    if (!(flag in flags)) break;
    flags[flag as keyof ZaddFlags] = true;
  }
  const pairs = args.slice(i);
  if (pairs.length === 0 || pairs.length % 2 !== 0) throw new ReplyError(SYNTAX);
  if (flags.nx && flags.xx) {
    throw new ReplyError("ERR XX and NX options at the same time are not compatible");
  }
  if ((flags.gt && flags.nx) || (flags.lt && flags.nx) || (flags.gt && flags.lt)) {
    throw new ReplyError("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (flags.incr && pairs.length > 2) {
    throw new ReplyError("ERR INCR option supports a single increment-element pair");
  }
  return { flags, pairs };
}

function zadd({ db }: Context, [key, ...args]: string[]): Reply {
  const { flags, pairs } = parseZaddFlags(args);
  const updates: Array<[member: string, score: number]> = [];
  for (let i = 0; i < pairs.length; i += 2) {
    updates.push([pairs[i + 1] as string, parseFloat64(pairs[i] as string)]);
  }
  const existing = db.read(key as string, "zset");
  if (!existing && flags.xx) return flags.incr ? null : 0;
  const zset = existing ?? db.readOrCreate(key as string, "zset", () => new Map());
  let added = 0;
  let changed = 0;
  let lastScore: number | null = null;
  for (const [member, score] of updates) {
    const current = zset.get(member);
    if (current === undefined) {
      if (flags.xx) continue;
      zset.set(member, score);
      added++;
      lastScore = score;
      continue;
    }
    if (flags.nx) continue;
    const next = flags.incr ? current + score : score;
    if (Number.isNaN(next)) throw new ReplyError("ERR resulting score is not a number (NaN)");
    if ((flags.gt && next <= current) || (flags.lt && next >= current)) continue;
    if (next !== current) changed++;
    zset.set(member, next);
    lastScore = next;
  }
  db.dropIfEmpty(key as string, zset);
  if (flags.incr) return lastScore === null ? null : formatScore(lastScore);
  return flags.ch ? added + changed : added;
}

/** Members by score, ties by member bytes, as Redis orders them. */
function sortedMembers(zset: Map<string, number>): Array<[string, number]> {
  return [...zset].sort(([memberA, scoreA], [memberB, scoreB]) =>
    scoreA !== scoreB
      ? scoreA - scoreB
      : Buffer.compare(Buffer.from(memberA), Buffer.from(memberB)),
  );
}

interface ScoreBound {
  value: number;
  exclusive: boolean;
}

function parseScoreBound(raw: string): ScoreBound {
  const exclusive = raw.startsWith("(");
  const value = parseFloat64(exclusive ? raw.slice(1) : raw, "ERR min or max is not a float");
  return { value, exclusive };
}

function withinBounds(score: number, min: ScoreBound, max: ScoreBound): boolean {
  const aboveMin = min.exclusive ? score > min.value : score >= min.value;
  const belowMax = max.exclusive ? score < max.value : score <= max.value;
  return aboveMin && belowMax;
}

interface ZrangeOptions {
  byScore: boolean;
  rev: boolean;
  withScores: boolean;
  limit?: { offset: number; count: number };
}

function parseZrangeOptions(options: string[]): ZrangeOptions {
  const parsed: ZrangeOptions = { byScore: false, rev: false, withScores: false };
  for (let i = 0; i < options.length; i++) {
    const option = (options[i] as string).toLowerCase();
    if (option === "byscore") parsed.byScore = true;
    else if (option === "rev") parsed.rev = true;
    else if (option === "withscores") parsed.withScores = true;
    else if (option === "bylex") {
      throw new ReplyError("ERR BYLEX is not supported by Herald's embedded Redis");
    } else if (option === "limit") {
      if (i + 2 >= options.length) throw new ReplyError(SYNTAX);
      const offset = parseInteger(options[++i] as string);
      const count = parseInteger(options[++i] as string);
      parsed.limit = { offset, count };
    } else {
      throw new ReplyError(SYNTAX);
    }
  }
  if (parsed.limit && !parsed.byScore) {
    throw new ReplyError(
      "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
    );
  }
  return parsed;
}

function zrange({ db }: Context, [key, start, stop, ...rest]: string[]): Reply {
  const options = parseZrangeOptions(rest);
  const members = sortedMembers(db.read(key as string, "zset") ?? new Map());
  if (options.rev) members.reverse();
  let selected: Array<[string, number]>;
  if (options.byScore) {
    const [rawMin, rawMax] = options.rev ? [stop, start] : [start, stop];
    const min = parseScoreBound(rawMin as string);
    const max = parseScoreBound(rawMax as string);
    selected = members.filter(([, score]) => withinBounds(score, min, max));
    if (options.limit) {
      const { offset, count } = options.limit;
      selected = offset < 0 ? [] : selected.slice(offset, count < 0 ? undefined : offset + count);
    }
  } else {
    const [from, to] = indexRange(start as string, stop as string, members.length);
    selected = members.slice(from, to);
  }
  return selected.flatMap(([member, score]) =>
    options.withScores ? [member, formatScore(score)] : [member],
  );
}

function zrem({ db }: Context, [key, ...members]: string[]): Reply {
  const zset = db.read(key as string, "zset");
  if (!zset) return 0;
  const removed = members.filter((member) => zset.delete(member)).length;
  db.dropIfEmpty(key as string, zset);
  return removed;
}

function zcard({ db }: Context, [key]: string[]): Reply {
  return db.read(key as string, "zset")?.size ?? 0;
}

function zscore({ db }: Context, [key, member]: string[]): Reply {
  const score = db.read(key as string, "zset")?.get(member as string);
  return score === undefined ? null : formatScore(score);
}

function zremrangebyscore({ db }: Context, [key, rawMin, rawMax]: string[]): Reply {
  const min = parseScoreBound(rawMin as string);
  const max = parseScoreBound(rawMax as string);
  const zset = db.read(key as string, "zset");
  if (!zset) return 0;
  let removed = 0;
  for (const [member, score] of zset) {
    if (withinBounds(score, min, max) && zset.delete(member)) removed++;
  }
  db.dropIfEmpty(key as string, zset);
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Glob patterns (KEYS, PSUBSCRIBE)
// ---------------------------------------------------------------------------------------------

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/** Redis glob: `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes. */
function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === "*") source += "[\\s\\S]*";
    else if (char === "?") source += "[\\s\\S]";
    else if (char === "\\" && i + 1 < pattern.length)
      source += escapeRegExp(pattern[++i] as string);
    else if (char === "[") {
      const [cls, end] = bracketClass(pattern, i + 1);
      source += cls;
      i = end;
    } else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`);
}

/** Translate a `[...]` starting after the `[`; returns the class and the index of its `]`. */
function bracketClass(pattern: string, start: number): [string, number] {
  let i = start;
  const negate = pattern[i] === "^";
  if (negate) i++;
  let body = "";
  while (i < pattern.length && pattern[i] !== "]") {
    let low = pattern[i] as string;
    if (low === "\\" && i + 1 < pattern.length) low = pattern[++i] as string;
    const high = pattern[i + 2];
    if (pattern[i + 1] === "-" && high !== undefined && high !== "]") {
      const [from, to] = low <= high ? [low, high] : [high, low];
      body += `${escapeRegExp(from)}-${escapeRegExp(to)}`;
      i += 3;
    } else {
      body += escapeRegExp(low);
      i++;
    }
  }
  if (body === "") return [negate ? "[\\s\\S]" : "(?!)", i];
  return [negate ? `[^${body}]` : `[${body}]`, i];
}

// ---------------------------------------------------------------------------------------------
// Command table
// ---------------------------------------------------------------------------------------------

const COMMANDS = new Map<string, CommandSpec>([
  ["ping", { arity: -1, run: ping }],
  ["echo", { arity: 2, run: (_context, [message]) => message ?? null }],
  ["get", { arity: 2, run: get }],
  ["set", { arity: -3, run: set }],
  ["mget", { arity: -2, run: mget }],
  ["mset", { arity: -3, run: mset }],
  ["del", { arity: -2, run: del }],
  ["unlink", { arity: -2, run: del }],
  ["exists", { arity: -2, run: exists }],
  ["type", { arity: 2, run: typeOf }],
  ["incr", { arity: 2, run: (context, [key]) => incrementBy(context, key as string, 1n) }],
  ["decr", { arity: 2, run: (context, [key]) => incrementBy(context, key as string, -1n) }],
  [
    "incrby",
    {
      arity: 3,
      run: (context, [key, by]) => incrementBy(context, key as string, parseInt64(by as string)),
    },
  ],
  [
    "decrby",
    {
      arity: 3,
      run: (context, [key, by]) => incrementBy(context, key as string, decrement(by as string)),
    },
  ],
  ["expire", { arity: -3, run: (context, args) => expire(context, args, 1000) }],
  ["pexpire", { arity: -3, run: (context, args) => expire(context, args, 1) }],
  ["ttl", { arity: 2, run: (context, args) => ttl(context, args, false) }],
  ["pttl", { arity: 2, run: (context, args) => ttl(context, args, true) }],
  ["persist", { arity: 2, run: persist }],
  ["hset", { arity: -4, run: hset }],
  ["hget", { arity: 3, run: hget }],
  ["hmget", { arity: -3, run: hmget }],
  ["hgetall", { arity: 2, run: hgetall }],
  ["hdel", { arity: -3, run: hdel }],
  ["hincrby", { arity: 4, run: hincrby }],
  ["hlen", { arity: 2, run: hlen }],
  ["hexists", { arity: 3, run: hexists }],
  ["lpush", { arity: -3, run: (context, args) => push(context, args, "head") }],
  ["rpush", { arity: -3, run: (context, args) => push(context, args, "tail") }],
  ["lpop", { arity: -2, run: (context, args) => pop(context, args, "head") }],
  ["rpop", { arity: -2, run: (context, args) => pop(context, args, "tail") }],
  ["lrange", { arity: 4, run: lrange }],
  ["ltrim", { arity: 4, run: ltrim }],
  ["llen", { arity: 2, run: llen }],
  ["zadd", { arity: -4, run: zadd }],
  ["zrange", { arity: -4, run: zrange }],
  ["zrem", { arity: -3, run: zrem }],
  ["zcard", { arity: 2, run: zcard }],
  ["zscore", { arity: 3, run: zscore }],
  ["zremrangebyscore", { arity: 4, run: zremrangebyscore }],
  [
    "publish",
    {
      arity: 3,
      run: ({ hub }, [channel, message]) => hub.publish(channel as string, message as string),
    },
  ],
  ["flushall", { arity: -1, run: flush }],
  ["flushdb", { arity: -1, run: flush }],
  ["dbsize", { arity: 1, run: ({ db }) => db.keys().length }],
  ["keys", { arity: 2, run: keys }],
]);
