import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  GetQueueUrlCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { parseSendAt, zone as timeZone } from "@herald/core/schedule";
import { close, listen } from "./net";

/**
 * Herald's emulator of the Amazon EventBridge Scheduler REST API (the restJson1 protocol spoken by
 * `@aws-sdk/client-scheduler`), so production code runs unchanged against it with only
 * `AWS_ENDPOINT_URL_SCHEDULER` pointing here. Unlike a mock, one-time `at(...)` schedules really
 * fire at their due instant: the emulator sends `Target.Input` to the target SQS queue on the
 * local SQS server.
 *
 * It implements what Herald calls, with AWS's error shapes (so the real SDK raises the same
 * exceptions): CreateScheduleGroup (the local cloud's setup; `default` always exists), and
 * CreateSchedule, GetSchedule and DeleteSchedule for one-time schedules that target an SQS
 * queue, optionally with an SQS dead-letter queue. Other operations answer
 * UnknownOperationException; request fields Herald never sends (tags, State, Description,
 * Start/EndDate, KMS, RetryPolicy, SqsParameters, a FLEXIBLE window, ...) a ValidationException
 * that names them, so nothing is silently ignored.
 *
 * Emulator choices (where AWS is vaguer or slower):
 * - Only `at(yyyy-mm-ddThh:mm:ss)` expressions are accepted; `rate()` and `cron()` are rejected
 *   with a ValidationException.
 * - An `at()` time already in the past fires at once, so a schedule created "just too late"
 *   still delivers.
 * - Schedules fire at their due instant, unless {@link StartSchedulerOptions.lateMs} asks for
 *   AWS-like lateness (AWS invokes a one-time schedule up to about a minute after its time).
 * - With `ActionAfterCompletion: DELETE` the schedule is removed as its invocation starts, so no
 *   observer can receive the message and still find the schedule.
 * - Failed sends are retried {@link MAX_RETRIES} times (100 ms, 200 ms, 400 ms), not AWS's
 *   default 185 times over 24 hours, then go to the dead-letter queue.
 * - `ClientToken` idempotency and IAM (the `RoleArn` is required but not checked) are not
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
/** What AWS delivers to a templated target when a schedule has no `Input`. */
const DEFAULT_INPUT = "{}";
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

const NAME_PATTERN = /^[0-9a-zA-Z-_.]+$/;
const AT_PATTERN = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;
const RECURRING_PATTERN = /^(rate|cron)\(.*\)$/;
const SQS_ARN_PATTERN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:([a-zA-Z0-9_-]{1,80})$/;
const ARN_PATTERN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/;

/** The request fields each operation accepts (the SDK fills in `ClientToken` by itself). */
const SCHEDULE_FIELDS = [
  "ClientToken",
  "GroupName",
  "ScheduleExpression",
  "ScheduleExpressionTimezone",
  "FlexibleTimeWindow",
  "ActionAfterCompletion",
  "Target",
];
const TARGET_FIELDS = ["Arn", "RoleArn", "Input", "DeadLetterConfig"];
const GROUP_FIELDS = ["ClientToken"];

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
    super(
      "UnknownOperationException",
      404,
      `No operation matches ${method} ${path} (the Herald Scheduler emulator implements CreateScheduleGroup, CreateSchedule, GetSchedule and DeleteSchedule)`,
    );
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

interface Target {
  Arn: string;
  RoleArn: string;
  Input?: string;
  DeadLetterConfig?: { Arn: string };
}

interface Schedule {
  Name: string;
  GroupName: string;
  Arn: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  Target: Target;
  ActionAfterCompletion: "NONE" | "DELETE";
  CreationDate: number;
  /** The instant `ScheduleExpression` names, ms since the epoch. */
  dueAt: number;
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

/** Rejects fields the emulator does not implement rather than ignoring them. */
function onlyFields(body: Json, allowed: readonly string[], path: string) {
  const unsupported = Object.keys(body).filter((field) => !allowed.includes(field));
  if (unsupported.length > 0) {
    throw new ValidationError(
      `Unsupported field(s) ${unsupported.map((field) => `${path}${field}`).join(", ")}: the Herald Scheduler emulator implements only what Herald sends`,
    );
  }
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

function requiredObject(body: Json, field: string, path = field): Json {
  const value = body[field];
  if (value === undefined || value === null) {
    throw constraintError(path, null, "Member must not be null");
  }
  if (!isObject(value)) throw constraintError(path, value, "Member must be a structure");
  return value;
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
      `Invalid ${field} '${value}': the Herald Scheduler emulator only supports standard SQS queue ARNs (arn:aws:sqs:REGION:ACCOUNT:QUEUE)`,
    );
  }
  return match[1];
}

/**
 * The instant an `at(yyyy-mm-ddThh:mm:ss)` expression names, read as wall-clock time in `zone`
 * (UTC by default), resolved as Herald's planner resolves a local send time: a wall time that a
 * DST change skips moves forward by the gap, one it repeats is the earlier instant.
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
  try {
    // A wall time (only real clock readings and dates), as Herald's planner reads send_at.
    return parseSendAt(local, timeZone(zone ?? "UTC")).getTime();
  } catch {
    throw new ValidationError(`Invalid Schedule Expression ${expression}.`);
  }
}

function parseTimezone(body: Json): string | undefined {
  const zone = optionalString(body, "ScheduleExpressionTimezone", 1, 50);
  if (zone === undefined) return zone;
  try {
    timeZone(zone);
  } catch {
    throw new ValidationError(`Invalid time zone: ${zone}`);
  }
  return zone;
}

/** Herald always sends `{ Mode: "OFF" }`; a FLEXIBLE window is not emulated. */
function parseFlexibleTimeWindow(body: Json): void {
  const raw = requiredObject(body, "FlexibleTimeWindow", "flexibleTimeWindow");
  const mode = raw.Mode;
  if (mode === undefined || mode === null) {
    throw constraintError("flexibleTimeWindow.mode", null, "Member must not be null");
  }
  if (mode !== "OFF") {
    throw new ValidationError(
      `Unsupported FlexibleTimeWindow mode ${String(mode)}: the Herald Scheduler emulator supports OFF only`,
    );
  }
  onlyFields(raw, ["Mode"], "FlexibleTimeWindow.");
}

function parseActionAfterCompletion(body: Json): Schedule["ActionAfterCompletion"] {
  const value = body.ActionAfterCompletion;
  if (value === undefined || value === null) return "NONE";
  if (value !== "NONE" && value !== "DELETE") {
    throw constraintError(
      "actionAfterCompletion",
      value,
      "Member must satisfy enum value set: [NONE, DELETE]",
    );
  }
  return value;
}

function parseTarget(body: Json): Target {
  const raw = requiredObject(body, "Target", "target");
  onlyFields(raw, TARGET_FIELDS, "Target.");
  const target: Target = {
    Arn: requiredString(raw, "Arn", 1, 1600, "target.arn"),
    RoleArn: requiredString(raw, "RoleArn", 1, 1600, "target.roleArn"),
  };
  validateSqsArn(target.Arn, "Target.Arn");
  if (!ARN_PATTERN.test(target.RoleArn)) {
    throw new ValidationError(`Invalid RoleArn ${target.RoleArn}`);
  }
  const input = optionalString(raw, "Input", 1, 262_144, "target.input");
  if (input !== undefined) target.Input = input;
  if (raw.DeadLetterConfig !== undefined && raw.DeadLetterConfig !== null) {
    const deadLetter = requiredObject(raw, "DeadLetterConfig", "target.deadLetterConfig");
    const arn = requiredString(deadLetter, "Arn", 1, 1600, "target.deadLetterConfig.arn");
    validateSqsArn(arn, "DeadLetterConfig.Arn");
    target.DeadLetterConfig = { Arn: arn };
  }
  return target;
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
  exhaustedBy?: "MaximumRetryAttempts" | "Shutdown";
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

  /** `claim` returns whether `schedule` is still current, removing it when it ends on firing. */
  constructor(
    sqsEndpoint: string,
    region: string,
    private readonly claim: (schedule: Schedule) => boolean,
    private readonly lateMs = 0,
  ) {
    // One attempt per send: the emulator's own retries are applied below.
    this.sqs = new SQSClient({
      endpoint: sqsEndpoint,
      region,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
  }

  /** Arms the timer of `schedule`: its due time plus, in AWS-like mode, a random lateness. */
  plan(schedule: Schedule, fireAt = schedule.dueAt + Math.random() * this.lateMs): void {
    if (this.shutdown.signal.aborted) return;
    const key = scheduleKey(schedule.GroupName, schedule.Name);
    // An at() time already in the past gives a delay of 0: the emulator fires it at once.
    const wait = Math.max(0, fireAt - Date.now());
    const timer =
      wait > MAX_TIMER_MS
        ? setTimeout(() => this.plan(schedule, fireAt), MAX_TIMER_MS)
        : setTimeout(() => this.onDue(key, schedule, fireAt), wait);
    timer.unref();
    this.timers.set(key, timer);
  }

  cancel(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  async stop(): Promise<void> {
    this.shutdown.abort();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
    this.sqs.destroy();
  }

  private onDue(key: string, schedule: Schedule, fireAt: number): void {
    this.timers.delete(key);
    // Timers may wake a millisecond early; AWS never fires before the due instant.
    if (Date.now() < fireAt) {
      this.plan(schedule, fireAt);
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

  /** Sends with up to MAX_RETRIES retries, after 100 ms · 2^n. */
  private async deliver(schedule: Schedule, body: string): Promise<Delivery> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(schedule.Target.Arn, body);
        return { ok: true, attempts: attempt };
      } catch (error) {
        const exhaustedBy = this.shutdown.signal.aborted
          ? "Shutdown"
          : attempt > MAX_RETRIES
            ? "MaximumRetryAttempts"
            : undefined;
        if (exhaustedBy !== undefined) {
          return { ok: false, attempts: attempt, error: describeError(error), exhaustedBy };
        }
      }
      await pause(RETRY_BASE_MS * 2 ** (attempt - 1), this.shutdown.signal);
    }
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
      await this.send(arn, body, {
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
    attributes?: Record<string, MessageAttributeValue>,
  ): Promise<void> {
    const abortSignal = this.shutdown.signal;
    try {
      const QueueUrl = await this.queueUrl(queueArn, abortSignal);
      await this.sqs.send(
        new SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes: attributes }),
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

class SchedulerApi {
  private readonly groups = new Set<string>([DEFAULT_GROUP]);
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
  }

  handle(method: string, path: string, query: URLSearchParams, body: Json): Json {
    const [resource, name, ...rest] = decodeSegments(path);
    if (name !== undefined && rest.length === 0) {
      switch (`${method} /${resource}/{}`) {
        case "POST /schedule-groups/{}":
          return this.createGroup(name, body);
        case "POST /schedules/{}":
          return this.createSchedule(name, body);
        case "GET /schedules/{}":
          return scheduleDetails(this.schedule(query.get("groupName"), name));
        case "DELETE /schedules/{}":
          return this.deleteSchedule(query.get("groupName"), name);
      }
    }
    throw new UnknownOperationError(method, path);
  }

  private createGroup(name: string, body: Json): Json {
    validateName(name, "name");
    onlyFields(body, GROUP_FIELDS, "");
    if (this.groups.has(name)) throw new ConflictError(`Schedule group ${name} already exists.`);
    this.groups.add(name);
    return {
      ScheduleGroupArn: `arn:aws:scheduler:${this.region}:${ACCOUNT_ID}:schedule-group/${name}`,
    };
  }

  private createSchedule(name: string, body: Json): Json {
    validateName(name, "name");
    onlyFields(body, SCHEDULE_FIELDS, "");
    const groupName = this.groupNameOf(body.GroupName);
    if (!this.groups.has(groupName)) {
      throw new ResourceNotFoundError(`Schedule group ${groupName} does not exist.`);
    }
    const key = scheduleKey(groupName, name);
    if (this.schedules.has(key)) throw new ConflictError(`Schedule ${name} already exists.`);
    const expression = requiredString(body, "ScheduleExpression", 1, 256);
    const timezone = parseTimezone(body);
    const target = parseTarget(body);
    parseFlexibleTimeWindow(body);
    const schedule: Schedule = {
      Name: name,
      GroupName: groupName,
      Arn: `arn:aws:scheduler:${this.region}:${ACCOUNT_ID}:schedule/${groupName}/${name}`,
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: timezone,
      Target: target,
      ActionAfterCompletion: parseActionAfterCompletion(body),
      CreationDate: Date.now(),
      dueAt: dueInstant(expression, timezone),
    };
    this.schedules.set(key, schedule);
    this.dispatcher.plan(schedule);
    return { ScheduleArn: schedule.Arn };
  }

  private deleteSchedule(groupName: string | null, name: string): Json {
    const schedule = this.schedule(groupName, name);
    const key = scheduleKey(schedule.GroupName, schedule.Name);
    this.dispatcher.cancel(key);
    this.schedules.delete(key);
    return {};
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
    if (typeof value !== "string") {
      throw constraintError("groupName", value, "Member must be a string");
    }
    return validateName(value, "groupName");
  }

  /** Called as a schedule fires: false if it was deleted meanwhile. */
  private claim(schedule: Schedule): boolean {
    const key = scheduleKey(schedule.GroupName, schedule.Name);
    if (this.schedules.get(key) !== schedule) return false;
    if (schedule.ActionAfterCompletion === "DELETE") this.schedules.delete(key);
    return true;
  }
}

/** GetSchedule's answer; timestamps travel as epoch seconds (restJson1's default). */
function scheduleDetails(schedule: Schedule): Json {
  return {
    Arn: schedule.Arn,
    GroupName: schedule.GroupName,
    Name: schedule.Name,
    ScheduleExpression: schedule.ScheduleExpression,
    ScheduleExpressionTimezone: schedule.ScheduleExpressionTimezone,
    State: "ENABLED",
    CreationDate: schedule.CreationDate / 1000,
    LastModificationDate: schedule.CreationDate / 1000,
    Target: schedule.Target,
    FlexibleTimeWindow: { Mode: "OFF" },
    ActionAfterCompletion: schedule.ActionAfterCompletion,
  };
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

/** Starts the emulator on 127.0.0.1 (port 0, the default, picks a free one). */
export async function startScheduler(options: StartSchedulerOptions): Promise<SchedulerEmulator> {
  const api = new SchedulerApi(options.region ?? "us-east-1", options.sqsEndpoint, options.lateMs);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://scheduler.local");
      const body = await readBody(req);
      sendJson(res, 200, api.handle(req.method ?? "GET", url.pathname, url.searchParams, body));
    } catch (error) {
      sendError(res, error);
    }
  });
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
