/**
 * Opening a SQLite file for idswitch: owner-only file modes, WAL, a busy
 * timeout, durable commits, and the schema brought up to date. Opened on first use, not in the
 * factory, so a bad path surfaces at the call as a store error like any
 * other, and a process that never touches the store never opens the file.
 */
import Database from "better-sqlite3";
import { prepareOwnerOnlyFile } from "./file-mode.js";
import { migrate } from "./migrations.js";

export interface OpenOptions {
  readonly path: string;
  readonly busyTimeoutMs: number;
}

export type SqliteDatabase = Database.Database;

export function openDatabase(options: OpenOptions): SqliteDatabase {
  // `timeout` is SQLite's busy timeout: a writer waits this long for another
  // process's write lock instead of failing at once with SQLITE_BUSY.
  const db = construct(options);
  try {
    // WAL: readers never block the writer, and other processes can read while one writes.
    db.pragma("journal_mode = WAL");
    // FULL: a commit is on disk before it returns; links must survive a power cut, not only a crash.
    db.pragma("synchronous = FULL");
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function construct(options: OpenOptions): SqliteDatabase {
  prepareOwnerOnlyFile(options.path);
  try {
    return new Database(options.path, { timeout: options.busyTimeoutMs });
  } catch (error) {
    // better-sqlite3 checks the folder itself and throws a plain TypeError
    // without a code; give it SQLite's own code so it reads like the rest.
    if (typeof (error as { code?: unknown }).code === "string") throw error;
    throw Object.assign(new Error("cannot open the database file", { cause: error }), {
      code: "SQLITE_CANTOPEN",
    });
  }
}

/** One lazily opened database per store; a failed open is retried by the next call. */
export class LazyDatabase {
  #db: SqliteDatabase | undefined;
  #closed = false;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #options: OpenOptions;

  constructor(options: OpenOptions) {
    this.#options = options;
  }

  get(): SqliteDatabase {
    if (this.#closed) throw new Error("the store is closed");
    this.#db ??= openDatabase(this.#options);
    return this.#db;
  }

  /** A prepared statement, prepared once per database: sign-ins run the same few statements all day. */
  prepare(sql: string): Database.Statement {
    const db = this.get();
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  close(): void {
    this.#statements.clear();
    this.#closed = true;
    this.#db?.close();
    this.#db = undefined;
  }
}
