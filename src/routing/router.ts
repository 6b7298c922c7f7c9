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
import type { ProbeSurface, ProviderHealth } from "../core/types.js";
import type { AccountDirectory } from "../links/accounts.js";
import type { Provider } from "../providers/provider.js";
import type { AuthorityGate } from "./authority.js";
import type { BreakerOptions, BreakerState } from "./breaker.js";
import { BreakerBoard } from "./breaker-board.js";
import { type Drill, type DrillOptions, Drills } from "./drills.js";
import { HedgeDelays, type HedgeOptions } from "./hedge.js";
import { type HealthCheckOptions, type ProbeResult, Prober } from "./prober.js";
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
  /** Background health checks (`routing.health`); `false`: only the probes a half-open breaker asks for. */
  readonly health: HealthCheckOptions | false;
  /** Hedged client credentials (`routing.hedge`); off when undefined. */
  readonly hedge?: HedgeOptions | undefined;
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
  | {
      readonly operation: string;
      readonly for: "verification";
      readonly provider: string;
      /** Which surface an outage is booked on: `keys` (default), or `token` for a token-endpoint call (an exchange). */
      readonly surface?: "keys" | "token";
    };

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
  /** While the breaker is not closed: what a probe must still reach before it closes. */
  readonly failedSurfaces: readonly ProbeSurface[];
  /** The background health checks' last round for this provider (empty before the first). */
  readonly probes: readonly ProbeResult[];
  /** A failover drill in force for this provider (`identity.drill`), if any. */
  readonly drill: Drill | undefined;
}

/** A call's work at one provider; `signal` ends it when routing no longer waits for it (a hedge that lost). */
type Run<T> = (provider: Provider, signal?: AbortSignal) => Promise<T>;

type Outcome<T> = { ok: true; value: T } | { ok: false; error: IdSwitchError; movesOn: boolean };

/** One request of a hedged call: abandoned (and aborted) once the other answered. */
interface Launched<T> {
  readonly provider: Provider;
  readonly controller: AbortController;
  abandoned: boolean;
  readonly settled: Promise<{ provider: Provider; outcome: Outcome<T> }>;
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
  readonly #prober: Prober;
  readonly #drills: Drills;
  readonly #hedge: HedgeDelays | undefined;

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
    this.#drills = new Drills(options.state, options.events, options.now);
    this.#hedge = options.hedge ? new HedgeDelays(options.hedge) : undefined;
    this.#prober = new Prober({
      providers: options.providers,
      board: this.#breakers,
      state: options.state,
      now: options.now,
      health: options.health || { intervalMs: 30_000, timeoutMs: 2_000 },
      book: (id, result, standsInFor) => this.#bookProbe(id, result, standsInFor),
    });
  }

  /** Starts a failover drill: `provider` treated as down for a cohort, until it ends by itself. */
  async drill(options: DrillOptions): Promise<Drill> {
    this.provider(options.provider);
    return this.#drills.start(options);
  }

  /** Ends `provider`'s drill now. */
  async endDrill(provider: string): Promise<void> {
    this.provider(provider);
    return this.#drills.end(provider);
  }

  /** The drills in force, in routing order. */
  async drills(): Promise<Drill[]> {
    const drills = await Promise.all(this.#order.map((id) => this.#drills.of(id)));
    return drills.filter((d) => d !== undefined);
  }

  /** Starts the background health checks (`routing.health`), if configured. */
  startHealthChecks(): void {
    if (this.#options.health) this.#prober.start();
  }

  /** Stops the health checks and waits for probes in flight. */
  async close(): Promise<void> {
    await this.#prober.stop();
  }

  /** Calls `run` on the provider(s) `call` may use, booking every outcome (see {@link ProviderCall}). */
  async call<T>(call: ProviderCall, run: Run<T>): Promise<T> {
    this.#prober.wake();
    switch (call.for) {
      case "app":
        return this.#routed(call.operation, undefined, run);
      case "verification":
        return this.#verifying(this.provider(call.provider), run, call.surface ?? "keys");
      case "person":
        if (call.provider === undefined) return this.#routed(call.operation, call.appUserId, run);
        return this.#bound(call.operation, this.provider(call.provider), call.appUserId, run);
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
        let drill: Drill | undefined;
        try {
          await this.#bookProbe(id, probeResult(health), []);
          suspended = (await this.#suspensions.ofProvider(id))?.code;
          drill = await this.#drills.of(id);
        } catch {
          stateStore = "unavailable";
        }
        // A guarded store answers from memory while the shared one is out: that is still "unavailable".
        if ((this.#options.state as { readonly degraded?: boolean }).degraded) stateStore = "unavailable";
        return {
          ...health,
          breaker: this.#breakers.state(id),
          suspended,
          stateStore,
          failedSurfaces: this.#breakers.failedSurfaces(id),
          probes: this.#prober.latest(id),
          drill,
        };
      }),
    );
  }

  /** Listens to other instances' breakers (when the state store can tell); returns the way to stop. */
  listen(): Promise<() => Promise<void>> {
    return this.#breakers.listen();
  }

  /** Runs one round of health checks now and waits for it (tests, `idswitch doctor`). */
  probeRound(): Promise<void> {
    return this.#prober.round();
  }

  /**
   * Tries `run` on each eligible provider in order until one succeeds; each
   * move to another provider is a `failover` event (also past a provider
   * that was not tried: open breaker, suspension). A person's denial stops
   * here and is thrown as it is. Otherwise, with more than one provider
   * configured, the failure is an `AllProvidersFailedError` naming every
   * provider, tried or not, in routing order; with one, its own error.
   */
  async #routed<T>(operation: string, appUserId: string | undefined, run: Run<T>): Promise<T> {
    const candidates = await this.#sift(operation, appUserId);
    const booking: Booking = { appUserId, movesOnAppSuspension: true };
    const failures: IdSwitchError[] = [];
    const tried: IdSwitchError[] = [];
    let moving: IdSwitchError | undefined; // why the call left the provider in front
    let from: string | undefined;
    const hedging = this.#hedge && HEDGED.has(operation);
    for (let index = 0; index < candidates.length; index++) {
      const { provider, excluded } = candidates[index] as (typeof candidates)[number];
      if (excluded) {
        failures.push(excluded);
        moving ??= excluded;
        from ??= provider.id;
        continue;
      }
      if (from !== undefined && moving) {
        this.#options.events.emit("failover", { operation, from, to: provider.id, code: moving.code });
      }
      const backupAt = hedging ? candidates.findIndex((c, i) => i > index && !c.excluded) : -1;
      const backup = backupAt >= 0 ? candidates[backupAt]?.provider : undefined;
      const { settled, backupTried } = backup
        ? await this.#hedged(operation, provider, backup, run, booking)
        : {
            settled: [{ provider, outcome: await this.#attempt(operation, provider, run, booking) }],
            backupTried: false,
          };
      for (const { provider: at, outcome } of settled) {
        if (outcome.ok) return outcome.value;
        const { error } = outcome;
        // A denial is the last word: thrown as it is, after any outages met on the way.
        if (!outcome.movesOn)
          throw tried.length === 0 ? error : new AllProvidersFailedError([...tried, error]);
        failures.push(error);
        tried.push(error);
        moving = error;
        from = at.id;
      }
      if (backupTried) index = backupAt; // tried alongside: not again
    }
    if (this.#order.length === 1 && failures[0]) throw failures[0];
    throw new AllProvidersFailedError(failures);
  }

  /**
   * `primary`, and `backup` as well once `primary` is slower than its hedge
   * delay: the first good answer wins and the other request is aborted (its
   * outcome is not booked); a hedge that wins counts as a failure of the
   * slow provider, so a provider that keeps losing opens its breaker. A
   * denial by either is the answer. Returns the outcomes that decided, in
   * the order they settled: one success, or the failures.
   */
  async #hedged<T>(
    operation: string,
    primary: Provider,
    backup: Provider,
    run: Run<T>,
    booking: Booking,
  ): Promise<{ settled: Array<{ provider: Provider; outcome: Outcome<T> }>; backupTried: boolean }> {
    const hedge = this.#hedge as HedgeDelays;
    const launch = (provider: Provider): Launched<T> => {
      const controller = new AbortController();
      const started = this.#options.now();
      const launched = { abandoned: false };
      const settled = this.#attempt(
        operation,
        provider,
        run,
        booking,
        controller.signal,
        () => launched.abandoned,
      ).then((outcome) => {
        if (outcome.ok) hedge.observe(provider.id, this.#options.now() - started);
        return { provider, outcome };
      });
      return Object.assign(launched, { provider, controller, settled });
    };
    const first = launch(primary);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slow = new Promise<"slow">((resolve) => {
      timer = setTimeout(() => resolve("slow"), hedge.delay(primary.id));
    });
    const early = await Promise.race([first.settled, slow]).finally(() => clearTimeout(timer));
    if (early !== "slow") return { settled: [early], backupTried: false };

    const second = launch(backup);
    const pending = new Set([first, second]);
    const failed: Array<{ provider: Provider; outcome: Outcome<T> }> = [];
    while (pending.size > 0) {
      const done = await Promise.race([...pending].map((a) => a.settled.then((r) => ({ a, r }))));
      pending.delete(done.a);
      const { outcome } = done.r;
      if (outcome.ok || !outcome.movesOn) {
        for (const other of pending) {
          other.abandoned = true;
          other.controller.abort();
        }
        if (outcome.ok && done.a === second) {
          // The slow provider lost: a soft failure (unless its own failure was booked already).
          if (failed.length === 0)
            this.#breakers.failed(primary.id, "provider_unavailable", "hedged", "token");
          this.#options.events.emit("failover", {
            operation,
            from: primary.id,
            to: backup.id,
            code: "provider_unavailable",
          });
        }
        return { settled: [...failed, done.r], backupTried: true };
      }
      failed.push(done.r);
    }
    return { settled: failed, backupTried: true };
  }

  /**
   * A call bound to one provider for one person: its failure is booked
   * (breaker, marks), and a suspension or an outage names the alternatives,
   * as `routing.onSuspension` says. While the provider's breaker is not
   * closed the call is refused at once (`provider_unavailable`, reason
   * `breaker_open`) — except a callback, whose code is good nowhere else and
   * whose browser has just been at the provider.
   */
  async #bound<T>(
    operation: string,
    provider: Provider,
    appUserId: string | undefined,
    run: Run<T>,
  ): Promise<T> {
    const refusal = COMPLETES_AT_PROVIDER.has(operation)
      ? undefined
      : this.#breakers.admission(provider.id) !== "allowed"
        ? this.#breakerOpen(operation, provider.id)
        : await this.#drilled(operation, provider.id, appUserId);
    const outcome = refusal
      ? { ok: false as const, error: refusal, movesOn: false }
      : await this.#attempt(operation, provider, run, { appUserId, movesOnAppSuspension: false });
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

  /** The refusal of a call to a provider whose breaker is open (the half-open probe is started off the caller's path). */
  #breakerOpen(operation: string, id: string): IdSwitchError {
    if (this.#breakers.admission(id) === "probe")
      void this.#prober.probeNow(this.provider(id)).catch(() => {});
    return new IdSwitchError(
      "provider_unavailable",
      `${id}: not tried for ${operation} (its breaker is open)`,
      {
        provider: id,
        reason: "breaker_open",
        retryable: true,
      },
    );
  }

  /** The refusal of a call a failover drill covers (the provider is not asked), if one does. */
  async #drilled(
    operation: string,
    id: string,
    appUserId: string | undefined,
  ): Promise<IdSwitchError | undefined> {
    const drill = await this.#drills.of(id);
    if (!drill || !this.#drills.covers(drill, appUserId)) return undefined;
    return new IdSwitchError("provider_unavailable", `${id}: not tried for ${operation} (a failover drill)`, {
      provider: id,
      reason: "drill",
      retryable: true,
    });
  }

  /** One call of one provider, its outcome booked against the surface `operation` exercises. */
  async #attempt<T>(
    operation: string,
    provider: Provider,
    run: Run<T>,
    booking: Booking,
    signal?: AbortSignal,
    abandoned: () => boolean = () => false,
  ): Promise<Outcome<T>> {
    try {
      const value = await run(provider, signal);
      // A sign-in URL is built from cached metadata: its success says nothing of the provider.
      if (!BUILT_LOCALLY.has(operation) && !abandoned()) this.#breakers.succeeded(provider.id);
      return { ok: true, value };
    } catch (err) {
      const error = this.#classify(provider, err);
      // Aborted because another answer won: that says nothing of this provider.
      if (abandoned()) return { ok: false, error, movesOn: true };
      return {
        ok: false,
        error,
        movesOn: await this.#book(provider.id, error, booking, surfaceOf(operation)),
      };
    }
  }

  /**
   * Verification at the token's issuer: an outage (keys unreachable) feeds
   * the breaker; a success says nothing of the provider (cached keys may
   * have answered), and a bad token is the caller's, not the provider's.
   */
  async #verifying<T>(
    provider: Provider,
    run: (provider: Provider) => Promise<T>,
    surface: "keys" | "token",
  ): Promise<T> {
    try {
      return await run(provider);
    } catch (err) {
      const error = this.#classify(provider, err);
      if (error.code === "provider_unavailable")
        this.#breakers.failed(provider.id, error.code, error.reason, surface);
      throw error;
    }
  }

  /**
   * The providers a routed call considers, most preferred first: the
   * person's last good provider, then the configured order. Each is either
   * eligible or `excluded` with the reason: its breaker is open, it
   * suspended the application, or — under `onSuspension: "failover"` — it
   * suspended this person.
   */
  async #sift(
    operation: string,
    appUserId: string | undefined,
  ): Promise<Array<{ provider: Provider; excluded?: IdSwitchError }>> {
    const preferred = appUserId ? await this.#lastGood(appUserId) : undefined;
    const ids = [...new Set([...(preferred ? [preferred] : []), ...this.#order])];
    const candidates: Array<{ provider: Provider; excluded?: IdSwitchError }> = [];
    const notTried = (id: string, code: ErrorCode, why: string) =>
      new IdSwitchError(code, `${id}: not tried for ${operation} (${why})`, {
        provider: id,
        reason: "not_tried",
      });
    for (const id of ids) {
      const provider = this.#providers.get(id);
      if (!provider) continue;
      if (this.#breakers.admission(id) !== "allowed") {
        this.#breakerOpen(operation, id); // starts the probe a half-open breaker wants
        candidates.push({ provider, excluded: notTried(id, "provider_unavailable", "its breaker is open") });
        continue;
      }
      const drilled = await this.#drilled(operation, id, appUserId);
      if (drilled) {
        candidates.push({ provider, excluded: drilled });
        continue;
      }
      const appMark = await this.#suspensions.ofProvider(id);
      const personMark = appMark ? undefined : await this.#suspendedForPerson(appUserId, id);
      const mark = appMark ?? personMark;
      const why = appMark ? "it suspended the application" : "it suspended this person";
      candidates.push(mark ? { provider, excluded: notTried(id, mark.code, why) } : { provider });
    }
    return candidates;
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
  async #book(id: string, error: IdSwitchError, booking: Booking, surface: ProbeSurface): Promise<boolean> {
    // Only the provider's own voice is evidence: an error brought by the browser, or our own
    // verdict on what was received (a bad state, a bad token), says nothing about the provider.
    if (error.frontChannel || error.code === "token_invalid") return false;
    if (error.code === "provider_unavailable") {
      this.#breakers.failed(id, error.code, error.reason, surface);
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

  /**
   * Books a probe's outcome: up proves its surface (and those it stands in
   * for) to the breaker; an outage opens it; the application's own
   * suspension becomes a mark.
   */
  async #bookProbe(id: string, result: ProbeResult, standsInFor: readonly ProbeSurface[]): Promise<void> {
    if (result.status === "up") return this.#breakers.probed(id, result.surface, standsInFor);
    const code = probeCode(result.error);
    if (code === "provider_unavailable") return this.#breakers.probeFailed(id, code, result.surface);
    const error = new IdSwitchError(code, `${id}: health probe failed`, { provider: id, reason: "probe" });
    await this.#book(id, error, { appUserId: undefined, movesOnAppSuspension: true }, result.surface);
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

/** Calls that complete at the provider where they began: a callback's code or a device code is good nowhere else. */
const COMPLETES_AT_PROVIDER: ReadonlySet<string> = new Set(["completeLogin", "completeDeviceLogin"]);

/** Calls hedged at the next provider when the one in front is slow: the application's own tokens only. */
const HEDGED: ReadonlySet<string> = new Set(["clientCredentials"]);

/** Calls whose success needs no answer from the provider (the sign-in URL comes from cached metadata). */
const BUILT_LOCALLY: ReadonlySet<string> = new Set(["beginLogin"]);

/** What a call exercises at the provider: a failure there is what a probe must see answered again. */
function surfaceOf(operation: string): ProbeSurface {
  if (operation === "beginLogin") return "discovery";
  if (operation === "verifyAccessToken") return "keys";
  return "token";
}

function probeResult(health: ProviderHealth): ProbeResult {
  return {
    surface: health.surface ?? "discovery",
    status: health.status === "up" ? "up" : "down",
    checkedAt: health.checkedAt,
    latencyMs: health.latencyMs,
    ...(health.error === undefined ? {} : { error: health.error }),
  };
}

function lastGoodKey(appUserId: string): string {
  return `idswitch:last-provider:${appUserId}`;
}

function probeCode(error: string | undefined): ErrorCode {
  return error === "tenant_unavailable" || error === "client_suspended" ? error : "provider_unavailable";
}
