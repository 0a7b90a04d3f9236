import * as z from "../zod";

/** Input fields the notification verbs share. */
export const TenantId = z.string().check(z.minLength(1), z.maxLength(64));
export const IdempotencyKey = z.string().check(z.minLength(1), z.maxLength(255));
export const NotificationId = z.string().check(z.minLength(1), z.maxLength(64));
