import { createHmac } from "node:crypto";
import { resource } from "./resource";

/**
 * The one place configuration reaches code from: linked resources (read by ./resource.ts as
 * `sst/resource` reads them) plus a few tuning knobs. In AWS, SST sets the links a function is
 * linked to; locally, `packages/local` sets the same variables, so no code here knows which
 * cloud it runs in. Each link is parsed on first use, since a function only has its own links.
 *
 * Checked by the few small checks below rather than zod: every function reads config at init,
 * and these values are strings and bounded numbers. zod's import and the thirty schemas built
 * here were a third of the WebSocket authorizer's init, which needs no other schema.
 */

/** Returns the value checked (and coerced), or throws a message saying what was expected. */
type Check<T> = (value: unknown) => T;

const text: Check<string> = (value) => {
  if (typeof value !== "string") throw new Error("expected a string");
  return value;
};

const secret: Check<string> = (value) => {
  if (text(value).length < 16) throw new Error("expected at least 16 characters");
  return value as string;
};

const url: Check<string> = (value) => {
  if (!URL.canParse(text(value))) throw new Error("expected a URL");
  return value as string;
};

function optional<T>(check: Check<T>): Check<T | undefined> {
  return (value) => (value === undefined ? undefined : check(value));
}

type Shape = Record<string, Check<unknown>>;
type Parsed<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/** An object with these fields (others, such as the `type` SST adds to every link, dropped). */
function shape<S extends Shape>(fields: S): Check<Parsed<S>> {
  return (value) => {
    if (typeof value !== "object" || value === null) throw new Error("expected an object");
    const out: Record<string, unknown> = {};
    for (const [name, check] of Object.entries(fields)) {
      try {
        const checked = check((value as Record<string, unknown>)[name]);
        if (checked !== undefined) out[name] = checked;
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`);
      }
    }
    return out as Parsed<S>;
  };
}

/** A channel queue, and the dead-letter queue its schedules fall back to. */
const queue = shape({ url: text, arn: text, dlq: optional(text) });

const Links = {
  App: shape({ name: text, stage: text }),
  Table: shape({ name: text }),
  /** One queue per channel. (SST adds a `type` key to every link's properties; drop it.) */
  Queues: ((value) => {
    if (typeof value !== "object" || value === null) throw new Error("expected an object");
    const queues: Record<string, ReturnType<typeof queue>> = {};
    for (const [channel, entry] of Object.entries(value)) {
      if (channel === "type" && (entry === undefined || typeof entry === "string")) continue;
      try {
        queues[channel] = queue(entry);
      } catch (error) {
        throw new Error(`${channel}: ${(error as Error).message}`);
      }
    }
    return queues;
  }) satisfies Check<Record<string, ReturnType<typeof queue>>>,
  Scheduler: shape({ group: text, roleArn: text }),
  Email: shape({ sender: text, configSet: optional(text) }),
  Upstash: shape({ url: text, token: text }),
  /** VAPID keys for web push (`npx web-push generate-vapid-keys`). */
  Vapid: shape({ publicKey: text, privateKey: text, subject: text }),
  /** End User Messaging SMS: origination number or sender id, optional configuration set. */
  Sms: shape({ originationIdentity: optional(text), configurationSet: optional(text) }),
  /**
   * Key that signs short-lived recipient tokens for the real-time feed, and the feed's Function
   * URL, returned with recipient tokens when known.
   */
  Realtime: shape({ tokenKey: secret, url: optional(url) }),
  /**
   * The WebSocket feed (AppSync Events API, linked as `Events`): `http` is its publish endpoint
   * (`https://<http domain>/event`), `realtime` where browsers connect
   * (`wss://<realtime domain>/event/realtime`), `feed` the SSE feed's URL (replay), when known.
   */
  Events: shape({ http: url, realtime: text, feed: optional(text) }),
  /** Master key from which each tenant's webhook signing secret (and `derivedKey`s) derive. */
  Webhooks: shape({ signingKey: secret }),
};
export type LinkName = keyof typeof Links;
export type Link<Name extends LinkName> = ReturnType<(typeof Links)[Name]>;

/** About 28 hours from the first attempt to the last (before jitter). */
export const DEFAULT_RETRY_SCHEDULE = "0,5s,5m,30m,2h,5h,10h,10h";

/** An environment variable: unset (or empty) takes the default. */
type Knob<T> = (raw: string | undefined) => T;

/** A number within [min, max] (whole, unless `fraction`), `fallback` when unset. */
function numeric(fallback: number, min: number, max = Infinity, fraction = false): Knob<number> {
  return (raw) => {
    if (raw === undefined || raw.trim() === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || (!fraction && !Number.isInteger(value))) {
      throw new Error(`expected ${fraction ? "a number" : "a whole number"}, got "${raw}"`);
    }
    if (value < min || value > max) {
      throw new Error(`expected ${min}${max === Infinity ? " or more" : ` to ${max}`}, got ${raw}`);
    }
    return value;
  };
}
const whole = (fallback: number, min: number, max?: number) => numeric(fallback, min, max);

function textKnob(fallback: string, pattern?: RegExp): Knob<string> {
  return (raw) => {
    if (raw === undefined || raw === "") return fallback;
    if (pattern && !pattern.test(raw)) throw new Error(`expected ${pattern}, got "${raw}"`);
    return raw;
  };
}
const optionalText: Knob<string | undefined> = (raw) => (raw === "" ? undefined : raw);
const optionalUrl: Knob<string | undefined> = (raw) =>
  raw === undefined || raw === "" ? undefined : url(raw);
const flag: Knob<boolean> = (raw) => {
  if (raw === undefined || raw === "" || raw === "false") return false;
  if (raw === "true") return true;
  throw new Error(`expected "true" or "false", got "${raw}"`);
};

const Tuning = {
  /** Sends due further out than this go to EventBridge Scheduler; closer ones use SQS DelaySeconds (max 900). */
  HERALD_SCHEDULER_MIN_DELAY_SECONDS: whole(900, 0, 900),
  /**
   * How early a Scheduler send is set to fire (rounded down to the minute from 120 s up): the
   * Scheduler may invoke up to a minute late, and the worker holds the rest (delivery/hold.ts).
   * Keep HERALD_SCHEDULER_MIN_DELAY_SECONDS above it plus a minute in AWS, so no schedule is set
   * in the past (the local emulator fires those at once; tests rely on that).
   */
  HERALD_SCHEDULER_LEAD_SECONDS: whole(120, 0, 600),
  /** How long a worker owns a claimed notification; keep it at least the worker's timeout. */
  HERALD_LEASE_SECONDS: whole(60, 1),
  /**
   * When each delivery attempt happens, as delays after the previous one (`0,5s,5m,30m,2h,...`;
   * units s, m, h, d; a bare number is seconds). The first entry is the first attempt's; after
   * the last, the notification is failed (exhausted, retryable). `HERALD_RETRY_SCHEDULE_<CHANNEL>`
   * (e.g. `HERALD_RETRY_SCHEDULE_WEBHOOK`) overrides it for one channel.
   */
  HERALD_RETRY_SCHEDULE: textKnob(DEFAULT_RETRY_SCHEDULE),
  HERALD_RETRY_SCHEDULE_EMAIL: optionalText,
  HERALD_RETRY_SCHEDULE_PUSH: optionalText,
  HERALD_RETRY_SCHEDULE_SMS: optionalText,
  HERALD_RETRY_SCHEDULE_WEBHOOK: optionalText,
  HERALD_RETRY_SCHEDULE_IN_APP: optionalText,
  /** Each planned wait is lengthened by up to this fraction of itself, so retries spread out. */
  HERALD_RETRY_JITTER: numeric(0.2, 0, 0.5, true),
  /** Consecutive transient failures after which an endpoint's circuit opens. */
  HERALD_ENDPOINT_FAILURE_THRESHOLD: whole(5, 1),
  /** First open period of a circuit; it doubles with every failed probe, up to 10 minutes. */
  HERALD_ENDPOINT_COOLDOWN_SECONDS: whole(30, 1, 600),
  /** An endpoint failing without a single success for this long is disabled. */
  HERALD_ENDPOINT_DISABLE_AFTER_SECONDS: whole(86_400, 1),
  /**
   * A call still unanswered after this long marks its endpoint slow: until it ends, further
   * records for that endpoint are deferred instead of piling up behind it.
   */
  HERALD_ENDPOINT_SLOW_MS: whole(1_000, 1),
  /** How long an endpoint's circuit state is cached in a container before it is read again. */
  HERALD_ENDPOINT_CACHE_MS: whole(5_000, 0),
  /** Subscribers a topic fan-out reads, plans and checkpoints at a time. */
  HERALD_FANOUT_PAGE_SIZE: whole(100, 1, 1000),
  /**
   * How long one fan-out invocation works before it hands the rest to a new message; keep it
   * well under the worker's timeout (a page must finish within the difference).
   */
  HERALD_FANOUT_BUDGET_SECONDS: whole(20, 1, 840),
  /**
   * A worker publishes a notification's `sending` state only when its attempt is still running
   * this long after the claim; a faster attempt publishes its outcome alone.
   */
  HERALD_SENDING_PUBLISH_DELAY_MS: whole(1_000, 0),
  /**
   * How long a container keeps a tenant's presence (who listens on the real-time feeds) before
   * it reads it again: a status change is published only where someone may listen. A listener
   * that registers meanwhile replays from the table this long (plus a second) after it
   * registered, so a stale answer delays a change, never loses it.
   */
  HERALD_PRESENCE_CACHE_MS: whole(2_000, 0, 60_000),
  /**
   * How long a container keeps a tenant's status callback endpoints before it reads them again:
   * a callback registered (or deleted) elsewhere takes effect on status changes within this
   * long. Every status change looks them up, so this saves a Query per change.
   */
  HERALD_CALLBACK_CACHE_MS: whole(5_000, 0),
  /**
   * Requests each API key may make per window (sliding window counted in Redis, spent from
   * per-container leases of at most a tenth of it: tenant/ratelimit.ts).
   */
  HERALD_RATE_LIMIT: whole(100, 1),
  HERALD_RATE_WINDOW_SECONDS: whole(10, 1, 3600),
  /**
   * The API's public base URL: email carries a one-click unsubscribe link (RFC 8058) to it.
   * Unset: no List-Unsubscribe header.
   */
  HERALD_API_URL: optionalUrl,
  /**
   * What one SMS segment costs (USD), for the tenant's monthly SMS budget: End User Messaging's
   * US price by default (a flat estimate; carrier fees and other countries differ).
   */
  HERALD_SMS_PRICE_USD: numeric(0.00581, 0, Infinity, true),
  /** The digest slot for a recipient whose preference for a category × channel is `digest`. */
  HERALD_DIGEST_EVERY: textKnob("1h", /^[1-9]\d{0,3}(m|h)$/),
  /** Let webhooks reach private and loopback addresses (only the local cloud sets this). */
  HERALD_WEBHOOK_ALLOW_PRIVATE: flag,
};
export type Tuning = { [K in keyof typeof Tuning]: ReturnType<(typeof Tuning)[K]> };

const links = new Map<LinkName, unknown>();
let tuned: Tuning | undefined;

/** A linked resource, validated, read once per container. */
export function link<Name extends LinkName>(name: Name): Link<Name> {
  if (!links.has(name)) {
    const value = resource(name);
    try {
      links.set(name, Links[name](value));
    } catch (error) {
      throw new Error(
        `Linked resource "${name}" is missing or malformed: ${(error as Error).message}`,
      );
    }
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

/** The tuning knobs from the environment, read once per container; throws on a bad value. */
export function tuning(): Tuning {
  if (!tuned) {
    const read: Record<string, unknown> = {};
    for (const [name, knob] of Object.entries(Tuning)) {
      try {
        read[name] = knob(process.env[name]);
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`);
      }
    }
    tuned = read as Tuning;
  }
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
