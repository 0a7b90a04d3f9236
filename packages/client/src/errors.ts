/**
 * Every failure the client reports: an HTTP error from Herald (`status` and Herald's stable
 * `code`), or a client-side one with `status` 0 (`network_error`, `timeout`, `aborted`,
 * `feed_unavailable`, `unexpected_status`).
 *
 * @example
 * ```ts
 * try {
 *   await herald.cancel(id);
 * } catch (error) {
 *   if (error instanceof HeraldError && error.code === "invalid_transition") {
 *     // already sending or sent
 *   } else throw error;
 * }
 * ```
 */
export class HeraldError extends Error {
  override name = "HeraldError";

  constructor(
    /** HTTP status, or 0 when no response was involved. */
    readonly status: number,
    /** Stable, machine-readable code, e.g. `invalid_request`, `token_expired`, `timeout`. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Codes for errors API Gateway answers itself (`{"message": "..."}`, no Herald code). */
const GATEWAY_CODES: Record<number, string> = {
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  413: "payload_too_large",
  429: "rate_limited",
  500: "internal_error",
  502: "bad_gateway",
  503: "unavailable",
  504: "gateway_timeout",
};

/** The error a non-2xx response stands for. */
export async function errorFrom(response: Response): Promise<HeraldError> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch (error) {
    return new HeraldError(
      response.status,
      GATEWAY_CODES[response.status] ?? `http_${response.status}`,
      text.slice(0, 200) || response.statusText,
      undefined,
      { cause: error },
    );
  }
  const herald = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } })
    ?.error;
  if (herald && typeof herald.code === "string") {
    return new HeraldError(
      response.status,
      herald.code,
      typeof herald.message === "string" ? herald.message : herald.code,
      herald.details,
    );
  }
  const gateway = body as { message?: unknown; Message?: unknown } | undefined;
  const said = gateway?.message ?? gateway?.Message;
  return new HeraldError(
    response.status,
    GATEWAY_CODES[response.status] ?? `http_${response.status}`,
    typeof said === "string" ? said : response.statusText,
  );
}

/** A failed `fetch` (no response) as a HeraldError. */
export function transportError(error: unknown, what: string): HeraldError {
  if (error instanceof HeraldError) return error;
  const name = (error as { name?: unknown })?.name;
  if (name === "TimeoutError") {
    return new HeraldError(0, "timeout", `${what} timed out`, undefined, { cause: error });
  }
  if (name === "AbortError") {
    return new HeraldError(0, "aborted", `${what} was aborted`, undefined, { cause: error });
  }
  return new HeraldError(0, "network_error", `${what} failed: ${String(error)}`, undefined, {
    cause: error,
  });
}

/** Worth another try later: no response, a timeout, 429 or a 5xx. */
export function isTransient(error: HeraldError): boolean {
  return (
    error.code === "network_error" ||
    error.code === "timeout" ||
    error.status === 429 ||
    error.status >= 500
  );
}
