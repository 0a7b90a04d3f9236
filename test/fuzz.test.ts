import { Agent, request } from "node:http";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it, onTestFailed } from "vitest";
import { routes } from "../functions/manifest";
import { ContractError, checkResponse } from "./contract";
import { client, unique, useLocalCloud } from "./support";

/**
 * Malformed, oversized and hostile requests against the local cloud's API, with a valid key.
 * Every case is generated from (seed, index), so a failure reproduces with
 *
 *   HERALD_FUZZ_SEED=<seed> npx vitest run test/fuzz.test.ts
 *
 * (add HERALD_FUZZ_ONLY=<index> to send just that case, HERALD_TEST_LOG=error to see handler
 * errors). HERALD_FUZZ_CASES sets how many cases run (default 2000).
 */

// The rate limiter would otherwise answer most of this with 429.
const cloud = useLocalCloud({ env: { HERALD_RATE_LIMIT: "1000000" } });

/** The routes with a method and path (not API Gateway's `$default`). */
const ROUTES = routes.filter(({ route }) => route.includes(" "));

// CI replays one fixed seed so a landing never hangs on luck; elsewhere every run explores.
const SEED = Number(
  process.env.HERALD_FUZZ_SEED ?? (process.env.CI ? 20261123 : Math.floor(Math.random() * 2 ** 32)),
);
const CASES = Number(process.env.HERALD_FUZZ_CASES ?? 2000);
const ONLY = process.env.HERALD_FUZZ_ONLY;
const CONCURRENCY = 8;
const MAX_BODY_BYTES = 256 * 1024;

// ---------------------------------------------------------------------------------------------
// Seeded randomness

interface Random {
  next(): number;
  int(below: number): number;
  pick<T>(list: readonly T[]): T;
  chance(probability: number): boolean;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function random(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (below: number) => Math.floor(next() * below);
  return {
    next,
    int,
    pick: <T>(list: readonly T[]) => list[int(list.length)] as T,
    chance: (probability) => next() < probability,
  };
}

/** Each case gets its own stream, so one case can be replayed alone. */
const caseSeed = (seed: number, index: number) => (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;

// ---------------------------------------------------------------------------------------------
// JSON with fragments JSON.stringify cannot write

/** Literal JSON text spliced in as is: huge numbers, duplicate keys, nesting deeper than stringify goes. */
class Raw {
  constructor(readonly text: string) {}
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

/** An own property, even for `__proto__`, so it reaches the wire. */
function setKey(target: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

type Json = Record<string, unknown>;

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

function deep(rng: Random): Raw {
  const depth = rng.pick([33, 100, 1_000, 10_000, 60_000]);
  return rng.chance(0.5)
    ? new Raw("[".repeat(depth) + "]".repeat(depth))
    : new Raw(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`);
}

function hostile(rng: Random, depth = 0): unknown {
  switch (rng.int(15)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, 5e-324, 2 ** 64]);
    case 3:
      return new Raw(
        rng.pick(["1e999", "-1e999", "123456789012345678901234567890", "1E400", "-0", "0.1e-400"]),
      );
    case 4:
      return rng.pick(STRINGS);
    case 5:
      return "x".repeat(rng.pick([256, 1_000, 5_000, 70_000, 200_000]));
    case 6:
      return "😀".repeat(rng.pick([100, 10_000]));
    case 7:
      return [];
    case 8:
      return {};
    case 9:
      return Array.from({ length: rng.pick([3, 100, 10_000]) }, (_, i) => i);
    case 10:
      return deep(rng);
    case 11:
      return new Raw('{"__proto__":{"admin":true},"constructor":{"prototype":{"polluted":true}}}');
    case 12:
      return new Raw('{"a":1,"a":2,"channel":"email","channel":"sms"}');
    case 13:
      return rng.pick([[null], [{}], ["email"], { $ne: null }, { length: 1e9 }]);
    default:
      return depth < 3 ? { nested: hostile(rng, depth + 1) } : "x";
  }
}

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

function sendBody(rng: Random, context: Context): Json {
  const channel = rng.pick(CHANNELS);
  const body: Json = {
    channel,
    recipient: {
      ...contactOf(channel, context),
      timezone: rng.pick(["UTC", "Europe/Paris", "America/New_York", "Asia/Kathmandu"]),
    },
    content: contentOf(channel),
  };
  if (rng.chance(0.5)) {
    // Far enough ahead that the schedule holds it for the whole test.
    body.send_at = new Date(Date.now() + 30 * 86_400_000).toISOString();
  } else {
    body.immediate = true;
  }
  if (rng.chance(0.3)) body.delivery_window = { start: "08:00", end: "22:00" };
  if (rng.chance(0.3)) body.metadata = { order: "1234" };
  return body;
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

/** Every place a value sits in the tree: the root, each property, each element. */
function locations(root: Json) {
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

/** A structural mutation anywhere in the tree. */
function mutateTree(rng: Random, body: Json): unknown {
  const places = locations(body);
  if (places.length === 0 || rng.chance(0.05)) return hostile(rng);
  const { parent, key } = rng.pick(places);
  const container = parent as Record<string | number, unknown>;
  switch (rng.int(5)) {
    case 0:
      container[key] = hostile(rng);
      break;
    case 1:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete container[key];
      break;
    case 2: {
      const value = container[key];
      if (value && typeof value === "object" && !Array.isArray(value) && !(value instanceof Raw)) {
        setKey(value as Json, rng.pick(HOSTILE_KEYS), hostile(rng));
      } else {
        container[key] = { value };
      }
      break;
    }
    case 3: {
      const value = container[key];
      container[key] =
        typeof value === "number" || typeof value === "boolean" ? String(value) : [value];
      break;
    }
    default:
      container[key] = null;
  }
  return body;
}

/** A mutation that knows what the send body means. */
function mutateSend(rng: Random, body: Json, context: Context): unknown {
  const isObject = (value: unknown): value is Json =>
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Raw);
  if (!isObject(body.recipient)) body.recipient = {};
  const recipient = body.recipient as Json;
  switch (rng.int(12)) {
    case 0:
      body.channel = rng.pick([...CHANNELS, "EMAIL", "", null, 1, "in-app", "pigeon", ["email"]]);
      return body;
    case 1: {
      const other = rng.pick(CHANNELS);
      body.content = rng.chance(0.5)
        ? contentOf(other)
        : { ...contentOf(other), ...contentOf(rng.pick(CHANNELS)) };
      return body;
    }
    case 2:
      body.send_at = rng.pick(SEND_AT);
      if (rng.chance(0.5)) delete body.immediate;
      return body;
    case 3:
      recipient.timezone = rng.pick(TIMEZONES);
      return body;
    case 4:
      body.delivery_window = rng.pick(WINDOWS);
      return body;
    case 5:
      body.immediate = rng.pick(["true", 1, null, "yes", 0]);
      return body;
    case 6:
      body.metadata = rng.pick(METADATA);
      return body;
    case 7: {
      const field = rng.pick(Object.keys(CONTACTS));
      recipient[field] = rng.pick(CONTACTS[field] ?? []);
      return body;
    }
    case 8:
      body.recipient = rng.pick([
        null,
        "fuzz@example.com",
        [],
        {},
        { id: "" },
        contactOf("in_app", context),
      ]);
      return body;
    case 10: {
      // Links shown to the recipient: http(s) only.
      const content = isObject(body.content) ? body.content : {};
      content[rng.pick(["url", "icon"])] = rng.pick(LINKS);
      body.content = content;
      return body;
    }
    case 9: {
      // The free-form fields (push, webhook and in-app `data`, metadata values) take anything JSON.
      const content = isObject(body.content) ? body.content : {};
      if (rng.chance(0.7)) content.data = rng.chance(0.5) ? hostile(rng) : { value: hostile(rng) };
      else body.metadata = { key: hostile(rng) };
      body.content = content;
      return body;
    }
    default:
      return mutateTree(rng, body);
  }
}

function profileBody(rng: Random): unknown {
  const profile: Json = {
    email: "fuzz@example.com",
    phone: "+14155550123",
    timezone: "Europe/Paris",
    delivery_window: { start: "09:00", end: "18:00" },
    opt_out: ["sms"],
  };
  const times = 1 + rng.int(3);
  let body: unknown = profile;
  for (let i = 0; i < times && body && typeof body === "object"; i++) {
    const choice = rng.int(10);
    if (choice < 3)
      (body as Json).opt_out = rng.pick([["pigeon"], [...CHANNELS, "email"], "sms", [1]]);
    else if (choice === 3) (body as Json).timezone = rng.pick(TIMEZONES);
    else if (choice === 4) {
      const field = rng.pick(["webhook_url", "push_subscription"]);
      (body as Json)[field] = rng.pick(CONTACTS[field] ?? []);
    } else body = mutateTree(rng, body as Json);
  }
  return body;
}

// ---------------------------------------------------------------------------------------------
// Cases

interface Case {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const JSON_TYPE = { "content-type": "application/json" };

function sendCase(rng: Random, context: Context): Case {
  let body: unknown = sendBody(rng, context);
  const times = 1 + rng.int(3);
  for (let i = 0; i < times && body && typeof body === "object" && !Array.isArray(body); i++) {
    body = mutateSend(rng, body as Json, context);
  }
  const headers: Record<string, string> = { ...JSON_TYPE };
  if (rng.chance(0.15)) {
    headers["idempotency-key"] = rng.pick([
      "",
      " ",
      "x".repeat(300),
      "fuzz-a",
      "fuzz-b",
      "é\u00ff",
      `fuzz-${rng.int(1e9)}`,
    ]);
  }
  return {
    kind: "send",
    method: "POST",
    path: "/v1/notifications",
    headers,
    body: serialize(body),
  };
}

function profileCase(rng: Random, context: Context): Case {
  return {
    kind: "profile",
    method: "PUT",
    path: `/v1/recipients/${context.recipientId}`,
    headers: JSON_TYPE,
    body: serialize(profileBody(rng)),
  };
}

/** Bodies sent to routes that take none, or a small one. */
function otherBodyCase(rng: Random, context: Context): Case {
  const path = rng.pick([
    `/v1/notifications/${context.notificationId}/cancel`,
    `/v1/notifications/${context.notificationId}/force`,
    `/v1/notifications/${context.notificationId}/retry`,
    `/v1/recipients/${context.recipientId}/tokens`,
    `/v1/recipients/${context.recipientId}/inbox/${context.notificationId}/read`,
  ]);
  return {
    kind: "other-body",
    method: "POST",
    path,
    headers: JSON_TYPE,
    body: serialize(rng.chance(0.5) ? hostile(rng) : { ttl_seconds: hostile(rng) }),
  };
}

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

function nonJsonCase(rng: Random, context: Context): Case {
  const target = rng.pick([
    { method: "POST", path: "/v1/notifications" },
    { method: "PUT", path: `/v1/recipients/${context.recipientId}` },
  ]);
  const body = rng.chance(0.1)
    ? Buffer.from(Array.from({ length: 1 + rng.int(512) }, () => rng.int(256)))
    : rng.pick(NOT_JSON);
  return { kind: "not-json", ...target, headers: JSON_TYPE, body };
}

function contentTypeCase(rng: Random, context: Context): Case {
  const type = rng.pick([
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
  ]);
  const tokens = rng.chance(0.2);
  const body = tokens ? { ttl_seconds: 60 } : sendBody(rng, context);
  return {
    kind: "content-type",
    method: "POST",
    path: tokens ? `/v1/recipients/${context.recipientId}/tokens` : "/v1/notifications",
    headers: type === undefined ? {} : { "content-type": type },
    body: serialize(body),
  };
}

function oversizedCase(rng: Random, context: Context): Case {
  const size = MAX_BODY_BYTES + rng.pick([1, 1_000, 100_000, 800_000]);
  const body = rng.pick([
    () =>
      serialize({ ...sendBody(rng, context), content: { subject: "s", text: "x".repeat(size) } }),
    () => serialize({ ...sendBody(rng, context), metadata: { k: "x".repeat(size) } }),
    () => `[${"0,".repeat(Math.ceil(size / 2))}0]`,
    () => "x".repeat(size),
  ])();
  const target = rng.pick([
    { method: "POST", path: "/v1/notifications" },
    { method: "PUT", path: `/v1/recipients/${context.recipientId}` },
    { method: "POST", path: `/v1/recipients/${context.recipientId}/tokens` },
  ]);
  return { kind: "oversized", ...target, headers: JSON_TYPE, body };
}

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

function weirdPathCase(rng: Random): Case {
  if (rng.chance(0.25)) {
    return {
      kind: "path",
      method: rng.pick(["GET", "POST"]),
      path: rng.pick(WEIRD_PATHS),
      headers: {},
    };
  }
  const withParams = ROUTES.filter(({ route }) => route.includes("{"));
  const [method, template] = rng.pick(withParams).route.split(" ") as [string, string];
  const path = template.replace(/\{[^}]+\}/g, () => rng.pick(WEIRD_IDS));
  const body =
    method === "PUT" || method === "POST" ? serialize({ email: "fuzz@example.com" }) : undefined;
  return { kind: "path", method, path, headers: body ? JSON_TYPE : {}, body };
}

function forgedCursor(rng: Random, context: Context): string {
  const sort = rng.pick(["x", "2026-01-01T00:00:00.000Z#ntf_x", "", "~", "9".repeat(1_100)]);
  const ntf = `NTF#${context.tenantId}#ntf_x`;
  const keys = rng.pick([
    // Exactly the shape of a real cursor of this tenant's listings, only not minted by Herald.
    { pk: ntf, sk: "NTF", gsi1pk: `TNT#${context.tenantId}`, gsi1sk: sort },
    { pk: ntf, sk: "NTF", gsi2pk: `RCP#${context.tenantId}#${context.recipientId}`, gsi2sk: sort },
    { pk: ntf, sk: "NTF", gsi3pk: `BOX#${context.tenantId}#${context.recipientId}`, gsi3sk: sort },
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
    { gsi2pk: `RCP#${context.tenantId}#${context.recipientId}`, gsi2sk: sort, pk: "x", sk: "NTF" },
    { gsi3pk: `BOX#${context.tenantId}#${context.recipientId}`, gsi3sk: sort },
    null,
    [],
    1,
  ]);
  const payload = Buffer.from(JSON.stringify(keys)).toString("base64url");
  // Bare keys (the old format), or with a MAC that cannot be right.
  return rng.pick([payload, `${payload}.${"A".repeat(43)}`, `${payload}.`, `${payload}.x.y`]);
}

function queryTerm(rng: Random, context: Context): string {
  const cursors = [
    "",
    "garbage",
    "%ZZ",
    "A".repeat(3_000),
    Buffer.from(Array.from({ length: 40 }, () => rng.int(256))).toString("base64url"),
    forgedCursor(rng, context),
  ];
  return rng.pick([
    () =>
      `limit=${rng.pick(["-1", "0", "1e9", "abc", "1.5", "", "101", "100", "%00", "0x10", "Infinity", "NaN", " 5", "1e1"])}`,
    () => `cursor=${encodeURIComponent(rng.pick(cursors))}`,
    () => `cursor=${forgedCursor(rng, context)}`,
    () => `status=${rng.pick(["bogus", "accepted,queued", "", "SENT", "queued"])}`,
    () => `channel=${rng.pick(["EMAIL", "in_app", "pigeon", ""])}`,
    () => `recipient=${rng.pick(["x".repeat(200), "%00", "a%23b", context.recipientId, ""])}`,
    () =>
      `created_after=${rng.pick(["yesterday", "2026-13-01T00:00:00Z", "0000-01-01T00:00:00Z", "2026-01-01T00:00:00%2B14:00", "2026-01-01T00:00:00+14:00"])}`,
    () => `created_before=${rng.pick(["9999-12-31T23:59:59Z", "2025-01-01T00:00:00Z", "x"])}`,
    () => `unread=${rng.pick(["yes", "true", "1", ""])}`,
    () => `from=${rng.pick(["2000-01-01T00:00:00Z", "garbage", "2999-01-01T00:00:00Z", ""])}`,
    () => `to=${rng.pick(["2999-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "x"])}`,
    () =>
      rng.pick([
        "unknown=1",
        "__proto__=x",
        "constructor=x",
        "a[b]=c",
        "&&&",
        "=",
        "%ZZ=1",
        "limit",
        `x=${"y".repeat(5_000)}`,
      ]),
  ])();
}

function queryCase(rng: Random, context: Context): Case {
  const path = rng.pick([
    "/v1/notifications",
    "/v1/notifications",
    `/v1/recipients/${context.recipientId}/inbox`,
    "/v1/metrics",
  ]);
  const terms = Array.from({ length: 1 + rng.int(3) }, () => queryTerm(rng, context));
  return { kind: "query", method: "GET", path: `${path}?${terms.join("&")}`, headers: {} };
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

function wrongMethodCase(rng: Random, context: Context): Case {
  const { route } = rng.pick(ROUTES);
  const [served, template] = route.split(" ") as [string, string];
  const method = rng.pick(METHODS.filter((m) => m !== served));
  const path = template
    .replace(
      "{id}",
      template.startsWith("/v1/recipients") ? context.recipientId : context.notificationId,
    )
    .replace("{notification}", context.notificationId);
  const body =
    method === "GET" || method === "HEAD" ? undefined : serialize(sendBody(rng, context));
  return { kind: "method", method, path, headers: body ? JSON_TYPE : {}, body };
}

const GENERATORS: [number, (rng: Random, context: Context) => Case][] = [
  [40, sendCase],
  [8, profileCase],
  [5, otherBodyCase],
  [7, nonJsonCase],
  [6, contentTypeCase],
  [3, oversizedCase],
  [11, weirdPathCase],
  [12, queryCase],
  [8, wrongMethodCase],
];

/** Percent-encode what an HTTP request line cannot carry (spaces, controls, non-Latin-1). */
function wire(path: string): string {
  return path.replace(/[^\u0021-\u00ff]/g, (char) =>
    [...Buffer.from(char, "utf8")].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join(""),
  );
}

function generate(seed: number, index: number, context: Context): Case {
  const rng = random(caseSeed(seed, index));
  const total = GENERATORS.reduce((sum, [weight]) => sum + weight, 0);
  let roll = rng.int(total);
  for (const [weight, generator] of GENERATORS) {
    if (roll < weight) {
      const fuzz = generator(rng, context);
      return { ...fuzz, path: wire(fuzz.path) };
    }
    roll -= weight;
  }
  throw new Error("unreachable");
}

// ---------------------------------------------------------------------------------------------
// Sending and judging

interface Outcome {
  index: number;
  fuzz: Case;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  error?: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(apiUrl: string, key: string, index: number, fuzz: Case): Promise<Outcome> {
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
            index,
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
      resolve({ index, fuzz, status: 0, headers: {}, text: "", error: error.message }),
    );
    req.end(fuzz.body);
  });
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

const catchAll = routes.some(({ route }) => route === "$default");

function isHeraldError(body: unknown): boolean {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return (
    typeof error?.code === "string" &&
    /^[a-z_]+$/.test(error.code) &&
    typeof error.message === "string"
  );
}

/** What is wrong with this answer, if anything. */
function problemWith(outcome: Outcome): string | undefined {
  if (outcome.error) return `no response: ${outcome.error}`;
  if (outcome.status >= 500) return `${outcome.status}`;
  if (outcome.status < 200 || (outcome.status >= 300 && outcome.status < 400)) {
    return `unexpected status ${outcome.status}`;
  }
  if (outcome.fuzz.method === "HEAD") return undefined;
  let body: unknown;
  try {
    body = outcome.text ? JSON.parse(outcome.text) : undefined;
  } catch (error) {
    if (outcome.status < 400) return undefined;
    return `${outcome.status} with a body that is not JSON (${(error as Error).message})`;
  }
  // Whatever the answer, it must be one /openapi.json documents for the route.
  try {
    checkResponse(outcome.fuzz.method, outcome.fuzz.path, outcome.status, body);
  } catch (error) {
    if (error instanceof ContractError) return `contract: ${error.message.slice(0, 300)}`;
    throw error;
  }
  if (outcome.status < 400 || isHeraldError(body)) return undefined;
  // Until a $default route answers them, API Gateway itself refuses requests no route matches.
  const unmatched = !routeOf(outcome.fuzz.method, outcome.fuzz.path);
  const gatewayNotFound =
    outcome.status === 404 && (body as { message?: unknown })?.message === "Not Found";
  if (unmatched && !catchAll && gatewayNotFound) return undefined;
  return `${outcome.status} without {error:{code,message}}`;
}

async function pool<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>) {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      results.push(await work(item));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
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

const clip = (text: string, length: number) =>
  text.length > length ? `${text.slice(0, length)}… (${text.length} chars)` : text;

function describeOutcome(outcome: Outcome, problem: string) {
  const { fuzz } = outcome;
  const body = fuzz.body === undefined ? "" : clip(fuzz.body.toString(), 300);
  return [
    `case ${outcome.index} (${fuzz.kind}): ${problem}`,
    `  ${fuzz.method} ${clip(fuzz.path, 200)} ${JSON.stringify(fuzz.headers)}`,
    `  body: ${body}`,
    `  answer: ${clip(outcome.text, 300)}`,
  ].join("\n");
}

function tally(outcomes: Outcome[]) {
  const counts: Record<number, number> = {};
  for (const { status } of outcomes) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** One example of each kind of failure (same request shape, same answer), with how often it came. */
function report(problems: { outcome: Outcome; problem: string }[]): string {
  const groups = new Map<string, { outcome: Outcome; problem: string; cases: number[] }>();
  for (const found of problems) {
    const { fuzz, text, index } = found.outcome;
    const route = routeOf(fuzz.method, fuzz.path) ?? "(no route)";
    const signature = `${fuzz.kind} ${route} ${found.problem} ${text.slice(0, 120)}`;
    const group = groups.get(signature);
    if (group) group.cases.push(index);
    else groups.set(signature, { ...found, cases: [index] });
  }
  return [...groups.values()]
    .slice(0, 20)
    .map(({ outcome, problem, cases }) => {
      const all =
        cases.length > 1 ? `\n  (${cases.length}×: cases ${clip(cases.join(", "), 200)})` : "";
      return `${describeOutcome(outcome, problem)}${all}`;
    })
    .join("\n\n");
}

// ---------------------------------------------------------------------------------------------

describe("fuzzing the API", () => {
  it(`answers ${CASES} malformed, oversized and hostile requests with 4xx, and stores nothing for them (seed ${SEED})`, {
    timeout: 120_000,
  }, async () => {
    onTestFailed(() => {
      process.stderr.write(`\nfuzz seed ${SEED}: replay with HERALD_FUZZ_SEED=${SEED}\n`);
    });

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
    const indexes =
      ONLY === undefined ? Array.from({ length: CASES }, (_, i) => i) : [Number(ONLY)];
    const before = await notificationCount(cloud().tableName);

    // Act
    const outcomes = await pool(indexes, CONCURRENCY, (index) =>
      send(context.apiUrl, key, index, generate(SEED, index, context)),
    );
    const after = await notificationCount(cloud().tableName);

    // Assess
    const problems = outcomes
      .map((outcome) => ({ outcome, problem: problemWith(outcome) }))
      .filter(
        (found): found is { outcome: Outcome; problem: string } => found.problem !== undefined,
      )
      .sort((a, b) => a.outcome.index - b.outcome.index);
    const created = outcomes.filter(
      (outcome) => outcome.status === 202 && outcome.headers["idempotent-replayed"] !== "true",
    ).length;
    const summary = `seed ${SEED}, ${outcomes.length} cases, statuses ${JSON.stringify(tally(outcomes))}`;
    expect.soft(problems.length, `${summary}\n\n${report(problems)}`).toBe(0);
    expect.soft(after - before, `${summary}: items stored vs 202s answered`).toBe(created);
    expect.soft(outcomes.filter((outcome) => outcome.status === 429)).toHaveLength(0);
    // The generators reach the refusals added for forged cursors, destinations and timezones.
    const codes = new Set(outcomes.map((outcome) => /"code":"([a-z_]+)"/.exec(outcome.text)?.[1]));
    if (ONLY === undefined && CASES >= 1000) {
      for (const code of ["invalid_cursor", "invalid_destination", "invalid_timezone"]) {
        expect.soft(codes.has(code), `${summary}: no answer was ${code}`).toBe(true);
      }
    }
  });
});
