import { cached } from "../cache";
import { tuning } from "../config";
import { NotFoundError } from "../error";
import { errorFields, log } from "../log";
import type { Channel, Info } from "../notification/model";
import * as z from "../zod";
import type { Endpoint, State } from "./endpoint-store";
import * as Store from "./endpoint-store";
import { TransientDeliveryError } from "./errors";

export type { Endpoint, State } from "./endpoint-store";

/**
 * Per-endpoint circuit breaking, so one failing or hanging receiver costs its own notifications
 * time and nobody else's.
 *
 * An endpoint is a tenant's webhook origin (`https://host:port`). Its state is one DynamoDB item
 * (./endpoint-store.ts), shared by every Lambda container, read through
 * a short in-container cache (HERALD_ENDPOINT_CACHE_MS). Only failures and the first success
 * after failures write, so a healthy endpoint costs one eventually consistent read per container
 * every few seconds and no write.
 *
 * - closed: calls go through; each transient failure (timeout, connection error, 408/429/5xx)
 *   counts, a success resets the count.
 * - open: after HERALD_ENDPOINT_FAILURE_THRESHOLD consecutive failures, for a cooldown that
 *   doubles with each failed probe (HERALD_ENDPOINT_COOLDOWN_SECONDS, at most 10 minutes).
 *   Records for it are deferred to after the cooldown without calling it and without counting
 *   an attempt. Once it has passed, one call per container probes it.
 * - slow: a call in flight for longer than HERALD_ENDPOINT_SLOW_MS defers further records for
 *   that endpoint in the container until it ends, so a hanging receiver holds one call, not a
 *   batch per record.
 * - disabled: failing without a single success for HERALD_ENDPOINT_DISABLE_AFTER_SECONDS. Its
 *   notifications fail (retryable) with a last_error saying so; `GET /v1/endpoints` shows why
 *   and `POST /v1/endpoints/{id}/enable` turns it back on.
 */

export type Gate =
  | { kind: "closed" }
  /** Try again after `until`, spread over `spreadMs` more so deferred records do not bunch. */
  | { kind: "deferred"; until: Date; spreadMs: number; reason: string }
  | { kind: "disabled"; reason: string };

const MAX_COOLDOWN_SECONDS = 600;
/** The longest a call can take: the webhook timeout (delivery/webhook.ts). */
const CALL_LIMIT_MS = 10_000;

/** The endpoint a notification is delivered to, where circuits apply (webhooks). */
export function endpointOf(
  channel: Channel,
  tenantId: string,
  notification: Info,
): Endpoint | undefined {
  if (channel !== "webhook" || !notification.recipient.webhook_url) return undefined;
  try {
    return { tenantId, origin: new URL(notification.recipient.webhook_url).origin };
  } catch (error) {
    log.debug("no endpoint: URL does not parse", errorFields(error));
    return undefined;
  }
}

/** The id the API shows for an endpoint: its origin, base64url. */
export function endpointId(origin: string): string {
  return Buffer.from(origin).toString("base64url");
}

function cacheKey(endpoint: Endpoint) {
  return `${endpoint.tenantId}\n${endpoint.origin}`;
}

// --- In-container state ------------------------------------------------------------------------

/** Circuit states, read at most every HERALD_ENDPOINT_CACHE_MS per endpoint and container. */
const states = cached(
  () => tuning().HERALD_ENDPOINT_CACHE_MS,
  (endpoint: Endpoint) => Store.read(endpoint),
  cacheKey,
);
/** Start times (epoch ms) of this container's calls in flight, per endpoint. */
const inFlight = new Map<string, Set<number>>();

function remember(endpoint: Endpoint, state: State | undefined) {
  states.set(endpoint, state);
}

const stateOf = states;

/** The n-th opening in a row lasts base·2^(n-1) seconds, at most 10 minutes. */
function cooldownSeconds(opens: number): number {
  const base = tuning().HERALD_ENDPOINT_COOLDOWN_SECONDS;
  return Math.min(MAX_COOLDOWN_SECONDS, base * 2 ** Math.min(Math.max(0, opens - 1), 10));
}

// --- Gate and call -----------------------------------------------------------------------------

/** Whether a record for this endpoint may call it now. */
export async function admit(endpoint: Endpoint, now = new Date()): Promise<Gate> {
  const state = await stateOf(endpoint);
  if (state?.disabled_at) {
    return {
      kind: "disabled",
      reason: `${endpoint.origin} is disabled since ${state.disabled_at}: ${state.disabled_reason ?? "it kept failing"}; re-enable it with POST /v1/endpoints/${endpointId(endpoint.origin)}/enable, then retry`,
    };
  }
  if (state?.open_until && state.open_until > now.getTime()) {
    return {
      kind: "deferred",
      until: new Date(state.open_until),
      spreadMs: cooldownSeconds(state.opens ?? 1) * 1000,
      reason: `${endpoint.origin} is failing (${state.failures} times in a row; last: ${state.last_error ?? "unknown"}); circuit open`,
    };
  }
  const calls = inFlight.get(cacheKey(endpoint));
  if (calls && calls.size > 0) {
    const oldest = Math.min(...calls);
    const slow = now.getTime() - oldest > tuning().HERALD_ENDPOINT_SLOW_MS;
    const probing = (state?.failures ?? 0) >= tuning().HERALD_ENDPOINT_FAILURE_THRESHOLD;
    if (slow || probing) {
      // A slow call has ended one way or the other by its time limit; a probe, unless it turns
      // slow, within the slow threshold.
      return {
        kind: "deferred",
        until: new Date(
          slow ? oldest + CALL_LIMIT_MS : now.getTime() + tuning().HERALD_ENDPOINT_SLOW_MS,
        ),
        spreadMs: 2_000,
        reason: slow
          ? `${endpoint.origin} is slow to answer (a call has been waiting ${Math.round((now.getTime() - oldest) / 1000)} s)`
          : `${endpoint.origin} is being probed after failures`,
      };
    }
  }
  return { kind: "closed" };
}

/**
 * Run one call to the endpoint, counting it in flight, and record how it went: a transient
 * failure counts toward opening the circuit, a success closes it. Permanent failures (the
 * receiver answered, and said no) say nothing about the endpoint's health.
 */
export async function call<T>(endpoint: Endpoint, send: () => Promise<T>): Promise<T> {
  const id = cacheKey(endpoint);
  const started = Date.now();
  const calls = inFlight.get(id) ?? new Set<number>();
  inFlight.set(id, calls);
  // Two calls may start within the same millisecond; keep them apart.
  let mark = started;
  while (calls.has(mark)) mark += 0.001;
  calls.add(mark);
  try {
    const result = await send();
    await bookkeeping(() => succeeded(endpoint));
    return result;
  } catch (error) {
    if (error instanceof TransientDeliveryError) {
      // A call that timed out held a worker for the whole timeout: one is enough to open the
      // circuit. Fast failures (5xx, refused connections) are cheap and get a few chances.
      const timedOut = (error.cause as Error | undefined)?.name === "TimeoutError";
      await bookkeeping(() => failed(endpoint, error.message, timedOut));
    }
    throw error;
  } finally {
    calls.delete(mark);
    if (calls.size === 0) inFlight.delete(id);
  }
}

/** Circuit bookkeeping never decides a delivery: a failed write is logged and ignored. */
async function bookkeeping(write: () => Promise<void>) {
  try {
    await write();
  } catch (error) {
    log.warn("endpoint state not recorded", errorFields(error));
  }
}

async function succeeded(endpoint: Endpoint) {
  const known = states.peek(endpoint);
  if (!known || (known.failures === 0 && !known.open_until)) return;
  remember(endpoint, await Store.recordSuccess(endpoint));
}

async function failed(endpoint: Endpoint, error: string, timedOut: boolean, now = new Date()) {
  const stamp = now.toISOString();
  let state = await Store.recordFailure(endpoint, error, now);
  const { HERALD_ENDPOINT_FAILURE_THRESHOLD: threshold, HERALD_ENDPOINT_DISABLE_AFTER_SECONDS } =
    tuning();
  if (state.failures >= threshold || timedOut) {
    const failingFor = now.getTime() - Date.parse(state.first_failure_at ?? stamp);
    const disable = failingFor >= HERALD_ENDPOINT_DISABLE_AFTER_SECONDS * 1000;
    const opens = (state.opens ?? 0) + 1;
    const cooldown = cooldownSeconds(opens);
    state = await Store.open(
      endpoint,
      now.getTime() + cooldown * 1000,
      opens,
      disable
        ? {
            now,
            reason: `no successful call for ${duration(failingFor)} (${state.failures} failures in a row; last: ${state.last_error})`,
          }
        : undefined,
    );
    log.warn(disable ? "endpoint disabled" : "endpoint circuit open", {
      origin: endpoint.origin,
      failures: state.failures,
      cooldownSeconds: cooldown,
    });
  }
  remember(endpoint, state);
}

function duration(ms: number): string {
  return ms >= 3_600_000 ? `${Math.round(ms / 3_600_000)} h` : `${Math.round(ms / 1000)} s`;
}

// --- Tenant-facing verbs -----------------------------------------------------------------------

export const EndpointInfo = z.object({
  id: z.string().check(z.describe("The endpoint's id (its origin, base64url)")),
  origin: z.string().check(z.describe("scheme://host:port: what one circuit covers")),
  status: z
    .enum(["healthy", "failing", "open", "disabled"])
    .check(
      z.describe(
        "failing: recent transient failures; open: calls paused until open_until; disabled: no calls until enabled",
      ),
    ),
  failures: z.int().check(z.describe("Transient failures in a row")),
  first_failure_at: z.optional(z.string()),
  last_failure_at: z.optional(z.string()),
  last_error: z.optional(z.string()),
  open_until: z.optional(z.string()),
  disabled_at: z.optional(z.string()),
  disabled_reason: z.optional(z.string()),
});
export type EndpointInfo = z.infer<typeof EndpointInfo>;

export const EndpointList = z.object({ items: z.array(EndpointInfo) });

function toInfo(state: State, now = Date.now()): EndpointInfo {
  const status = state.disabled_at
    ? "disabled"
    : state.open_until && state.open_until > now
      ? "open"
      : state.failures > 0
        ? "failing"
        : "healthy";
  return {
    id: endpointId(state.origin),
    origin: state.origin,
    status: status as EndpointInfo["status"],
    failures: state.failures,
    first_failure_at: state.first_failure_at,
    last_failure_at: state.last_failure_at,
    last_error: state.last_error,
    open_until: state.open_until ? new Date(state.open_until).toISOString() : undefined,
    disabled_at: state.disabled_at,
    disabled_reason: state.disabled_reason,
  };
}

/** Every endpoint of the tenant that has ever failed (healthy ones leave no state). */
export async function list(tenantId: string): Promise<{ items: EndpointInfo[] }> {
  return { items: (await Store.list(tenantId)).map((state) => toInfo(state)) };
}

/** Turn a disabled (or open) endpoint back on: its circuit closes and its count restarts. */
export async function enable(tenantId: string, id: string): Promise<EndpointInfo> {
  if (!/^[\w-]{1,400}$/.test(id)) throw new NotFoundError("endpoint", id.slice(0, 100));
  const origin = Buffer.from(id, "base64url").toString("utf8");
  const endpoint = { tenantId, origin };
  const state = await Store.enable(endpoint);
  if (!state) throw new NotFoundError("endpoint", id);
  states.forget(endpoint);
  return toInfo(state);
}
