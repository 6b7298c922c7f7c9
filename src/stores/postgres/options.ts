import { parseConfig } from "idswitch";
import type { Pool } from "pg";
import { z } from "zod";

/**
 * Options of `postgresLinkStore` and `postgresStateStore`.
 *
 * @example
 * import { Pool } from "pg";
 * const pool = new Pool({ connectionString: env.DATABASE_URL });
 * pool.on("error", (err) => log.warn("postgres idle client", { err })); // without a listener, node-postgres crashes the process
 * const options: PostgresStoreOptions = { pool }; // borrowed: the store's close() leaves it open for the app
 * const links = postgresLinkStore(options);
 */
export type PostgresStoreOptions = (
  | {
      /**
       * A pool the application owns: the store borrows it and `close()` leaves
       * it open. Give it an `error` listener — idle clients report a server
       * restart as an event, and node-postgres crashes a process without one.
       */
      readonly pool: Pool;
      readonly connectionString?: undefined;
    }
  | {
      /** `postgres://user:password@host:5432/db`: the store makes its own pool and `close()` ends it. */
      readonly connectionString: string;
      readonly pool?: undefined;
    }
) & {
  /** The schema holding idswitch's tables (default `"idswitch"`); created if missing. */
  readonly schema?: string | undefined;
  /**
   * Bring the schema up to date on first use (default true). With false, the
   * application calls `migrate()` itself — at deploy time, say — and a store
   * used before that fails.
   */
  readonly migrate?: boolean | undefined;
  /** For the store's own pool: how long to wait for a connection (default 5000 ms). */
  readonly connectTimeoutMs?: number | undefined;
  /** For the store's own pool: how long one query may take (default 10000 ms). */
  readonly queryTimeoutMs?: number | undefined;
  /** For the store's own pool: the most connections it opens (default 10). */
  readonly maxConnections?: number | undefined;
};

// A plain identifier, so it can be quoted into SQL safely and means the same in every tool.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

const schema = z
  .strictObject({
    pool: z
      .custom<Pool>((v) => typeof v === "object" && v !== null && "query" in v, "must be a pg Pool")
      .optional(),
    connectionString: z.string().min(1).optional(),
    schema: z
      .string()
      .regex(IDENTIFIER, "must be a lower-case SQL identifier (a-z, 0-9, _; at most 63 characters)")
      .optional(),
    migrate: z.boolean().optional(),
    connectTimeoutMs: z.number().int().positive().optional(),
    queryTimeoutMs: z.number().int().positive().optional(),
    maxConnections: z.number().int().positive().optional(),
  })
  .refine((o) => (o.pool === undefined) !== (o.connectionString === undefined), {
    message: "give exactly one of pool or connectionString",
    path: ["pool"],
  });

export interface ParsedPostgresOptions {
  readonly pool: Pool | undefined;
  readonly connectionString: string | undefined;
  readonly schema: string;
  readonly migrate: boolean;
  readonly connectTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly maxConnections: number;
}

export function parsePostgresOptions(input: PostgresStoreOptions, prefix: string): ParsedPostgresOptions {
  const parsed = parseConfig(schema, input, prefix);
  return {
    pool: parsed.pool,
    connectionString: parsed.connectionString,
    schema: parsed.schema ?? "idswitch",
    migrate: parsed.migrate ?? true,
    connectTimeoutMs: parsed.connectTimeoutMs ?? 5000,
    queryTimeoutMs: parsed.queryTimeoutMs ?? 10_000,
    maxConnections: parsed.maxConnections ?? 10,
  };
}
