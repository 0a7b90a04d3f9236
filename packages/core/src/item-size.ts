/**
 * DynamoDB's item size rules (on the document client's unmarshalled values): what a write is
 * billed on, in 1 KB units, and what is stored. Dependency-free, so the bench's meter uses the
 * same rules as the store's decisions.
 */

/** DynamoDB's size of one attribute value (document-client values). */
export function valueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === "boolean") return 1;
  if (typeof value === "string") return Buffer.byteLength(value);
  if (typeof value === "number" || typeof value === "bigint") {
    const digits = String(value)
      .replace(/^-/, "")
      .replace(/e.*$/i, "")
      .replace(".", "")
      .replace(/^0+/, "")
      .replace(/0+$/, "");
    return 1 + Math.ceil(Math.max(1, digits.length) / 2);
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + valueBytes(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueBytes(v), 0);
  if (typeof value === "object") {
    return (
      3 +
      Object.entries(value).reduce(
        (sum, [name, v]) => sum + Buffer.byteLength(name) + 1 + valueBytes(v),
        0,
      )
    );
  }
  return 0;
}

/** DynamoDB's size of an item: attribute names and values, which is what a write is billed on. */
export function itemBytes(record: Record<string, unknown>): number {
  let sum = 0;
  for (const [name, value] of Object.entries(record)) {
    if (value !== undefined) sum += Buffer.byteLength(name) + valueBytes(value);
  }
  return sum;
}
