import * as z from "zod";

/** How long a rotated-out secret keeps signing besides the new one (the webhook channel and status callbacks). */
export const OverlapSeconds = z
  .number()
  .int()
  .min(0)
  .max(7 * 86_400)
  .default(86_400)
  .describe("How long the previous secret keeps signing besides the new one (default a day)");
