import { z } from "zod";
import { parseStoreOptions } from "../shared/options.js";

/** Options of `sqliteLinkStore` and `sqliteStateStore`. */
export interface SqliteStoreOptions {
  /** The database file; created (with its schema) on first use. `":memory:"` gives a private, throw-away database. */
  readonly path: string;
  /** How long a write waits for another process's write to finish before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number | undefined;
}

const schema = z.strictObject({
  path: z.string().min(1),
  busyTimeoutMs: z.number().int().nonnegative().optional(),
});

export function parseSqliteOptions(
  input: SqliteStoreOptions,
  prefix: string,
): { path: string; busyTimeoutMs: number } {
  const parsed = parseStoreOptions(schema, input, prefix);
  return { path: parsed.path, busyTimeoutMs: parsed.busyTimeoutMs ?? 5000 };
}
