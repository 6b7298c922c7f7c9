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

import { IdSwitchError } from "../core/errors.js";
// The account and the way it was linked are core types: events and routing speak of them too.
import type { LinkMethod, ProviderAccount } from "../core/types.js";

export type { LinkMethod, ProviderAccount };

/**
 * One provider account linked to an app user, with how and when the link was made.
 *
 * @example
 * const links = await identity.linksOf(session.appUserId);
 * const providers = links.map((l) => l.provider); // ["entra", "eu"]: either one signs this person in
 */
export interface Link extends ProviderAccount {
  readonly appUserId: string;
  readonly method: LinkMethod;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

/**
 * Options of {@link LinkStore.findOrCreate}.
 *
 * @example
 * // The id is only used if this call wins: under a race, both callers get the one app user the store kept.
 * const { link } = await links.findOrCreate(account, { newAppUserId: crypto.randomUUID(), now: Date.now() });
 */
export interface FindOrCreateOptions {
  /** The id to give a new app user, if one is made (the caller makes it: the store only stores). */
  readonly newAppUserId: string;
  readonly now: number;
  /** How a new app user's link came to be (default `"new-user"`; `"link-claim"` when a spare's claim reserved it). */
  readonly method?: LinkMethod | undefined;
}

/**
 * A link, and whether the call made a new app user.
 *
 * @example
 * const { link, created } = await links.findOrCreate(account, { newAppUserId: crypto.randomUUID(), now: Date.now() });
 * if (created) await onboard(link.appUserId);
 */
export interface LinkResult {
  readonly link: Link;
  /** True when this call made a new app user. */
  readonly created: boolean;
}

/**
 * Paging of {@link LinkStore.list}.
 *
 * @example
 * // Keyset paging: the last link of a page asks for the next one.
 * let page = await links.list({ limit: 500 });
 * while (page.length > 0) {
 *   for (const link of page) report(link);
 *   page = await links.list({ after: page.at(-1), limit: 500 });
 * }
 */
export interface ListLinksOptions {
  /**
   * Continue after this link — the last one of the previous page. Links are
   * ordered by app user id, then provider, tenant and subject.
   */
  readonly after?: (ProviderAccount & { readonly appUserId: string }) | undefined;
  readonly limit?: number | undefined;
}

/**
 * A binding decision of an authority (`routing.authority`) about an app user:
 * the organisation's own provider disabled or deleted the person's account.
 * Durable, never a time-limited mark: it lifts only when the authority says
 * the account is enabled again.
 *
 * @example
 * const decision: AuthorityDecision = { appUserId, provider: "eu", status: "disabled", at: Date.now() };
 * await links.recordAuthorityDecision?.(decision);
 */
export interface AuthorityDecision {
  readonly appUserId: string;
  /** The authority that decided ("eu"). */
  readonly provider: string;
  readonly status: "disabled" | "deleted";
  /** Epoch milliseconds, when idswitch heard it. */
  readonly at: number;
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
  /**
   * The binding decisions of authorities about `appUserId` (`routing.authority`).
   * Optional for stores written before authorities existed; required when one is configured.
   */
  authorityDecisions?(appUserId: string): Promise<readonly AuthorityDecision[]>;
  /** Records (or replaces) the decision of `decision.provider` about `decision.appUserId`. */
  recordAuthorityDecision?(decision: AuthorityDecision): Promise<void>;
  /** The authority said the account is enabled again: forget its decision. Returns whether there was one. */
  clearAuthorityDecision?(appUserId: string, provider: string): Promise<boolean>;
  /** Releases connections; the store is unusable afterwards. */
  close?(): Promise<void>;
}

/**
 * The account is already linked to another app user.
 *
 * @example
 * try {
 *   await identity.link(current, second);
 * } catch (err) {
 *   // Never moved silently: that account belongs to another app user, so a person must sort it out.
 *   if (err instanceof LinkConflictError) return res.status(409).send("That account is linked to another user");
 *   throw err;
 * }
 */
export class LinkConflictError extends IdSwitchError {
  override readonly name: string = "LinkConflictError";
  readonly account: ProviderAccount;
  readonly existingAppUserId: string;

  constructor(account: ProviderAccount, existingAppUserId: string) {
    // An IdSwitchError, so the integrations show their error page (a person, not a bug, caused it).
    super(
      "link_conflict",
      `account ${account.provider}/${account.subject} is already linked to another app user`,
      {
        provider: account.provider,
      },
    );
    this.account = account;
    this.existingAppUserId = existingAppUserId;
  }
}

/**
 * One string per account, for maps and unique keys. Unambiguous: the parts are JSON-quoted.
 *
 * @example
 * // Unambiguous where a joined string is not: ("t", "a/b") and ("t/a", "b") stay apart.
 * const linked = new Set((await identity.linksOf(appUserId)).map(accountKey));
 */
export function accountKey(account: ProviderAccount): string {
  return JSON.stringify([account.provider, account.tenant, account.subject]);
}
