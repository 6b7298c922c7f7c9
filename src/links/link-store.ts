/**
 * The LinkStore contract: app users and the provider accounts linked to
 * them. Durable: an application keys its own data on the app user ids
 * handed out here, so a lost or duplicated link loses a person's data.
 *
 * One guarantee carries the design: a provider account — (provider, tenant,
 * subject) — belongs to at most one app user, enforced by the store itself
 * (a unique constraint, not a read-then-write), so two concurrent first
 * sign-ins of the same person yield one app user.
 */

/** A person's account at one provider: immutable ids only (never email or username). */
export interface ProviderAccount {
  /** The configured provider id ("entra", "eu"). */
  readonly provider: string;
  /** Entra tenant id, Keycloak realm; empty string where the provider has none. */
  readonly tenant: string;
  /** The provider's immutable id of the person within `tenant` (Entra `oid`, Keycloak `sub`). */
  readonly subject: string;
}

/** How a link came to be; kept for audits ("who linked this account, and on what grounds?"). */
export type LinkMethod =
  /** The first sign-in of an unknown account made a new app user. */
  | "new-user"
  /** The spare provider's token carried the id of an account already linked (the directory mirror). */
  | "link-claim"
  /** A signed-in user proved the second account in the same session. */
  | "explicit"
  /** Both accounts asserted the same verified email, and the app opted in to that. */
  | "verified-email"
  /** Written by the application or an operator through the store. */
  | "manual";

export interface Link extends ProviderAccount {
  readonly appUserId: string;
  readonly method: LinkMethod;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

/** Options of {@link LinkStore.findOrCreate}. */
export interface FindOrCreateOptions {
  /** The id to give a new app user, if one is made (the caller makes it: the store only stores). */
  readonly newAppUserId: string;
  readonly now: number;
}

/** A link, and whether the call made a new app user. */
export interface LinkResult {
  readonly link: Link;
  /** True when this call made a new app user. */
  readonly created: boolean;
}

/** Paging of {@link LinkStore.list}. */
export interface ListLinksOptions {
  /**
   * Continue after this link — the last one of the previous page. Links are
   * ordered by app user id, then provider, tenant and subject.
   */
  readonly after?: (ProviderAccount & { readonly appUserId: string }) | undefined;
  readonly limit?: number | undefined;
}

/**
 * Durable app users and their links: (provider, tenant, subject) → app user id. Must never lose or duplicate a link.
 *
 * @example
 * import { sqliteLinkStore } from "idswitch/stores/sqlite";
 *
 * const identity = createIdentity({ providers, links: sqliteLinkStore({ path: "./data/links.db" }) });
 */
export interface LinkStore {
  /** The link of one provider account, if any. */
  find(account: ProviderAccount): Promise<Link | undefined>;
  /**
   * The account's app user: the existing link, or — atomically, under the
   * uniqueness of the account — a new app user with this one link.
   */
  findOrCreate(account: ProviderAccount, options: FindOrCreateOptions): Promise<LinkResult>;
  /**
   * Links `account` to an existing app user. Idempotent for the same app
   * user; a `LinkConflictError` when the account belongs to another one (a
   * link is never moved silently — that would hand one person's data to
   * another).
   */
  link(
    account: ProviderAccount,
    appUserId: string,
    options: { readonly method: LinkMethod; readonly now: number },
  ): Promise<Link>;
  /** Removes one link; true if there was one. */
  unlink(account: ProviderAccount): Promise<boolean>;
  /** Every account linked to an app user, oldest first. */
  linksOf(appUserId: string): Promise<readonly Link[]>;
  /** All links, in pages, for reports and migrations. */
  list(options?: ListLinksOptions): Promise<readonly Link[]>;
  /** Releases connections; the store is unusable afterwards. */
  close?(): Promise<void>;
}

/** The account is already linked to another app user. */
export class LinkConflictError extends Error {
  override readonly name = "LinkConflictError";
  readonly account: ProviderAccount;
  readonly existingAppUserId: string;

  constructor(account: ProviderAccount, existingAppUserId: string) {
    super(`account ${account.provider}/${account.subject} is already linked to another app user`);
    this.account = account;
    this.existingAppUserId = existingAppUserId;
  }
}

/** One string per account, for maps and unique keys. Unambiguous: the parts are JSON-quoted. */
export function accountKey(account: ProviderAccount): string {
  return JSON.stringify([account.provider, account.tenant, account.subject]);
}
