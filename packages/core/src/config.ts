import { createHmac } from "node:crypto";
import { Resource } from "sst";
import * as z from "./zod";

/**
 * The one place configuration reaches code from: linked resources (`SST_RESOURCE_*`, read by
 * `Resource` from `sst`) plus a few tuning knobs. In AWS, SST sets the links a function is
 * linked to; locally, `packages/local` sets the same variables, so no code here knows which
 * cloud it runs in. Each link is parsed on first use, since a function only has its own links.
 */

/** A channel queue, and the dead-letter queue its schedules fall back to. */
const QueueLink = z.object({ url: z.string(), arn: z.string(), dlq: z.optional(z.string()) });

const Links = {
  App: z.object({ name: z.string(), stage: z.string() }),
  Table: z.object({ name: z.string() }),
  /** One queue per channel. (SST adds a `type` key to every link's properties; drop it.) */
  Queues: z.pipe(
    z.catchall(z.object({ type: z.optional(z.string()) }), QueueLink),
    z.transform(
      ({ type: _type, ...queues }) => queues as Record<string, z.infer<typeof QueueLink>>,
    ),
  ),
  Scheduler: z.object({ group: z.string(), roleArn: z.string() }),
  Email: z.object({ sender: z.string(), configSet: z.optional(z.string()) }),
  Upstash: z.object({ url: z.string(), token: z.string() }),
  /** VAPID keys for web push (`npx web-push generate-vapid-keys`). */
  Vapid: z.object({ publicKey: z.string(), privateKey: z.string(), subject: z.string() }),
  /** End User Messaging SMS: origination number or sender id, optional configuration set. */
  Sms: z.object({
    originationIdentity: z.optional(z.string()),
    configurationSet: z.optional(z.string()),
  }),
  /** Key that signs short-lived recipient tokens for the real-time feed. */
  Realtime: z.object({
    tokenKey: z.string().check(z.minLength(16)),
    /** The feed's Function URL, returned with recipient tokens when known. */
    url: z.optional(z.url()),
  }),
  /**
   * The WebSocket feed (AppSync Events API, linked as `Events`): `http` is its publish endpoint
   * (`https://<http domain>/event`), `realtime` where browsers connect
   * (`wss://<realtime domain>/event/realtime`), `feed` the SSE feed's URL (replay), when known.
   */
  Events: z.object({ http: z.url(), realtime: z.string(), feed: z.optional(z.string()) }),
  /** Master key from which each tenant's webhook signing secret (and `derivedKey`s) derive. */
  Webhooks: z.object({ signingKey: z.string().check(z.minLength(16)) }),
};
export type LinkName = keyof typeof Links;
export type Link<Name extends LinkName> = z.infer<(typeof Links)[Name]>;

/** About 28 hours from the first attempt to the last (before jitter). */
export const DEFAULT_RETRY_SCHEDULE = "0,5s,5m,30m,2h,5h,10h,10h";

/** A whole number from the environment (`"30"` → 30). */
const WholeNumber = z.coerce.number().check(z.int());

const Tuning = z.object({
  /** Sends due further out than this go to EventBridge Scheduler; closer ones use SQS DelaySeconds (max 900). */
  HERALD_SCHEDULER_MIN_DELAY_SECONDS: z._default(WholeNumber.check(z.gte(0), z.lte(900)), 900),
  /**
   * How early a Scheduler send is set to fire (rounded down to the minute from 120 s up): the
   * Scheduler may invoke up to a minute late, and the worker holds the rest (delivery/hold.ts).
   * Keep HERALD_SCHEDULER_MIN_DELAY_SECONDS above it plus a minute in AWS, so no schedule is set
   * in the past (the local emulator fires those at once; tests rely on that).
   */
  HERALD_SCHEDULER_LEAD_SECONDS: z._default(WholeNumber.check(z.gte(0), z.lte(600)), 120),
  /** How long a worker owns a claimed notification; keep it at least the worker's timeout. */
  HERALD_LEASE_SECONDS: z._default(WholeNumber.check(z.gte(1)), 60),
  /**
   * When each delivery attempt happens, as delays after the previous one (`0,5s,5m,30m,2h,...`;
   * units s, m, h, d; a bare number is seconds). The first entry is the first attempt's; after
   * the last, the notification is failed (exhausted, retryable). `HERALD_RETRY_SCHEDULE_<CHANNEL>`
   * (e.g. `HERALD_RETRY_SCHEDULE_WEBHOOK`) overrides it for one channel.
   */
  HERALD_RETRY_SCHEDULE: z._default(z.string(), DEFAULT_RETRY_SCHEDULE),
  HERALD_RETRY_SCHEDULE_EMAIL: z.optional(z.string()),
  HERALD_RETRY_SCHEDULE_PUSH: z.optional(z.string()),
  HERALD_RETRY_SCHEDULE_SMS: z.optional(z.string()),
  HERALD_RETRY_SCHEDULE_WEBHOOK: z.optional(z.string()),
  HERALD_RETRY_SCHEDULE_IN_APP: z.optional(z.string()),
  /** Each planned wait is lengthened by up to this fraction of itself, so retries spread out. */
  HERALD_RETRY_JITTER: z._default(z.coerce.number().check(z.gte(0), z.lte(0.5)), 0.2),
  /** Consecutive transient failures after which an endpoint's circuit opens. */
  HERALD_ENDPOINT_FAILURE_THRESHOLD: z._default(WholeNumber.check(z.gte(1)), 5),
  /** First open period of a circuit; it doubles with every failed probe, up to 10 minutes. */
  HERALD_ENDPOINT_COOLDOWN_SECONDS: z._default(WholeNumber.check(z.gte(1), z.lte(600)), 30),
  /** An endpoint failing without a single success for this long is disabled. */
  HERALD_ENDPOINT_DISABLE_AFTER_SECONDS: z._default(WholeNumber.check(z.gte(1)), 86_400),
  /**
   * A call still unanswered after this long marks its endpoint slow: until it ends, further
   * records for that endpoint are deferred instead of piling up behind it.
   */
  HERALD_ENDPOINT_SLOW_MS: z._default(WholeNumber.check(z.gte(1)), 1_000),
  /** How long an endpoint's circuit state is cached in a container before it is read again. */
  HERALD_ENDPOINT_CACHE_MS: z._default(WholeNumber.check(z.gte(0)), 5_000),
  /** Subscribers a topic fan-out reads, plans and checkpoints at a time. */
  HERALD_FANOUT_PAGE_SIZE: z._default(WholeNumber.check(z.gte(1), z.lte(1000)), 100),
  /**
   * How long one fan-out invocation works before it hands the rest to a new message; keep it
   * well under the worker's timeout (a page must finish within the difference).
   */
  HERALD_FANOUT_BUDGET_SECONDS: z._default(WholeNumber.check(z.gte(1), z.lte(840)), 20),
  /**
   * A worker publishes a notification's `sending` state only when its attempt is still running
   * this long after the claim; a faster attempt publishes its outcome alone.
   */
  HERALD_SENDING_PUBLISH_DELAY_MS: z._default(WholeNumber.check(z.gte(0)), 1_000),
  /**
   * How long a container keeps a tenant's presence (who listens on the real-time feeds) before
   * it reads it again: a status change is published only where someone may listen. A listener
   * that registers meanwhile replays from the table this long (plus a second) after it
   * registered, so a stale answer delays a change, never loses it.
   */
  HERALD_PRESENCE_CACHE_MS: z._default(WholeNumber.check(z.gte(0), z.lte(60_000)), 2_000),
  /**
   * How long a container keeps a tenant's status callback endpoints before it reads them again:
   * a callback registered (or deleted) elsewhere takes effect on status changes within this
   * long. Every status change looks them up, so this saves a Query per change.
   */
  HERALD_CALLBACK_CACHE_MS: z._default(WholeNumber.check(z.gte(0)), 5_000),
  /**
   * Requests each API key may make per window (sliding window counted in Redis, spent from
   * per-container leases of at most a tenth of it: tenant/ratelimit.ts).
   */
  HERALD_RATE_LIMIT: z._default(WholeNumber.check(z.gte(1)), 100),
  HERALD_RATE_WINDOW_SECONDS: z._default(WholeNumber.check(z.gte(1), z.lte(3600)), 10),
  /**
   * The API's public base URL: email carries a one-click unsubscribe link (RFC 8058) to it.
   * Unset: no List-Unsubscribe header.
   */
  HERALD_API_URL: z.optional(z.url()),
  /**
   * What one SMS segment costs (USD), for the tenant's monthly SMS budget: End User Messaging's
   * US price by default (a flat estimate; carrier fees and other countries differ).
   */
  HERALD_SMS_PRICE_USD: z._default(z.coerce.number().check(z.gte(0)), 0.00581),
  /** The digest slot for a recipient whose preference for a category × channel is `digest`. */
  HERALD_DIGEST_EVERY: z._default(z.string().check(z.regex(/^[1-9]\d{0,3}(m|h)$/)), "1h"),
  /** Let webhooks reach private and loopback addresses (only the local cloud sets this). */
  HERALD_WEBHOOK_ALLOW_PRIVATE: z.pipe(
    z._default(z.enum(["true", "false"]), "false"),
    z.transform((value) => value === "true"),
  ),
});
export type Tuning = z.infer<typeof Tuning>;

const links = new Map<LinkName, unknown>();
let tuned: Tuning | undefined;

/** A linked resource, validated, read once per container. */
export function link<Name extends LinkName>(name: Name): Link<Name> {
  if (!links.has(name)) {
    const value = (Resource as unknown as Record<string, unknown>)[name];
    const parsed = Links[name].safeParse(value);
    if (!parsed.success) {
      throw new Error(`Linked resource "${name}" is missing or malformed: ${parsed.error.message}`);
    }
    links.set(name, parsed.data);
  }
  return links.get(name) as Link<Name>;
}

const derived = new Map<string, Buffer>();

/**
 * A server-side key for one purpose (e.g. `"cursor"`), derived from the linked webhook signing
 * key the way tenants' webhook secrets are: HMAC-SHA256(signingKey, "herald:<purpose>"). No new
 * secret to deploy; rotating the signing key rotates these too.
 */
export function derivedKey(purpose: string): Buffer {
  let key = derived.get(purpose);
  if (!key) {
    key = createHmac("sha256", link("Webhooks").signingKey).update(`herald:${purpose}`).digest();
    derived.set(purpose, key);
  }
  return key;
}

/** The linked DynamoDB table's name (its shape: `table.ts`). */
export function tableName(): string {
  return link("Table").name;
}

export function tuning(): Tuning {
  tuned ??= Tuning.parse(process.env);
  return tuned;
}

export function queueFor(channel: string) {
  const queue = link("Queues")[channel];
  if (!queue) throw new Error(`No queue is linked for channel "${channel}"`);
  return queue;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** `"0,5s,5m,2h"` → `[0, 5, 300, 7200]` (seconds); throws on anything else. */
export function parseRetrySchedule(text: string): number[] {
  const steps = text.split(",").map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/.exec(part);
    if (!match) throw new Error(`Invalid retry schedule entry "${part}" in "${text}"`);
    return Number(match[1]) * (UNIT_SECONDS[match[2] || "s"] ?? 1);
  });
  if (steps.length === 0 || steps.length > 50) {
    throw new Error(`A retry schedule has 1 to 50 entries: "${text}"`);
  }
  return steps;
}

const schedules = new Map<string, number[]>();

/** The channel's retry schedule in seconds: entry n is the wait before attempt n + 1. */
export function retrySchedule(channel: string): number[] {
  let schedule = schedules.get(channel);
  if (!schedule) {
    const key = `HERALD_RETRY_SCHEDULE_${channel.toUpperCase()}` as keyof Tuning;
    const text = (tuning()[key] as string | undefined) ?? tuning().HERALD_RETRY_SCHEDULE;
    schedule = parseRetrySchedule(text);
    schedules.set(channel, schedule);
  }
  return schedule;
}
