import type { z } from "zod";
import { ValidationError } from "./error";

/**
 * A domain verb that parses its input with its schema first, so the same schema serves HTTP
 * validation, the OpenAPI document and direct callers.
 */
export function fn<Schema extends z.ZodType, Result>(
  schema: Schema,
  cb: (input: z.output<Schema>) => Result,
) {
  const verb = (input: z.input<Schema>): Result => {
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      throw new ValidationError(
        "invalid_request",
        "The request is not valid",
        issues(parsed.error),
      );
    }
    return cb(parsed.data);
  };
  verb.schema = schema;
  return verb;
}

export function issues(error: z.ZodError) {
  return error.issues.map((issue) => ({
    path: issue.path.join("."),
    code: issue.code,
    message: issue.message,
  }));
}
