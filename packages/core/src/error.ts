/**
 * Errors a caller should see carry a kind (which HTTP status) and a stable code. Exactly one
 * place (`functions/lib/errors.ts`, used by the API's middleware and the feed) turns them into
 * responses; anything else is a 500 with a generic body.
 */
export type ErrorKind =
  | "validation"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "method_not_allowed"
  | "too_large"
  | "rate_limited"
  | "unavailable";

/** The HTTP status each kind is answered with (the API's error map, and a batch's items). */
export const HTTP_STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

export class VisibleError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "VisibleError";
  }
}

/** Input that does not parse: 400 with the offending fields. */
export class ValidationError extends VisibleError {
  constructor(code: string, message: string, details?: unknown) {
    super("validation", code, message, details);
    this.name = "ValidationError";
  }
}

export class NotFoundError extends VisibleError {
  constructor(what: string, id: string) {
    super("not_found", `${what}_not_found`, `No ${what} with id ${id}`);
    this.name = "NotFoundError";
  }
}

/** A status change asked of a notification whose current status does not allow it. */
export class InvalidTransitionError extends VisibleError {
  constructor(id: string, from: string, to: string) {
    super(
      "conflict",
      "invalid_transition",
      `Notification ${id} is ${from}; it cannot become ${to}`,
      {
        status: from,
      },
    );
    this.name = "InvalidTransitionError";
  }
}

/** Too many requests for this key: 429 with Retry-After. */
export class RateLimitedError extends VisibleError {
  constructor(readonly retryAfterSeconds: number) {
    super("rate_limited", "rate_limited", `Too many requests; retry in ${retryAfterSeconds} s`, {
      retry_after_seconds: retryAfterSeconds,
    });
    this.name = "RateLimitedError";
  }
}

/** A method the endpoint does not serve: 405 with Allow. */
export class MethodNotAllowedError extends VisibleError {
  constructor(
    method: string,
    readonly allow: string[],
  ) {
    super("method_not_allowed", "method_not_allowed", `${method} is not allowed`);
    this.name = "MethodNotAllowedError";
  }
}

/** A dependency is down for a moment: 503 with Retry-After; the cause is logged, not shown. */
export class UnavailableError extends VisibleError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super("unavailable", code, message, undefined, options);
    this.name = "UnavailableError";
  }
}
