import { LogFormatter, Logger, LogItem } from "@aws-lambda-powertools/logger";
import type {
  LogAttributes,
  LogLevel,
  UnformattedAttributes,
} from "@aws-lambda-powertools/logger/types";

/**
 * Structured JSON log lines through Powertools Logger (one object a line, as CloudWatch Logs
 * Insights likes them). The level comes from Lambda's own `AWS_LAMBDA_LOG_LEVEL` (Advanced
 * Logging Controls; any case, `silent` too); callers never pass secrets or full addresses in
 * fields, and the formatter below masks them anyway.
 */

/**
 * The last line of defence for "no secrets or full addresses in logs": whatever a caller passed
 * (a provider's error message quoting an address, say), email local parts, phone digits and
 * credentials (`hrld_` API keys, `hrld_rt_` tokens, `whsec_` secrets) are masked in the line.
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

/**
 * Herald's line: `{ level, time, message, ...context, ...fields }`, redacted as a whole (keys
 * and values, at any depth) before Powertools prints it.
 */
export class RedactingFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, fields: LogAttributes): LogItem {
    const line = {
      level: attributes.logLevel.toLowerCase(),
      time: attributes.timestamp.toISOString(),
      message: attributes.message,
      xray_trace_id: attributes.xRayTraceId,
      ...fields,
    };
    const formatter = this;
    const ancestors: unknown[] = [];
    const json = JSON.stringify(line, function (this: unknown, _key, value: unknown) {
      if (value instanceof Error) return formatter.formatError(value);
      if (typeof value === "bigint") return value.toString();
      if (typeof value === "object" && value !== null) {
        while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
        if (ancestors.includes(value)) return "[Circular]";
        ancestors.push(value);
      }
      return value;
    });
    return new LogItem({ attributes: JSON.parse(redact(json)) as LogAttributes });
  }
}

const levelFromEnvironment = () =>
  (process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase() ?? "INFO") as LogLevel;

const logger = new Logger({
  serviceName: "herald",
  logLevel: levelFromEnvironment(),
  logFormatter: new RedactingFormatter(),
});

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => logger.debug(message, fields ?? {}),
  info: (message: string, fields?: Record<string, unknown>) => logger.info(message, fields ?? {}),
  warn: (message: string, fields?: Record<string, unknown>) => logger.warn(message, fields ?? {}),
  error: (message: string, fields?: Record<string, unknown>) => logger.error(message, fields ?? {}),
  /**
   * Takes the level from `AWS_LAMBDA_LOG_LEVEL` again. In Lambda it is set before any code
   * loads; the local cloud sets it when it starts, after its own process (a test, say) may have
   * loaded this module, and calls this so the handlers it runs in-process follow it.
   */
  followEnvironment() {
    logger.setLogLevel(levelFromEnvironment());
  },
  /** Fields added to every line until replaced, e.g. the request id. */
  setContext(fields: Record<string, unknown>) {
    logger.resetKeys();
    logger.appendKeys(fields);
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
