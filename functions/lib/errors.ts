import {
  HTTP_STATUS,
  MethodNotAllowedError,
  RateLimitedError,
  UnavailableError,
  VisibleError,
} from "@herald/core/error";
import { errorFields, log } from "@herald/core/log";

/**
 * The one place errors become HTTP responses, for the API (`http.ts`) and the feed
 * (`../stream.ts`): a VisibleError is its kind's status with its stable code; anything else is
 * logged and answered with a bare 500.
 */

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: { code: string; message: string; details?: unknown } };
}

export interface ErrorOptions {
  /** `WWW-Authenticate` for a 401, where the credential is a bearer token (the feed). */
  challenge?: string;
}

export function errorResponse(error: unknown, options: ErrorOptions = {}): ErrorResponse {
  if (!(error instanceof VisibleError)) {
    log.error("unhandled error", {
      ...errorFields(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    return {
      status: 500,
      headers: {},
      body: { error: { code: "internal_error", message: "Something went wrong on our side" } },
    };
  }
  const headers: Record<string, string> = {};
  if (error instanceof RateLimitedError || error instanceof UnavailableError) {
    headers["retry-after"] = String(error.retryAfterSeconds);
  }
  if (error instanceof UnavailableError) log.warn("dependency unavailable", errorFields(error));
  if (error instanceof MethodNotAllowedError) headers.allow = error.allow.join(", ");
  if (error.kind === "unauthorized" && options.challenge) {
    headers["www-authenticate"] = options.challenge;
  }
  return {
    status: HTTP_STATUS[error.kind],
    headers,
    body: { error: { code: error.code, message: error.message, details: error.details } },
  };
}
