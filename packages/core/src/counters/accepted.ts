import type { DynamoDBRecord } from "aws-lambda";
import { batched, record } from "./index";

/**
 * The `accepted` and `skipped` counters, counted from the table's DynamoDB stream rather than
 * on the request path (`functions/counter.ts`; the event-source mapping's filter in
 * `functions/manifest.ts` hands it only INSERTs of notification items). Every notification a
 * send, a batch, a topic fan-out or a workflow step stores is one INSERT: that is what
 * `accepted` counts, in the hour of its `created_at`; `skipped` when it was stored skipped (the
 * recipient's preference). A replay (Idempotency-Key, a redone fan-out page) stores nothing and
 * counts nothing; status changes are MODIFYs and count nothing here (the workers count those).
 *
 * Best effort, as before: a failed counter write is logged, never thrown (`batched`), so the
 * batch is not retried into double counts. A crash mid-batch (timeout, out of memory) makes
 * Lambda retry the whole batch: counters written before the crash are then counted twice.
 */

type Image = NonNullable<NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"]>;

export interface Accepted {
  tenantId: string;
  channel: string;
  /** When it was stored (`created_at`): the hour it is counted in. */
  at: Date;
  /** Stored already skipped. */
  skipped: boolean;
}

/**
 * The notifications these records stored. A digest (the one message its held members become)
 * is no send of the tenant's: its members were counted when they were accepted, so it is not.
 */
export function acceptedIn(records: DynamoDBRecord[]): Accepted[] {
  const found: Accepted[] = [];
  for (const { eventName, dynamodb } of records) {
    const image = dynamodb?.NewImage;
    if (eventName !== "INSERT" || !image || text(image, "sk") !== "NTF" || image.digest) continue;
    const tenantId = text(image, "tenant_id");
    const channel = text(image, "channel");
    const created = text(image, "created_at");
    if (!tenantId || !channel || !created) continue;
    found.push({
      tenantId,
      channel,
      at: new Date(created),
      skipped: text(image, "status") === "skipped",
    });
  }
  return found;
}

/** Count a stream batch: one counter write per tenant, hour, channel and status it touched. */
export async function countAccepted(records: DynamoDBRecord[]): Promise<void> {
  await batched(async () => {
    for (const { tenantId, channel, at, skipped } of acceptedIn(records)) {
      await record(tenantId, channel, "accepted", at);
      if (skipped) await record(tenantId, channel, "skipped", at);
    }
  });
}

const text = (image: Image, name: string): string | undefined => image[name]?.S;
