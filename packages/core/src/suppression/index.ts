import { ValidationError } from "../error";
import { log } from "../log";
import type { Entry } from "./manage";
import * as Store from "./store";

/**
 * Suppression: addresses a tenant's email must not go to, because they bounced hard or their
 * owner complained. Added automatically from provider feedback; a send to a suppressed address
 * is refused at acceptance (400 `recipient_suppressed`), so it costs no provider call. Removing
 * an entry (DELETE) lets the address receive mail again. This module is what sending and feedback
 * use; the API's verbs and their schemas (list, get, remove) are ./manage.
 */

/** Addresses compare case-insensitively (as mailbox providers treat them in practice). */
export function normalize(address: string): string {
  return address.trim().toLowerCase();
}

/** Put an address on the list (again: the latest reason wins). */
export async function add(
  tenantId: string,
  entry: Omit<Entry, "created_at" | "address"> & { address: string },
) {
  const address = normalize(entry.address);
  await Store.put(tenantId, { ...entry, address, created_at: new Date().toISOString() });
  log.info("suppressed", { address, reason: entry.reason });
}

/** Refuse a send to a suppressed address. */
export async function assertNotSuppressed(tenantId: string, address: string) {
  const entry = await Store.find(tenantId, normalize(address));
  if (entry) {
    throw new ValidationError(
      "recipient_suppressed",
      `${entry.address} is on the suppression list (${entry.reason}); DELETE /v1/suppressions/${encodeURIComponent(entry.address)} to send to it again`,
      { address: entry.address, reason: entry.reason },
    );
  }
}
