/**
 * The PostgreSQL schema, as an append-only list of versions, applied inside
 * one transaction under a transaction-scoped advisory lock: several app
 * instances starting at once migrate the schema exactly once, and a failed
 * migration leaves the previous version intact.
 *
 * Every text column is `COLLATE "C"`: byte order, the same order the
 * in-memory store pages in, whatever the database's locale.
 *
 * Never edit a shipped version: add the next one.
 */
import { IdSwitchError } from "idswitch";
import type { Pool } from "pg";

export interface Migration {
  readonly version: number;
  /** SQL with `{schema}` standing for the quoted schema name. */
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    // v1: links. The primary key (provider, tenant, subject) is the guarantee
    // the LinkStore contract rests on; seq orders ties in insertion order.
    version: 1,
    sql: `
      CREATE TABLE {schema}.links (
        provider text COLLATE "C" NOT NULL,
        tenant text COLLATE "C" NOT NULL,
        subject text COLLATE "C" NOT NULL,
        app_user_id text COLLATE "C" NOT NULL,
        method text NOT NULL,
        created_at bigint NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (provider, tenant, subject)
      );
      CREATE INDEX links_by_user ON {schema}.links (app_user_id, provider, tenant, subject);
    `,
  },
  {
    // v2: expiring state for the StateStore. Text, not jsonb: compare-and-set
    // compares the exact JSON text, as the in-memory store compares.
    version: 2,
    sql: `
      CREATE TABLE {schema}.state (
        key text COLLATE "C" PRIMARY KEY,
        value text NOT NULL,
        expires_at bigint
      );
      CREATE INDEX state_expiry ON {schema}.state (expires_at) WHERE expires_at IS NOT NULL;
    `,
  },
  {
    // v3: the binding decisions of authorities (routing.authority) about app users: durable,
    // one per (app user, authority), gone only when the authority says the account is enabled.
    version: 3,
    sql: `
      CREATE TABLE {schema}.authority_decisions (
        app_user_id text COLLATE "C" NOT NULL,
        provider text COLLATE "C" NOT NULL,
        status text NOT NULL,
        decided_at bigint NOT NULL,
        PRIMARY KEY (app_user_id, provider)
      );
    `,
  },
];

/** The schema version this release creates and expects. */
export const CURRENT_VERSION = MIGRATIONS.length;

/** Chosen once for idswitch; the second lock key is the schema's hash, so schemas migrate independently. */
const LOCK_CLASS = 0x1d5;

/** Brings `schema` to `CURRENT_VERSION`; a no-op when it is there already. */
export async function migrate(pool: Pool, schema: string): Promise<void> {
  const q = quote(schema);
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${q}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${q}.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(
      `SELECT coalesce(max(version), 0)::int AS version FROM ${q}.schema_version`,
    );
    const applied = rows[0]?.version ?? 0;
    if (applied > CURRENT_VERSION) throw newerSchema(schema, applied);
    for (const migration of MIGRATIONS.slice(applied)) {
      await client.query(migration.sql.replaceAll("{schema}", q));
      await client.query(`INSERT INTO ${q}.schema_version (version) VALUES ($1)`, [migration.version]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** A schema name checked against a plain-identifier pattern by the options, quoted for SQL. */
export function quote(schema: string): string {
  return `"${schema}"`;
}

function newerSchema(schema: string, applied: number): IdSwitchError {
  // An older idswitch must not write into a schema it does not know.
  return new IdSwitchError(
    "config_invalid",
    `the PostgreSQL schema "${schema}" has version ${applied}; this idswitch knows up to ${CURRENT_VERSION}`,
  );
}
