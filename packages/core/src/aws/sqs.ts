import { SQSClient } from "@aws-sdk/client-sqs";
import { once } from "../once";

/** The SQS client (see ./clients.ts for why one module per client). */
export const sqs = /* @__PURE__ */ once(() => new SQSClient({}));
