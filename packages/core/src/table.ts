/**
 * The one DynamoDB table, declared once: the store modules build their keys from it,
 * `stacks/storage.ts` creates it in AWS and the local cloud creates it in dynalite. Generic key
 * attributes (single-table design); every GSI is sparse and keyed `<name>pk`/`<name>sk`
 * (strings). gsi1 and gsi2 project keys only: a status write changes no key of theirs, so
 * DynamoDB writes nothing to them (with every attribute projected, each of a notification's
 * three writes also rewrote them); their listings read the items from the table. gsi3, the
 * inbox, projects everything: its unread count filters on the index, and it is written only
 * for in-app messages.
 *
 * Dependency-free, so the stacks can import it. Who uses which keys (each entity's store module owns its own):
 *
 *   notification  pk NTF#<tenant>#<id>               sk NTF            (notification/store.ts)
 *                 gsi1 TNT#<tenant>                 <created_at>#<id> (tenant listing)
 *                 gsi2 RCP#<tenant>#<recipient>      <created_at>#<id> (recipient history)
 *                 gsi3 BOX#<tenant>#<recipient>      <delivered_at>#<id> (in-app inbox)
 *   body          pk NTF#<tenant>#<id>               sk BODY#<content hash> (notification/store.ts:
 *                 a notification's content over a KB, brotli in `data`; no index keys)
 *   profile       pk RCP#<tenant>#<recipient>       sk PROFILE        (recipient/store.ts)
 *   preferences   pk RCP#<tenant>#<recipient>       sk PREFS          (recipient/store.ts)
 *   API key       pk KEY#<sha256 of the key>        sk KEY            (tenant/store.ts)
 *   counters      pk MET#<tenant>                   sk <hour>#<channel>#<status> (counters/store.ts)
 *   endpoint      pk EPT#<tenant>                   sk EP#<origin>    (delivery/endpoint-store.ts)
 *   template      pk TPL#<tenant>#<id>              sk HEAD | V#<version> (template/store.ts)
 *   callback      pk CBK#<tenant>                   sk <callback id>  (callback/store.ts)
 *   webhook secret pk WHS#<tenant>                  sk SECRET         (delivery/webhook-secret-store.ts)
 *   subscriber    pk TOP#<tenant>#<topic>           sk SUB#<recipient> (topic/store.ts)
 *   topic send    pk TOP#<tenant>#<topic>           sk SND#<id>       (topic/store.ts: request, checkpoint)
 *   workflow      pk WFL#<tenant>#<id>              sk WFL            (workflow/store.ts)
 *   spend         pk BUD#<tenant>                   sk <YYYY-MM>#<channel> (workflow/store.ts)
 *   throttle      pk THR#<tenant>#<recipient>#<category> sk <period start> | test#<period start> (digest/store.ts)
 */
export const schema = {
  partitionKey: "pk",
  sortKey: "sk",
  indexes: {
    gsi1: { partitionKey: "gsi1pk", sortKey: "gsi1sk", projection: "keys-only" },
    gsi2: { partitionKey: "gsi2pk", sortKey: "gsi2sk", projection: "keys-only" },
    gsi3: { partitionKey: "gsi3pk", sortKey: "gsi3sk", projection: "all" },
  },
  /**
   * Epoch seconds after which DynamoDB may delete an item (within days of it, so a reader of
   * an item that can expire filters on it). No item sets it yet: retention is to come.
   */
  ttl: "expires_at",
  /**
   * The table's stream: each record carries the item as written (no old image). Read by the
   * counter function (`functions/manifest.ts` `counter`); the local cloud emulates it.
   */
  stream: "new-image",
} as const;

export type IndexName = keyof typeof schema.indexes;

/** Every key attribute, table and indexes (all strings). */
export const keyAttributes: string[] = [
  schema.partitionKey,
  schema.sortKey,
  ...Object.values(schema.indexes).flatMap((index) => [index.partitionKey, index.sortKey]),
];
