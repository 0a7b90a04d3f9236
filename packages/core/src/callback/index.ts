import { randomBytes } from "node:crypto";
import { OverlapSeconds } from "../delivery/secret-overlap";
import { NotFoundError, ValidationError } from "../error";
import { fn } from "../fn";
import { ulid } from "../id";
import { DestinationUrl, Status } from "../notification/model";
import * as z from "../zod";
import { endpointsOf } from "./endpoints";
import * as Store from "./store";
import { SECRET_PREFIX } from "./store";

/**
 * Status callbacks: a tenant registers endpoints and the statuses it wants; every status change
 * of its notifications is POSTed to each matching endpoint, signed in the Standard Webhooks
 * format (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the
 * base64-decoded part of a `whsec_` secret.
 *
 * This module registers endpoints (the API); ./delivery enqueues and POSTs the calls.
 */

const MAX_ENDPOINTS = 10;

const CallbackId = z.string().check(z.regex(/^cb_[0-9A-Z]{26}$/, "not a callback id"));
const TenantId = z.string().check(z.minLength(1));
const StatusList = z.array(Status).check(z.minLength(1), z.maxLength(Status.options.length));
const Events = z
  .pipe(
    StatusList,
    z.transform((events) => [...new Set(events)]),
  )
  .check(z.describe("The statuses to be called about"));

export const CreateInput = z.strictObject({
  url: DestinationUrl,
  events: Events,
});

export type CreateInputType = z.input<typeof CreateInput>;

export const RotateInput = z._default(z.object({ overlap_seconds: OverlapSeconds }), {
  overlap_seconds: 86_400,
});

export type RotateInputType = z.input<typeof RotateInput>;

export const Callback = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(Status),
  created_at: z.string(),
  failing_since: z
    .optional(z.string())
    .check(z.describe("When the current run of failed attempts began (cleared by a success)")),
  last_error: z.optional(z.string()),
  disabled_at: z
    .optional(z.string())
    .check(
      z.describe("Set when a call failed through the whole retry schedule; nothing is sent since"),
    ),
  previous_secret_until: z
    .optional(z.string())
    .check(z.describe("Until then the secret before the last rotation signs too")),
});
export type Callback = z.infer<typeof Callback>;

export const CallbackWithSecret = z.extend(Callback, {
  secret: z
    .string()
    .check(z.describe("whsec_ + base64 key: verify the webhook-signature header with it")),
});

export const CallbackList = z.object({ items: z.array(Callback) });

function info(item: Store.Item, now = new Date()): Callback {
  const overlap = item.previous_until && new Date(item.previous_until) > now;
  return {
    id: item.id,
    url: item.url,
    events: item.events as Callback["events"],
    created_at: item.created_at,
    ...(item.failing_since ? { failing_since: item.failing_since } : {}),
    ...(item.last_error ? { last_error: item.last_error } : {}),
    ...(item.disabled_at ? { disabled_at: item.disabled_at } : {}),
    ...(overlap ? { previous_secret_until: item.previous_until } : {}),
  };
}

const newSecret = () => SECRET_PREFIX + randomBytes(24).toString("base64");

// --- Registration ------------------------------------------------------------------------------

export const create = fn(
  z.object({ tenantId: TenantId, input: CreateInput }),
  async ({ tenantId, input }) => {
    const existing = await Store.all(tenantId);
    if (existing.length >= MAX_ENDPOINTS) {
      throw new ValidationError(
        "too_many_callbacks",
        `A tenant may register at most ${MAX_ENDPOINTS} callback endpoints`,
      );
    }
    const item: Store.Item = {
      id: `cb_${ulid()}`,
      url: input.url,
      events: input.events,
      secret: newSecret(),
      created_at: new Date().toISOString(),
    };
    await Store.put(tenantId, item);
    endpointsOf.forget(tenantId);
    return { ...info(item), secret: item.secret };
  },
);

export const list = fn(z.object({ tenantId: TenantId }), async ({ tenantId }) => ({
  items: (await Store.all(tenantId)).map((item) => info(item)),
}));

export const get = fn(
  z.object({ tenantId: TenantId, id: CallbackId }),
  async ({ tenantId, id }) => {
    const item = await Store.find(tenantId, id);
    if (!item) throw new NotFoundError("callback", id);
    return info(item);
  },
);

export const remove = fn(
  z.object({ tenantId: TenantId, id: CallbackId }),
  async ({ tenantId, id }) => {
    if (!(await Store.remove(tenantId, id))) throw new NotFoundError("callback", id);
    endpointsOf.forget(tenantId);
  },
);

/**
 * A new secret signs from now on; the current one keeps signing too (a second `v1,` entry in
 * the header) for `overlap_seconds`, so receivers can switch without dropping calls.
 */
export const rotate = fn(
  z.object({ tenantId: TenantId, id: CallbackId, input: RotateInput }),
  async ({ tenantId, id, input }) => {
    const item = await Store.find(tenantId, id);
    if (!item) throw new NotFoundError("callback", id);
    const secret = newSecret();
    const until = new Date(Date.now() + input.overlap_seconds * 1000).toISOString();
    const updated = await Store.update(tenantId, id, {
      secret,
      previous_secret: item.secret,
      previous_until: until,
    });
    if (!updated) throw new NotFoundError("callback", id);
    return { ...info(updated), secret };
  },
);

/** Turns a disabled endpoint back on (its failure record cleared). */
export const enable = fn(
  z.object({ tenantId: TenantId, id: CallbackId }),
  async ({ tenantId, id }) => {
    const updated = await Store.update(tenantId, id, {}, [
      "disabled_at",
      "failing_since",
      "last_error",
    ]);
    if (!updated) throw new NotFoundError("callback", id);
    endpointsOf.forget(tenantId);
    return info(updated);
  },
);
