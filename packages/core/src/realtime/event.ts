import type { Info } from "../notification/model";
import * as z from "../zod";

/**
 * Real-time fan-out. Every status change is published once, on one channel whose name carries
 * tenant, recipient and notification:
 *
 *   herald:<tenant>:n:<recipient>:<notification>
 *
 * so a recipient's feed (`herald:<tenant>:n:<recipient>:*`), one notification
 * (`herald:<tenant>:n:*:<id>`) and the whole tenant (`herald:<tenant>:n:*`) are all pattern
 * subscriptions over the same single PUBLISH. Ids are base64url-encoded in the name, so no id
 * can contain a separator or a glob character and reach into another's channel.
 */

export interface Event {
  /** `<updated_at>|<notification id>`: orders events and lets a feed resume after one. */
  event_id: string;
  type: "notification.updated";
  tenant_id: string;
  notification: Info;
}

const NO_RECIPIENT = "-";

export function encode(part: string): string {
  return Buffer.from(part).toString("base64url");
}

export function channelOf(tenantId: string, recipientId: string | undefined, id: string): string {
  return `herald:${encode(tenantId)}:n:${recipientId ? encode(recipientId) : NO_RECIPIENT}:${encode(id)}`;
}

export const patterns = {
  recipient: (tenantId: string, recipientId: string) =>
    `herald:${encode(tenantId)}:n:${encode(recipientId)}:*`,
  notification: (tenantId: string, id: string) => `herald:${encode(tenantId)}:n:*:${encode(id)}`,
  tenant: (tenantId: string) => `herald:${encode(tenantId)}:n:*`,
};

export function eventOf(tenantId: string, notification: Info): Event {
  return {
    event_id: `${notification.updated_at}|${notification.id}`,
    type: "notification.updated",
    tenant_id: tenantId,
    notification,
  };
}

/** An event id as `eventOf` makes them: an ISO 8601 UTC instant, `|`, a notification id. */
const EVENT_ID = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z\|[\w-]{1,64}$/;
export const EventId = z
  .string()
  .check(z.maxLength(200), z.regex(EVENT_ID, "an event id from the feed"));

/** The instant an event id carries. */
export function instantOf(eventId: string): Date {
  return new Date(eventId.slice(0, eventId.indexOf("|")));
}

export function byEventId(a: Event, b: Event): number {
  return a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0;
}

/** A published message that has the shape of an event, or undefined. */
export function parseEvent(message: unknown): Event | undefined {
  const value = typeof message === "string" ? safeJson(message) : message;
  if (typeof value !== "object" || value === null) return undefined;
  const event = value as Partial<Event>;
  const notification = event.notification as Partial<Info> | undefined;
  if (
    typeof event.event_id !== "string" ||
    event.type !== "notification.updated" ||
    typeof event.tenant_id !== "string" ||
    typeof notification?.id !== "string" ||
    typeof notification.status !== "string"
  ) {
    return undefined;
  }
  return event as Event;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** One server-sent event for a feed event. Ids and JSON hold no line breaks. */
export function sseEvent(event: Event): string {
  return `id: ${event.event_id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** An SSE comment line: ignored by clients, keeps proxies and idle timers from closing. */
export function sseComment(text: string): string {
  return `: ${text}\n\n`;
}

/** How long a client should wait before reconnecting (the SSE `retry:` field). */
export function sseRetry(ms: number): string {
  return `retry: ${Math.round(ms)}\n\n`;
}
