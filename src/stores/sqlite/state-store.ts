/**
 * The StateStore on a SQLite file: expiring state shared by the processes of
 * one machine (several workers behind one port), without a Redis.
 *
 * Expiry is checked on read against the clock (injectable, like the memory
 * store's), and expired rows are swept now and then on write. Each atomic
 * operation is one statement (`DELETE … RETURNING`, `INSERT … ON CONFLICT`)
 * or one `BEGIN IMMEDIATE` transaction, so it is atomic across processes.
 * No publish/subscribe: other processes poll.
 */
import { parseConfig, type SetOptions, type StateStore, type StateValue } from "idswitch";
import { clockSchema } from "../../core/schemas.js";
import { decode, encode, stepOf, ttlOf } from "../shared/state-values.js";
import { guarded } from "../shared/unavailable.js";
import { LazyDatabase } from "./database.js";
import { type SqliteStoreOptions, sqliteOptionsSchema } from "./options.js";

const STORE = "sqlite state store";
/** Sweep expired rows once per this many writes: cheap, and bounds the dead rows kept. */
const SWEEP_EVERY = 500;

/**
 * Options of {@link sqliteStateStore}: those of every SQLite store, and a clock.
 *
 * @example
 * // Tests move the clock instead of waiting for expiry.
 * let now = Date.now();
 * const state = sqliteStateStore({ path: ":memory:", now: () => now });
 */
export interface SqliteStateStoreOptions extends SqliteStoreOptions {
  /** Clock in epoch milliseconds (tests inject one). */
  readonly now?: (() => number) | undefined;
}

const schema = sqliteOptionsSchema.extend({ now: clockSchema.optional() });

/**
 * An expiring key-value StateStore in one SQLite file.
 *
 * @example
 * import { sqliteStateStore } from "idswitch/stores/sqlite";
 * const state = sqliteStateStore({ path: "./data/state.db" });
 */
export function sqliteStateStore(options: SqliteStateStoreOptions): StateStore & {
  /** Closes the database or connection; the store is unusable afterwards. */
  close(): Promise<void>;
} {
  const parsed = parseConfig(schema, options, "sqliteStateStore");
  const db = new LazyDatabase({ path: parsed.path, busyTimeoutMs: parsed.busyTimeoutMs });
  return new SqliteStateStore(db, parsed.now ?? Date.now);
}

const LIVE = "(expires_at IS NULL OR expires_at > ?)";

class SqliteStateStore implements StateStore {
  readonly #db: LazyDatabase;
  readonly #now: () => number;
  #writes = 0;

  constructor(db: LazyDatabase, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  async get<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    return guarded(STORE, () => decode<T>(this.#read(key)));
  }

  async set(key: string, value: StateValue, options?: SetOptions): Promise<void> {
    const text = encode(value);
    const ttl = ttlOf(options);
    return guarded(STORE, () => {
      this.#write(key, text, this.#expiry(ttl));
    });
  }

  async delete(key: string): Promise<void> {
    return guarded(STORE, () => {
      this.#db.prepare("DELETE FROM idswitch_state WHERE key = ?").run(key);
    });
  }

  async add(key: string, value: StateValue, options?: SetOptions): Promise<boolean> {
    const text = encode(value);
    const ttl = ttlOf(options);
    return guarded(STORE, () => {
      const now = this.#now();
      // One statement: insert, or take over a row that has expired but not yet been swept.
      const result = this.#db
        .prepare(
          `INSERT INTO idswitch_state (key, value, expires_at) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
           WHERE idswitch_state.expires_at IS NOT NULL AND idswitch_state.expires_at <= ?`,
        )
        .run(key, text, ttl === undefined ? null : now + ttl, now);
      this.#sweepSometimes();
      return result.changes > 0;
    });
  }

  async take<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    return guarded(STORE, () => {
      const row = this.#db
        .prepare("DELETE FROM idswitch_state WHERE key = ? RETURNING value, expires_at")
        .get(key) as { value: string; expires_at: number | null } | undefined;
      if (!row || (row.expires_at !== null && row.expires_at <= this.#now())) return undefined;
      return decode<T>(row.value);
    });
  }

  async increment(key: string, options: SetOptions & { readonly by?: number } = {}): Promise<number> {
    const step = stepOf(options.by);
    const ttl = ttlOf(options);
    return guarded(STORE, () =>
      this.#db
        .get()
        .transaction((): number => {
          const row = this.#live(key);
          const current = row === undefined ? undefined : decode(row.value);
          const next = (typeof current === "number" ? current : 0) + step;
          // The time to live belongs to the counter's creation (a fixed window).
          this.#write(key, encode(next), row ? row.expires_at : this.#expiry(ttl));
          return next;
        })
        .immediate(),
    );
  }

  async compareAndSet(
    key: string,
    expected: StateValue | undefined,
    next: StateValue,
    options?: SetOptions,
  ): Promise<boolean> {
    const want = expected === undefined ? undefined : encode(expected);
    const text = encode(next);
    const ttl = ttlOf(options);
    return guarded(STORE, () =>
      this.#db
        .get()
        .transaction((): boolean => {
          // Stored text is JSON.stringify output, so text equality is the memory store's JSON equality.
          if (this.#read(key) !== want) return false;
          this.#write(key, text, this.#expiry(ttl));
          return true;
        })
        .immediate(),
    );
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  #live(key: string): { value: string; expires_at: number | null } | undefined {
    return this.#db
      .prepare(`SELECT value, expires_at FROM idswitch_state WHERE key = ? AND ${LIVE}`)
      .get(key, this.#now()) as { value: string; expires_at: number | null } | undefined;
  }

  #read(key: string): string | undefined {
    return this.#live(key)?.value;
  }

  #write(key: string, text: string, expiresAt: number | null): void {
    this.#db
      .prepare("INSERT OR REPLACE INTO idswitch_state (key, value, expires_at) VALUES (?, ?, ?)")
      .run(key, text, expiresAt);
    this.#sweepSometimes();
  }

  #expiry(ttl: number | undefined): number | null {
    return ttl === undefined ? null : this.#now() + ttl;
  }

  #sweepSometimes(): void {
    if (++this.#writes % SWEEP_EVERY !== 0) return;
    this.#db.prepare("DELETE FROM idswitch_state WHERE expires_at <= ?").run(this.#now());
  }
}
