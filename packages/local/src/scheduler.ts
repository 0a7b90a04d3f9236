import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  GetQueueUrlCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { DateTime, IANAZone } from "luxon";
import { close, listen } from "./net";

/**
 * Herald's emulator of the Amazon EventBridge Scheduler REST API (the restJson1 protocol spoken by
 * `@aws-sdk/client-scheduler`), so production code runs unchanged against it with only
 * `AWS_ENDPOINT_URL_SCHEDULER` pointing here. Unlike a mock, one-time `at(...)` schedules really
 * fire at their due instant: the emulator sends `Target.Input` to the target SQS queue on the
 * local SQS server.
 *
 * Supported: schedule groups (create, get, delete, list, tags; `default` always exists) and
 * schedules (create, get, update, delete, list with group/prefix/state filters and pagination),
 * with AWS-like validation and error shapes. Targets must be SQS queues (standard or FIFO, with
 * `SqsParameters.MessageGroupId`), optionally with a retry policy and an SQS dead-letter queue.
 *
 * Emulator choices (where AWS is vaguer or slower):
 * - Only `at(yyyy-mm-ddThh:mm:ss)` expressions are accepted; `rate()` and `cron()` are rejected
 *   with a ValidationException. `StartDate`/`EndDate` are stored and echoed but, as in AWS for
 *   one-time schedules, do not affect firing.
 * - An `at()` time already in the past fires at once, so a schedule created "just too late"
 *   still delivers.
 * - Schedules fire at their due instant, unless {@link StartSchedulerOptions.lateMs} asks for
 *   AWS-like lateness (AWS invokes a one-time schedule up to about a minute after its time).
 * - `FlexibleTimeWindow` is validated and echoed, but a FLEXIBLE schedule fires at the start of
 *   its window (a legal outcome in AWS too), so tests are deterministic.
 * - With `ActionAfterCompletion: DELETE` the schedule is removed as its invocation starts, so no
 *   observer can receive the message and still find the schedule.
 * - Failed sends are retried at most {@link MAX_RETRIES} times (100 ms, 200 ms, 400 ms), fewer if
 *   `RetryPolicy.MaximumRetryAttempts` says so, not AWS's default 185 times over 24 hours.
 * - Deleting a group deletes its schedules at once (AWS does it asynchronously).
 * - `ClientToken` idempotency, KMS and IAM (the `RoleArn` is required but not checked) are not
 *   emulated; request signatures are not verified.
 */

export interface FireRecord {
  name: string;
  group: string;
  /** The due instant, ms since the epoch. */
  dueAt: number;
  /** When the invocation started, ms since the epoch. */
  firedAt: number;
  ok: boolean;
  /** The last send error when `ok` is false. */
  error?: string;
  /** Send attempts made: 1 plus retries. */
  attempts: number;
}

export interface SchedulerEmulator {
  /** `http://127.0.0.1:PORT`, what `AWS_ENDPOINT_URL_SCHEDULER` gets. */
  url: string;
  /** Clears all timers, stops retries, waits for invocations under way, closes the server. */
  stop(): Promise<void>;
  /** Every invocation, in completion order (one record per invocation, after its retries). */
  readonly fired: ReadonlyArray<FireRecord>;
}

export interface StartSchedulerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Endpoint of the SQS server that target queues live on (e.g. local-aws-sqs). */
  sqsEndpoint: string;
  /** Region used in ARNs and for the SQS client. Default us-east-1. */
  region?: string;
  /**
   * AWS-like mode: each schedule fires at a uniformly random moment up to this many ms after
   * its due time ({@link AWS_LATENESS_MS} is what AWS allows). 0, the default: on time.
   */
  lateMs?: number;
}

/** How late AWS may invoke a one-time schedule: within the minute after its time. */
export const AWS_LATENESS_MS = 60_000;

const ACCOUNT_ID = "123456789012";
const DEFAULT_GROUP = "default";
/** setTimeout's ceiling (2^31 - 1 ms, about 24.8 days); longer waits are chunked. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_RETRIES = 3;
const RETRY_BASE_MS = 100;
const MAX_RESULTS = 100;
/** What AWS delivers to a templated target when a schedule has no `Input`. */
const DEFAULT_INPUT = "{}";
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

const NAME_PATTERN = /^[0-9a-zA-Z-_.]+$/;
const AT_PATTERN = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;
const RECURRING_PATTERN = /^(rate|cron)\(.*\)$/;
const SQS_ARN_PATTERN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:([a-zA-Z0-9_-]{1,80}(?:\.fifo)?)$/;
const ARN_PATTERN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/;
const TOKEN_PREFIX = "herald-scheduler:";

// ---------------------------------------------------------------------------------------------
// Errors: each kind is the Scheduler exception of the same name, sent with `x-amzn-errortype`.

class SchedulerApiError extends Error {
  constructor(
    readonly errorType: string,
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

class ValidationError extends SchedulerApiError {
  override name = "ValidationError";
  constructor(message: string, options?: ErrorOptions) {
    super("ValidationException", 400, message, options);
  }
}

class ResourceNotFoundError extends SchedulerApiError {
  override name = "ResourceNotFoundError";
  constructor(message: string) {
    super("ResourceNotFoundException", 404, message);
  }
}

class ConflictError extends SchedulerApiError {
  override name = "ConflictError";
  constructor(message: string) {
    super("ConflictException", 409, message);
  }
}

class UnknownOperationError extends SchedulerApiError {
  override name = "UnknownOperationError";
  constructor(method: string, path: string) {
    super("UnknownOperationException", 404, `No operation matches ${method} ${path}`);
  }
}

/** A send to an SQS queue failed; `cause` is the SQS client's error. */
class TargetDeliveryError extends Error {
  override name = "TargetDeliveryError";
  constructor(queueArn: string, options: ErrorOptions) {
    super(`Sending to ${queueArn} failed: ${describeError(options.cause)}`, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Model

type Json = Record<string, unknown>;
type State = "ENABLED" | "DISABLED";
type ActionAfterCompletion = "NONE" | "DELETE";

interface Tag {
  Key: string;
  Value: string;
}

interface Group {
  Name: string;
  Arn: string;
  CreationDate: number;
  LastModificationDate: number;
  Tags: Tag[];
}

interface Target {
  Arn: string;
  RoleArn: string;
  Input?: string;
  DeadLetterConfig?: { Arn: string };
  RetryPolicy?: { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number };
  SqsParameters?: { MessageGroupId?: string };
}

interface FlexibleTimeWindow {
  Mode: "OFF" | "FLEXIBLE";
  MaximumWindowInMinutes?: number;
}

/** What CreateSchedule and UpdateSchedule both carry (Update replaces every field). */
interface ScheduleSpec {
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  StartDate?: number;
  EndDate?: number;
  Description?: string;
  State: State;
  KmsKeyArn?: string;
  Target: Target;
  FlexibleTimeWindow: FlexibleTimeWindow;
  ActionAfterCompletion: ActionAfterCompletion;
  /** The instant `ScheduleExpression` names, ms since the epoch. */
  dueAt: number;
}

/** Immutable: an update stores a new object, so an invocation under way keeps its snapshot. */
interface Schedule extends ScheduleSpec {
  Name: string;
  GroupName: string;
  Arn: string;
  CreationDate: number;
  LastModificationDate: number;
}

const scheduleKey = (group: string, name: string) => `${group}/${name}`;

// ---------------------------------------------------------------------------------------------
// Validation helpers, with messages in the shape AWS uses.

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function constraintError(field: string, value: unknown, constraint: string): ValidationError {
  return new ValidationError(
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function optionalString(body: Json, field: string, min: number, max: number, path = field) {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length < min || value.length > max) {
    throw constraintError(path, value, `Member must have length between ${min} and ${max}`);
  }
  return value;
}

function requiredString(body: Json, field: string, min: number, max: number, path = field) {
  const value = optionalString(body, field, min, max, path);
  if (value === undefined) throw constraintError(path, null, "Member must not be null");
  return value;
}

function optionalInteger(body: Json, field: string, min: number, max: number, path = field) {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw constraintError(
      path,
      value,
      `Member must have value greater than or equal to ${min} and less than or equal to ${max}`,
    );
  }
  return value;
}

function optionalEnum<T extends string>(
  body: Json,
  field: string,
  allowed: readonly T[],
  path = field,
): T | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw constraintError(
      path,
      value,
      `Member must satisfy enum value set: [${allowed.join(", ")}]`,
    );
  }
  return value as T;
}

function optionalObject(body: Json, field: string, path = field): Json | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw constraintError(path, value, "Member must be a structure");
  return value;
}

function requiredObject(body: Json, field: string, path = field): Json {
  const value = optionalObject(body, field, path);
  if (value === undefined) throw constraintError(path, null, "Member must not be null");
  return value;
}

/** Timestamps travel as epoch seconds (restJson1's default); stored as ms. */
function optionalTimestamp(body: Json, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw constraintError(field, value, "Member must be a timestamp in epoch seconds");
  }
  return Math.round(value * 1000);
}

function validateName(value: string | undefined, field: string): string {
  if (value === undefined || value.length < 1 || value.length > 64) {
    throw constraintError(field, value, "Member must have length between 1 and 64");
  }
  if (!NAME_PATTERN.test(value)) {
    throw constraintError(
      field,
      value,
      "Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+",
    );
  }
  return value;
}

function validateSqsArn(value: string, field: string): string {
  const match = SQS_ARN_PATTERN.exec(value);
  if (!match?.[1]) {
    throw new ValidationError(
      `Invalid ${field} '${value}': the Herald Scheduler emulator only supports SQS queue ARNs (arn:aws:sqs:REGION:ACCOUNT:QUEUE)`,
    );
  }
  return match[1];
}

function parseTimezone(body: Json): string | undefined {
  const zone = optionalString(body, "ScheduleExpressionTimezone", 1, 50);
  if (zone !== undefined && !IANAZone.isValidZone(zone)) {
    throw new ValidationError(`Invalid time zone: ${zone}`);
  }
  return zone;
}

/**
 * The instant an `at(yyyy-mm-ddThh:mm:ss)` expression names, read as wall-clock time in `zone`
 * (UTC by default). Wall times that a DST change skips or repeats resolve as luxon resolves them
 * (a skipped time moves forward by the gap).
 */
function dueInstant(expression: string, zone: string | undefined): number {
  const local = AT_PATTERN.exec(expression)?.[1];
  if (local === undefined) {
    if (RECURRING_PATTERN.test(expression)) {
      throw new ValidationError(
        `Unsupported schedule expression ${expression}: the Herald Scheduler emulator supports one-time at(yyyy-mm-ddThh:mm:ss) expressions only`,
      );
    }
    throw new ValidationError(`Invalid Schedule Expression ${expression}.`);
  }
  const instant = DateTime.fromFormat(local, "yyyy-MM-dd'T'HH:mm:ss", { zone: zone ?? "UTC" });
  if (!instant.isValid) throw new ValidationError(`Invalid Schedule Expression ${expression}.`);
  return instant.toMillis();
}

function parseFlexibleTimeWindow(body: Json): FlexibleTimeWindow {
  const raw = requiredObject(body, "FlexibleTimeWindow", "flexibleTimeWindow");
  const mode = optionalEnum(raw, "Mode", ["OFF", "FLEXIBLE"], "flexibleTimeWindow.mode");
  if (mode === undefined)
    throw constraintError("flexibleTimeWindow.mode", null, "Member must not be null");
  const minutes = optionalInteger(
    raw,
    "MaximumWindowInMinutes",
    1,
    1440,
    "flexibleTimeWindow.maximumWindowInMinutes",
  );
  if (mode === "FLEXIBLE" && minutes === undefined) {
    throw new ValidationError("MaximumWindowInMinutes is required when Mode is FLEXIBLE");
  }
  return minutes === undefined ? { Mode: mode } : { Mode: mode, MaximumWindowInMinutes: minutes };
}

function parseRetryPolicy(target: Json): Target["RetryPolicy"] {
  const raw = optionalObject(target, "RetryPolicy", "target.retryPolicy");
  if (raw === undefined) return undefined;
  return {
    MaximumEventAgeInSeconds: optionalInteger(
      raw,
      "MaximumEventAgeInSeconds",
      60,
      86_400,
      "target.retryPolicy.maximumEventAgeInSeconds",
    ),
    MaximumRetryAttempts: optionalInteger(
      raw,
      "MaximumRetryAttempts",
      0,
      185,
      "target.retryPolicy.maximumRetryAttempts",
    ),
  };
}

function parseTarget(body: Json): Target {
  const raw = requiredObject(body, "Target", "target");
  const target: Target = {
    Arn: requiredString(raw, "Arn", 1, 1600, "target.arn"),
    RoleArn: requiredString(raw, "RoleArn", 1, 1600, "target.roleArn"),
  };
  validateSqsArn(target.Arn, "Target.Arn");
  if (!ARN_PATTERN.test(target.RoleArn))
    throw new ValidationError(`Invalid RoleArn ${target.RoleArn}`);
  const input = optionalString(raw, "Input", 1, 262_144, "target.input");
  if (input !== undefined) target.Input = input;
  const deadLetter = optionalObject(raw, "DeadLetterConfig", "target.deadLetterConfig");
  const deadLetterArn =
    deadLetter && optionalString(deadLetter, "Arn", 1, 1600, "target.deadLetterConfig.arn");
  if (deadLetterArn !== undefined) {
    validateSqsArn(deadLetterArn, "DeadLetterConfig.Arn");
    target.DeadLetterConfig = { Arn: deadLetterArn };
  }
  const retryPolicy = parseRetryPolicy(raw);
  if (retryPolicy !== undefined) target.RetryPolicy = retryPolicy;
  const sqs = optionalObject(raw, "SqsParameters", "target.sqsParameters");
  if (sqs !== undefined) {
    target.SqsParameters = {
      MessageGroupId: optionalString(
        sqs,
        "MessageGroupId",
        1,
        128,
        "target.sqsParameters.messageGroupId",
      ),
    };
  }
  return target;
}

function parseScheduleSpec(body: Json): ScheduleSpec {
  const expression = requiredString(body, "ScheduleExpression", 1, 256);
  const timezone = parseTimezone(body);
  return {
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: timezone,
    StartDate: optionalTimestamp(body, "StartDate"),
    EndDate: optionalTimestamp(body, "EndDate"),
    Description: optionalString(body, "Description", 0, 512),
    State: optionalEnum(body, "State", ["ENABLED", "DISABLED"]) ?? "ENABLED",
    KmsKeyArn: optionalString(body, "KmsKeyArn", 1, 2048),
    Target: parseTarget(body),
    FlexibleTimeWindow: parseFlexibleTimeWindow(body),
    ActionAfterCompletion:
      optionalEnum(body, "ActionAfterCompletion", ["NONE", "DELETE"]) ?? "NONE",
    dueAt: dueInstant(expression, timezone),
  };
}

function parseTags(body: Json): Tag[] {
  const raw = body.Tags;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.length > 200) {
    throw constraintError("tags", raw, "Member must have length less than or equal to 200");
  }
  return raw.map((tag: unknown) => {
    if (!isObject(tag)) throw constraintError("tags", tag, "Member must be a structure");
    return {
      Key: requiredString(tag, "Key", 1, 128, "tags.member.key"),
      Value: requiredString(tag, "Value", 0, 256, "tags.member.value"),
    };
  });
}

function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const byKey = new Map(existing.map((tag) => [tag.Key, tag]));
  for (const tag of added) byKey.set(tag.Key, tag);
  return [...byKey.values()];
}

// ---------------------------------------------------------------------------------------------
// Pagination: the token is the sort key of the last item returned, so deletions between pages
// neither skip nor repeat items.

function maxResults(query: URLSearchParams): number {
  const raw = query.get("MaxResults");
  if (raw === null) return MAX_RESULTS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > MAX_RESULTS) {
    throw constraintError(
      "maxResults",
      raw,
      `Member must have value greater than or equal to 1 and less than or equal to ${MAX_RESULTS}`,
    );
  }
  return value;
}

function decodeToken(token: string | null): string | undefined {
  if (token === null) return undefined;
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  if (!decoded.startsWith(TOKEN_PREFIX)) throw new ValidationError(`Invalid NextToken ${token}`);
  return decoded.slice(TOKEN_PREFIX.length);
}

function paginate<T>(items: T[], keyOf: (item: T) => string, query: URLSearchParams) {
  const after = decodeToken(query.get("NextToken"));
  const limit = maxResults(query);
  const sorted = items
    .map((item) => ({ item, key: keyOf(item) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .filter(({ key }) => after === undefined || key > after);
  const page = sorted.slice(0, limit);
  const last = page.at(-1);
  const NextToken =
    sorted.length > limit && last
      ? Buffer.from(`${TOKEN_PREFIX}${last.key}`).toString("base64url")
      : undefined;
  return { page: page.map(({ item }) => item), NextToken };
}

// ---------------------------------------------------------------------------------------------
// Wire shapes

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function groupSummary(group: Group): Json {
  return {
    Arn: group.Arn,
    Name: group.Name,
    State: "ACTIVE",
    CreationDate: seconds(group.CreationDate),
    LastModificationDate: seconds(group.LastModificationDate),
  };
}

function scheduleDetails(schedule: Schedule): Json {
  return {
    Arn: schedule.Arn,
    GroupName: schedule.GroupName,
    Name: schedule.Name,
    ScheduleExpression: schedule.ScheduleExpression,
    ScheduleExpressionTimezone: schedule.ScheduleExpressionTimezone,
    StartDate: seconds(schedule.StartDate),
    EndDate: seconds(schedule.EndDate),
    Description: schedule.Description,
    State: schedule.State,
    CreationDate: seconds(schedule.CreationDate),
    LastModificationDate: seconds(schedule.LastModificationDate),
    KmsKeyArn: schedule.KmsKeyArn,
    Target: schedule.Target,
    FlexibleTimeWindow: schedule.FlexibleTimeWindow,
    ActionAfterCompletion: schedule.ActionAfterCompletion,
  };
}

function scheduleSummary(schedule: Schedule): Json {
  return {
    Arn: schedule.Arn,
    Name: schedule.Name,
    GroupName: schedule.GroupName,
    State: schedule.State,
    CreationDate: seconds(schedule.CreationDate),
    LastModificationDate: seconds(schedule.LastModificationDate),
    Target: { Arn: schedule.Target.Arn },
  };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

// ---------------------------------------------------------------------------------------------
// Dispatcher: timers and invocations.

interface Delivery {
  ok: boolean;
  attempts: number;
  error?: string;
  exhaustedBy?: "MaximumRetryAttempts" | "MaximumEventAgeInSeconds" | "Shutdown";
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

class Dispatcher {
  readonly fired: FireRecord[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly queueUrls = new Map<string, string>();
  private readonly shutdown = new AbortController();
  private readonly sqs: SQSClient;
  /** When each schedule fires: its due time plus, in AWS-like mode, a random lateness. */
  private readonly fireAt = new WeakMap<Schedule, number>();

  /** `claim` returns whether `schedule` is still current, removing it when it ends on firing. */
  constructor(
    sqsEndpoint: string,
    region: string,
    private readonly claim: (schedule: Schedule) => boolean,
    private readonly lateMs = 0,
  ) {
    // One attempt per send: retries are the schedule's own policy, applied below.
    this.sqs = new SQSClient({
      endpoint: sqsEndpoint,
      region,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
  }

  /** (Re)arms the timer of `schedule`, replacing any earlier one under the same key. */
  plan(schedule: Schedule): void {
    const key = scheduleKey(schedule.GroupName, schedule.Name);
    this.cancel(key);
    if (schedule.State === "DISABLED" || this.shutdown.signal.aborted) return;
    const fireAt = this.fireAt.get(schedule) ?? schedule.dueAt + Math.random() * this.lateMs;
    this.fireAt.set(schedule, fireAt);
    // An at() time already in the past gives a delay of 0: the emulator fires it at once.
    const wait = Math.max(0, fireAt - Date.now());
    const timer =
      wait > MAX_TIMER_MS
        ? setTimeout(() => this.plan(schedule), MAX_TIMER_MS)
        : setTimeout(() => this.onDue(key, schedule), wait);
    timer.unref();
    this.timers.set(key, timer);
  }

  cancel(key: string): void {
    const timer = this.timers.get(key);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(key);
  }

  async stop(): Promise<void> {
    this.shutdown.abort();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
    this.sqs.destroy();
  }

  private onDue(key: string, schedule: Schedule): void {
    this.timers.delete(key);
    // Timers may wake a millisecond early; AWS never fires before the due instant.
    if (Date.now() < (this.fireAt.get(schedule) ?? schedule.dueAt)) {
      this.plan(schedule);
      return;
    }
    if (!this.claim(schedule)) return;
    const invocation = this.invoke(schedule).finally(() => this.running.delete(invocation));
    this.running.add(invocation);
  }

  private async invoke(schedule: Schedule): Promise<void> {
    const firedAt = Date.now();
    const body = schedule.Target.Input ?? DEFAULT_INPUT;
    const delivery = await this.deliver(schedule, body);
    const deadLetter = schedule.Target.DeadLetterConfig;
    if (!delivery.ok && deadLetter !== undefined) {
      await this.sendToDeadLetter(deadLetter.Arn, schedule, body, delivery);
    }
    this.fired.push({
      name: schedule.Name,
      group: schedule.GroupName,
      dueAt: schedule.dueAt,
      firedAt,
      ok: delivery.ok,
      ...(delivery.error === undefined ? {} : { error: delivery.error }),
      attempts: delivery.attempts,
    });
  }

  /** Sends with retries: delays of 100 ms · 2^n, at most MAX_RETRIES or the policy's count. */
  private async deliver(schedule: Schedule, body: string): Promise<Delivery> {
    const policy = schedule.Target.RetryPolicy;
    const retries = Math.min(policy?.MaximumRetryAttempts ?? MAX_RETRIES, MAX_RETRIES);
    const maxAgeMs = (policy?.MaximumEventAgeInSeconds ?? 86_400) * 1000;
    const groupId = schedule.Target.SqsParameters?.MessageGroupId;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(schedule.Target.Arn, body, groupId);
        return { ok: true, attempts: attempt };
      } catch (error) {
        const exhaustedBy = this.exhaustion(attempt, retries, schedule.dueAt + maxAgeMs);
        if (exhaustedBy !== undefined) {
          return { ok: false, attempts: attempt, error: describeError(error), exhaustedBy };
        }
      }
      await pause(RETRY_BASE_MS * 2 ** (attempt - 1), this.shutdown.signal);
    }
  }

  private exhaustion(attempt: number, retries: number, deadline: number): Delivery["exhaustedBy"] {
    if (this.shutdown.signal.aborted) return "Shutdown";
    if (attempt > retries) return "MaximumRetryAttempts";
    if (Date.now() >= deadline) return "MaximumEventAgeInSeconds";
    return undefined;
  }

  /** The dead-letter message is the Input, with attributes modelled on AWS's dead-letter event. */
  private async sendToDeadLetter(
    arn: string,
    schedule: Schedule,
    body: string,
    delivery: Delivery,
  ) {
    const text = (value: string): MessageAttributeValue => ({
      DataType: "String",
      StringValue: value,
    });
    try {
      await this.send(arn, body, undefined, {
        ERROR_CODE: text("TargetDeliveryError"),
        ERROR_MESSAGE: text(delivery.error ?? "unknown"),
        EXHAUSTED_RETRY_CONDITION: text(delivery.exhaustedBy ?? "MaximumRetryAttempts"),
        RETRY_ATTEMPTS: { DataType: "Number", StringValue: String(delivery.attempts - 1) },
        SCHEDULE_ARN: text(schedule.Arn),
        TARGET_ARN: text(schedule.Target.Arn),
      });
    } catch (error) {
      delivery.error = `${delivery.error}; dead-letter queue: ${describeError(error)}`;
    }
  }

  private async send(
    queueArn: string,
    body: string,
    groupId: string | undefined,
    attributes?: Record<string, MessageAttributeValue>,
  ): Promise<void> {
    const abortSignal = this.shutdown.signal;
    try {
      const QueueUrl = await this.queueUrl(queueArn, abortSignal);
      await this.sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: body,
          MessageGroupId: groupId,
          MessageAttributes: attributes,
        }),
        { abortSignal },
      );
    } catch (error) {
      this.queueUrls.delete(queueArn); // the queue may have been deleted or recreated
      throw new TargetDeliveryError(queueArn, { cause: error });
    }
  }

  private async queueUrl(queueArn: string, abortSignal: AbortSignal): Promise<string> {
    const cached = this.queueUrls.get(queueArn);
    if (cached !== undefined) return cached;
    const QueueName = validateSqsArn(queueArn, "queue ARN");
    const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName }), {
      abortSignal,
    });
    if (QueueUrl === undefined) throw new Error(`GetQueueUrl returned no URL for ${QueueName}`);
    this.queueUrls.set(queueArn, QueueUrl);
    return QueueUrl;
  }
}

// ---------------------------------------------------------------------------------------------
// The API: one method per operation.

interface ApiRequest {
  method: string;
  path: string;
  /** Path segments, percent-decoded. */
  segments: string[];
  query: URLSearchParams;
  body: Json;
}

class SchedulerApi {
  private readonly groups = new Map<string, Group>();
  private readonly schedules = new Map<string, Schedule>();
  readonly dispatcher: Dispatcher;

  constructor(
    private readonly region: string,
    sqsEndpoint: string,
    lateMs = 0,
  ) {
    this.dispatcher = new Dispatcher(
      sqsEndpoint,
      region,
      (schedule) => this.claim(schedule),
      lateMs,
    );
    const now = Date.now();
    this.groups.set(DEFAULT_GROUP, {
      Name: DEFAULT_GROUP,
      Arn: this.groupArn(DEFAULT_GROUP),
      CreationDate: now,
      LastModificationDate: now,
      Tags: [],
    });
  }

  handle(request: ApiRequest): Json {
    const { method, segments, query, body } = request;
    const [resource, name, ...rest] = segments;
    if (rest.length === 0) {
      const route = `${method} /${resource ?? ""}${name === undefined ? "" : "/{}"}`;
      switch (route) {
        case "GET /schedule-groups":
          return this.listGroups(query);
        case "POST /schedule-groups/{}":
          return this.createGroup(name ?? "", body);
        case "GET /schedule-groups/{}":
          return groupSummary(this.group(name ?? ""));
        case "DELETE /schedule-groups/{}":
          return this.deleteGroup(name ?? "");
        case "GET /schedules":
          return this.listSchedules(query);
        case "POST /schedules/{}":
          return this.createSchedule(name ?? "", body);
        case "GET /schedules/{}":
          return scheduleDetails(this.schedule(query.get("groupName"), name ?? ""));
        case "PUT /schedules/{}":
          return this.updateSchedule(name ?? "", body);
        case "DELETE /schedules/{}":
          return this.deleteSchedule(query.get("groupName"), name ?? "");
        case "GET /tags/{}":
          return { Tags: this.taggedGroup(name ?? "").Tags };
        case "POST /tags/{}":
          return this.tag(name ?? "", body);
        case "DELETE /tags/{}":
          return this.untag(name ?? "", query.getAll("TagKeys"));
      }
    }
    throw new UnknownOperationError(method, request.path);
  }

  // Groups

  private createGroup(name: string, body: Json): Json {
    validateName(name, "name");
    if (this.groups.has(name)) throw new ConflictError(`Schedule group ${name} already exists.`);
    const now = Date.now();
    const group = {
      Name: name,
      Arn: this.groupArn(name),
      CreationDate: now,
      LastModificationDate: now,
      Tags: parseTags(body),
    };
    this.groups.set(name, group);
    return { ScheduleGroupArn: group.Arn };
  }

  private deleteGroup(name: string): Json {
    const group = this.group(name);
    if (group.Name === DEFAULT_GROUP)
      throw new ValidationError("The default schedule group cannot be deleted.");
    for (const [key, schedule] of this.schedules) {
      if (schedule.GroupName !== name) continue;
      this.dispatcher.cancel(key);
      this.schedules.delete(key);
    }
    this.groups.delete(name);
    return {};
  }

  private listGroups(query: URLSearchParams): Json {
    const prefix = query.get("NamePrefix") ?? "";
    const matching = [...this.groups.values()].filter((group) => group.Name.startsWith(prefix));
    const { page, NextToken } = paginate(matching, (group) => group.Name, query);
    return { ScheduleGroups: page.map(groupSummary), NextToken };
  }

  private group(name: string): Group {
    const group = this.groups.get(name);
    if (group === undefined)
      throw new ResourceNotFoundError(`Schedule group ${name} does not exist.`);
    return group;
  }

  private groupArn(name: string): string {
    return `arn:aws:scheduler:${this.region}:${ACCOUNT_ID}:schedule-group/${name}`;
  }

  // Tags (schedule groups only, as in AWS)

  private taggedGroup(arn: string): Group {
    const group = [...this.groups.values()].find((candidate) => candidate.Arn === arn);
    if (group === undefined) throw new ResourceNotFoundError(`Resource ${arn} does not exist.`);
    return group;
  }

  private tag(arn: string, body: Json): Json {
    const group = this.taggedGroup(arn);
    group.Tags = mergeTags(group.Tags, parseTags(body));
    return {};
  }

  private untag(arn: string, keys: string[]): Json {
    const group = this.taggedGroup(arn);
    group.Tags = group.Tags.filter((tag) => !keys.includes(tag.Key));
    return {};
  }

  // Schedules

  private createSchedule(name: string, body: Json): Json {
    validateName(name, "name");
    const groupName = this.groupNameOf(body.GroupName);
    this.group(groupName);
    const key = scheduleKey(groupName, name);
    if (this.schedules.has(key)) throw new ConflictError(`Schedule ${name} already exists.`);
    const now = Date.now();
    const schedule: Schedule = {
      ...parseScheduleSpec(body),
      Name: name,
      GroupName: groupName,
      Arn: this.scheduleArn(groupName, name),
      CreationDate: now,
      LastModificationDate: now,
    };
    this.store(schedule);
    return { ScheduleArn: schedule.Arn };
  }

  private updateSchedule(name: string, body: Json): Json {
    validateName(name, "name");
    const current = this.schedule(this.groupNameOf(body.GroupName), name);
    const schedule: Schedule = {
      ...parseScheduleSpec(body),
      Name: current.Name,
      GroupName: current.GroupName,
      Arn: current.Arn,
      CreationDate: current.CreationDate,
      LastModificationDate: Date.now(),
    };
    this.store(schedule);
    return { ScheduleArn: schedule.Arn };
  }

  private deleteSchedule(groupName: string | null, name: string): Json {
    const schedule = this.schedule(groupName, name);
    const key = scheduleKey(schedule.GroupName, schedule.Name);
    this.dispatcher.cancel(key);
    this.schedules.delete(key);
    return {};
  }

  private listSchedules(query: URLSearchParams): Json {
    const group = query.get("ScheduleGroup");
    const prefix = query.get("NamePrefix") ?? "";
    const state = optionalEnum(Object.fromEntries(query), "State", ["ENABLED", "DISABLED"]);
    const matching = [...this.schedules.values()].filter(
      (schedule) =>
        (group === null || schedule.GroupName === group) &&
        schedule.Name.startsWith(prefix) &&
        (state === undefined || schedule.State === state),
    );
    const { page, NextToken } = paginate(
      matching,
      (schedule) => scheduleKey(schedule.GroupName, schedule.Name),
      query,
    );
    return { Schedules: page.map(scheduleSummary), NextToken };
  }

  private schedule(groupName: string | null, name: string): Schedule {
    const group = this.groupNameOf(groupName ?? undefined);
    validateName(name, "name");
    const schedule = this.schedules.get(scheduleKey(group, name));
    if (schedule === undefined) throw new ResourceNotFoundError(`Schedule ${name} does not exist.`);
    return schedule;
  }

  private groupNameOf(value: unknown): string {
    if (value === undefined || value === null) return DEFAULT_GROUP;
    if (typeof value !== "string")
      throw constraintError("groupName", value, "Member must be a string");
    return validateName(value, "groupName");
  }

  private scheduleArn(group: string, name: string): string {
    return `arn:aws:scheduler:${this.region}:${ACCOUNT_ID}:schedule/${group}/${name}`;
  }

  private store(schedule: Schedule): void {
    this.schedules.set(scheduleKey(schedule.GroupName, schedule.Name), schedule);
    this.dispatcher.plan(schedule);
  }

  /** Called as a schedule fires: false if it was replaced or deleted meanwhile. */
  private claim(schedule: Schedule): boolean {
    const key = scheduleKey(schedule.GroupName, schedule.Name);
    if (this.schedules.get(key) !== schedule) return false;
    if (schedule.ActionAfterCompletion === "DELETE") this.schedules.delete(key);
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

async function readBody(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ValidationError("The request body is not valid JSON.", { cause: error });
  }
  if (!isObject(parsed)) throw new ValidationError("The request body must be a JSON object.");
  return parsed;
}

function decodeSegments(pathname: string): string[] {
  try {
    return pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch (error) {
    throw new ValidationError(`Malformed path ${pathname}`, { cause: error });
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: Json,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomUUID(),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: unknown) {
  const known = error instanceof SchedulerApiError;
  const type = known ? error.errorType : "InternalServerException";
  const message = known ? error.message : `Unexpected error: ${describeError(error)}`;
  sendJson(res, known ? error.status : 500, { Message: message }, { "x-amzn-errortype": type });
}

function requestHandler(api: SchedulerApi) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = new URL(req.url ?? "/", "http://scheduler.local");
      const request: ApiRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        segments: decodeSegments(url.pathname),
        query: url.searchParams,
        body: await readBody(req),
      };
      sendJson(res, 200, api.handle(request));
    } catch (error) {
      sendError(res, error);
    }
  };
}

/** Starts the emulator on 127.0.0.1 (port 0, the default, picks a free one). */
export async function startScheduler(options: StartSchedulerOptions): Promise<SchedulerEmulator> {
  const api = new SchedulerApi(options.region ?? "us-east-1", options.sqsEndpoint, options.lateMs);
  const server = createServer(requestHandler(api));
  const port = await listen(server, options.port ?? 0);
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    await api.dispatcher.stop();
    await close(server);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    fired: api.dispatcher.fired,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
