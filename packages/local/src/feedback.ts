import { randomUUID } from "node:crypto";
import type { Handler, SNSEvent } from "aws-lambda";
import { invoke, LOCAL_ACCOUNT_ID, LOCAL_REGION, lazy } from "./lambda";

/**
 * The local cloud's provider feedback: what SES's configuration-set event destination (and End
 * User Messaging's) publish to the Feedback SNS topic in AWS, handed to the same handler as SNS
 * events. It watches what the SES stand-in (aws-ses-v2-local) accepted and answers SES's mailbox
 * simulator addresses with the events real SES sends for them (labels such as
 * `bounce+anything@simulator.amazonses.com` too); mail to other addresses gets no events, as a
 * real inbox would answer nothing Herald could see here. Each event's `mail` carries the message's
 * tags in `mail.tags` (`{ name: [values] }`), as SES event publishing does: the SES stand-in keeps
 * none, so they come from the recording proxy in front of it (./ses.ts). `publish` hands any other
 * event (an SMS receipt from `sms.receipt`, a delivery delay built on `mailOf`) to the handler the
 * same way. A delivery the handler throws on is retried with backoff, as SNS retries a failing
 * Lambda subscriber.
 */

export interface FeedbackEmulator {
  /** Publish one message to the topic, as SES or End User Messaging would. */
  publish(message: unknown): Promise<void>;
  /** Events published so far (simulator answers and `publish`), oldest first. */
  published: ReadonlyArray<unknown>;
  /**
   * The `mail` object SES puts in every event about a message the stand-in accepted (timestamp,
   * source, messageId, destination, tags), for building other events; throws for an unknown id.
   */
  mailOf(messageId: string): Promise<SesMail>;
  stop(): Promise<void>;
}

const TOPIC_ARN = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:herald-local-feedback`;
const SIMULATOR = /^([a-z]+)(\+[^@]*)?@simulator\.amazonses\.com$/i;
const POLL_MS = 100;
const RETRIES = 8;

interface StoredEmail {
  messageId: string;
  from?: string;
  destination?: { to?: string[]; cc?: string[]; bcc?: string[] };
  at?: number;
}

/** The `mail` object of an SES event (the fields Herald's handler and tests look at). */
export interface SesMail {
  timestamp: string;
  source: string;
  messageId: string;
  destination: string[];
  /** The message's tags, `{ name: [values] }` (SES event publishing only). */
  tags: Record<string, string[]>;
}

function mailOf(
  email: StoredEmail,
  destination: string[],
  tags: Record<string, string[]> = {},
  now = new Date(),
): SesMail {
  return {
    timestamp: new Date(
      email.at ? (email.at < 1e12 ? email.at * 1000 : email.at) : now,
    ).toISOString(),
    source: email.from ?? "",
    messageId: email.messageId,
    destination,
    tags,
  };
}

/** The SES events real SES publishes for a mailbox simulator address, in order. */
export function simulatorEvents(
  email: StoredEmail,
  address: string,
  tags: Record<string, string[]> = {},
  now = new Date(),
): unknown[] {
  const kind = SIMULATOR.exec(address)?.[1]?.toLowerCase();
  if (!kind) return [];
  const stamp = now.toISOString();
  const mail = mailOf(email, [address], tags, now);
  const delivery = {
    eventType: "Delivery",
    mail,
    delivery: {
      timestamp: stamp,
      processingTimeMillis: 1,
      recipients: [address],
      smtpResponse: "250 2.6.0 Message received",
      reportingMTA: "a8-1.smtp-out.amazonses.com",
    },
  };
  const bounce = (subType: string, status: string, diagnosticCode: string) => ({
    eventType: "Bounce",
    mail,
    bounce: {
      bounceType: "Permanent",
      bounceSubType: subType,
      bouncedRecipients: [{ emailAddress: address, action: "failed", status, diagnosticCode }],
      timestamp: stamp,
      feedbackId: randomUUID(),
      reportingMTA: "dns; amazonses.com",
    },
  });
  switch (kind) {
    case "success":
    case "ooto":
      return [delivery];
    case "bounce":
      return [bounce("General", "5.1.1", "smtp; 550 5.1.1 user unknown")];
    case "suppressionlist":
      return [
        bounce(
          "OnSuppressionList",
          "5.1.1",
          "Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address.",
        ),
      ];
    case "complaint":
      return [
        delivery,
        {
          eventType: "Complaint",
          mail,
          complaint: {
            complainedRecipients: [{ emailAddress: address }],
            timestamp: stamp,
            feedbackId: randomUUID(),
            complaintFeedbackType: "abuse",
          },
        },
      ];
    default:
      return [];
  }
}

function snsEvent(message: unknown): SNSEvent {
  const id = randomUUID();
  return {
    Records: [
      {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: `${TOPIC_ARN}:${id}`,
        Sns: {
          Type: "Notification",
          MessageId: id,
          TopicArn: TOPIC_ARN,
          Subject: "",
          Message: JSON.stringify(message),
          Timestamp: new Date().toISOString(),
          SignatureVersion: "1",
          Signature: "",
          SigningCertUrl: "",
          UnsubscribeUrl: "",
          MessageAttributes: {},
        },
      },
    ],
  };
}

export function startFeedback(options: {
  sesUrl: string;
  /** The tags SES would publish with a message's events (the SES proxy's record). */
  tagsOf: (messageId: string) => Record<string, string[]> | undefined;
  handler: () => Promise<Handler<SNSEvent, void>>;
  onError: (error: unknown) => void;
}): FeedbackEmulator {
  const load = lazy(options.handler);
  const seen = new Set<string>();
  const published: unknown[] = [];
  const pending = new Set<Promise<void>>();
  let stopped = false;

  const deliver = async (message: unknown) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await invoke(await load(), snsEvent(message), {
          functionName: "herald-local-feedback",
          timeoutMs: 30_000,
        });
        return;
      } catch (error) {
        if (stopped) return;
        if (attempt >= RETRIES) {
          options.onError(error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
      }
    }
  };
  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
    return work;
  };
  const publish = (messages: unknown[]) =>
    track(
      (async () => {
        // One message after the other: a complaint follows its delivery.
        for (const message of messages) {
          published.push(message);
          await deliver(message);
        }
      })(),
    );

  // The stand-in stamps mail in whole seconds: ask only for what arrived since the last poll
  // began (a second of overlap; `seen` drops the repeats), so a poll stays cheap however much
  // mail the store holds.
  let since = 0;
  const poll = async () => {
    const started = Math.floor(Date.now() / 1000) - 1;
    const response = await fetch(`${options.sesUrl}/store${since ? `?since=${since}` : ""}`);
    const store = (await response.json()) as { emails?: StoredEmail[] };
    for (const email of store.emails ?? []) {
      if (seen.has(email.messageId)) continue;
      seen.add(email.messageId);
      const { to = [], cc = [], bcc = [] } = email.destination ?? {};
      const tags = options.tagsOf(email.messageId);
      const events = [...to, ...cc, ...bcc].flatMap((address) =>
        simulatorEvents(email, address, tags),
      );
      if (events.length > 0) void publish(events);
    }
    since = started;
  };
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    if (stopped) return;
    try {
      await poll();
    } catch (error) {
      if (!stopped) options.onError(error);
    }
    if (!stopped) timer = setTimeout(loop, POLL_MS);
  };
  timer = setTimeout(loop, POLL_MS);

  return {
    publish: (message) => publish([message]),
    published,
    mailOf: async (messageId) => {
      const response = await fetch(`${options.sesUrl}/store`);
      const store = (await response.json()) as { emails?: StoredEmail[] };
      const email = store.emails?.find((each) => each.messageId === messageId);
      if (!email) throw new Error(`the SES stand-in accepted no message ${messageId}`);
      const { to = [], cc = [], bcc = [] } = email.destination ?? {};
      return mailOf(email, [...to, ...cc, ...bcc], options.tagsOf(messageId));
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([...pending]);
    },
  };
}
