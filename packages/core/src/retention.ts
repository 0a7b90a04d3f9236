/**
 * How long Herald keeps a notification and its side items: DynamoDB TTL deletes an item some
 * time after its `expires_at` (epoch seconds), and reads treat an expired item as gone already.
 */
export const DEFAULT_RETENTION_DAYS = 30;

/** `expires_at` for something created at `createdAt`, kept `days` days. */
export function expiresAt(createdAt: string | Date, days = DEFAULT_RETENTION_DAYS): number {
  return Math.floor(new Date(createdAt).getTime() / 1000) + Math.round(days * 86_400);
}

/** Whether an item with this `expires_at` is past it (TTL deletes lazily, up to days later). */
export function expired(expires: unknown, now = new Date()): boolean {
  return typeof expires === "number" && expires * 1000 <= now.getTime();
}
