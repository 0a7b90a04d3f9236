/**
 * Structured JSON log lines (one object a line, as CloudWatch Logs Insights likes them).
 * The level comes from Lambda's own `AWS_LAMBDA_LOG_LEVEL`; callers never pass secrets or full
 * addresses in fields.
 */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = Exclude<keyof typeof LEVELS, "silent">;

const threshold =
  LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL?.toLowerCase() ?? "info") as keyof typeof LEVELS] ??
  LEVELS.info;

let context: Record<string, unknown> = {};

/**
 * The last line of defence for "no secrets or full addresses in logs": whatever a caller passed
 * (a provider's error message quoting an address, say), email local parts, phone digits and
 * credentials are masked in the serialised line.
 */
const REDACTIONS: [RegExp, string][] = [
  [/\b(hrld|whsec)_[A-Za-z0-9_-]+/g, "$1_***"],
  [/[A-Za-z0-9._%+-]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g, "***@$1"],
  [/\+(\d{4})\d{3,11}\b/g, "+$1***"],
];

export function redact(line: string): string {
  return REDACTIONS.reduce(
    (text, [pattern, replacement]) => text.replace(pattern, replacement),
    line,
  );
}

function write(level: Level, message: string, fields?: Record<string, unknown>) {
  if (LEVELS[level] < threshold) return;
  const line = redact(
    JSON.stringify({
      level,
      time: new Date().toISOString(),
      message,
      ...context,
      ...fields,
    }),
  );
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(`${line}\n`);
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write("debug", message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write("info", message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write("warn", message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write("error", message, fields),
  /** Fields added to every line until replaced, e.g. the request id. */
  setContext(fields: Record<string, unknown>) {
    context = fields;
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
