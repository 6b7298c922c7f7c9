/**
 * The LinkStore on a SQLite file: the embedded default for one machine.
 *
 * better-sqlite3 is synchronous, so each method runs its statements in one
 * `BEGIN IMMEDIATE` transaction: the write lock is taken before the first
 * read, which makes find-or-create atomic across every process sharing the
 * file (the others wait up to the busy timeout), and the unique
 * (provider, tenant, subject) constraint backs it up.
 */
import {
  type AuthorityDecision,
  type FindOrCreateOptions,
  type Link,
  LinkConflictError,
  type LinkMethod,
  type LinkResult,
  type LinkStore,
  type ListLinksOptions,
  type ProviderAccount,
} from "idswitch";
import {
  checkAccount,
  checkAppUserId,
  checkNow,
  type DecisionRow,
  type LinkRow,
  pageLimit,
  toDecision,
  toLink,
} from "../shared/links.js";
import { guarded } from "../shared/unavailable.js";
import { LazyDatabase } from "./database.js";
import { parseSqliteOptions, type SqliteStoreOptions } from "./options.js";

const STORE = "sqlite link store";
const COLUMNS = "provider, tenant, subject, app_user_id, method, created_at";
const BY_ACCOUNT = "provider = ? AND tenant = ? AND subject = ?";

/**
 * A durable LinkStore in one SQLite file (WAL mode; schema created and
 * migrated on first use).
 *
 * @example
 * import { createIdentity } from "idswitch";
 * import { sqliteLinkStore } from "idswitch/stores/sqlite";
 *
 * const identity = createIdentity({ providers, links: sqliteLinkStore({ path: "./data/links.db" }) });
 */
export function sqliteLinkStore(options: SqliteStoreOptions): LinkStore & {
  /** Closes the database; the store is unusable afterwards. */
  close(): Promise<void>;
} {
  return new SqliteLinkStore(new LazyDatabase(parseSqliteOptions(options, "sqliteLinkStore")));
}

class SqliteLinkStore implements LinkStore {
  readonly #db: LazyDatabase;

  constructor(db: LazyDatabase) {
    this.#db = db;
  }

  async find(account: ProviderAccount): Promise<Link | undefined> {
    checkAccount(account);
    return guarded(STORE, () => select(this.#db, account));
  }

  async findOrCreate(account: ProviderAccount, options: FindOrCreateOptions): Promise<LinkResult> {
    checkAccount(account);
    checkAppUserId(options.newAppUserId);
    checkNow(options.now);
    return guarded(STORE, () => {
      // Most sign-ins are of known accounts: a plain read answers them without
      // taking the write lock that would serialise every process's sign-ins.
      const known = select(this.#db, account);
      if (known) return { link: known, created: false };
      return this.#db
        .get()
        .transaction((): LinkResult => {
          const existing = select(this.#db, account);
          if (existing) return { link: existing, created: false };
          return {
            link: insert(this.#db, account, options.newAppUserId, options.method ?? "new-user", options.now),
            created: true,
          };
        })
        .immediate();
    });
  }

  async link(
    account: ProviderAccount,
    appUserId: string,
    options: { readonly method: LinkMethod; readonly now: number },
  ): Promise<Link> {
    checkAccount(account);
    checkAppUserId(appUserId);
    checkNow(options.now);
    return guarded(STORE, () =>
      this.#db
        .get()
        .transaction((): Link => {
          const existing = select(this.#db, account);
          if (!existing) return insert(this.#db, account, appUserId, options.method, options.now);
          if (existing.appUserId === appUserId) return existing;
          throw new LinkConflictError(account, existing.appUserId);
        })
        .immediate(),
    );
  }

  async unlink(account: ProviderAccount): Promise<boolean> {
    checkAccount(account);
    return guarded(STORE, () => {
      const stmt = this.#db.prepare(`DELETE FROM idswitch_links WHERE ${BY_ACCOUNT}`);
      return stmt.run(account.provider, account.tenant, account.subject).changes > 0;
    });
  }

  async linksOf(appUserId: string): Promise<readonly Link[]> {
    checkAppUserId(appUserId);
    return guarded(STORE, () => {
      // seq breaks ties in insertion order, as the in-memory store's Map does.
      const stmt = this.#db.prepare(
        `SELECT ${COLUMNS} FROM idswitch_links WHERE app_user_id = ? ORDER BY created_at, seq`,
      );
      return (stmt.all(appUserId) as LinkRow[]).map(toLink);
    });
  }

  async list(options: ListLinksOptions = {}): Promise<readonly Link[]> {
    const limit = pageLimit(options);
    const after = options.after;
    return guarded(STORE, () => {
      const order = "ORDER BY app_user_id, provider, tenant, subject LIMIT ?";
      const db = this.#db;
      const rows =
        after === undefined
          ? db.prepare(`SELECT ${COLUMNS} FROM idswitch_links ${order}`).all(limit)
          : db
              .prepare(
                `SELECT ${COLUMNS} FROM idswitch_links
                 WHERE (app_user_id, provider, tenant, subject) > (?, ?, ?, ?) ${order}`,
              )
              .all(after.appUserId, after.provider, after.tenant, after.subject, limit);
      return (rows as LinkRow[]).map(toLink);
    });
  }

  async authorityDecisions(appUserId: string): Promise<readonly AuthorityDecision[]> {
    checkAppUserId(appUserId);
    return guarded(STORE, () => {
      const stmt = this.#db.prepare(
        "SELECT app_user_id, provider, status, decided_at FROM idswitch_authority_decisions WHERE app_user_id = ?",
      );
      return (stmt.all(appUserId) as DecisionRow[]).map(toDecision);
    });
  }

  async recordAuthorityDecision(decision: AuthorityDecision): Promise<void> {
    checkAppUserId(decision.appUserId);
    checkNow(decision.at);
    return guarded(STORE, () => {
      this.#db
        .prepare(
          `INSERT INTO idswitch_authority_decisions (app_user_id, provider, status, decided_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (app_user_id, provider) DO UPDATE SET status = excluded.status, decided_at = excluded.decided_at`,
        )
        .run(decision.appUserId, decision.provider, decision.status, decision.at);
    });
  }

  async clearAuthorityDecision(appUserId: string, provider: string): Promise<boolean> {
    checkAppUserId(appUserId);
    return guarded(STORE, () => {
      const stmt = this.#db.prepare(
        "DELETE FROM idswitch_authority_decisions WHERE app_user_id = ? AND provider = ?",
      );
      return stmt.run(appUserId, provider).changes > 0;
    });
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}

function select(db: LazyDatabase, account: ProviderAccount): Link | undefined {
  const row = db
    .prepare(`SELECT ${COLUMNS} FROM idswitch_links WHERE ${BY_ACCOUNT}`)
    .get(account.provider, account.tenant, account.subject) as LinkRow | undefined;
  return row && toLink(row);
}

function insert(
  db: LazyDatabase,
  account: ProviderAccount,
  appUserId: string,
  method: LinkMethod,
  now: number,
): Link {
  db.prepare(`INSERT INTO idswitch_links (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`).run(
    account.provider,
    account.tenant,
    account.subject,
    appUserId,
    method,
    now,
  );
  return toLink({ ...account, app_user_id: appUserId, method, created_at: now });
}
