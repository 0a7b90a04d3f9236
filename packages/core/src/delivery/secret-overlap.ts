import * as z from "../zod";

/** How long a rotated-out secret keeps signing besides the new one (the webhook channel and status callbacks). */
export const OverlapSeconds = z
  ._default(z.int().check(z.gte(0), z.lte(7 * 86_400)), 86_400)
  .check(
    z.describe("How long the previous secret keeps signing besides the new one (default a day)"),
  );
