/**
 * A per-container cache with a time to live: what a container read from the table is reused for
 * `ttl` milliseconds, so a hot path does not repeat a read whose answer rarely changes. Another
 * container's change reaches this one within the TTL (the bound each user documents); a change
 * this container makes is `set` or `forget`. Concurrent loads of one key share a single read.
 *
 *   const settings = cached(60_000, (tenantId: string) => Store.read(tenantId));
 *   await settings(tenantId); settings.forget(tenantId);
 */
export interface Cached<K, V> {
  /** The cached value when younger than the TTL, else a fresh load (remembered). */
  (key: K): Promise<V>;
  /** Remember a value known to be current (this container just wrote it). */
  set(key: K, value: V): void;
  /** Drop a key: the next call loads it. */
  forget(key: K): void;
  /** The last value loaded or set, whatever its age (undefined when none). */
  peek(key: K): V | undefined;
}

export function cached<K, V>(
  /** Milliseconds, or a function read on every call (tunable settings). */
  ttl: number | (() => number),
  load: (key: K) => Promise<V>,
  /** The map key, when `K` is not a string. */
  keyOf: (key: K) => string = String,
): Cached<K, V> {
  const entries = new Map<string, { at: number; value: V }>();
  const loading = new Map<string, Promise<V>>();
  const ttlMs = typeof ttl === "number" ? () => ttl : ttl;
  const get = async (key: K): Promise<V> => {
    const id = keyOf(key);
    const hit = entries.get(id);
    if (hit && Date.now() - hit.at < ttlMs()) return hit.value;
    const pending = loading.get(id);
    if (pending) return pending;
    const read = load(key)
      .then((value) => {
        entries.set(id, { at: Date.now(), value });
        return value;
      })
      .finally(() => loading.delete(id));
    loading.set(id, read);
    return read;
  };
  return Object.assign(get, {
    set: (key: K, value: V) => {
      entries.set(keyOf(key), { at: Date.now(), value });
    },
    forget: (key: K) => {
      entries.delete(keyOf(key));
    },
    peek: (key: K) => entries.get(keyOf(key))?.value,
  });
}
