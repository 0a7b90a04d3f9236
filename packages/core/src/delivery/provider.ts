import type { FeedbackEvent, Info, Recipient } from "../notification/model";
import { PermanentDeliveryError } from "./errors";

export interface Outcome {
  status: "delivered" | "sent";
  providerMessageId?: string;
  /** Test keys: the provider reports a simulation plays back after `sent`. */
  simulated?: FeedbackEvent[];
}

export interface Delivery {
  notification: Info;
  tenantId: string;
  /** 1 for the first try; webhooks tell receivers. */
  attempt: number;
}

/**
 * Sends one notification; throws PermanentDeliveryError or TransientDeliveryError. Each channel's
 * provider is a module of its own under ./providers, imported only by that channel's worker, so a
 * worker's bundle holds one provider and the AWS clients it calls, nothing else.
 */
export type Provider = (delivery: Delivery) => Promise<Outcome>;

/** The recipient's contact point for the channel; a notification without one cannot be sent. */
export function contact<Field extends keyof Recipient>(notification: Info, field: Field) {
  const value = notification.recipient[field];
  if (value === undefined) {
    throw new PermanentDeliveryError(`${notification.channel}: the recipient has no ${field}`);
  }
  return value as NonNullable<Recipient[Field]>;
}
