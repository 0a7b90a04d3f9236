import { ValidationError } from "./error";
import * as z from "./zod";

/**
 * A domain verb that parses its input with its schema first, so the same schema serves HTTP
 * validation, the OpenAPI document and direct callers.
 */
export function fn<Schema extends z.core.$ZodType, Result>(
  schema: Schema,
  cb: (input: z.output<Schema>) => Result,
) {
  const verb = (input: z.input<Schema>): Result => {
    const parsed = z.safeParse(schema, input);
    if (!parsed.success) {
      throw new ValidationError(
        codeOf(parsed.error) ?? "invalid_request",
        "The request is not valid",
        issues(parsed.error),
      );
    }
    return cb(parsed.data);
  };
  verb.schema = schema;
  return verb;
}

/**
 * A refinement may name the error code a caller sees (`ctx.addIssue({ code: "custom", params:
 * { code: "invalid_timezone" } })`); the first such issue decides, else `invalid_request`.
 */
export function codeOf(error: z.core.$ZodError): string | undefined {
  for (const issue of error.issues) {
    const code =
      issue.code === "custom" ? (issue.params as { code?: unknown } | undefined)?.code : undefined;
    if (typeof code === "string") return code;
  }
  return undefined;
}

export function issues(error: z.core.$ZodError) {
  return error.issues.map((issue) => ({
    path: issue.path.join("."),
    code: issue.code,
    message: issue.message,
  }));
}
