import * as z from "../zod";

/** Input fields the notification verbs share. */
export const TenantId = z.string().check(z.minLength(1), z.maxLength(64));
/** No NUL (nor can the header hold one): ids derived from a key join their parts with it. */
export const IdempotencyKey = z.string().check(
  z.minLength(1),
  z.maxLength(255),
  z.refine((key) => !key.includes("\u0000"), "no NUL character"),
);
export const NotificationId = z.string().check(z.minLength(1), z.maxLength(64));
