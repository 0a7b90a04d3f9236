/** The provider refused for good (bad address, rejected content): the notification fails now. */
export class PermanentDeliveryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PermanentDeliveryError";
  }
}

/** The provider may succeed later (throttled, unavailable): the retry schedule tries again. */
export class TransientDeliveryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TransientDeliveryError";
  }
}

interface AwsLikeError {
  name?: string;
  message?: string;
  $fault?: "client" | "server";
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Classify an AWS SDK error: throttling, server faults and network errors are transient; other
 * client faults (4xx) are permanent.
 */
export function classifyAwsError(provider: string, error: unknown): Error {
  const aws = (error ?? {}) as AwsLikeError;
  const status = aws.$metadata?.httpStatusCode;
  const message = `${provider}: ${aws.name ?? "Error"}: ${aws.message ?? String(error)}`;
  const throttled = status === 429 || /Throttl|TooManyRequests|LimitExceeded/.test(aws.name ?? "");
  if (aws.$fault === "client" && !throttled && !aws.$retryable) {
    return new PermanentDeliveryError(message, { cause: error });
  }
  return new TransientDeliveryError(message, { cause: error });
}

/** The push service says the subscription no longer exists (404/410): the recipient should drop it. */
export class PushSubscriptionGoneError extends PermanentDeliveryError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PushSubscriptionGoneError";
  }
}
