import { PinpointSMSVoiceV2Client } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { once } from "../once";

/**
 * End User Messaging SMS (the service id is "Pinpoint SMS Voice V2"); see ./clients.ts for why
 * one module per client.
 */
export const sms = /* @__PURE__ */ once(() => new PinpointSMSVoiceV2Client({}));
