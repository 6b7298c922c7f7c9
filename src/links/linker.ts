/**
 * Which app user a verified sign-in belongs to (docs/concepts.md, "How a
 * sign-in finds its app user"), in this order:
 *
 * 1. an existing link of the (provider, tenant, subject) account;
 * 2. the link claim: the spare provider's token carries the immutable id of
 *    the person's account at another provider (the directory mirror writes
 *    the Entra `tid:oid` into a Keycloak attribute that a mapper puts into
 *    the token) — it links to the app user who has that account, or, when
 *    nobody signed in with that account yet, reserves it for a new app user
 *    that this sign-in joins: a later sign-in there lands in the same one;
 * 3. a verified email, only when the app opted in through an option named
 *    to alarm — email is mutable and not always owned (the nOAuth takeover);
 * 4. otherwise a new app user.
 *
 * Explicit linking — a signed-in person proving a second account — comes
 * before all of them: a sign-in begun with `linkTo`, or `link` of two
 * sessions. Both take the same path (`#join`): the same takeover rule, and
 * one `link-created` event for a link actually made.
 */
import { IdSwitchError } from "../core/errors.js";
import type { EventBus } from "../core/events.js";
import type { Principal } from "../core/types.js";
import {
  type Link,
  LinkConflictError,
  type LinkMethod,
  type LinkStore,
  type ProviderAccount,
} from "./link-store.js";

/**
 * `linking.claim`: a claim in the spare's tokens that names the person's account at another provider; a sign-in carrying it joins that account's app user.
 *
 * @example
 * createIdentity({ providers, linking: { claim: { name: "entra_id", provider: "entra", from: ["eu"] } } });
 */
export interface LinkClaimOption {
  /** The claim's name in the spare provider's tokens, e.g. `entra_id`. */
  readonly name: string;
  /** The provider whose account the claim names ("entra"). Its value is `tenant:subject` (Entra `tid:oid`). */
  readonly provider: string;
  /**
   * The providers whose tokens may carry the claim (the organisation's spare, "eu"): in a
   * token of any other provider it is ignored — another realm could write any value there.
   */
  readonly from: readonly string[];
}

/**
 * The app's own lookup of a verified email; return the app user id that owns it, if any.
 *
 * @example
 * // Dangerous by design (email is mutable and not always owned): prefer `linking.claim`.
 * const lookup: EmailLookup = async (email) => (await db.users.findByVerifiedEmail(email))?.id;
 * createIdentity({ providers, links, linking: { dangerouslyLinkByVerifiedEmail: lookup } });
 */
export type EmailLookup = (email: string, principal: Principal) => Promise<string | undefined>;

export interface LinkerOptions {
  readonly claim?: LinkClaimOption | undefined;
  readonly emailLookup?: EmailLookup | undefined;
  /** How recent both sign-ins must be for `link` (seconds). */
  readonly maxAuthAgeSeconds: number;
  readonly newAppUserId: () => string;
  readonly now: () => number;
  /** Told of every link made (`link-created`). */
  readonly events: EventBus;
}

/** A completed sign-in and when it completed (epoch ms, by our clock: providers backdate `iat`). */
export interface SignIn {
  readonly principal: Principal;
  readonly signedInAt: number;
}

export interface Resolution {
  readonly link: Link;
  /** True when this sign-in made the link (a new app user or a new account of an existing one). */
  readonly linked: boolean;
}

/** The account a principal signs in with: immutable ids only. */
export function accountOf(principal: Principal): ProviderAccount {
  return { provider: principal.provider, tenant: principal.tenant ?? "", subject: principal.subject };
}

export class Linker {
  readonly #store: LinkStore;
  readonly #options: LinkerOptions;

  constructor(store: LinkStore, options: LinkerOptions) {
    this.#store = store;
    this.#options = options;
  }

  /**
   * The app user a verified sign-in belongs to. With `linkTo` (a sign-in
   * begun as "also sign in with…" by a recent session of that app user) the
   * account joins that app user, before any other rule.
   */
  async resolve(principal: Principal, linkTo?: string): Promise<Resolution> {
    if (linkTo !== undefined) return this.#join(linkTo, principal);
    const account = accountOf(principal);
    const existing = await this.#store.find(account);
    if (existing) return { link: existing, linked: false };
    const viaClaim = await this.#viaLinkClaim(account, principal);
    if (viaClaim) return this.#announce(viaClaim);
    const viaEmail = await this.#viaVerifiedEmail(account, principal);
    if (viaEmail) return this.#announce(viaEmail);
    const { link, created } = await this.#store.findOrCreate(account, {
      newAppUserId: this.#options.newAppUserId(),
      now: this.#options.now(),
    });
    return this.#announce({ link, linked: created });
  }

  /**
   * Refuses a session too old to link with: the person must have proved the
   * account just now (`linking.maxAuthAgeSeconds`).
   */
  assertRecent(signIn: SignIn): void {
    if (this.#recent(signIn.signedInAt)) return;
    throw new IdSwitchError(
      "interaction_required",
      `link: the sign-in at "${signIn.principal.provider}" is not recent; sign in again`,
      { provider: signIn.principal.provider, reason: "recent_sign_in" },
    );
  }

  /**
   * Links the account of `second` to the app user of `first`. Both sign-ins
   * must be recent: the person proved both accounts just now. An account
   * already owned by another app user is never taken, except the one made
   * moments ago by this very sign-in (a new app user with no other account).
   */
  async link(first: SignIn, firstAppUserId: string, second: SignIn): Promise<Link> {
    this.assertRecent(first);
    this.assertRecent(second);
    return (await this.#join(firstAppUserId, second.principal)).link;
  }

  /** Explicit linking: `principal`'s account joins `appUserId`, under the takeover rule of {@link link}. */
  async #join(appUserId: string, principal: Principal): Promise<Resolution> {
    const account = accountOf(principal);
    const existing = await this.#store.find(account);
    if (existing?.appUserId === appUserId) return { link: existing, linked: false };
    if (existing) {
      const others = await this.#store.linksOf(existing.appUserId);
      const justMade =
        existing.method === "new-user" && others.length === 1 && this.#recent(existing.createdAt);
      if (!justMade) throw new LinkConflictError(account, existing.appUserId);
      await this.#store.unlink(account);
    }
    const link = await this.#store.link(account, appUserId, { method: "explicit", now: this.#options.now() });
    return this.#announce({ link, linked: true });
  }

  #announce(resolution: Resolution): Resolution {
    if (resolution.linked) {
      const { link } = resolution;
      this.#options.events.emit("link-created", {
        appUserId: link.appUserId,
        account: { provider: link.provider, tenant: link.tenant, subject: link.subject },
        method: link.method,
      });
    }
    return resolution;
  }

  async #viaLinkClaim(account: ProviderAccount, principal: Principal): Promise<Resolution | undefined> {
    const claim = this.#options.claim;
    // Only the named spares speak for the claim: a partner realm could put a victim's id in it.
    if (!claim?.from.includes(principal.provider)) return undefined;
    const target = parseLinkClaim(principal.claims[claim.name], claim.provider);
    if (!target) return undefined;
    // The claimed account belongs to this person from now on, whichever provider they reach
    // first: find its app user, or make the one that owns it (atomic under the account's
    // uniqueness, so a concurrent first sign-in there finds it), then join this account to it.
    const owner = await this.#store.findOrCreate(target, {
      newAppUserId: this.#options.newAppUserId(),
      now: this.#options.now(),
      method: "link-claim",
    });
    if (owner.created) this.#announce({ link: owner.link, linked: true });
    return this.#attach(account, owner.link.appUserId, "link-claim");
  }

  async #viaVerifiedEmail(account: ProviderAccount, principal: Principal): Promise<Resolution | undefined> {
    const lookup = this.#options.emailLookup;
    // Only an email the provider asserts as verified (Entra: with the verified-domain signal).
    if (!lookup || !principal.emailVerified || !principal.email) return undefined;
    const email = comparableEmail(principal.email);
    if (email === undefined) return undefined;
    const appUserId = await lookup(email, principal);
    return appUserId ? this.#attach(account, appUserId, "verified-email") : undefined;
  }

  async #attach(account: ProviderAccount, appUserId: string, method: LinkMethod): Promise<Resolution> {
    try {
      const link = await this.#store.link(account, appUserId, { method, now: this.#options.now() });
      return { link, linked: true };
    } catch (err) {
      // A concurrent first sign-in of the same account won the race: its link stands.
      if (!(err instanceof LinkConflictError)) throw err;
      const winner = await this.#store.find(account);
      if (!winner) throw err;
      return { link: winner, linked: false };
    }
  }

  #recent(epochMs: number): boolean {
    return this.#options.now() - epochMs <= this.#options.maxAuthAgeSeconds * 1000;
  }
}

/**
 * `tenant:subject` (Entra `tid:oid`), or a bare subject for providers
 * without tenants. Anything else — an array, an empty part — links nothing.
 */
export function parseLinkClaim(value: unknown, provider: string): ProviderAccount | undefined {
  if (typeof value !== "string" || value.length === 0 || value.length > 256) return undefined;
  const parts = value.split(":");
  if (parts.length === 1) return { provider, tenant: "", subject: value };
  const [tenant, subject] = parts;
  if (parts.length !== 2 || !tenant || !subject) return undefined;
  return { provider, tenant, subject };
}

/**
 * The email in the one form that may be compared, or undefined when it may
 * not (SECURITY.md #18): plain printable ASCII only, with ASCII letters
 * lowered. `toLowerCase` would turn U+212A KELVIN SIGN into "k", and
 * fullwidth or invisible characters can make a different address look the
 * same: such an address never links by email.
 */
export function comparableEmail(email: string): string | undefined {
  if (!/^[\x21-\x7e]+@[\x21-\x7e]+$/.test(email)) return undefined;
  return email.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
