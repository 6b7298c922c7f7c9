import { parseConfig } from "idswitch";
import { z } from "zod";

/**
 * Options of `sqliteLinkStore` and `sqliteStateStore`.
 *
 * @example
 * // The processes of one machine share the file; a write waits this long for another's to finish.
 * const links = sqliteLinkStore({ path: "./data/idswitch.db", busyTimeoutMs: 10_000 });
 */
export interface SqliteStoreOptions {
  /**
   * The database file; created (with its schema) on first use, mode 0600, in a
   * folder made 0700 if missing. `":memory:"` gives a private, throw-away database.
   */
  readonly path: string;
  /** How long a write waits for another process's write to finish before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number | undefined;
}

/** The options every SQLite store takes; a store with more extends it. */
export const sqliteOptionsSchema = z.strictObject({
  path: z.string().min(1),
  busyTimeoutMs: z.number().int().nonnegative().default(5000),
});

export function parseSqliteOptions(
  input: SqliteStoreOptions,
  prefix: string,
): { path: string; busyTimeoutMs: number } {
  return parseConfig(sqliteOptionsSchema, input, prefix);
}
