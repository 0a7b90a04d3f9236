import { SESv2Client } from "@aws-sdk/client-sesv2";
import { once } from "../once";

/** The SES v2 client (see ./clients.ts for why one module per client). */
export const ses = /* @__PURE__ */ once(() => new SESv2Client({}));
