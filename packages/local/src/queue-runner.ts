import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type {
  Context,
  SQSBatchResponse,
  SQSEvent,
  SQSMessageAttribute,
  SQSMessageAttributes,
  SQSRecord,
} from "aws-lambda";
import { invoke, LOCAL_REGION, lazy } from "./lambda";

/**
 * The Lambda SQS event-source mapping, locally: pollers long-poll each queue, hand the worker an
 * `SQSEvent` built exactly like Lambda's, delete what succeeded (honouring `batchItemFailures`),
 * and leave the rest to the visibility timeout and the queue's RedrivePolicy, so retries and
 * dead-lettering come from the queue itself, as in AWS.
 */

export interface QueueMapping {
  queueUrl: string;
  queueArn: string;
  /** Lazy loader: the worker module is imported on first use, after the environment is set. */
  // biome-ignore lint/suspicious/noConfusingVoidType: workers that return nothing are `Promise<void>`, as in SQSHandler.
  handler: () => Promise<(event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>>;
  functionName?: string;
  /** Records per invocation, 1 to 10 (default 10). */
  batchSize?: number;
  /** How long to keep gathering records for a fuller batch (default 0). */
  maximumBatchingWindowMs?: number;
  /** Honour `batchItemFailures` (default true); when false, returned failures are ignored. */
  reportBatchItemFailures?: boolean;
  /** Function timeout (default 30 000 ms); a batch that outlives it counts as failed. */
  timeoutMs?: number;
  /** Concurrent pollers, each running one batch at a time (default 2). */
  concurrency?: number;
}

export interface QueueRunner {
  /** Stop polling and wait for in-flight polls and invocations. */
  stop(): Promise<void>;
  /**
   * Resolves when every mapped queue has been empty (no visible and no in-flight messages,
   * ApproximateNumberOfMessages + NotVisible + Delayed = 0) and no invocation is running.
   * `{ delayed: false }` ignores delayed messages: in a cloud shared by several test files,
   * another file's retry or digest may sit there for minutes.
   */
  drain(timeoutMs?: number, options?: { delayed?: boolean }): Promise<void>;
  /** Invocations started so far. */
  readonly invocations: number;
  /** Handler, poll and delete failures; default: one line on stderr. */
  onError?: (err: unknown) => void;
}

export interface QueueRunnerOptions {
  sqsEndpoint: string;
  region?: string;
  mappings: QueueMapping[];
  /** Long-poll wait, whole seconds 0 to 20 (default 1). */
  waitTimeSeconds?: number;
  onError?: (err: unknown) => void;
}

/** A mapping setting Lambda would refuse. */
export class InvalidMappingError extends Error {
  constructor(queueUrl: string, reason: string) {
    super(`Invalid event-source mapping for ${queueUrl}: ${reason}`);
    this.name = "InvalidMappingError";
  }
}

/** A poll failed; the poller backs off and carries on. */
export class PollError extends Error {
  constructor(queueUrl: string, options: ErrorOptions) {
    super(`Receiving from ${queueUrl} failed`, options);
    this.name = "PollError";
  }
}

/** The handler threw, timed out or answered badly: no record was deleted. */
export class BatchFailedError extends Error {
  constructor(functionName: string, size: number, options: ErrorOptions) {
    super(`${functionName} failed a batch of ${size}; every record will be retried`, options);
    this.name = "BatchFailedError";
  }
}

/** `batchItemFailures` that Lambda would reject, failing the whole batch. */
export class InvalidBatchResponseError extends Error {
  constructor(reason: string) {
    super(`Invalid batch response: ${reason}`);
    this.name = "InvalidBatchResponseError";
  }
}

/** Some processed records could not be deleted; they will be delivered again. */
export class DeleteFailedError extends Error {
  constructor(queueUrl: string, detail: string, options?: ErrorOptions) {
    super(`Deleting processed messages from ${queueUrl} failed: ${detail}`, options);
    this.name = "DeleteFailedError";
  }
}

/** `drain()` gave up before the queues emptied. */
export class DrainTimeoutError extends Error {
  constructor(timeoutMs: number, options?: ErrorOptions) {
    super(`The queues did not drain within ${timeoutMs} ms`, options);
    this.name = "DrainTimeoutError";
  }
}

type Worker = Awaited<ReturnType<QueueMapping["handler"]>>;

interface Mapping {
  queueUrl: string;
  queueArn: string;
  load: () => Promise<Worker>;
  functionName: string;
  batchSize: number;
  windowMs: number;
  reportFailures: boolean;
  timeoutMs: number;
  concurrency: number;
}

interface RunnerState {
  client: SQSClient;
  region: string;
  waitTimeSeconds: number;
  stopping: AbortController;
  running: number;
  started: number;
  report: (error: unknown) => void;
}

const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;
const DRAIN_CHECK_MS = 50;

// ---------------------------------------------------------------------------------------------
// Mappings

function queueName(queueUrl: string): string {
  return queueUrl.split("/").pop() || queueUrl;
}

function checkInteger(queueUrl: string, name: string, value: number, min: number, max: number) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidMappingError(queueUrl, `${name} must be an integer from ${min} to ${max}`);
  }
}

function compileMapping(mapping: QueueMapping): Mapping {
  const compiled: Mapping = {
    queueUrl: mapping.queueUrl,
    queueArn: mapping.queueArn,
    load: lazy(mapping.handler),
    functionName: mapping.functionName ?? `local-${queueName(mapping.queueUrl)}-consumer`,
    batchSize: mapping.batchSize ?? 10,
    windowMs: mapping.maximumBatchingWindowMs ?? 0,
    reportFailures: mapping.reportBatchItemFailures ?? true,
    timeoutMs: mapping.timeoutMs ?? 30_000,
    concurrency: mapping.concurrency ?? 2,
  };
  checkInteger(compiled.queueUrl, "batchSize", compiled.batchSize, 1, 10);
  checkInteger(compiled.queueUrl, "maximumBatchingWindowMs", compiled.windowMs, 0, 300_000);
  checkInteger(compiled.queueUrl, "timeoutMs", compiled.timeoutMs, 1, 900_000);
  checkInteger(compiled.queueUrl, "concurrency", compiled.concurrency, 1, 1_000);
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// Records, as Lambda builds them

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

function lambdaAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  return {
    ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
    ...(value.BinaryValue !== undefined && { binaryValue: base64(value.BinaryValue) }),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map(base64),
    dataType: value.DataType ?? "String",
  };
}

function lambdaAttributes(attributes: Message["MessageAttributes"]): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) out[name] = lambdaAttribute(value);
  return out;
}

export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "",
      SenderId: "",
      ApproximateFirstReceiveTimestamp: "",
      ...message.Attributes,
    },
    messageAttributes: lambdaAttributes(message.MessageAttributes),
    ...(message.MD5OfMessageAttributes && {
      md5OfMessageAttributes: message.MD5OfMessageAttributes,
    }),
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Which records succeeded, by Lambda's rules: no response, an empty or null list means all of
 * them; a failure whose itemIdentifier is null, empty or not in the batch fails the whole batch.
 */
export function succeededRecords(
  records: SQSRecord[],
  response: unknown,
  reportBatchItemFailures: boolean,
): SQSRecord[] {
  if (!reportBatchItemFailures || response === undefined || response === null) return records;
  if (typeof response !== "object") throw new InvalidBatchResponseError("not an object");
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return records;
  if (!Array.isArray(failures))
    throw new InvalidBatchResponseError("batchItemFailures is not a list");
  const ids = new Set(records.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || id === "" || !ids.has(id)) {
      throw new InvalidBatchResponseError(
        `itemIdentifier ${JSON.stringify(id)} is not in the batch`,
      );
    }
    failed.add(id);
  }
  return records.filter((record) => !failed.has(record.messageId));
}

// ---------------------------------------------------------------------------------------------
// Polling

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

async function receive(
  state: RunnerState,
  mapping: Mapping,
  max: number,
  waitTimeSeconds: number,
  abortSignal?: AbortSignal,
): Promise<Message[]> {
  const { Messages } = await state.client.send(
    new ReceiveMessageCommand({
      QueueUrl: mapping.queueUrl,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: waitTimeSeconds,
      // local-aws-sqs reads AttributeNames, not MessageSystemAttributeNames.
      AttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
    { abortSignal },
  );
  return Messages ?? [];
}

/**
 * One batch. SQS long polling answers as soon as any message is there, but local-aws-sqs holds a
 * long poll until it has MaxNumberOfMessages or the wait ends, with the visibility timeout already
 * running. So: long-poll for one message, then gather the rest with a zero-wait receive (it
 * returns after ~40 ms or once full); with a batching window, when the batch is not full, wait
 * the window out and receive once more.
 * `stop()` abandons the long poll only, as a consumer shutting down would: a message the
 * emulator picks for it afterwards comes back after its visibility timeout.
 */
async function receiveBatch(state: RunnerState, mapping: Mapping): Promise<Message[]> {
  const { signal } = state.stopping;
  const batch = await receive(state, mapping, 1, state.waitTimeSeconds, signal);
  if (batch.length === 0) return batch;
  const deadline = Date.now() + mapping.windowMs;
  while (batch.length < mapping.batchSize && !signal.aborted) {
    try {
      batch.push(...(await receive(state, mapping, mapping.batchSize - batch.length, 0)));
    } catch (error) {
      state.report(new PollError(mapping.queueUrl, { cause: error }));
      break;
    }
    const left = deadline - Date.now();
    if (left <= 0 || batch.length >= mapping.batchSize) break;
    // Not full yet: wait the rest of the window out, then take what came meanwhile (one more
    // receive), rather than polling the emulator all through the window.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  return batch;
}

async function deleteRecords(state: RunnerState, mapping: Mapping, records: SQSRecord[]) {
  for (let start = 0; start < records.length; start += 10) {
    const chunk = records.slice(start, start + 10);
    try {
      const { Failed } = await state.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: mapping.queueUrl,
          Entries: chunk.map((record, i) => ({
            Id: String(i),
            ReceiptHandle: record.receiptHandle,
          })),
        }),
      );
      if (Failed?.length) {
        const detail = Failed.map((f) => `${f.Code}: ${f.Message}`).join("; ");
        state.report(new DeleteFailedError(mapping.queueUrl, detail));
      }
    } catch (error) {
      state.report(new DeleteFailedError(mapping.queueUrl, "request failed", { cause: error }));
    }
  }
}

/** Invoke the worker once; delete what succeeded; leave failures to the visibility timeout. */
async function processBatch(state: RunnerState, mapping: Mapping, messages: Message[]) {
  const records = messages.map((m) => toSqsRecord(m, mapping.queueArn, state.region));
  state.running++;
  state.started++;
  try {
    let succeeded: SQSRecord[];
    try {
      const worker = await mapping.load();
      const response = await invoke(
        worker,
        { Records: records },
        { functionName: mapping.functionName, timeoutMs: mapping.timeoutMs, region: state.region },
      );
      succeeded = succeededRecords(records, response, mapping.reportFailures);
    } catch (error) {
      state.report(new BatchFailedError(mapping.functionName, records.length, { cause: error }));
      return;
    }
    if (succeeded.length > 0) await deleteRecords(state, mapping, succeeded);
  } finally {
    state.running--;
  }
}

async function pollLoop(state: RunnerState, mapping: Mapping) {
  const { signal } = state.stopping;
  let backoff = 0;
  while (!signal.aborted) {
    let messages: Message[];
    try {
      messages = await receiveBatch(state, mapping);
      backoff = 0;
    } catch (error) {
      if (signal.aborted) return;
      state.report(new PollError(mapping.queueUrl, { cause: error }));
      backoff = Math.min(backoff === 0 ? FIRST_BACKOFF_MS : backoff * 2, MAX_BACKOFF_MS);
      await pause(backoff, signal);
      continue;
    }
    // A batch received before the stop is still processed, not dropped.
    if (messages.length > 0) await processBatch(state, mapping, messages);
  }
}

// ---------------------------------------------------------------------------------------------
// Draining

async function queueDepth(client: SQSClient, queueUrl: string, delayed: boolean): Promise<number> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
    (delayed ? Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0) : 0)
  );
}

/**
 * Idle means: nothing running before the queues were read, every queue empty, and no invocation
 * started meanwhile (an invocation can send to a queue already read as empty).
 */
async function isIdle(state: RunnerState, queueUrls: string[], delayed: boolean): Promise<boolean> {
  if (state.running > 0) return false;
  const startedBefore = state.started;
  const depths = await Promise.all(queueUrls.map((url) => queueDepth(state.client, url, delayed)));
  return (
    depths.every((depth) => depth === 0) && state.running === 0 && state.started === startedBefore
  );
}

async function drain(state: RunnerState, queueUrls: string[], timeoutMs: number, delayed: boolean) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await isIdle(state, queueUrls, delayed)) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, DRAIN_CHECK_MS));
  }
  throw new DrainTimeoutError(timeoutMs, { cause: lastError });
}

// ---------------------------------------------------------------------------------------------

function defaultReport(error: unknown) {
  process.stderr.write(`local queue runner: ${String(error)}\n`);
}

export function startQueueRunner(opts: QueueRunnerOptions): QueueRunner {
  const mappings = opts.mappings.map(compileMapping);
  const waitTimeSeconds = opts.waitTimeSeconds ?? 1;
  if (!Number.isInteger(waitTimeSeconds) || waitTimeSeconds < 0 || waitTimeSeconds > 20) {
    throw new InvalidMappingError(opts.sqsEndpoint, "waitTimeSeconds must be 0 to 20");
  }
  const region = opts.region ?? LOCAL_REGION;
  const state: RunnerState = {
    client: new SQSClient({ endpoint: opts.sqsEndpoint, region, credentials: CREDENTIALS }),
    region,
    waitTimeSeconds,
    stopping: new AbortController(),
    running: 0,
    started: 0,
    report: (error) => (runner.onError ?? defaultReport)(error),
  };
  const queueUrls = [...new Set(mappings.map((m) => m.queueUrl))];
  const loops = mappings.flatMap((mapping) =>
    Array.from({ length: mapping.concurrency }, () => pollLoop(state, mapping)),
  );
  let stopped: Promise<void> | undefined;

  const runner: QueueRunner = {
    onError: opts.onError,
    get invocations() {
      return state.started;
    },
    stop() {
      stopped ??= (async () => {
        state.stopping.abort();
        await Promise.allSettled(loops);
        state.client.destroy();
      })();
      return stopped;
    },
    drain: (timeoutMs = 30_000, options = {}) =>
      drain(state, queueUrls, timeoutMs, options.delayed ?? true),
  };
  return runner;
}
