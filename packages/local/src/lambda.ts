import { randomBytes, randomUUID } from "node:crypto";
import type { Callback, Context, Handler } from "aws-lambda";

/**
 * What the local cloud shares when it plays Lambda: a realistic `Context`, an `invoke` that runs
 * a handler under its timeout, and a lazy loader cache so handler modules are imported only
 * after the environment is set (as a cold start would).
 */

export const LOCAL_ACCOUNT_ID = "123456789012";
export const LOCAL_REGION = "us-east-1";

export interface InvokeOptions {
  functionName: string;
  /** The function timeout: `getRemainingTimeInMillis` counts down from it. */
  timeoutMs: number;
  /** Default 1024, as a string in the context like Lambda's. */
  memoryLimitInMB?: number;
  /** Default us-east-1. */
  region?: string;
}

/** The invocation outlived its function timeout; Lambda would have stopped it. */
export class LambdaTimeoutError extends Error {
  constructor(
    readonly functionName: string,
    readonly timeoutMs: number,
    readonly awsRequestId: string,
  ) {
    super(`${functionName} (request ${awsRequestId}) timed out after ${timeoutMs} ms`);
    this.name = "LambdaTimeoutError";
  }
}

function logStreamName(now: Date): string {
  const day = now.toISOString().slice(0, 10).replaceAll("-", "/");
  return `${day}/[$LATEST]${randomBytes(16).toString("hex")}`;
}

/** A `Context` like the Node.js runtime's, counting down to `deadline` (epoch ms). */
export function createContext(options: InvokeOptions & { deadline: number }): Context {
  const region = options.region ?? LOCAL_REGION;
  const noop = () => undefined;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: logStreamName(new Date()),
    getRemainingTimeInMillis: () => Math.max(0, options.deadline - Date.now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
}

/**
 * Run an async-style handler once, as Lambda would: a fresh context, a no-op callback, and a
 * `LambdaTimeoutError` when it outlives `timeoutMs`. A timed-out handler cannot be frozen here,
 * so it keeps running in the background; its eventual result is ignored.
 */
export async function invoke<TEvent, TResult>(
  handler: Handler<TEvent, TResult>,
  event: TEvent,
  options: InvokeOptions,
): Promise<TResult | undefined> {
  const context = createContext({ ...options, deadline: Date.now() + options.timeoutMs });
  const callback: Callback<TResult> = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new LambdaTimeoutError(options.functionName, options.timeoutMs, context.awsRequestId),
        ),
      options.timeoutMs,
    );
  });
  // `then` turns a synchronous throw into a rejection, as the runtime reports it.
  const run = Promise.resolve().then(
    (): Promise<TResult> | TResult | undefined => handler(event, context, callback) ?? undefined,
  );
  try {
    // A callback-style handler resolves to undefined: its callback is ignored here.
    return (await Promise.race([run, timeout])) as TResult | undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** Load once and reuse (a warm container); a failed load is retried on the next call. */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
