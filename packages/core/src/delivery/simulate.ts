import type { FeedbackEvent, Info } from "../notification/model";
import {
  PermanentDeliveryError,
  PushSubscriptionGoneError,
  TransientDeliveryError,
} from "./errors";
import type { Delivery, Outcome } from "./provider";

/**
 * Test keys (`hrld_test_…`): the worker calls this instead of the channel's provider, so a test
 * notification runs the whole pipeline (queues, scheduler, retries, statuses, feed) but never
 * reaches SES, End User Messaging, a push service or a webhook. Reserved recipients choose the
 * outcome, matching SES's mailbox simulator for email:
 *
 * | channel | recipient                                                   | outcome                                  |
 * | email   | success@ / ooto@simulator.amazonses.com (and any other)     | sent, then delivered                     |
 * | email   | bounce@ / suppressionlist@simulator.amazonses.com           | sent, then bounced (hard)                |
 * | email   | complaint@simulator.amazonses.com                           | sent, delivered, then complained         |
 * | sms     | +447700900002                                               | sent, then failed (carrier)              |
 * | sms     | +447700900003                                               | temporary failure, then sent, delivered  |
 * | sms     | any other number                                            | sent, then delivered                     |
 * | push    | endpoint path ending /gone                                  | failed subscription_gone (404/410)       |
 * | push, webhook | endpoint path ending /temporary-failure               | temporary failure, then success          |
 * | push, webhook | endpoint path ending /permanent-failure               | failed                                   |
 * | push    | any other                                                   | sent                                     |
 * | webhook | any other                                                   | delivered                                |
 *
 * Labels (`bounce+x@simulator.amazonses.com`) count as their mailbox. In-app has no provider:
 * its own delivery runs as usual.
 */

const SIMULATOR = /^([a-z]+)(\+[^@]*)?@simulator\.amazonses\.com$/i;
export const SMS_PERMANENT_FAILURE = "+447700900002";
export const SMS_TEMPORARY_FAILURE = "+447700900003";

function report(
  status: FeedbackEvent["status"],
  provider: FeedbackEvent["provider"],
  detail: string,
  extra: Partial<FeedbackEvent> = {},
): FeedbackEvent {
  const now = new Date().toISOString();
  return { status, at: now, received_at: now, provider, detail, ...extra };
}

function emailReports(address: string): FeedbackEvent[] {
  const delivered = report("delivered", "ses", "250 2.6.0 Message received (simulated)");
  switch (SIMULATOR.exec(address)?.[1]?.toLowerCase()) {
    case "bounce":
      return [
        report("bounced", "ses", "Permanent/General: smtp; 550 5.1.1 user unknown", {
          bounce_type: "hard",
        }),
      ];
    case "suppressionlist":
      return [
        report("bounced", "ses", "Permanent/OnSuppressionList: address on the suppression list", {
          bounce_type: "hard",
        }),
      ];
    case "complaint":
      return [delivered, report("complained", "ses", "abuse")];
    default:
      return [delivered];
  }
}

function lastSegment(url: string | undefined): string {
  try {
    return new URL(url ?? "").pathname.split("/").filter(Boolean).at(-1) ?? "";
  } catch {
    return "";
  }
}

function endpointOutcome(url: string | undefined, attempt: number, channel: string) {
  const segment = lastSegment(url);
  if (segment === "temporary-failure" && attempt === 1) {
    throw new TransientDeliveryError(`${channel}: simulated temporary failure (503)`);
  }
  if (segment === "permanent-failure") {
    throw new PermanentDeliveryError(`${channel}: simulated permanent failure (400)`);
  }
  return segment;
}

/** The simulated provider: an outcome and the reports to play back, or a delivery error. */
export async function simulate({ notification, attempt }: Delivery): Promise<Outcome> {
  const messageId = `test_${notification.id}_${attempt}`;
  const { recipient } = notification;
  switch (notification.channel) {
    case "email":
      return {
        status: "sent",
        providerMessageId: messageId,
        simulated: emailReports(recipient.email ?? ""),
      };
    case "sms": {
      if (recipient.phone === SMS_TEMPORARY_FAILURE && attempt === 1) {
        throw new TransientDeliveryError("sms: simulated throttling (temporary failure)");
      }
      const failed = recipient.phone === SMS_PERMANENT_FAILURE;
      return {
        status: "sent",
        providerMessageId: messageId,
        simulated: [
          failed
            ? report("failed", "sms", "CARRIER_UNREACHABLE: simulated carrier failure")
            : report("delivered", "sms", "DELIVERED: simulated"),
        ],
      };
    }
    case "push": {
      const segment = endpointOutcome(recipient.push_subscription?.endpoint, attempt, "push");
      if (segment === "gone") {
        throw new PushSubscriptionGoneError("push: simulated push service answered 410");
      }
      return { status: "sent", providerMessageId: messageId };
    }
    case "webhook":
      endpointOutcome(recipient.webhook_url, attempt, "webhook");
      return { status: "delivered", providerMessageId: messageId };
    default:
      throw new Error(`no simulation for ${notification.channel}`);
  }
}

/** Whether a notification is simulated (in-app has no provider to spare, so it runs as usual). */
export function isSimulated(notification: Info): boolean {
  return notification.test === true && notification.channel !== "in_app";
}
