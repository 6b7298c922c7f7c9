/**
 * The SQLite schema, as an append-only list of versions. A database records
 * the versions applied in `idswitch_schema_version`; opening one applies the
 * missing ones in a single write transaction, so two processes opening the
 * same new file cannot both migrate it, and a crash mid-way leaves the
 * previous version intact.
 *
 * Never edit a shipped version: add the next one.
 */
import { IdSwitchError } from "idswitch";

export interface Migration {
  readonly version: number;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    // v1: links. The unique (provider, tenant, subject) is the guarantee the
    // LinkStore contract rests on. BINARY (the default collation) is
    // code-unit order for the ASCII/BMP ids providers use, like the memory store.
    version: 1,
    sql: `
      CREATE TABLE idswitch_links (
        seq INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        tenant TEXT NOT NULL,
        subject TEXT NOT NULL,
        app_user_id TEXT NOT NULL,
        method TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (provider, tenant, subject)
      );
      CREATE INDEX idswitch_links_by_user ON idswitch_links (app_user_id, provider, tenant, subject);
    `,
  },
  {
    // v2: expiring state, for the StateStore on the same file.
    version: 2,
    sql: `
      CREATE TABLE idswitch_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        expires_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX idswitch_state_expiry ON idswitch_state (expires_at) WHERE expires_at IS NOT NULL;
    `,
  },
  {
    // v3: the binding decisions of authorities (routing.authority) about app users: durable,
    // one per (app user, authority), gone only when the authority says the account is enabled.
    version: 3,
    sql: `
      CREATE TABLE idswitch_authority_decisions (
        app_user_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        status TEXT NOT NULL,
        decided_at INTEGER NOT NULL,
        PRIMARY KEY (app_user_id, provider)
      ) WITHOUT ROWID;
    `,
  },
];

/** The schema version this release creates and expects. */
export const CURRENT_VERSION = MIGRATIONS.length;

/** Minimal view of a better-sqlite3 database, so this file stays about the schema. */
interface Db {
  exec(sql: string): unknown;
  prepare(sql: string): { get(...params: unknown[]): unknown; run(...params: unknown[]): unknown };
  transaction<F extends () => void>(fn: F): { immediate(): void };
}

/** Brings the database to `CURRENT_VERSION`; a no-op when it is there already. */
export function migrate(db: Db, now: number = Date.now()): void {
  db.transaction(() => {
    db.exec(
      "CREATE TABLE IF NOT EXISTS idswitch_schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    );
    const row = db.prepare("SELECT max(version) AS version FROM idswitch_schema_version").get() as {
      version: number | null;
    };
    const applied = row.version ?? 0;
    if (applied > CURRENT_VERSION) throw newerSchema(applied);
    const record = db.prepare("INSERT INTO idswitch_schema_version (version, applied_at) VALUES (?, ?)");
    for (const migration of MIGRATIONS.slice(applied)) {
      db.exec(migration.sql);
      record.run(migration.version, now);
    }
  }).immediate();
}

function newerSchema(applied: number): IdSwitchError {
  // An older idswitch must not write into a schema it does not know.
  return new IdSwitchError(
    "config_invalid",
    `the SQLite database has schema version ${applied}; this idswitch knows up to ${CURRENT_VERSION}`,
  );
}
