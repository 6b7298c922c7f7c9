/**
 * A map that keeps at most `limit` entries, dropping the least recently used
 * first: reading an entry (`get`) or writing it (`set`) makes it the most
 * recent. What every bounded in-memory cache here needs (verified keys,
 * exchanged tokens, group lookups) — a Map's insertion order does the work.
 */
export class LruMap<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #limit: number;

  constructor(limit: number) {
    if (!(Number.isInteger(limit) && limit > 0))
      throw new TypeError("LruMap: limit must be a positive integer");
    this.#limit = limit;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value under `key`, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** Stores `value` as the most recently used, dropping the least recently used beyond the limit. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
