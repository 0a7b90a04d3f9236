import type { Channel, Info } from "../notification/model";
import { sendEmail } from "./email";

export interface Outcome {
  status: "delivered" | "sent";
  providerMessageId?: string;
}

/** Sends one notification; throws PermanentDeliveryError or TransientDeliveryError. */
export type Provider = (notification: Info) => Promise<Outcome>;

export const providers: Record<Channel, Provider> = {
  email: sendEmail,
};
