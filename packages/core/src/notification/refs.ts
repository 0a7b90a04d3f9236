import * as z from "zod";

/** Input fields the notification verbs share. */
export const TenantId = z.string().min(1).max(64);
export const IdempotencyKey = z.string().min(1).max(255);
export const NotificationId = z.string().min(1).max(64);
