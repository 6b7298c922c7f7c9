/**
 * Where a person has accounts: what routing needs to know of the links to
 * name the alternatives of a refused or stranded person. Routing depends on
 * this small interface, never on the LinkStore itself.
 */
import type { LinkStore } from "./link-store.js";
import type { LinkClaimOption } from "./linker.js";

/**
 * The providers at which an app user can sign in: the accounts linked to them, and the mirrored ones.
 *
 * @example
 * const accounts = linkedAccounts(links, { claim: { name: "entra_id", provider: "entra", from: ["eu"] } });
 * const where = await accounts.providersOf(session.appUserId); // Set { "entra", "eu" }
 */
export interface AccountDirectory {
  providersOf(appUserId: string): Promise<ReadonlySet<string>>;
}

/**
 * What the authority rule (`routing.authority`) reads and writes of the links: the person's
 * accounts, and the authorities' binding decisions kept with the app user.
 *
 * @example
 * const records: AuthorityRecords = links; // every LinkStore of idswitch is one
 */
export type AuthorityRecords = Pick<
  LinkStore,
  "linksOf" | "authorityDecisions" | "recordAuthorityDecision" | "clearAuthorityDecision"
>;

/**
 * Options of {@link linkedAccounts}.
 *
 * @example
 * const options: LinkedAccountsOptions = { claim: undefined };
 */
export interface LinkedAccountsOptions {
  readonly claim: LinkClaimOption | undefined;
}

/**
 * The {@link AccountDirectory} of a LinkStore. With a link claim configured, a
 * person linked at the claim's provider also has an account at each provider
 * the claim is trusted from: the directory mirror created it there, and its
 * tokens will carry the claim that joins it to this app user.
 *
 * @example
 * const accounts = linkedAccounts(links, { claim: undefined });
 */
export function linkedAccounts(store: LinkStore, options: LinkedAccountsOptions): AccountDirectory {
  return {
    async providersOf(appUserId) {
      const linked = new Set((await store.linksOf(appUserId)).map((link) => link.provider));
      const claim = options.claim;
      if (claim && linked.has(claim.provider)) for (const id of claim.from) linked.add(id);
      return linked;
    },
  };
}
