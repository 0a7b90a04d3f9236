import { randomUUID } from "node:crypto";
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from "@herald/local/cloud";
import { afterAll, beforeAll } from "vitest";
import { checkResponse } from "./contract";

interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/**
 * Poll until `check` returns a value (not undefined), or fail after `timeoutMs`; a check that
 * throws is tried again. The second argument may be just the `what`.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  options: EventuallyOptions | string = {},
): Promise<T> {
  const {
    timeoutMs = 10_000,
    intervalMs = 50,
    what = "condition",
  } = typeof options === "string" ? { what: options } : options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
}

export const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

export interface Client {
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
}

export function client(baseUrl: string, key?: string): Client {
  return {
    async request(method, path, body, headers = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        body:
          body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await response.text();
      const answer = {
        status: response.status,
        body: !text
          ? undefined
          : response.headers.get("content-type")?.includes("json")
            ? JSON.parse(text)
            : text,
        headers: response.headers,
      };
      // Every answer a test sees must be one /openapi.json documents (see ./contract).
      checkResponse(method, path, answer.status, answer.body, answer.headers);
      return answer;
    },
  };
}

/**
 * The local cloud for a test file; `cloud()` returns it inside tests. With default options, in
 * the `cloud:shared` test project (`HERALD_TEST_SHARED_CLOUD=true`, files sharing processes),
 * every file of a process gets the same cloud, started once and stopped with the process:
 * such tests keep to their own tenants and ids. Files that pass options (another rate limit,
 * failure injection) get a cloud of their own, and so need a process of their own: the
 * `cloud:own` project (vitest.config.ts sorts files by whether they call `useLocalCloud()`).
 */
export function useLocalCloud(options: LocalCloudOptions = {}) {
  const shared = process.env.HERALD_TEST_SHARED_CLOUD === "true";
  if (shared && Object.keys(options).length > 0) {
    throw new Error(
      "useLocalCloud(options) needs a process of its own; this file runs in the `cloud:shared` project",
    );
  }
  let cloud: LocalCloud | undefined;
  beforeAll(async () => {
    cloud = shared ? await sharedCloud() : await startCloud(options);
  });
  afterAll(async () => {
    if (!shared) await cloud?.stop();
  });
  return () => {
    if (!cloud) throw new Error("the local cloud is not running");
    return cloud;
  };
}

function startCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  return startLocalCloud({
    visibilityTimeoutSeconds: 2,
    // Batches as they come: the manifest's batching window (1 s) would eat half of these short
    // visibility timeouts (AWS: 180 s). test/local/queue-runner.test.ts covers the window.
    batchingWindowMs: 0,
    ...options,
    env: {
      AWS_LAMBDA_LOG_LEVEL: process.env.HERALD_TEST_LOG ?? "silent",
      // Tests poll far faster than a client should; test/ratelimit.test.ts sets its own.
      HERALD_RATE_LIMIT: "100000",
      ...options.env,
    },
  });
}

/** One cloud per worker process (kept on globalThis, whatever re-imports this module). */
function sharedCloud(): Promise<LocalCloud> {
  const scope = globalThis as { heraldSharedCloud?: Promise<LocalCloud> };
  if (!scope.heraldSharedCloud) {
    scope.heraldSharedCloud = startCloud({});
    // Vitest ends a worker with SIGTERM, which skips "exit" handlers; exiting runs them, and
    // with them the one that stops redis-server.
    process.once("SIGTERM", () => process.exit(0));
  }
  return scope.heraldSharedCloud;
}

export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}

/** Mail the SES emulator holds with this subject. */
export async function emailsWithSubject(sesUrl: string, subject: string): Promise<StoredEmail[]> {
  const response = await fetch(`${sesUrl}/store`);
  const store = (await response.json()) as { emails: StoredEmail[] };
  return store.emails.filter((email) => email.subject === subject);
}

export interface SendBody {
  channel: string;
  recipient: { email?: string; [field: string]: unknown };
  content: { subject: string; text?: string; html?: string };
  send_at?: string;
  [field: string]: unknown;
}

export function emailBody(overrides: Record<string, unknown> = {}): SendBody {
  const subject = unique("subject");
  return {
    channel: "email",
    recipient: { email: `${unique("user")}@example.com`, timezone: "UTC" },
    content: { subject, text: `Hello ${subject}` },
    immediate: true,
    ...overrides,
  };
}

/** An immediate in-app send to this recipient, with a title of its own. */
export const inAppBody = (recipient: string, extra: Record<string, unknown> = {}) => ({
  channel: "in_app",
  recipient: { id: recipient },
  content: { title: unique("title") },
  immediate: true,
  ...extra,
});
