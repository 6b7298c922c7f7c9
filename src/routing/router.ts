/**
 * Routing: the one place that decides which providers a call may try, in
 * which order, and what a failure means (docs/concepts.md, "Failover" and
 * "Suspension is not an outage"). Every provider call of the facade comes
 * through `Router.call`.
 *
 * - Outages (`provider_unavailable`) feed the provider's breaker and move a
 *   routed call to the next provider.
 * - The application's own suspension (`client_suspended`,
 *   `tenant_unavailable`) is marked provider-wide and moves calls that act
 *   for the application (client credentials, new sign-ins).
 * - A person's denial (disabled, locked, wrong password…) never moves the
 *   call: it is marked for that person and surfaced with the alternatives,
 *   or not, as `onSuspension` says.
 * - Verification never moves: a token is only ever good at its issuer.
 */
import { AllProvidersFailedError, type ErrorCode, IdSwitchError, withAlternatives } from "../core/errors.js";
import type { EventBus } from "../core/events.js";
import type { StateStore } from "../core/state-store.js";
import type { ProviderHealth } from "../core/types.js";
import type { AccountDirectory } from "../links/accounts.js";
import type { Provider } from "../providers/provider.js";
import type { AuthorityGate } from "./authority.js";
import type { BreakerOptions, BreakerState } from "./breaker.js";
import { BreakerBoard } from "./breaker-board.js";
import { PROVIDER_SUSPENSIONS, type SuspensionMark, Suspensions, USER_SUSPENSIONS } from "./suspensions.js";

/**
 * `routing.onSuspension`: what a person's denial at one provider does.
 *
 * @example
 * createIdentity({ providers, routing: { onSuspension: "offer" } }); // the error names where else to sign in
 */
export type SuspensionPolicy = "offer" | "failover" | "deny";

export interface RouterOptions {
  /** Every configured provider, in routing order. */
  readonly providers: readonly Provider[];
  readonly onSuspension: SuspensionPolicy;
  readonly breaker: BreakerOptions;
  readonly userSuspensionMs: number;
  readonly providerSuspensionMs: number;
  readonly state: StateStore;
  readonly events: EventBus;
  readonly now: () => number;
  /** Where an app user has accounts (linked or mirrored): their alternatives. */
  readonly accounts: AccountDirectory;
  /** The organisation's own providers (`routing.authority`): their disables bind. */
  readonly authority: AuthorityGate;
}

/**
 * On whose behalf a provider is called, which decides what its failure means:
 *
 * - `app`: the application's own tokens. Routed: any provider that is up and
 *   has not suspended the application.
 * - `person` without `provider`: a new sign-in, routed like the app's, the
 *   person's last good provider first.
 * - `person` with `provider`: bound to that provider (an explicit choice, a
 *   callback, a refresh). A refusal names the alternatives.
 * - `verification`: a token at its issuer. Only outages are booked.
 */
export type ProviderCall =
  | { readonly operation: string; readonly for: "app" }
  | {
      readonly operation: string;
      readonly for: "person";
      readonly appUserId?: string | undefined;
      readonly provider?: string | undefined;
    }
  | { readonly operation: string; readonly for: "verification"; readonly provider: string };

/**
 * One provider as {@link Identity.health} sees it: the probe, plus routing's own state (breaker, suspension, state store).
 *
 * @example
 * for (const h of await identity.health()) {
 *   // Up is not enough: an open breaker or a remembered suspension also keeps traffic away.
 *   if (h.status === "down" || h.breaker !== "closed" || h.suspended) log.warn("provider unavailable", { ...h });
 * }
 */
export interface IdentityHealth extends ProviderHealth {
  readonly breaker: BreakerState;
  /** The application's own suspension at this provider, if one is remembered. */
  readonly suspended: string | undefined;
  /** Whether the StateStore (suspension marks, breakers shared between instances) answered. */
  readonly stateStore: "ok" | "unavailable";
}

/** What a failure does to the call in progress. */
interface Booking {
  readonly appUserId: string | undefined;
  /** Move on `client_suspended`/`tenant_unavailable` (calls for the application and new sign-ins). */
  readonly movesOnAppSuspension: boolean;
}

export class Router {
  readonly #options: RouterOptions;
  readonly #providers: ReadonlyMap<string, Provider>;
  readonly #order: readonly string[];
  readonly #breakers: BreakerBoard;
  readonly #suspensions: Suspensions;
  readonly #probes = new Map<string, Promise<void>>();

  constructor(options: RouterOptions) {
    this.#options = options;
    this.#providers = new Map(options.providers.map((p) => [p.id, p]));
    this.#order = options.providers.map((p) => p.id);
    this.#breakers = new BreakerBoard({ ...options, providers: this.#order });
    this.#suspensions = new Suspensions(
      options.state,
      { userTtlMs: options.userSuspensionMs, providerTtlMs: options.providerSuspensionMs },
      options.now,
    );
  }

  /** Calls `run` on the provider(s) `call` may use, booking every outcome (see {@link ProviderCall}). */
  async call<T>(call: ProviderCall, run: (provider: Provider) => Promise<T>): Promise<T> {
    switch (call.for) {
      case "app":
        return this.#routed(call.operation, undefined, run);
      case "verification":
        return this.#verifying(this.provider(call.provider), run);
      case "person":
        if (call.provider === undefined) return this.#routed(call.operation, call.appUserId, run);
        return this.#bound(this.provider(call.provider), call.appUserId, run);
    }
  }

  /** The configured provider `id`; an unknown id is a programmer error. */
  provider(id: string): Provider {
    const provider = this.#providers.get(id);
    if (!provider) throw new TypeError(`unknown provider "${id}"`);
    return provider;
  }

  /** The person signed in at `id`: it works for them again, and it is where they go first next time. */
  async signedIn(appUserId: string, id: string): Promise<void> {
    await Promise.all([
      this.#suspensions.clearUser(appUserId, id),
      this.#options.state.set(lastGoodKey(appUserId), id, { ttlMs: 30 * 24 * 3_600_000 }),
    ]);
  }

  /** Probes every provider (discovery) in parallel, books each outcome, and reports it with routing's state. */
  async health(): Promise<IdentityHealth[]> {
    return Promise.all(
      this.#order.map(async (id) => {
        const health = await this.provider(id).health();
        // The state store is part of the picture: marks live there, and routing reads them.
        let stateStore: IdentityHealth["stateStore"] = "ok";
        let suspended: string | undefined;
        try {
          await this.#bookHealth(health);
          suspended = (await this.#suspensions.ofProvider(id))?.code;
        } catch {
          stateStore = "unavailable";
        }
        return { ...health, breaker: this.#breakers.state(id), suspended, stateStore };
      }),
    );
  }

  /** Listens to other instances' breakers (when the state store can tell); returns the way to stop. */
  listen(): Promise<() => Promise<void>> {
    return this.#breakers.listen();
  }

  /** Waits for probes in flight (close, tests). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#probes.values()]);
  }

  /**
   * Tries `run` on each eligible provider in order until one succeeds. A
   * single provider's failure is thrown as it is; several become an
   * `AllProvidersFailedError` listing each.
   */
  async #routed<T>(
    operation: string,
    appUserId: string | undefined,
    run: (provider: Provider) => Promise<T>,
  ): Promise<T> {
    const { eligible, excluded } = await this.#sift(operation, appUserId);
    const booking: Booking = { appUserId, movesOnAppSuspension: true };
    const attempts: IdSwitchError[] = [];
    for (const [index, provider] of eligible.entries()) {
      const outcome = await this.#attempt(provider, run, booking);
      if (outcome.ok) return outcome.value;
      const { error } = outcome;
      if (!outcome.movesOn)
        throw attempts.length === 0 ? error : new AllProvidersFailedError([...attempts, error]);
      attempts.push(error);
      const next = eligible[index + 1];
      if (next) {
        this.#options.events.emit("failover", {
          operation,
          from: provider.id,
          to: next.id,
          code: error.code,
        });
      }
    }
    if (attempts.length === 1 && attempts[0]) throw attempts[0];
    // Nothing could be tried: say why each provider was out of the running.
    throw new AllProvidersFailedError(attempts.length > 0 ? attempts : excluded);
  }

  /**
   * A call bound to one provider for one person: its failure is booked
   * (breaker, marks), and a suspension or an outage names the alternatives,
   * as `routing.onSuspension` says.
   */
  async #bound<T>(
    provider: Provider,
    appUserId: string | undefined,
    run: (provider: Provider) => Promise<T>,
  ): Promise<T> {
    const outcome = await this.#attempt(provider, run, { appUserId, movesOnAppSuspension: false });
    if (outcome.ok) return outcome.value;
    const { error } = outcome;
    // A failure that came through the browser is not the provider's word: no way out is offered on it.
    if (!OFFERS_ALTERNATIVES.has(error.code) || error.frontChannel) throw error;
    if (error.code === "account_disabled" && this.#options.authority.isAuthority(provider.id)) {
      // The organisation's own provider disabled the person: binding everywhere, no way around it.
      if (appUserId) await this.#options.authority.refusedBy(appUserId, provider.id);
      throw withAlternatives(error, []);
    }
    throw withAlternatives(error, await this.#alternatives(provider.id, appUserId));
  }

  /** One call of one provider, its outcome booked. */
  async #attempt<T>(
    provider: Provider,
    run: (provider: Provider) => Promise<T>,
    booking: Booking,
  ): Promise<{ ok: true; value: T } | { ok: false; error: IdSwitchError; movesOn: boolean }> {
    try {
      const value = await run(provider);
      this.#breakers.succeeded(provider.id);
      return { ok: true, value };
    } catch (err) {
      const error = this.#classify(provider, err);
      return { ok: false, error, movesOn: await this.#book(provider.id, error, booking) };
    }
  }

  /**
   * Verification at the token's issuer: an outage (keys unreachable) feeds
   * the breaker; a success says nothing of the provider (cached keys may
   * have answered), and a bad token is the caller's, not the provider's.
   */
  async #verifying<T>(provider: Provider, run: (provider: Provider) => Promise<T>): Promise<T> {
    try {
      return await run(provider);
    } catch (err) {
      const error = this.#classify(provider, err);
      if (error.code === "provider_unavailable") this.#breakers.failed(provider.id, error.code, error.reason);
      throw error;
    }
  }

  /**
   * The providers a routed call may try, most preferred first: the person's
   * last good provider, then the configured order; minus providers whose
   * breaker is open, that suspended the application, or — under
   * `onSuspension: "failover"` — that suspended this person. And why each
   * other one is out of the running.
   */
  async #sift(
    operation: string,
    appUserId: string | undefined,
  ): Promise<{ eligible: Provider[]; excluded: IdSwitchError[] }> {
    const preferred = appUserId ? await this.#lastGood(appUserId) : undefined;
    const ids = [...new Set([...(preferred ? [preferred] : []), ...this.#order])];
    const eligible: Provider[] = [];
    const excluded: IdSwitchError[] = [];
    const skip = (id: string, code: ErrorCode, why: string) =>
      excluded.push(
        new IdSwitchError(code, `${id}: not tried for ${operation} (${why})`, {
          provider: id,
          reason: "not_tried",
        }),
      );
    for (const id of ids) {
      const provider = this.#providers.get(id);
      if (!provider) continue;
      const admission = this.#breakers.admission(id);
      if (admission !== "allowed") {
        // Half-open: a cheap probe (discovery) decides, off the caller's path.
        if (admission === "probe") void this.#probe(id).catch(() => {});
        skip(id, "provider_unavailable", "its breaker is open");
        continue;
      }
      const appMark = await this.#suspensions.ofProvider(id);
      const personMark = appMark ? undefined : await this.#suspendedForPerson(appUserId, id);
      const mark = appMark ?? personMark;
      if (mark) skip(id, mark.code, appMark ? "it suspended the application" : "it suspended this person");
      else eligible.push(provider);
    }
    return { eligible, excluded };
  }

  /** Where a person refused or stranded at `exclude` may sign in instead. */
  async #alternatives(exclude: string, appUserId: string | undefined): Promise<string[]> {
    if (this.#options.onSuspension === "deny") return [];
    const accounts = appUserId ? await this.#options.accounts.providersOf(appUserId) : undefined;
    const result: string[] = [];
    for (const id of this.#order) {
      if (id === exclude || (accounts && !accounts.has(id))) continue;
      if (this.#breakers.admission(id) === "refused") continue;
      if (await this.#suspensions.ofProvider(id)) continue;
      if (appUserId && (await this.#suspensions.ofUser(appUserId, id))) continue;
      result.push(id);
    }
    return result;
  }

  /**
   * Any failure of `provider`, in the taxonomy. A programmer error (a
   * `TypeError` from a wrong argument) is not a provider's answer: it is
   * rethrown as it is, never booked and never failed over.
   */
  #classify(provider: Provider, err: unknown): IdSwitchError {
    if (err instanceof IdSwitchError) return err;
    if (err instanceof TypeError) throw err;
    return provider.classifyError(err);
  }

  /**
   * Books a failure: outages go to the breaker, suspensions become marks.
   * Returns whether the call may move to the next provider.
   */
  async #book(id: string, error: IdSwitchError, booking: Booking): Promise<boolean> {
    // Only the provider's own voice is evidence: an error brought by the browser, or our own
    // verdict on what was received (a bad state, a bad token), says nothing about the provider.
    if (error.frontChannel || error.code === "token_invalid") return false;
    if (error.code === "provider_unavailable") {
      this.#breakers.failed(id, error.code, error.reason);
      return true;
    }
    // Anything else is the provider answering: it is up.
    this.#breakers.succeeded(id);
    if (PROVIDER_SUSPENSIONS.has(error.code)) {
      await this.#suspensions.markProvider(id, error.code);
      this.#announceSuspension(id, error, "provider", booking.appUserId);
      return booking.movesOnAppSuspension;
    }
    if (USER_SUSPENSIONS.has(error.code)) {
      if (booking.appUserId) await this.#suspensions.markUser(booking.appUserId, id, error.code);
      this.#announceSuspension(id, error, "user", booking.appUserId);
    }
    return false;
  }

  /** Probes one provider now (single-flight) and books the outcome. */
  #probe(id: string): Promise<void> {
    const running = this.#probes.get(id);
    if (running) return running;
    const probe = this.provider(id)
      .health()
      .then((health) => this.#bookHealth(health))
      .finally(() => this.#probes.delete(id));
    this.#probes.set(id, probe);
    return probe;
  }

  /** Books a health probe's outcome: up closes the breaker; an outage feeds it; a suspension marks it. */
  async #bookHealth(health: ProviderHealth): Promise<void> {
    const id = health.provider;
    if (health.status === "up") return this.#breakers.succeeded(id);
    const code = probeCode(health.error);
    if (code === "provider_unavailable") return this.#breakers.failed(id, code, "probe");
    const error = new IdSwitchError(code, `${id}: health probe failed`, { provider: id, reason: "probe" });
    await this.#book(id, error, { appUserId: undefined, movesOnAppSuspension: true });
  }

  async #suspendedForPerson(appUserId: string | undefined, id: string): Promise<SuspensionMark | undefined> {
    if (!appUserId || this.#options.onSuspension !== "failover") return undefined;
    return this.#suspensions.ofUser(appUserId, id);
  }

  async #lastGood(appUserId: string): Promise<string | undefined> {
    const id = await this.#options.state.get<string>(lastGoodKey(appUserId));
    return typeof id === "string" ? id : undefined;
  }

  #announceSuspension(
    id: string,
    error: IdSwitchError,
    scope: "user" | "provider",
    appUserId: string | undefined,
  ): void {
    this.#options.events.emit("account-suspended", { provider: id, code: error.code, scope, appUserId });
  }
}

/** Codes after which the person may be pointed elsewhere: suspensions, ended sessions, outages. */
const OFFERS_ALTERNATIVES: ReadonlySet<ErrorCode> = new Set([
  "account_disabled",
  "account_locked",
  "client_suspended",
  "tenant_unavailable",
  "session_revoked",
  "provider_unavailable",
]);

function lastGoodKey(appUserId: string): string {
  return `idswitch:last-provider:${appUserId}`;
}

function probeCode(error: string | undefined): ErrorCode {
  return error === "tenant_unavailable" || error === "client_suspended" ? error : "provider_unavailable";
}
