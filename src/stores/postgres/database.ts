/**
 * The connection side of the PostgreSQL stores: the pool (the store's own,
 * or the application's), the schema migrated once on first use, and every
 * query's failure translated at one place.
 */
import pg, { type Pool, type QueryResultRow } from "pg";
import { guarded, type StoreName } from "../shared/unavailable.js";
import { migrate, quote } from "./migrations.js";
import type { ParsedPostgresOptions } from "./options.js";

export class PgDatabase {
  readonly pool: Pool;
  /** The quoted schema, ready to prefix table names. */
  readonly schema: string;
  readonly #name: string;
  readonly #store: StoreName;
  readonly #owned: boolean;
  readonly #migrateOnUse: boolean;
  #ready: Promise<void> | undefined;

  constructor(options: ParsedPostgresOptions, store: StoreName) {
    this.#store = store;
    this.#name = options.schema;
    this.schema = quote(options.schema);
    this.#migrateOnUse = options.migrate;
    this.#owned = options.pool === undefined;
    this.pool = options.pool ?? ownPool(options);
  }

  /** Brings the schema up to date now (deploy scripts call this; otherwise the first query does). */
  async migrate(): Promise<void> {
    await guarded(this.#store, () => migrate(this.pool, this.#name));
  }

  async query<R extends QueryResultRow>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    return guarded(this.#store, async () => {
      await this.#whenReady();
      return this.pool.query<R>(sql, params as unknown[]);
    });
  }

  async close(): Promise<void> {
    if (this.#owned) await this.pool.end();
  }

  #whenReady(): Promise<void> {
    if (!this.#migrateOnUse) return Promise.resolve();
    // One migration per store; a failed one (database down) is tried again by the next call.
    this.#ready ??= migrate(this.pool, this.#name).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }
}

function ownPool(options: ParsedPostgresOptions): Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectTimeoutMs,
    query_timeout: options.queryTimeoutMs,
    max: options.maxConnections,
  });
  // An idle client losing its server emits 'error' on the pool; without a
  // listener that event kills the process. The next query reports the outage.
  pool.on("error", () => undefined);
  return pool;
}
