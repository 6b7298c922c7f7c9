/**
 * Whose word counts (docs/concepts.md): the providers named in
 * `routing.authority` speak for the organisation about its people. A
 * disable or deletion there binds the app user at every provider — a
 * sign-in completing elsewhere, a refresh elsewhere and a sign-in begun for
 * that app user are refused — until the authority says the account is
 * enabled again. The decision is kept durably with the app user (the
 * LinkStore), never as an expiring mark. A brute-force lock is not binding:
 * an attacker could otherwise lock a person out everywhere.
 */
import { IdSwitchError } from "../core/errors.js";
import type { StateStore } from "../core/state-store.js";
import type { AuthorityRecords } from "../links/accounts.js";
import type { AuthorityDecision } from "../links/link-store.js";
import type { AccountStatus, Provider } from "../providers/provider.js";

/**
 * `routing.authorityUnavailable`: what a sign-in elsewhere meets while the authority cannot be asked.
 *
 * @example
 * createIdentity({ providers, routing: { authority: ["eu"], authorityUnavailable: "deny" } });
 */
export type AuthorityUnavailablePolicy = "last-known" | "deny";

export interface AuthorityGateOptions {
  /** The providers of `routing.authority`. */
  readonly authorities: readonly Provider[];
  readonly records: AuthorityRecords;
  /** Where an authority's recent answers are cached (shared between instances with Redis). */
  readonly state: StateStore;
  readonly cacheMs: number;
  readonly unavailable: AuthorityUnavailablePolicy;
  readonly now: () => number;
}

/** A decision of an authority that binds an app user: who decided, and what. */
export interface Binding {
  readonly provider: string;
  readonly status: AuthorityDecision["status"];
}

/** What an authority says of an account: its own status, or nothing when it could not be asked. */
type Heard = AccountStatus["status"] | undefined;

export class AuthorityGate {
  readonly #options: AuthorityGateOptions;
  readonly #ids: ReadonlySet<string>;

  constructor(options: AuthorityGateOptions) {
    this.#options = options;
    this.#ids = new Set(options.authorities.map((p) => p.id));
  }

  isAuthority(provider: string): boolean {
    return this.#ids.has(provider);
  }

  /**
   * Lets `appUserId` in at `at` (a provider id, or undefined when routing
   * has not chosen yet) unless another authority disabled or deleted them.
   * The authority `at` itself is not asked: it answers for itself. With
   * `succeeded` (a sign-in that already completed at `at`), an authority `at`
   * just said the account is enabled: its decision lifts, in the same read.
   */
  async admit(appUserId: string, at: string | undefined, succeeded = false): Promise<void> {
    const bound = await this.#check(appUserId, at, succeeded, this.#options.unavailable);
    if (bound) throw refusal(bound.provider, bound.status);
  }

  /**
   * Whether `appUserId` still stands with every authority: undefined, or the
   * decision that binds them. Unlike {@link admit} it asks the authority a
   * session came from as well — a disable there sends no signal (Keycloak
   * sends none) and the session's access token stays valid until it expires.
   * A standing answer is cached per app user for `cacheMs`, so a request
   * costs one StateStore read in the steady state; recording a decision
   * drops it. An authority that cannot be asked leaves the last known
   * decision standing: an outage of the organisation's provider must not
   * sign everyone out.
   */
  async standing(appUserId: string): Promise<Binding | undefined> {
    if (this.#ids.size === 0) return undefined;
    const key = standingKey(appUserId);
    if ((await this.#options.state.get<number>(key).catch(() => undefined)) === 1) return undefined;
    const bound = await this.#check(appUserId, undefined, false, "last-known");
    if (!bound) await this.#options.state.set(key, 1, { ttlMs: this.#options.cacheMs }).catch(() => {});
    return bound;
  }

  async #check(
    appUserId: string,
    at: string | undefined,
    succeeded: boolean,
    unavailable: AuthorityUnavailablePolicy,
  ): Promise<Binding | undefined> {
    if (this.#ids.size === 0) return undefined;
    const [links, decisions] = await Promise.all([
      this.#options.records.linksOf(appUserId),
      this.#decisions(appUserId),
    ]);
    for (const authority of this.#options.authorities) {
      const account = links.find((link) => link.provider === authority.id);
      if (authority.id === at) {
        if (succeeded) await this.#lift(appUserId, at, decisions, account?.subject);
        continue;
      }
      const stored = decisions.find((d) => d.provider === authority.id);
      const heard = account ? await this.#ask(authority, account.subject) : undefined;
      const status = await this.#decide(
        appUserId,
        authority.id,
        account !== undefined,
        heard,
        stored,
        unavailable,
      );
      if (status) return { provider: authority.id, status };
    }
    return undefined;
  }

  /**
   * A sign-in or refresh succeeded at `provider`: if it is an authority, it
   * just said the account is enabled, and its decision lifts.
   */
  async signedIn(appUserId: string, provider: string): Promise<void> {
    if (!this.isAuthority(provider)) return;
    const links = await this.#options.records.linksOf(appUserId);
    const account = links.find((link) => link.provider === provider);
    await this.#lift(appUserId, provider, await this.#decisions(appUserId), account?.subject);
  }

  /** The authority itself refused the person as disabled (a refresh there, a sign-in there). */
  async refusedBy(appUserId: string, provider: string): Promise<void> {
    if (!this.isAuthority(provider)) return;
    await this.#record(appUserId, provider, "disabled");
    // An answer cached before says less than this refusal: drop it.
    const account = (await this.#options.records.linksOf(appUserId)).find(
      (link) => link.provider === provider,
    );
    if (account) await this.#options.state.delete(cacheKey(provider, account.subject)).catch(() => {});
  }

  /**
   * A signal from `provider` (a RISC account-disabled or account-purged
   * event) said the account of `appUserId` is disabled or deleted. From an
   * authority that is the binding decision, as if it had refused a sign-in;
   * from any other provider it is no decision. Returns whether it bound.
   */
  async decided(appUserId: string, provider: string, status: AuthorityDecision["status"]): Promise<boolean> {
    if (!this.isAuthority(provider)) return false;
    await this.#record(appUserId, provider, status);
    const account = (await this.#options.records.linksOf(appUserId)).find(
      (link) => link.provider === provider,
    );
    if (account) await this.#options.state.delete(cacheKey(provider, account.subject)).catch(() => {});
    return true;
  }

  async #decide(
    appUserId: string,
    provider: string,
    linked: boolean,
    heard: Heard,
    stored: AuthorityDecision | undefined,
    unavailable: AuthorityUnavailablePolicy,
  ): Promise<AuthorityDecision["status"] | undefined> {
    if (heard === "disabled" || heard === "not_found") {
      const status = heard === "disabled" ? "disabled" : "deleted";
      await this.#record(appUserId, provider, status);
      return status;
    }
    if (heard === "active") {
      if (stored) await this.#options.records.clearAuthorityDecision?.(appUserId, provider);
      return undefined;
    }
    // A brute-force lock is no decision (else an attacker could lock a person out everywhere), but
    // it hides whether the account is also disabled: it neither binds nor lifts a stored decision.
    // Not asked (no account there) or not answered: the last word the authority said stands.
    if (stored) return stored.status;
    if (linked && heard === undefined && unavailable === "deny") {
      throw new IdSwitchError(
        "provider_unavailable",
        `${provider}: the organisation's provider cannot be asked`,
        {
          provider,
          reason: "authority_unavailable",
          alternatives: [],
        },
      );
    }
    return undefined;
  }

  /** The authority's status of one of its accounts, cached briefly; undefined when it cannot answer now. */
  async #ask(authority: Provider, subject: string): Promise<Heard> {
    const key = cacheKey(authority.id, subject);
    const cached = await this.#options.state.get<string>(key).catch(() => undefined);
    if (typeof cached === "string") return cached as Heard;
    if (!authority.accountStatus) return undefined;
    try {
      const { status } = await authority.accountStatus(subject);
      await this.#options.state.set(key, status, { ttlMs: this.#options.cacheMs }).catch(() => {});
      return status;
    } catch (err) {
      // A misconfiguration (no admin access configured) is the app's to fix, not an outage.
      if (err instanceof TypeError) throw err;
      return undefined;
    }
  }

  async #decisions(appUserId: string): Promise<readonly AuthorityDecision[]> {
    return (await this.#options.records.authorityDecisions?.(appUserId)) ?? [];
  }

  async #lift(
    appUserId: string,
    provider: string,
    decisions: readonly AuthorityDecision[],
    subject: string | undefined,
  ): Promise<void> {
    if (subject !== undefined) await this.#options.state.delete(cacheKey(provider, subject)).catch(() => {});
    if (decisions.some((d) => d.provider === provider)) {
      await this.#options.records.clearAuthorityDecision?.(appUserId, provider);
    }
  }

  async #record(appUserId: string, provider: string, status: AuthorityDecision["status"]): Promise<void> {
    await this.#options.records.recordAuthorityDecision?.({
      appUserId,
      provider,
      status,
      at: this.#options.now(),
    });
    // A standing answer cached before says less than this decision, on every instance.
    await this.#options.state.delete(standingKey(appUserId)).catch(() => {});
  }
}

function refusal(provider: string, status: AuthorityDecision["status"]): IdSwitchError {
  return new IdSwitchError(
    "account_disabled",
    `${provider}: the organisation ${status === "deleted" ? "deleted" : "disabled"} this account`,
    {
      provider,
      reason: "authority",
      alternatives: [],
    },
  );
}

function cacheKey(provider: string, subject: string): string {
  return `idswitch:authority:${provider}:${subject}`;
}

function standingKey(appUserId: string): string {
  return `idswitch:authority-standing:${appUserId}`;
}
