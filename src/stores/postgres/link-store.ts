/**
 * The LinkStore on PostgreSQL: links shared by every app instance.
 *
 * find-or-create is `INSERT … ON CONFLICT DO NOTHING RETURNING`, then a read
 * when nothing was inserted: the primary key decides, so two instances
 * signing in the same person at once make one app user, with no
 * read-then-write window. (The read is a second statement on purpose: under
 * READ COMMITTED it sees the row the conflicting transaction committed,
 * which a single statement's snapshot would not.)
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
  insertOrRead,
  type LinkRow,
  pageLimit,
  toDecision,
  toLink,
} from "../shared/links.js";
import { PgDatabase } from "./database.js";
import { type PostgresStoreOptions, parsePostgresOptions } from "./options.js";

const COLUMNS = "provider, tenant, subject, app_user_id, method, created_at";

/**
 * A LinkStore on PostgreSQL, plus `migrate()` for applications that migrate at deploy time.
 *
 * @example
 * // A deploy step: bring the schema up to date once; app instances then start with `migrate: false`.
 * const links = postgresLinkStore({ connectionString: env.DATABASE_URL });
 * await links.migrate();
 * await links.close();
 */
export interface PostgresLinkStore extends LinkStore {
  /** Creates or upgrades the schema now; safe to run from many instances at once. */
  migrate(): Promise<void>;
  /** Ends the store's own pool; a pool passed in stays open. */
  close(): Promise<void>;
}

/**
 * A LinkStore in a PostgreSQL schema (default `idswitch`), shared by every
 * app instance.
 *
 * @example
 * import { createIdentity } from "idswitch";
 * import { postgresLinkStore } from "idswitch/stores/postgres";
 *
 * const links = postgresLinkStore({ connectionString: env.DATABASE_URL });
 * const identity = createIdentity({ providers, links });
 */
export function postgresLinkStore(options: PostgresStoreOptions): PostgresLinkStore {
  return new PgLinkStore(
    new PgDatabase(parsePostgresOptions(options, "postgresLinkStore"), "postgres link store"),
  );
}

class PgLinkStore implements PostgresLinkStore {
  readonly #db: PgDatabase;
  readonly #table: string;
  readonly #decisions: string;

  constructor(db: PgDatabase) {
    this.#db = db;
    this.#table = `${db.schema}.links`;
    this.#decisions = `${db.schema}.authority_decisions`;
  }

  migrate(): Promise<void> {
    return this.#db.migrate();
  }

  async find(account: ProviderAccount): Promise<Link | undefined> {
    checkAccount(account);
    return this.#select(account);
  }

  async findOrCreate(account: ProviderAccount, options: FindOrCreateOptions): Promise<LinkResult> {
    checkAccount(account);
    checkAppUserId(options.newAppUserId);
    checkNow(options.now);
    // Most sign-ins are of known accounts: one read answers them. Only an
    // unknown account goes on to the insert, where the primary key decides.
    const known = await this.#select(account);
    if (known) return { link: known, created: false };
    return insertOrRead(async () => {
      const inserted = await this.#insert(
        account,
        options.newAppUserId,
        options.method ?? "new-user",
        options.now,
      );
      if (inserted) return { link: inserted, created: true };
      const existing = await this.#select(account);
      return existing && { link: existing, created: false };
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
    return insertOrRead(async () => {
      const inserted = await this.#insert(account, appUserId, options.method, options.now);
      if (inserted) return inserted;
      const existing = await this.#select(account);
      if (existing === undefined || existing.appUserId === appUserId) return existing;
      throw new LinkConflictError(account, existing.appUserId);
    });
  }

  async unlink(account: ProviderAccount): Promise<boolean> {
    checkAccount(account);
    const result = await this.#db.query(
      `DELETE FROM ${this.#table} WHERE provider = $1 AND tenant = $2 AND subject = $3`,
      [account.provider, account.tenant, account.subject],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async linksOf(appUserId: string): Promise<readonly Link[]> {
    checkAppUserId(appUserId);
    const { rows } = await this.#db.query<LinkRow>(
      `SELECT ${COLUMNS} FROM ${this.#table} WHERE app_user_id = $1 ORDER BY created_at, seq`,
      [appUserId],
    );
    return rows.map(toLink);
  }

  async list(options: ListLinksOptions = {}): Promise<readonly Link[]> {
    const limit = pageLimit(options);
    const after = options.after;
    const order = "ORDER BY app_user_id, provider, tenant, subject";
    const { rows } =
      after === undefined
        ? await this.#db.query<LinkRow>(`SELECT ${COLUMNS} FROM ${this.#table} ${order} LIMIT $1`, [limit])
        : await this.#db.query<LinkRow>(
            `SELECT ${COLUMNS} FROM ${this.#table}
             WHERE (app_user_id, provider, tenant, subject) > ($1, $2, $3, $4) ${order} LIMIT $5`,
            [after.appUserId, after.provider, after.tenant, after.subject, limit],
          );
    return rows.map(toLink);
  }

  async authorityDecisions(appUserId: string): Promise<readonly AuthorityDecision[]> {
    checkAppUserId(appUserId);
    const { rows } = await this.#db.query<DecisionRow>(
      `SELECT app_user_id, provider, status, decided_at FROM ${this.#decisions} WHERE app_user_id = $1`,
      [appUserId],
    );
    return rows.map(toDecision);
  }

  async recordAuthorityDecision(decision: AuthorityDecision): Promise<void> {
    checkAppUserId(decision.appUserId);
    checkNow(decision.at);
    await this.#db.query(
      `INSERT INTO ${this.#decisions} (app_user_id, provider, status, decided_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (app_user_id, provider) DO UPDATE SET status = excluded.status, decided_at = excluded.decided_at`,
      [decision.appUserId, decision.provider, decision.status, decision.at],
    );
  }

  async clearAuthorityDecision(appUserId: string, provider: string): Promise<boolean> {
    checkAppUserId(appUserId);
    const result = await this.#db.query(
      `DELETE FROM ${this.#decisions} WHERE app_user_id = $1 AND provider = $2`,
      [appUserId, provider],
    );
    return (result.rowCount ?? 0) > 0;
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  async #select(account: ProviderAccount): Promise<Link | undefined> {
    const { rows } = await this.#db.query<LinkRow>(
      `SELECT ${COLUMNS} FROM ${this.#table} WHERE provider = $1 AND tenant = $2 AND subject = $3`,
      [account.provider, account.tenant, account.subject],
    );
    return rows[0] && toLink(rows[0]);
  }

  async #insert(account: ProviderAccount, appUserId: string, method: LinkMethod, now: number) {
    const { rows } = await this.#db.query<LinkRow>(
      `INSERT INTO ${this.#table} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (provider, tenant, subject) DO NOTHING RETURNING ${COLUMNS}`,
      [account.provider, account.tenant, account.subject, appUserId, method, now],
    );
    return rows[0] && toLink(rows[0]);
  }
}
