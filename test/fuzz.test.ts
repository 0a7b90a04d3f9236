import { Agent, request } from "node:http";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { routes } from "../functions/manifest";
import { ContractError, checkResponse } from "./contract";
import { client, unique, useLocalCloud } from "./support";

/**
 * Properties of the API under malformed, oversized and hostile requests (fast-check), against
 * the local cloud with a valid key: never a 5xx; every 4xx is `{error:{code,message}}` with a code
 * /openapi.json documents; every answer matches /openapi.json; the notifications stored are
 * exactly the 202s answered. One run sends a batch of requests at once (the API sees concurrent
 * traffic, as it would); a failure is shrunk to a small batch and printed with its seed:
 *
 *   HERALD_FUZZ_SEED=<seed> npx vitest run test/fuzz.test.ts     (replay; add HERALD_TEST_LOG=error)
 *   HERALD_FUZZ_RUNS=400 npx vitest run test/fuzz.test.ts        (explore further; default 150)
 *
 * Under CI (`CI` set) the seed is fixed, so a landing never hangs on luck; elsewhere every run
 * explores new cases.
 */

// The rate limiter would otherwise answer most of this with 429.
const cloud = useLocalCloud({ env: { HERALD_RATE_LIMIT: "1000000" } });

/** The routes with a method and path (not API Gateway's `$default`). */
const ROUTES = routes.filter(({ route }) => route.includes(" "));

const SEED =
  process.env.HERALD_FUZZ_SEED !== undefined
    ? Number(process.env.HERALD_FUZZ_SEED)
    : process.env.CI
      ? 20261123
      : undefined;
const RUNS = Number(process.env.HERALD_FUZZ_RUNS ?? 150);
/** Requests per run at most, sent together (about 2,000 requests over the default runs). */
const BATCH = 25;
const MAX_BODY_BYTES = 256 * 1024;

// ---------------------------------------------------------------------------------------------
// JSON with fragments JSON.stringify cannot write

/** Literal JSON text spliced in as is: huge numbers, duplicate keys, nesting deeper than stringify goes. */
class Raw {
  constructor(readonly text: string) {}
  toString() {
    return `Raw(${clip(this.text, 60)})`;
  }
}

function serialize(value: unknown): string {
  const fragments: string[] = [];
  const text = JSON.stringify(value, (_key, item) => {
    if (!(item instanceof Raw)) return item;
    fragments.push(item.text);
    return `\u0000raw${fragments.length - 1}\u0000`;
  });
  return (text ?? "null").replace(
    /"\\u0000raw(\d+)\\u0000"/g,
    (_, i) => fragments[Number(i)] ?? "",
  );
}

/** An own property, even for `__proto__` or `constructor`, so it reaches the wire. */
function setKey(target: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Raw);

/** A fresh copy (own `__proto__` keys kept), so a mutation never touches a generated constant. */
function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clone) as T;
  if (!isObject(value)) return value;
  const copy: Json = {};
  for (const [key, child] of Object.entries(value)) setKey(copy, key, clone(child));
  return copy as T;
}

const clip = (text: string, length: number) =>
  text.length > length ? `${text.slice(0, length)}… (${text.length} chars)` : text;

// ---------------------------------------------------------------------------------------------
// Hostile values

const STRINGS = [
  "",
  " ",
  "0",
  "-1",
  "true",
  "null",
  "undefined",
  "NaN",
  "Infinity",
  "😀",
  "\u0000",
  "\ud800",
  "\udfff\ud800x",
  "a\u202eb",
  "\ufeff",
  "<script>alert(1)</script>",
  "'; DROP TABLE notifications; --",
  "\u0024{jndi:ldap://127.0.0.1/a}",
  "{{7*7}}",
  "../../etc/passwd",
  "%00",
  "%2e%2e%2f",
  "\r\nX-Injected: 1",
  "ntf_00000000000000000000000000",
  "__proto__",
  "constructor",
  "\\",
  '"',
  "Z̸̢̛a̶l̷g̴o̵",
  "2026-01-01T00:00:00Z",
  "42",
  "1e3",
  "0x10",
];

const HOSTILE_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "$where",
  "",
  "x".repeat(100),
  "😀",
  "\ud800",
  "pk",
  "tenant_id",
  "status",
  "id",
];

/** Nesting past what DynamoDB (32 levels) or a recursive walker takes. */
const deep = fc
  .record({ depth: fc.constantFrom(33, 100, 1_000, 10_000, 60_000), array: fc.boolean() })
  .map(({ depth, array }) =>
    array
      ? new Raw("[".repeat(depth) + "]".repeat(depth))
      : new Raw(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
  );

/** Numbers out of every range: beyond doubles, beyond DynamoDB's 38 digits, subnormal, -0. */
const NUMBERS = [0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, 5e-324, 2 ** 64];
const RAW_NUMBERS = [
  "1e999",
  "-1e999",
  "123456789012345678901234567890",
  "1E400",
  "-0",
  "0.1e-400",
];

/** Objects whose keys attack whatever copies or merges them next. */
const PROTO = new Raw('{"__proto__":{"admin":true},"constructor":{"prototype":{"polluted":true}}}');
const DUPLICATES = new Raw('{"a":1,"a":2,"channel":"email","channel":"sms"}');

const { hostile } = fc.letrec<{ hostile: unknown }>((tie) => ({
  hostile: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.constantFrom(...NUMBERS),
    fc.double(),
    fc.constantFrom(...RAW_NUMBERS).map((text) => new Raw(text)),
    fc.constantFrom(...STRINGS),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.constantFrom(256, 1_000, 5_000, 70_000, 200_000).map((n) => "x".repeat(n)),
    fc.constantFrom(100, 10_000).map((n) => "😀".repeat(n)),
    fc.constantFrom(3, 100, 10_000).map((length) => Array.from({ length }, (_, i) => i)),
    deep,
    fc.constantFrom(PROTO, DUPLICATES),
    fc.constantFrom<unknown>([], {}, [null], [{}], ["email"], { $ne: null }, { length: 1e9 }),
    fc.tuple(fc.constantFrom(...HOSTILE_KEYS), tie("hostile")).map(([key, value]) => {
      const object: Json = {};
      setKey(object, key, value);
      return object;
    }),
    fc.record({ nested: tie("hostile") }),
  ),
}));

// ---------------------------------------------------------------------------------------------
// Valid bodies, then mutations

const CHANNELS = ["email", "push", "sms", "webhook", "in_app"] as const;
type Channel = (typeof CHANNELS)[number];

interface Context {
  apiUrl: string;
  tenantId: string;
  push: { endpoint: string; keys: { p256dh: string; auth: string } };
  /** A notification of this tenant that exists, for the routes that take an id. */
  notificationId: string;
  recipientId: string;
}

function contactOf(channel: Channel, context: Context): Json {
  // Webhooks and push go to endpoints on this machine: nothing leaves it.
  const contacts: Record<Channel, Json> = {
    email: { email: "fuzz@example.com" },
    push: { push_subscription: context.push },
    sms: { phone: "+14155550123" },
    webhook: { webhook_url: `${context.apiUrl}/health` },
    in_app: { id: context.recipientId },
  };
  return contacts[channel];
}

const SEND_AT = [
  "",
  "now",
  "tomorrow",
  "2026-02-30T10:00:00Z",
  "2026-03-29T02:30:00",
  "2026-10-25T02:30:00",
  "1970-01-01T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "+275760-09-13T00:00:00Z",
  "-000001-01-01T00:00:00Z",
  "2026-01-01T00:00:00+25:00",
  "2026-01-01T24:00:00Z",
  "2026-01-01",
  "T10:00",
  "2026-06-01T10:00:00.123456789Z",
  "P1D",
  "2026-W01-1",
  new Date(Date.now() + 400 * 86_400_000).toISOString(),
  new Date(Date.now() - 10 * 60_000).toISOString(),
  new Date(Date.now() + 10_000).toISOString(),
  1_735_689_600,
  null,
];

function contentOf(channel: Channel): Json {
  const contents: Record<Channel, Json> = {
    email: { subject: "Fuzz", text: "plain", html: "<p>rich</p>" },
    push: { title: "Fuzz", body: "body", url: "https://example.com/x", data: { a: 1 } },
    sms: { text: "Fuzz" },
    webhook: { event: "fuzz.happened", data: { a: [1, 2], b: { c: "d" } } },
    in_app: { title: "Fuzz", body: "body", data: { a: 1 } },
  };
  return contents[channel];
}

/** A valid send of any channel, now or held by a schedule for the whole test. */
function validSend(context: Context) {
  return fc
    .record({
      channel: fc.constantFrom(...CHANNELS),
      timezone: fc.constantFrom("UTC", "Europe/Paris", "America/New_York", "Asia/Kathmandu"),
      later: fc.boolean(),
      window: fc.boolean(),
      metadata: fc.boolean(),
    })
    .map(({ channel, timezone, later, window, metadata }) => {
      const body: Json = {
        channel,
        recipient: { ...contactOf(channel, context), timezone },
        content: contentOf(channel),
      };
      if (later) body.send_at = new Date(Date.now() + 30 * 86_400_000).toISOString();
      else body.immediate = true;
      if (window) body.delivery_window = { start: "08:00", end: "22:00" };
      if (metadata) body.metadata = { order: "1234" };
      return body;
    });
}

const TIMEZONES = [
  "Mars/Phobos",
  "",
  "utc",
  "Etc/GMT+14",
  "Etc/GMT-15",
  "America/St_Johns",
  "+05:30",
  "UTC+25",
  "EST5EDT",
  "../../../../etc/localtime",
  "A".repeat(64),
  "A".repeat(65),
  "Europe/Paris\u0000",
  "Antarctica/Troll",
  "local",
  "Z",
  42,
  null,
];

const WINDOWS = [
  { start: "24:00", end: "08:00" },
  { start: "08:00", end: "08:00" },
  { start: "22:00", end: "06:00" },
  { start: "8:00", end: "9:00" },
  { start: "08:00" },
  {},
  "08:00-22:00",
  null,
  { start: "00:00", end: "23:59" },
  { start: "08:00:00", end: "22:00:00" },
  { start: 8, end: 22 },
  { start: "08:00", end: "22:00", extra: true },
];

const CONTACTS: Record<string, unknown[]> = {
  email: [
    "a@b",
    "not-an-email",
    `${"a".repeat(250)}@example.com`,
    "user@[127.0.0.1]",
    "ü@ü.de",
    "a@example.com\nBcc: x@example.com",
    "",
    ["a@example.com"],
  ],
  phone: [
    "+1",
    "+9999999999999999999",
    "4155550123",
    "+1 415 555 0123",
    "+0123456789",
    14155550123,
  ],
  webhook_url: [
    "file:///etc/passwd",
    "http://",
    "javascript:alert(1)",
    "ftp://127.0.0.1/x",
    "http://127.0.0.1:1/x",
    `http://127.0.0.1/${"x".repeat(3000)}`,
    "//127.0.0.1/x",
    // Not a URI, or one two URL parsers read differently: invalid_destination in every mode.
    "https://exa mple.com/x",
    "https://example.com/%zz",
    "https://ex\u00e4mple.com/x",
    "https://example\uff0ecom/x",
    "https://169.254.169.254%2Eattacker.example/x",
    "https://example.com\\@169.254.169.254/x",
    "https://user:pass@example.com/x",
    "http://[::1",
  ],
  push_subscription: [
    { endpoint: "http://127.0.0.1:1/x" },
    { endpoint: "not a url", keys: { p256dh: "x", auth: "y" } },
    { endpoint: "http://127.0.0.1:1/x", keys: { p256dh: "A".repeat(87), auth: "A".repeat(22) } },
    "subscription",
    {
      endpoint: "https://169.254.169.254%2Eattacker.example/x",
      keys: { p256dh: "A".repeat(87), auth: "A".repeat(22) },
    },
    {
      endpoint: "https://push.example\uff0ecom/x",
      keys: { p256dh: "A".repeat(87), auth: "A".repeat(22) },
    },
    { endpoint: "javascript:alert(1)", keys: { p256dh: "A".repeat(87), auth: "A".repeat(22) } },
  ],
  id: ["", "has space", "a/b", "x".repeat(129), "😀", "../x", "#", null],
};

/** A contact field and a value for it Herald must refuse or handle. */
const badContact = fc.oneof(
  ...Object.entries(CONTACTS).map(([field, values]) =>
    fc.constantFrom(...values).map((value) => ({ field, value })),
  ),
);

/** Links shown to the recipient: http(s) only. */
const LINKS = [
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "file:///etc/passwd",
  "vbscript:msgbox(1)",
  "//evil.example/x",
  "https://",
];

const METADATA = [
  Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"])),
  { k: "v".repeat(513) },
  { ["k".repeat(65)]: "v" },
  { k: 1 },
  { k: { nested: "v" } },
  { "": "v" },
  new Raw('{"__proto__":"x","constructor":"y"}'),
  [],
  "metadata",
];

// ---------------------------------------------------------------------------------------------
// Mutations, applied to a fresh copy of a valid body (values are cloned in, so no generated
// constant is ever changed)

type Mutation = (body: Json) => unknown;

/** `body[field]` becomes one of `values`. */
const setTo = (field: string, values: readonly unknown[]): fc.Arbitrary<Mutation> =>
  fc.constantFrom(...values).map((value) => (body) => {
    body[field] = clone(value);
    return body;
  });

/** Every place a value sits in the tree: each property, each element. */
function locations(root: unknown) {
  const found: { parent: Json | unknown[]; key: string | number }[] = [];
  const walk = (value: unknown) => {
    if (value === null || typeof value !== "object" || value instanceof Raw) return;
    for (const [key, child] of Object.entries(value)) {
      found.push({ parent: value as Json, key: Array.isArray(value) ? Number(key) : key });
      walk(child);
    }
  };
  walk(root);
  return found;
}

/**
 * A structural change anywhere in the tree (`at` picks the place): replaced by a hostile value,
 * deleted, given a hostile key, retyped or nulled; now and then the whole body is replaced.
 */
const treeMutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.nat(), fc.nat(4), hostile, fc.constantFrom(...HOSTILE_KEYS))
      .map(([at, op, value, newKey]) => (body: Json) => {
        const places = locations(body);
        if (places.length === 0) return clone(value);
        const { parent, key } = places[at % places.length] as (typeof places)[number];
        const container = parent as Record<string | number, unknown>;
        const current = container[key];
        if (op === 0) container[key] = clone(value);
        else if (op === 1 && Array.isArray(parent)) parent.splice(key as number, 1);
        else if (op === 1) delete container[key];
        else if (op === 2 && isObject(current)) setKey(current, newKey, clone(value));
        else if (op === 2) container[key] = { value: current };
        else if (op === 3) {
          container[key] =
            typeof current === "number" || typeof current === "boolean"
              ? String(current)
              : [current];
        } else container[key] = null;
        return body;
      }),
    weight: 19,
  },
  { arbitrary: hostile.map((value) => () => clone(value)), weight: 1 },
);

/** Up to three mutations of a valid body. */
function mutated(valid: fc.Arbitrary<Json>, mutation: fc.Arbitrary<Mutation>) {
  return fc
    .tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([body, mutations]) => {
      let result: unknown = clone(body);
      for (const mutate of mutations) {
        if (!isObject(result)) break;
        result = mutate(result);
      }
      return result;
    });
}

/** Mutations that know what a send body means: each field set to what Herald must refuse. */
function sendMutation(context: Context): fc.Arbitrary<Mutation> {
  const object = (body: Json, field: string) => {
    if (!isObject(body[field])) body[field] = {};
    return body[field] as Json;
  };
  return fc.oneof(
    setTo("channel", [...CHANNELS, "EMAIL", "", null, 1, "in-app", "pigeon", ["email"]]),
    fc
      .array(fc.constantFrom(...CHANNELS), { minLength: 1, maxLength: 2 })
      .map((channels) => (body: Json) => {
        body.content = Object.assign({}, ...channels.map(contentOf));
        return body;
      }),
    fc.constantFrom(...SEND_AT).map((sendAt) => (body: Json) => {
      body.send_at = sendAt;
      delete body.immediate;
      return body;
    }),
    fc.constantFrom(...TIMEZONES).map((timezone) => (body: Json) => {
      object(body, "recipient").timezone = timezone;
      return body;
    }),
    setTo("delivery_window", WINDOWS),
    setTo("immediate", ["true", 1, null, "yes", 0]),
    setTo("metadata", METADATA),
    badContact.map(({ field, value }) => (body: Json) => {
      object(body, "recipient")[field] = clone(value);
      return body;
    }),
    setTo("recipient", [
      null,
      "fuzz@example.com",
      [],
      {},
      { id: "" },
      contactOf("in_app", context),
    ]),
    // Links shown to the recipient: http(s) only.
    fc
      .tuple(fc.constantFrom("url", "icon"), fc.constantFrom(...LINKS))
      .map(([name, link]) => (body: Json) => {
        object(body, "content")[name] = link;
        return body;
      }),
    // The free-form fields (push, webhook and in-app `data`, metadata values) take anything JSON.
    hostile.map((value) => (body: Json) => {
      object(body, "content").data = clone(value);
      return body;
    }),
    hostile.map((value) => (body: Json) => {
      body.metadata = { key: clone(value) };
      return body;
    }),
    { arbitrary: treeMutation, weight: 2 },
  );
}

const mutatedProfile = mutated(
  fc.constant({
    email: "fuzz@example.com",
    phone: "+14155550123",
    timezone: "Europe/Paris",
    delivery_window: { start: "09:00", end: "18:00" },
    opt_out: ["sms"],
  }),
  fc.oneof(
    setTo("opt_out", [["pigeon"], [...CHANNELS, "email"], "sms", [1]]),
    setTo("timezone", TIMEZONES),
    setTo("webhook_url", CONTACTS.webhook_url ?? []),
    setTo("push_subscription", CONTACTS.push_subscription ?? []),
    { arbitrary: treeMutation, weight: 3 },
  ),
);

const NOT_JSON: (string | Buffer)[] = [
  "{",
  "{not json",
  "}",
  "[1,2",
  "nul",
  "undefined",
  "NaN",
  "{'channel':'email'}",
  '{"channel":"email",}',
  "/* comment */ {}",
  "<xml/>",
  "a=1&b=2",
  '{"channel":"email"}xyz',
  '{"subject":"a\u0001b"}',
  "\u0000",
  "null",
  "true",
  "123",
  '"string"',
  "[]",
  "\ufeff{}",
  Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
];

const WEIRD_IDS = [
  "..",
  ".",
  "%2E%2E",
  "%2F",
  "a%2Fb",
  "..%2F..%2Fhealth",
  "%00",
  "%ZZ",
  "%",
  "%ED%A0%80",
  "%F0%9F%92%A9",
  "%C0%AE",
  "x".repeat(65),
  "x".repeat(129),
  "x".repeat(4_000),
  `ntf_${"0".repeat(26)}`,
  `ntf_${"Z".repeat(26)}`,
  "NTF%23other%23ntf_x",
  "*",
  "%27%20OR%20%271%27%3D%271",
  "%3Cscript%3E",
  "~",
  "%20",
  "+",
  "a;b",
  "a,b",
  "@",
  "x:y",
  "__proto__",
  "constructor",
];

/** Percent-encode what an HTTP request line cannot carry (spaces, controls, non-Latin-1). */
function wire(path: string): string {
  return path.replace(/[^\u0021-\u00ff]/g, (char) =>
    [...Buffer.from(char, "utf8")].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join(""),
  );
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Case {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const JSON_TYPE = { "content-type": "application/json" };

/** A case prints clipped (bodies reach a megabyte), in a form a reader can replay with curl. */
function request_(kind: string, method: string, path: string, headers: Json, body?: unknown): Case {
  const fuzz: Case = {
    kind,
    method,
    path: wire(path),
    headers: headers as Record<string, string>,
    body:
      body === undefined
        ? undefined
        : Buffer.isBuffer(body)
          ? body
          : typeof body === "string"
            ? body
            : serialize(body),
  };
  Object.defineProperty(fuzz, fc.toStringMethod, {
    value: () =>
      `${kind}: ${method} ${clip(fuzz.path, 200)} ${JSON.stringify(headers)} ${clip(String(fuzz.body ?? ""), 300)}`,
  });
  return fuzz;
}

function sendCase(context: Context) {
  return fc
    .tuple(
      mutated(validSend(context), sendMutation(context)),
      fc.option(
        fc.oneof(
          fc.constantFrom("", " ", "x".repeat(300), "fuzz-a", "fuzz-b", "é\u00ff"),
          fc.nat().map((n) => `fuzz-${n}`),
        ),
        { freq: 6 },
      ),
    )
    .map(([body, idempotency]) =>
      request_(
        "send",
        "POST",
        "/v1/notifications",
        {
          ...JSON_TYPE,
          ...(idempotency === null ? {} : { "idempotency-key": idempotency }),
        },
        body,
      ),
    );
}

/** A batch of sends, some mutated, some with per-item idempotency keys (a key may repeat). */
function batchCase(context: Context) {
  const item = fc
    .tuple(
      fc.oneof(validSend(context), mutated(validSend(context), sendMutation(context))),
      fc.option(fc.constantFrom("fuzz-a", "fuzz-b", "", 7, null), { freq: 3 }),
    )
    .map(([body, key]) =>
      key === null || !isObject(body) ? body : { ...(body as Json), idempotency_key: key },
    );
  return fc
    .array(item, { minLength: 1, maxLength: 4 })
    .map((items) => request_("batch", "POST", "/v1/notifications/batch", JSON_TYPE, { items }));
}

function profileCase(context: Context) {
  return mutatedProfile.map((body) =>
    request_("profile", "PUT", `/v1/recipients/${context.recipientId}`, JSON_TYPE, body),
  );
}

/** Bodies sent to routes that take none, or a small one. */
function otherBodyCase(context: Context) {
  return fc
    .tuple(
      fc.constantFrom(
        `/v1/notifications/${context.notificationId}/cancel`,
        `/v1/notifications/${context.notificationId}/force`,
        `/v1/notifications/${context.notificationId}/retry`,
        `/v1/recipients/${context.recipientId}/tokens`,
        `/v1/recipients/${context.recipientId}/inbox/${context.notificationId}/read`,
      ),
      fc.oneof(
        hostile,
        hostile.map((ttl) => ({ ttl_seconds: ttl })),
      ),
    )
    .map(([path, body]) => request_("other-body", "POST", path, JSON_TYPE, body));
}

function nonJsonCase(context: Context) {
  return fc
    .tuple(
      fc.constantFrom(
        { method: "POST", path: "/v1/notifications" },
        { method: "PUT", path: `/v1/recipients/${context.recipientId}` },
      ),
      fc.oneof(
        { arbitrary: fc.constantFrom(...NOT_JSON), weight: 9 },
        fc.uint8Array({ minLength: 1, maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
        fc.string({ unit: "binary", maxLength: 200 }),
      ),
    )
    .map(([{ method, path }, body]) => request_("not-json", method, path, JSON_TYPE, body));
}

function contentTypeCase(context: Context) {
  return fc
    .tuple(
      fc.constantFrom(
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/json; charset=utf-16",
        "application/jsonx",
        "json",
        "text/json",
        "APPLICATION/JSON",
        "application/problem+json",
        "application/octet-stream",
        "",
        undefined,
      ),
      fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 1 },
        { arbitrary: validSend(context), weight: 4 },
      ),
    )
    .map(([type, send]) =>
      request_(
        "content-type",
        "POST",
        send ? "/v1/notifications" : `/v1/recipients/${context.recipientId}/tokens`,
        type === undefined ? {} : { "content-type": type },
        send ?? { ttl_seconds: 60 },
      ),
    );
}

function oversizedCase(context: Context) {
  return fc
    .record({
      over: fc.constantFrom(1, 1_000, 100_000, 800_000),
      shape: fc.constantFrom("content", "metadata", "array", "text"),
      send: validSend(context),
      target: fc.constantFrom(
        { method: "POST", path: "/v1/notifications" },
        { method: "PUT", path: `/v1/recipients/${context.recipientId}` },
        { method: "POST", path: `/v1/recipients/${context.recipientId}/tokens` },
      ),
    })
    .map(({ over, shape, send, target }) => {
      const size = MAX_BODY_BYTES + over;
      const body =
        shape === "content"
          ? serialize({ ...send, content: { subject: "s", text: "x".repeat(size) } })
          : shape === "metadata"
            ? serialize({ ...send, metadata: { k: "x".repeat(size) } })
            : shape === "array"
              ? `[${"0,".repeat(Math.ceil(size / 2))}0]`
              : "x".repeat(size);
      return request_("oversized", target.method, target.path, JSON_TYPE, body);
    });
}

const WEIRD_PATHS = [
  "/",
  "//",
  "/v1",
  "/v1/",
  "/v1/notifications/",
  "/v1/../health",
  "/./health",
  "/%2e%2e/health",
  "/health/",
  "/HEALTH",
  "/V1/NOTIFICATIONS",
  "/v1//notifications",
  "//v1/notifications",
  "/v2/notifications",
  "/v1/notifications/x/y/z",
  `/${"a/".repeat(500)}`,
  "/v1/notifications#fragment",
  "/v1/notifications\\x",
  "/v1/%6Eotifications",
];

function weirdPathCase() {
  const withParams = ROUTES.filter(({ route }) => route.includes("{"));
  return fc.oneof(
    fc
      .tuple(fc.constantFrom("GET", "POST"), fc.constantFrom(...WEIRD_PATHS))
      .map(([method, path]) => request_("path", method, path, {})),
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom(...withParams.map(({ route }) => route)),
          fc.array(fc.oneof(fc.constantFrom(...WEIRD_IDS), fc.string({ maxLength: 20 })), {
            minLength: 3,
            maxLength: 3,
          }),
        )
        .map(([route, ids]) => {
          const [method, template] = route.split(" ") as [string, string];
          let i = 0;
          const path = template.replace(/\{[^}]+\}/g, () => ids[i++] || "x");
          const body =
            method === "PUT" || method === "POST" ? { email: "fuzz@example.com" } : undefined;
          return request_("path", method, path, body ? JSON_TYPE : {}, body);
        }),
      weight: 3,
    },
  );
}

/** Cursors with exactly the shape of a real one of this tenant's listings, only not minted by Herald. */
function forgedCursor(context: Context) {
  const ntf = `NTF#${context.tenantId}#ntf_x`;
  return fc
    .tuple(
      fc.constantFrom("x", "2026-01-01T00:00:00.000Z#ntf_x", "", "~", "9".repeat(1_100)),
      fc.nat(13),
      fc.constantFrom("bare", "mac", "empty-mac", "extra"),
    )
    .map(([sort, which, form]) => {
      const keys = [
        { pk: ntf, sk: "NTF", gsi1pk: `TNT#${context.tenantId}`, gsi1sk: sort },
        {
          pk: ntf,
          sk: "NTF",
          gsi2pk: `RCP#${context.tenantId}#${context.recipientId}`,
          gsi2sk: sort,
        },
        {
          pk: ntf,
          sk: "NTF",
          gsi3pk: `BOX#${context.tenantId}#${context.recipientId}`,
          gsi3sk: sort,
        },
        { gsi1pk: `TNT#${context.tenantId}`, gsi1sk: sort },
        { gsi1pk: `TNT#${context.tenantId}`, gsi1sk: sort, pk: "x", sk: "NTF" },
        { gsi1pk: `TNT#${context.tenantId}`, gsi1sk: sort, pk: { S: "x" }, sk: 1 },
        {
          gsi1pk: `TNT#${context.tenantId}`,
          gsi1sk: sort,
          pk: "NTF#other#ntf_x",
          sk: "NTF",
          extra: [1],
        },
        { gsi1pk: "TNT#someone-else", gsi1sk: sort, pk: "x", sk: "NTF" },
        { gsi1pk: `TNT#${context.tenantId}`, gsi1sk: 1 },
        {
          gsi2pk: `RCP#${context.tenantId}#${context.recipientId}`,
          gsi2sk: sort,
          pk: "x",
          sk: "NTF",
        },
        { gsi3pk: `BOX#${context.tenantId}#${context.recipientId}`, gsi3sk: sort },
        null,
        [],
        1,
      ][which];
      const payload = Buffer.from(JSON.stringify(keys)).toString("base64url");
      // Bare keys (the old format), or with a MAC that cannot be right.
      return {
        bare: payload,
        mac: `${payload}.${"A".repeat(43)}`,
        "empty-mac": `${payload}.`,
        extra: `${payload}.x.y`,
      }[form] as string;
    });
}

function queryTerm(context: Context) {
  const pick = (name: string, ...values: string[]) =>
    fc.constantFrom(...values).map((value) => `${name}=${value}`);
  return fc.oneof(
    pick(
      "limit",
      "-1",
      "0",
      "1e9",
      "abc",
      "1.5",
      "",
      "101",
      "100",
      "%00",
      "0x10",
      "Infinity",
      "NaN",
      " 5",
      "1e1",
    ),
    fc
      .oneof(
        fc.constantFrom("", "garbage", "%ZZ", "A".repeat(3_000)),
        fc
          .uint8Array({ minLength: 40, maxLength: 40 })
          .map((b) => Buffer.from(b).toString("base64url")),
        forgedCursor(context),
      )
      .map((cursor) => `cursor=${encodeURIComponent(cursor)}`),
    forgedCursor(context).map((cursor) => `cursor=${cursor}`),
    pick("status", "bogus", "accepted,queued", "", "SENT", "queued"),
    pick("channel", "EMAIL", "in_app", "pigeon", ""),
    pick("recipient", "x".repeat(200), "%00", "a%23b", context.recipientId, ""),
    pick(
      "created_after",
      "yesterday",
      "2026-13-01T00:00:00Z",
      "0000-01-01T00:00:00Z",
      "2026-01-01T00:00:00%2B14:00",
      "2026-01-01T00:00:00+14:00",
      // After any created_before below: an empty range, never an error.
      "9999-12-31T23:59:59Z",
    ),
    pick("created_before", "9999-12-31T23:59:59Z", "2025-01-01T00:00:00Z", "x"),
    // Ranges the wrong way round, and empty ones: created_after after created_before, from after to.
    fc
      .tuple(
        fc.date({ min: new Date("2000-01-01"), max: new Date("2999-12-31"), noInvalidDate: true }),
        fc.integer({ min: 0, max: 10 ** 11 }),
        fc.constantFrom(["created_after", "created_before"], ["from", "to"]),
      )
      .map(
        ([at, back, [after, before]]) =>
          `${after}=${at.toISOString()}&${before}=${new Date(at.getTime() - back).toISOString()}`,
      ),
    pick("unread", "yes", "true", "1", ""),
    pick("from", "2000-01-01T00:00:00Z", "garbage", "2999-01-01T00:00:00Z", ""),
    pick("to", "2999-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "x"),
    fc.constantFrom(
      "unknown=1",
      "__proto__=x",
      "constructor=x",
      "a[b]=c",
      "&&&",
      "=",
      "%ZZ=1",
      "limit",
      `x=${"y".repeat(5_000)}`,
    ),
  );
}

function queryCase(context: Context) {
  return fc
    .tuple(
      fc.constantFrom(
        "/v1/notifications",
        "/v1/notifications",
        `/v1/recipients/${context.recipientId}/inbox`,
        "/v1/metrics",
      ),
      fc.array(queryTerm(context), { minLength: 1, maxLength: 3 }),
    )
    .map(([path, terms]) => request_("query", "GET", `${path}?${terms.join("&")}`, {}));
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

function wrongMethodCase(context: Context) {
  return fc
    .tuple(
      fc.constantFrom(...ROUTES.map(({ route }) => route)),
      fc.constantFrom(...METHODS),
      validSend(context),
    )
    .filter(([route, method]) => !route.startsWith(`${method} `))
    .map(([route, method, send]) => {
      const template = route.split(" ")[1] as string;
      const path = template
        .replace(
          "{id}",
          template.startsWith("/v1/recipients") ? context.recipientId : context.notificationId,
        )
        .replace("{notification}", context.notificationId);
      const body = method === "GET" || method === "HEAD" ? undefined : send;
      return request_("method", method, path, body ? JSON_TYPE : {}, body);
    });
}

/** Every kind of request, weighted as the old fuzzer weighed them (sends first). */
function anyCase(context: Context): fc.Arbitrary<Case> {
  return fc.oneof(
    { arbitrary: sendCase(context), weight: 40 },
    { arbitrary: batchCase(context), weight: 8 },
    { arbitrary: profileCase(context), weight: 8 },
    { arbitrary: otherBodyCase(context), weight: 5 },
    { arbitrary: nonJsonCase(context), weight: 7 },
    { arbitrary: contentTypeCase(context), weight: 6 },
    { arbitrary: oversizedCase(context), weight: 3 },
    { arbitrary: weirdPathCase(), weight: 11 },
    { arbitrary: queryCase(context), weight: 12 },
    { arbitrary: wrongMethodCase(context), weight: 8 },
  );
}
/** Matches the way API Gateway does: segment by segment, each decoded, `{x}` any non-empty one. */
function routeOf(method: string, rawPath: string): string | undefined {
  const decode = (segment: string) => {
    try {
      return decodeURIComponent(segment);
    } catch (error) {
      if (error instanceof URIError) return segment;
      throw error;
    }
  };
  const parts = rawPath.split("?")[0]?.slice(1).split("/") ?? [];
  return ROUTES.find(({ route }) => {
    const [served, template] = route.split(" ") as [string, string];
    const segments = template.slice(1).split("/");
    return (
      served === method &&
      segments.length === parts.length &&
      segments.every((segment, i) => {
        const part = parts[i] ?? "";
        return segment.startsWith("{") ? part !== "" : decode(part) === segment;
      })
    );
  })?.route;
}

interface BatchAnswer {
  results: { accepted: boolean; replayed?: boolean; error?: { code: string } }[];
}

function batchBody(answer: Answer): BatchAnswer | undefined {
  if (answer.fuzz.kind !== "batch" || answer.status !== 200) return undefined;
  return JSON.parse(answer.text) as BatchAnswer;
}

/** The codes of a batch answer's refused items. */
function batchRefusals(answer: Answer): string[] {
  return (batchBody(answer)?.results ?? []).flatMap((r) => (r.error ? [r.error.code] : []));
}

/** Notifications a batch answer says it created (accepted, not replayed). */
function batchCreated(answer: Answer): number {
  return (batchBody(answer)?.results ?? []).filter((r) => r.accepted && !r.replayed).length;
}

async function notificationCount(tableName: string) {
  const dynamo = new DynamoDBClient({});
  let count = 0;
  let start: Record<string, any> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: tableName,
        Select: "COUNT",
        FilterExpression: "sk = :n",
        ExpressionAttributeValues: { ":n": { S: "NTF" } },
        ExclusiveStartKey: start,
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  dynamo.destroy();
  return count;
}

// ---------------------------------------------------------------------------------------------
// Sending and judging

interface Answer {
  fuzz: Case;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  error?: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function send(apiUrl: string, key: string, fuzz: Case): Promise<Answer> {
  const url = new URL(apiUrl);
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: fuzz.method,
        path: fuzz.path,
        headers: {
          authorization: `Bearer ${key}`,
          // Node's client leaves it out for GET, DELETE and OPTIONS, which would desync the socket.
          ...(fuzz.body === undefined
            ? {}
            : { "content-length": String(Buffer.byteLength(fuzz.body)) }),
          ...fuzz.headers,
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            fuzz,
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (error) =>
      resolve({ fuzz, status: 0, headers: {}, text: "", error: error.message }),
    );
    req.end(fuzz.body);
  });
}

const catchAll = routes.some(({ route }) => route === "$default");

/**
 * The error codes /openapi.json names (its error descriptions list them), and the
 * `<resource>_not_found` family its 404 stands for.
 */
function documentedCodes(document: unknown): (code: string) => boolean {
  const text = JSON.stringify(document);
  const named = new Set(text.match(/\b[a-z]+(?:_[a-z]+)+\b/g) ?? []);
  return (code) => named.has(code) || /^[a-z_]+_not_found$/.test(code);
}

/** What is wrong with this answer, if anything. */
function problemWith(answer: Answer): string | undefined {
  if (answer.error) return `no response: ${answer.error}`;
  if (answer.status >= 500) return `${answer.status}: ${clip(answer.text, 200)}`;
  if (answer.status < 200 || (answer.status >= 300 && answer.status < 400)) {
    return `unexpected status ${answer.status}`;
  }
  if (answer.status === 429) return "rate limited";
  if (answer.fuzz.method === "HEAD") return undefined;
  let body: unknown;
  try {
    body = answer.text ? JSON.parse(answer.text) : undefined;
  } catch (error) {
    if (answer.status < 400) return undefined;
    return `${answer.status} with a body that is not JSON (${(error as Error).message})`;
  }
  // Whatever the answer, it must be one /openapi.json documents for the route.
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (typeof value === "string") headers.set(name, value);
    }
    checkResponse(answer.fuzz.method, answer.fuzz.path, answer.status, body, headers);
  } catch (error) {
    if (error instanceof ContractError) return `contract: ${error.message.slice(0, 300)}`;
    throw error;
  }
  if (answer.status < 400) return undefined;
  const code = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof code?.code === "string" && typeof code.message === "string") {
    return undefined;
  }
  // Until a $default route answers them, API Gateway itself refuses requests no route matches.
  const unmatched = !routeOf(answer.fuzz.method, answer.fuzz.path);
  const gatewayNotFound =
    answer.status === 404 && (body as { message?: unknown })?.message === "Not Found";
  if (unmatched && !catchAll && gatewayNotFound) return undefined;
  return `${answer.status} without {error:{code,message}}`;
}

// ---------------------------------------------------------------------------------------------

describe("the API under malformed, oversized and hostile requests", () => {
  it(`never answers 5xx, refuses with documented codes, matches /openapi.json and stores exactly its 202s (${RUNS} runs of ${BATCH})`, {
    timeout: 300_000,
  }, async () => {
    // Prepare
    const tenantId = unique("fuzz");
    const key = await cloud().createKey(tenantId);
    const api = client(cloud().apiUrl, key);
    const recipientId = unique("recipient");
    await api.request("PUT", `/v1/recipients/${recipientId}`, { email: "fuzz@example.com" });
    const existing = await api.request("POST", "/v1/notifications", {
      channel: "email",
      recipient: { email: "fuzz@example.com" },
      content: { subject: "Fuzz", text: "held" },
      send_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    expect(existing.status).toBe(202);
    const context: Context = {
      apiUrl: cloud().apiUrl,
      tenantId,
      push: cloud().push.subscribe(),
      notificationId: existing.body.id,
      recipientId,
    };
    const openapi = await api.request("GET", "/openapi.json");
    const documented = documentedCodes(openapi.body);
    const codes = new Set<string>();
    /** Codes answered that /openapi.json does not name: all of them, reported at once. */
    const undocumented = new Set<string>();
    const statuses: Record<number, number> = {};

    // Act + Assess: each run sends a batch at once; what it stored must equal its 202s.
    const property = fc.asyncProperty(
      fc.array(anyCase(context), { minLength: 1, maxLength: BATCH }),
      async (batch) => {
        const before = await notificationCount(cloud().tableName);
        const answers = await Promise.all(batch.map((fuzz) => send(context.apiUrl, key, fuzz)));
        const after = await notificationCount(cloud().tableName);
        for (const answer of answers) {
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
          const code = /"code":"([a-z_]+)"/.exec(answer.text)?.[1];
          if (code) codes.add(code);
          if (code && answer.status >= 400 && !documented(code)) undocumented.add(code);
          // A batch's refused items carry the single send's codes: documented as well.
          for (const refused of batchRefusals(answer)) {
            codes.add(refused);
            if (!documented(refused)) undocumented.add(refused);
          }
          const problem = problemWith(answer);
          if (problem) {
            throw new Error(
              `${problem}\n  for ${fc.stringify(answer.fuzz)}\n  answer: ${clip(answer.text, 300)}`,
            );
          }
        }
        const created =
          answers.filter(
            (answer) => answer.status === 202 && answer.headers["idempotent-replayed"] !== "true",
          ).length + answers.reduce((sum, answer) => sum + batchCreated(answer), 0);
        expect(after - before, "items stored vs 202s answered").toBe(created);
      },
    );
    await fc.assert(property, {
      numRuns: RUNS,
      ...(SEED === undefined ? {} : { seed: SEED }),
    });

    expect([...undocumented], "error codes /openapi.json does not name").toEqual([]);
    // The generators reach the refusals added for forged cursors, destinations and timezones.
    const summary = `statuses ${JSON.stringify(statuses)}, codes ${[...codes].sort().join(" ")}`;
    if (RUNS >= 40) {
      for (const code of ["invalid_cursor", "invalid_destination", "invalid_timezone"]) {
        expect.soft(codes.has(code), `${summary}: no answer was ${code}`).toBe(true);
      }
    }
  });
});
