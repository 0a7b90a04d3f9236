/**
 * Structured JSON log lines, one object a line (as CloudWatch Logs Insights likes them):
 * `{ level, time, message, xray_trace_id, ...context, ...fields }`. The level comes from Lambda's
 * own `AWS_LAMBDA_LOG_LEVEL` (Advanced Logging Controls; any case, `silent` too); callers never
 * pass secrets or full addresses in fields, and the line is redacted anyway.
 *
 * Herald's own few lines in place of Powertools Logger (23 KB and ~3.5 ms of init in every
 * function, issue 16), written as Powertools wrote them: a line straight to `process.stdout`
 * (`warn` and `error` to `process.stderr`), not through Lambda's patched `console`, so with no
 * prefix; the same line shape, level thresholds, X-Ray trace id and top-level empty values
 * (`null`, `""`, `undefined`) left out.
 */

/**
 * The last line of defence for "no secrets or full addresses in logs": whatever a caller passed
 * (a provider's error message quoting an address, say), email local parts, phone digits and
 * credentials (`hrld_` API keys, `hrld_rt_` tokens, `whsec_` secrets) are masked in the line.
 */
const REDACTIONS: [RegExp, string][] = [
  // base64url (keys, tokens, webhook secrets) and standard base64 (callback secrets: + / =).
  [/\b(hrld|whsec)_[A-Za-z0-9_+/=-]+/g, "$1_***"],
  [/[A-Za-z0-9._%+-]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g, "***@$1"],
  [/\+(\d{4})\d{3,11}\b/g, "+$1***"],
];

export function redact(line: string): string {
  return REDACTIONS.reduce(
    (text, [pattern, replacement]) => text.replace(pattern, replacement),
    line,
  );
}

type Level = "debug" | "info" | "warn" | "error";

/** Powertools' thresholds; Lambda's FATAL is its CRITICAL, which Herald does not write. */
const THRESHOLDS = new Map([
  ["trace", 6],
  ["debug", 8],
  ["info", 12],
  ["warn", 16],
  ["error", 20],
  ["critical", 24],
  ["fatal", 24],
  ["silent", 28],
]);

/** An unknown level is INFO, as Powertools' default. */
const levelFromEnvironment = () =>
  THRESHOLDS.get(process.env.AWS_LAMBDA_LOG_LEVEL?.toLowerCase() ?? "info") ?? 12;

let threshold = levelFromEnvironment();
let context: Record<string, unknown> = {};

/**
 * The line's own keys: dropped from context and fields, with a warning, so a field never
 * overwrites when, how loud or what a line is (Powertools reserved its own set likewise).
 */
const RESERVED = new Set(["level", "time", "message", "xray_trace_id"]);

function unreserved(fields: Record<string, unknown>): Record<string, unknown> {
  const kept = Object.entries(fields).filter(([key]) => {
    if (!RESERVED.has(key)) return true;
    write("warn", `The key "${key}" is a reserved key and will be dropped.`, undefined);
    return false;
  });
  return Object.fromEntries(kept);
}

/**
 * The X-Ray trace id (`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=…;Sampled=1` → its
 * Root) from the runtime's per-invocation store if it has one, else `_X_AMZN_TRACE_ID`.
 */
function traceId(): string | undefined {
  const runtime = (
    globalThis as { awslambda?: { InvokeStore?: { getXRayTraceId(): string | undefined } } }
  ).awslambda;
  const header = runtime?.InvokeStore?.getXRayTraceId() ?? process.env._X_AMZN_TRACE_ID ?? "";
  if (header === "") return undefined;
  if (!header.includes("=")) return header;
  for (const field of header.split(";")) {
    const [key, value] = field.split("=");
    if (key === "Root") return value;
  }
  return undefined;
}

/** The first `(file:line:column)` of a stack, as `file:line`. */
function location(stack: string | undefined): string {
  for (const line of stack?.split("\n") ?? []) {
    const match = /\(([^()]*?):(\d+?):(\d+?)\)\\?$/.exec(line);
    if (match) return `${match[1]}:${Number(match[2])}`;
  }
  return "";
}

/** An Error as Powertools printed one: name, location, message, stack, cause, own fields. */
function formatError(error: Error): Record<string, unknown> {
  const { name, message, stack, cause } = error;
  const formatted: Record<string, unknown> = {
    name,
    location: location(stack),
    message,
    stack,
    cause: cause instanceof Error ? formatError(cause) : cause,
  };
  for (const [key, value] of Object.entries(error)) {
    if (!["name", "message", "stack", "cause"].includes(key)) formatted[key] = value;
  }
  return formatted;
}

/** The object with its keys redacted (itself when none changes). */
function redactKeys(value: object): object {
  if (Object.keys(value).every((key) => redact(key) === key)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [redact(key), v]));
}

/**
 * The line as JSON, redacted: every string and key at any depth before JSON escapes it (on the
 * JSON text, `\n` before an address or a key hid it from the patterns, and the mask could
 * leave a lone `\`); Errors formatted, bigints as strings, cycles cut, empty top-level values
 * out.
 */
function serialize(line: Record<string, unknown>): string {
  // The objects being written, outermost first: as given (to find cycles) and as written.
  const open: { given: unknown; written: object }[] = [];
  let top: object | undefined;
  return JSON.stringify(line, function (this: unknown, _key, given: unknown) {
    const value = given instanceof Error ? formatError(given) : given;
    if (this === top && (value === null || value === "")) return undefined;
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "string") return redact(value);
    if (typeof value !== "object" || value === null) return value;
    while (open.length > 0 && open.at(-1)?.written !== this) open.pop();
    if (open.some((o) => o.given === given)) return "[Circular]";
    const written = Array.isArray(value) ? value : redactKeys(value);
    open.push({ given, written });
    top ??= written;
    return written;
  });
}

function write(level: Level, message: string, fields: Record<string, unknown> | undefined) {
  if ((THRESHOLDS.get(level) as number) < threshold) return;
  const line = {
    level,
    time: new Date().toISOString(),
    message,
    xray_trace_id: traceId(),
    ...context,
    ...(fields && unreserved(fields)),
  };
  const stream = level === "warn" || level === "error" ? process.stderr : process.stdout;
  try {
    stream.write(`${serialize(line)}\n`);
  } catch {
    // As Node's Console (which Powertools wrote through): a line a broken stream refuses is lost.
  }
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write("debug", message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write("info", message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write("warn", message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write("error", message, fields),
  /**
   * Takes the level from `AWS_LAMBDA_LOG_LEVEL` again. In Lambda it is set before any code
   * loads; the local cloud sets it when it starts, after its own process (a test, say) may have
   * loaded this module, and calls this so the handlers it runs in-process follow it.
   */
  followEnvironment() {
    threshold = levelFromEnvironment();
  },
  /** Fields added to every line until replaced, e.g. the request id. */
  setContext(fields: Record<string, unknown>) {
    context = unreserved(fields);
  },
};

/** An error as log fields: name, message and the chain of causes. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  return {
    error: {
      name: error.name,
      message: error.message,
      cause: error.cause && errorFields(error.cause),
    },
  };
}
