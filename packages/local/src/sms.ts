import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { close, HOST, listen, readBody } from "./net";

/**
 * Herald's local stand-in for AWS End User Messaging SMS (`PinpointSMSVoiceV2`). It speaks the
 * awsJson1_0 protocol the SDK uses (`POST /`, `x-amz-target: PinpointSMSVoiceV2.<Operation>`,
 * JSON bodies, errors as `{"__type", "message"}` plus `x-amzn-errortype`), implements
 * `SendTextMessage` only, and records every accepted message instead of sending it. Signatures
 * are not checked. Point the SDK at it with `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`. `receipt`
 * builds the event record a configuration set's event destination publishes about an accepted
 * message (hand it to `feedback.publish`), with the request's `Context` in `context`, as the
 * service does (https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-format.html).
 */

export interface SmsMessage {
  messageId: string;
  destination: string;
  body: string;
  /** Epoch milliseconds when the stand-in accepted it. */
  at: number;
  originationIdentity?: string;
  messageType?: string;
  configurationSet?: string;
  context?: Record<string, string>;
}

export type SmsFailure = "throttled" | "validation" | "server";

/** An SMS event record, as End User Messaging publishes it to an event destination. */
export interface SmsEvent {
  eventType: string;
  eventVersion: "1.0";
  eventTimestamp: number;
  isFinal: boolean;
  originationPhoneNumber?: string;
  destinationPhoneNumber: string;
  isInternationalSend: boolean;
  messageId: string;
  messageRequestTimestamp: number;
  messageEncoding: "GSM" | "UCS2";
  messageType: string;
  messageStatus: string;
  messageStatusDescription: string;
  /** The request's `Context`, when it had one. */
  context?: Record<string, string>;
  totalMessageParts: number;
}

/** The `messageStatus` and description of each event type `receipt` builds. */
const RECEIPTS = {
  TEXT_QUEUED: { status: "QUEUED", description: "Message is queued", final: false },
  TEXT_SUCCESSFUL: {
    status: "SUCCESSFUL",
    description: "Message has been accepted by phone carrier",
    final: false,
  },
  TEXT_DELIVERED: {
    status: "DELIVERED",
    description: "Message has been accepted by phone",
    final: true,
  },
  TEXT_CARRIER_UNREACHABLE: {
    status: "CARRIER_UNREACHABLE",
    description: "The carrier could not be reached",
    final: true,
  },
  TEXT_BLOCKED: { status: "BLOCKED", description: "The phone blocked the message", final: true },
  TEXT_INVALID: { status: "INVALID", description: "Invalid destination number", final: true },
  TEXT_TTL_EXPIRED: {
    status: "TTL_EXPIRED",
    description: "The message could not be delivered in its time to live",
    final: true,
  },
} satisfies Record<string, { status: string; description: string; final: boolean }>;

export type SmsReceipt = keyof typeof RECEIPTS;

export interface SmsEmulator {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Accepted messages, oldest first. */
  messages: ReadonlyArray<SmsMessage>;
  /**
   * Fail the next `count` requests: `throttled` → 400 ThrottlingException (the SDK retries it),
   * `validation` → 400 ValidationException, `server` → 500 InternalServerException.
   */
  failNext(count: number, error: SmsFailure): void;
  /**
   * The event record End User Messaging publishes about an accepted message (`TEXT_DELIVERED`,
   * `TEXT_CARRIER_UNREACHABLE`, ... see RECEIPTS); throws for a message id it never answered.
   */
  receipt(messageId: string, eventType: SmsReceipt, now?: Date): SmsEvent;
  stop(): Promise<void>;
}

const TARGET_PREFIX = "PinpointSMSVoiceV2.";
const CONTENT_TYPE = "application/x-amz-json-1.0";
const MAX_BODY_BYTES = 1024 * 1024;
/** E.164: a plus sign, then up to 15 digits, the first not zero. */
const E164 = /^\+[1-9]\d{1,14}$/;
const MAX_MESSAGE_LENGTH = 1600;
const MESSAGE_TYPES = ["TRANSACTIONAL", "PROMOTIONAL"];

/** An error answered in the service's own shape. */
class SmsServiceError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "SmsServiceError";
  }
}

const FAILURES: Record<SmsFailure, () => SmsServiceError> = {
  throttled: () => new SmsServiceError("ThrottlingException", 400, "Rate exceeded"),
  validation: () =>
    new SmsServiceError("ValidationException", 400, "Simulated validation failure", {
      Reason: "OTHER",
    }),
  server: () =>
    new SmsServiceError("InternalServerException", 500, "Simulated internal error", {
      RequestId: randomUUID(),
    }),
};

function invalid(message: string, field: string): SmsServiceError {
  return new SmsServiceError("ValidationException", 400, message, {
    Reason: "INVALID_PARAMETER",
    Fields: [{ Name: field, Message: message }],
  });
}

interface State {
  messages: SmsMessage[];
  failures: SmsFailure[];
}

export async function startSms(opts: { port?: number } = {}): Promise<SmsEmulator> {
  const state: State = { messages: [], failures: [] };
  const server = createServer((req, res) => {
    handle(state, req, res).catch((error: unknown) => sendError(res, error));
  });
  const port = await listen(server, opts.port ?? 0);
  return {
    url: `http://${HOST}:${port}`,
    messages: state.messages,
    failNext(count, error) {
      for (let i = 0; i < count; i++) state.failures.push(error);
    },
    receipt(messageId, eventType, now = new Date()) {
      const message = state.messages.find((each) => each.messageId === messageId);
      const kind = RECEIPTS[eventType];
      if (!message) throw new Error(`the SMS stand-in accepted no message ${messageId}`);
      return {
        eventType,
        eventVersion: "1.0",
        eventTimestamp: now.getTime(),
        isFinal: kind.final,
        originationPhoneNumber: message.originationIdentity,
        destinationPhoneNumber: message.destination,
        isInternationalSend: false,
        messageId,
        messageRequestTimestamp: message.at,
        // GSM 03.38's basic set, roughly: anything else is sent as UCS-2.
        messageEncoding: /^[\x20-\x7e\n\r]*$/.test(message.body) ? "GSM" : "UCS2",
        messageType: message.messageType ?? "TRANSACTIONAL",
        messageStatus: kind.status,
        messageStatusDescription: kind.description,
        ...(message.context ? { context: message.context } : {}),
        totalMessageParts: 1,
      };
    },
    stop: () => close(server),
  };
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse) {
  const raw = await readBody(req, MAX_BODY_BYTES);
  if (!raw) throw new SmsServiceError("ValidationException", 413, "Request body too large");
  const body = raw.toString("utf8");
  const target = req.headers["x-amz-target"]?.toString() ?? "";
  if (req.method !== "POST" || !target.startsWith(TARGET_PREFIX)) {
    throw new SmsServiceError("UnknownOperationException", 400, "Expected an x-amz-target header");
  }
  const failure = state.failures.shift();
  if (failure) throw FAILURES[failure]();
  const operation = target.slice(TARGET_PREFIX.length);
  if (operation !== "SendTextMessage") {
    throw new SmsServiceError(
      "UnknownOperationException",
      400,
      `${operation} is not supported here`,
    );
  }
  const message = acceptTextMessage(parseRequest(body));
  state.messages.push(message);
  sendJson(res, 200, { MessageId: message.messageId });
}

function parseRequest(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body || "{}");
  } catch (error) {
    throw new SmsServiceError("SerializationException", 400, `Invalid JSON: ${String(error)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SmsServiceError("SerializationException", 400, "Expected a JSON object");
  }
  return value as Record<string, unknown>;
}

function optionalString(request: Record<string, unknown>, field: string): string | undefined {
  const value = request[field];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalid(`${field} must be a string`, field);
  return value;
}

function contextOf(request: Record<string, unknown>): Record<string, string> | undefined {
  const value = request.Context;
  if (value === undefined) return undefined;
  const valid =
    typeof value === "object" &&
    value !== null &&
    Object.values(value).every((entry) => typeof entry === "string");
  if (!valid) throw invalid("Context must map strings to strings", "Context");
  return value as Record<string, string>;
}

function acceptTextMessage(request: Record<string, unknown>): SmsMessage {
  const destination = optionalString(request, "DestinationPhoneNumber") ?? "";
  if (!E164.test(destination)) {
    throw invalid("DestinationPhoneNumber must be in E.164 format", "DestinationPhoneNumber");
  }
  const body = optionalString(request, "MessageBody") ?? "";
  if (body.length === 0 || body.length > MAX_MESSAGE_LENGTH) {
    throw invalid(`MessageBody must be 1 to ${MAX_MESSAGE_LENGTH} characters`, "MessageBody");
  }
  const messageType = optionalString(request, "MessageType");
  if (messageType !== undefined && !MESSAGE_TYPES.includes(messageType)) {
    throw invalid(`MessageType must be one of ${MESSAGE_TYPES.join(", ")}`, "MessageType");
  }
  return {
    messageId: randomUUID(),
    destination,
    body,
    at: Date.now(),
    originationIdentity: optionalString(request, "OriginationIdentity"),
    messageType,
    configurationSet: optionalString(request, "ConfigurationSetName"),
    context: contextOf(request),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers = {}) {
  res.writeHead(status, {
    "content-type": CONTENT_TYPE,
    "x-amzn-requestid": randomUUID(),
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: unknown) {
  const known =
    error instanceof SmsServiceError
      ? error
      : new SmsServiceError("InternalServerException", 500, String(error));
  sendJson(
    res,
    known.status,
    { __type: known.type, message: known.message, ...known.extra },
    { "x-amzn-errortype": known.type },
  );
}
