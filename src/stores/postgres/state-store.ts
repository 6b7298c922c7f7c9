/**
 * The StateStore on PostgreSQL, for deployments that already run it and
 * would rather not add Redis. Every operation is one statement, so it is
 * atomic across instances: `DELETE … RETURNING` takes, `INSERT … ON CONFLICT
 * DO UPDATE … WHERE` adds only over nothing (or over an expired row), and
 * `UPDATE … WHERE value = $expected` compares and sets.
 *
 * Time is the database server's clock, not each instance's, so instances
 * with skewed clocks still agree on what has expired. Expired rows are
 * ignored on read and swept now and then on write. No publish/subscribe:
 * instances poll.
 */
import type { SetOptions, StateStore, StateValue } from "idswitch";
import { decode, encode, stepOf, ttlOf } from "../shared/state-values.js";
import { PgDatabase } from "./database.js";
import { type PostgresStoreOptions, parsePostgresOptions } from "./options.js";

/** The server's clock in epoch milliseconds (clock_timestamp: the time now, not the transaction's start). */
const NOW = "(extract(epoch from clock_timestamp()) * 1000)::bigint";
const SWEEP_EVERY = 500;

/**
 * A StateStore on PostgreSQL, plus `migrate()`.
 *
 * @example
 * // One database for links and state, no Redis to run. Instances poll: there is no publish/subscribe.
 * const state = postgresStateStore({ pool });
 * const identity = createIdentity({ providers, links: postgresLinkStore({ pool }), state });
 */
export interface PostgresStateStore extends StateStore {
  /** Creates or upgrades the schema now (for deploy-time migration with `migrate: false`). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/**
 * An expiring key-value StateStore in a PostgreSQL schema (default `idswitch`).
 *
 * @example
 * import { postgresStateStore } from "idswitch/stores/postgres";
 * const state = postgresStateStore({ pool });
 */
export function postgresStateStore(options: PostgresStoreOptions): PostgresStateStore {
  return new PgStateStore(
    new PgDatabase(parsePostgresOptions(options, "postgresStateStore"), "postgres state store"),
  );
}

class PgStateStore implements PostgresStateStore {
  readonly #db: PgDatabase;
  readonly #table: string;
  readonly #live: string;
  #writes = 0;

  constructor(db: PgDatabase) {
    this.#db = db;
    this.#table = `${db.schema}.state`;
    this.#live = `(${this.#table}.expires_at IS NULL OR ${this.#table}.expires_at > ${NOW})`;
  }

  migrate(): Promise<void> {
    return this.#db.migrate();
  }

  async get<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    const { rows } = await this.#db.query<{ value: string }>(
      `SELECT value FROM ${this.#table} WHERE key = $1 AND ${this.#live}`,
      [key],
    );
    return decode<T>(rows[0]?.value);
  }

  async set(key: string, value: StateValue, options?: SetOptions): Promise<void> {
    const text = encode(value);
    const ttl = ttlOf(options);
    await this.#db.query(
      `INSERT INTO ${this.#table} (key, value, expires_at) VALUES ($1, $2, ${NOW} + $3::bigint)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
      [key, text, ttl ?? null],
    );
    await this.#sweepSometimes();
  }

  async delete(key: string): Promise<void> {
    await this.#db.query(`DELETE FROM ${this.#table} WHERE key = $1`, [key]);
  }

  async add(key: string, value: StateValue, options?: SetOptions): Promise<boolean> {
    const text = encode(value);
    const ttl = ttlOf(options);
    const inserted = await this.#insertOverNothing(key, text, ttl);
    await this.#sweepSometimes();
    return inserted;
  }

  async take<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    const { rows } = await this.#db.query<{ value: string; live: boolean }>(
      `DELETE FROM ${this.#table} WHERE key = $1 RETURNING value, ${this.#live} AS live`,
      [key],
    );
    const row = rows[0];
    return row?.live ? decode<T>(row.value) : undefined;
  }

  async increment(key: string, options: SetOptions & { readonly by?: number } = {}): Promise<number> {
    const step = stepOf(options.by);
    const ttl = ttlOf(options);
    // float8 is JavaScript's number, and its text form is the shortest that
    // reads back exactly: what JSON.stringify would have written.
    const numeric = `${this.#table}.value ~ '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$'`;
    const { rows } = await this.#db.query<{ value: string }>(
      `INSERT INTO ${this.#table} (key, value, expires_at) VALUES ($1, ($2::float8)::text, ${NOW} + $3::bigint)
       ON CONFLICT (key) DO UPDATE SET
         value = CASE WHEN ${this.#live} AND ${numeric}
                      THEN (${this.#table}.value::float8 + $2::float8)::text ELSE excluded.value END,
         -- the window belongs to the counter's creation: a live counter keeps its expiry
         expires_at = CASE WHEN ${this.#live} THEN ${this.#table}.expires_at ELSE excluded.expires_at END
       RETURNING value`,
      [key, step, ttl ?? null],
    );
    await this.#sweepSometimes();
    return Number(rows[0]?.value);
  }

  async compareAndSet(
    key: string,
    expected: StateValue | undefined,
    next: StateValue,
    options?: SetOptions,
  ): Promise<boolean> {
    const text = encode(next);
    const ttl = ttlOf(options);
    if (expected === undefined) return this.#insertOverNothing(key, text, ttl);
    // Stored text is JSON.stringify output, so text equality is the memory store's JSON equality.
    const result = await this.#db.query(
      `UPDATE ${this.#table} SET value = $3, expires_at = ${NOW} + $4::bigint
       WHERE key = $1 AND value = $2 AND ${this.#live}`,
      [key, encode(expected), text, ttl ?? null],
    );
    return (result.rowCount ?? 0) > 0;
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  /** Inserts unless a live row holds the key; an expired row is taken over. */
  async #insertOverNothing(key: string, text: string, ttl: number | undefined): Promise<boolean> {
    const result = await this.#db.query(
      `INSERT INTO ${this.#table} (key, value, expires_at) VALUES ($1, $2, ${NOW} + $3::bigint)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
       WHERE NOT ${this.#live}`,
      [key, text, ttl ?? null],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async #sweepSometimes(): Promise<void> {
    if (++this.#writes % SWEEP_EVERY !== 0) return;
    await this.#db.query(`DELETE FROM ${this.#table} WHERE expires_at <= ${NOW}`);
  }
}
