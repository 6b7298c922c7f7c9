/**
 * Routing: which providers an operation may try, in which order, and what a
 * failure means for the next try (DESIGN.md, "Failover", "Suspension is not
 * an outage").
 *
 * - Outages (`provider_unavailable`) feed the provider's breaker and move the
 *   operation to the next provider.
 * - The application's own suspension (`client_suspended`,
 *   `tenant_unavailable`) is marked provider-wide and moves operations that
 *   act for the application (client credentials, new sign-ins).
 * - A person's denial (disabled, locked, wrong password…) never moves the
 *   operation: it is marked for that person and surfaced with the
 *   alternatives, or not, as `onSuspension` says.
 */
import { AllProvidersFailedError, type ErrorCode, IdSwitchError } from "../core/errors.js";
import type { StateStore } from "../core/state-store.js";
import type { ProviderHealth } from "../core/types.js";
import type { EventBus } from "../identity/events.js";
import type { Provider } from "../providers/provider.js";
import { type BreakerOptions, type BreakerSnapshot, CircuitBreaker } from "./breaker.js";
import { PROVIDER_SUSPENSIONS, type SuspensionMark, Suspensions, USER_SUSPENSIONS } from "./suspensions.js";

export type SuspensionPolicy = "offer" | "failover" | "deny";

export interface RouterOptions {
  readonly providers: ReadonlyMap<string, Provider>;
  readonly order: readonly string[];
  readonly onSuspension: SuspensionPolicy;
  readonly breaker: BreakerOptions;
  readonly userSuspensionMs: number;
  readonly providerSuspensionMs: number;
  readonly state: StateStore;
  readonly events: EventBus;
  readonly now: () => number;
  /** The providers an app user has accounts at (linked or mirrored), for alternatives. */
  readonly accountsOf: (appUserId: string) => Promise<ReadonlySet<string>>;
}

/** Who an operation acts for: the application (client credentials), or a person (maybe known). */
export interface RouteContext {
  readonly operation: string;
  readonly appUserId?: string | undefined;
  /** Move on `client_suspended`/`tenant_unavailable` (operations for the application and new sign-ins). */
  readonly failoverOnProviderSuspension: boolean;
}

export class Router {
  readonly #options: RouterOptions;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #probes = new Map<string, Promise<void>>();
  /** Tells this instance's own breaker messages apart from those of other instances. */
  readonly #instance = crypto.randomUUID();
  readonly suspensions: Suspensions;

  constructor(options: RouterOptions) {
    this.#options = options;
    for (const id of options.providers.keys()) {
      this.#breakers.set(id, new CircuitBreaker(options.breaker, options.now));
    }
    this.suspensions = new Suspensions(
      options.state,
      { userTtlMs: options.userSuspensionMs, providerTtlMs: options.providerSuspensionMs },
      options.now,
    );
  }

  breaker(id: string): BreakerSnapshot {
    return this.#breaker(id).snapshot();
  }

  /**
   * Tries `run` on each eligible provider in order until one succeeds. A
   * single provider's failure is thrown as it is; several become an
   * `AllProvidersFailedError` listing each.
   */
  async run<T>(context: RouteContext, run: (provider: Provider) => Promise<T>): Promise<T> {
    const { eligible: candidates, excluded } = await this.#sift(context);
    const attempts: IdSwitchError[] = [];
    for (const [index, provider] of candidates.entries()) {
      try {
        const result = await run(provider);
        this.recordSuccess(provider.id);
        return result;
      } catch (err) {
        const error = this.classify(provider, err);
        const movesOn = await this.recordFailure(provider.id, error, context);
        if (!movesOn) throw attempts.length === 0 ? error : new AllProvidersFailedError([...attempts, error]);
        attempts.push(error);
        const next = candidates[index + 1];
        if (next) {
          this.#options.events.emit("failover", {
            operation: context.operation,
            from: provider.id,
            to: next.id,
            code: error.code,
          });
        }
      }
    }
    if (attempts.length === 1 && attempts[0]) throw attempts[0];
    // Nothing could be tried: say why each provider was out of the running.
    throw new AllProvidersFailedError(attempts.length > 0 ? attempts : excluded);
  }

  /**
   * The providers an operation may try, most preferred first: the person's
   * last good provider, then the configured order; minus providers whose
   * breaker is open, that suspended the application, or — under
   * `onSuspension: "failover"` — that suspended this person.
   */
  async candidates(context: RouteContext): Promise<Provider[]> {
    return (await this.#sift(context)).eligible;
  }

  /** The eligible providers in order, and why each other one is out of the running. */
  async #sift(context: RouteContext): Promise<{ eligible: Provider[]; excluded: IdSwitchError[] }> {
    const preferred = context.appUserId ? await this.#lastGood(context.appUserId) : undefined;
    const ids = [...new Set([...(preferred ? [preferred] : []), ...this.#options.order])];
    const eligible: Provider[] = [];
    const excluded: IdSwitchError[] = [];
    const skip = (id: string, code: ErrorCode, why: string) =>
      excluded.push(
        new IdSwitchError(code, `${id}: not tried for ${context.operation} (${why})`, {
          provider: id,
          reason: "not_tried",
        }),
      );
    for (const id of ids) {
      const provider = this.#options.providers.get(id);
      if (!provider) continue;
      if (!this.#trafficAllowed(id)) {
        skip(id, "provider_unavailable", "its breaker is open");
        continue;
      }
      const appMark = context.failoverOnProviderSuspension
        ? await this.suspensions.ofProvider(id)
        : undefined;
      const personMark = appMark ? undefined : await this.#suspendedForPerson(context.appUserId, id);
      const mark = appMark ?? personMark;
      if (mark) skip(id, mark.code, appMark ? "it suspended the application" : "it suspended this person");
      else eligible.push(provider);
    }
    return { eligible, excluded };
  }

  /** Where a person refused or stranded at `exclude` may sign in instead. */
  async alternatives(exclude: string, appUserId: string | undefined): Promise<string[]> {
    if (this.#options.onSuspension === "deny") return [];
    const accounts = appUserId ? await this.#options.accountsOf(appUserId) : undefined;
    const result: string[] = [];
    for (const id of this.#options.order) {
      if (id === exclude || (accounts && !accounts.has(id))) continue;
      const breaker = this.#breaker(id);
      if (breaker.state === "open" && !breaker.wantsProbe()) continue;
      if (await this.suspensions.ofProvider(id)) continue;
      if (appUserId && (await this.suspensions.ofUser(appUserId, id))) continue;
      result.push(id);
    }
    return result;
  }

  /**
   * Any failure of `provider`, in the taxonomy. A programmer error (a
   * `TypeError` from a wrong argument) is not a provider's answer: it is
   * rethrown as it is, never booked and never failed over.
   */
  classify(provider: Provider, err: unknown): IdSwitchError {
    if (err instanceof IdSwitchError) return err;
    if (err instanceof TypeError) throw err;
    return provider.classifyError(err);
  }

  recordSuccess(id: string): void {
    if (this.#breaker(id).recordSuccess()) {
      this.#options.events.emit("provider-up", { provider: id });
      this.#share(id, "closed");
    }
  }

  /**
   * Books a failure: outages go to the breaker, suspensions become marks.
   * Returns whether the operation may move to the next provider.
   */
  async recordFailure(id: string, error: IdSwitchError, context: RouteContext): Promise<boolean> {
    if (error.code === "provider_unavailable") {
      this.recordOutage(id, error);
      return true;
    }
    // Anything else is the provider answering: it is up.
    this.recordSuccess(id);
    if (PROVIDER_SUSPENSIONS.has(error.code)) {
      await this.suspensions.markProvider(id, error.code);
      this.#suspended(id, error, "provider", context.appUserId);
      return context.failoverOnProviderSuspension;
    }
    if (USER_SUSPENSIONS.has(error.code)) {
      if (context.appUserId) await this.suspensions.markUser(context.appUserId, id, error.code);
      this.#suspended(id, error, "user", context.appUserId);
    }
    return false;
  }

  recordOutage(id: string, error: IdSwitchError): void {
    if (this.#breaker(id).recordFailure()) {
      this.#options.events.emit("provider-down", { provider: id, code: error.code, reason: error.reason });
      this.#share(id, "open");
    }
  }

  /**
   * Listens to breaker changes of other app instances sharing the store (a
   * store with publish/subscribe: Redis), so an outage seen by one instance
   * moves the traffic of all at once. Returns the way to stop listening.
   */
  async shareBreakers(): Promise<() => Promise<void>> {
    const subscribe = this.#options.state.subscribe?.bind(this.#options.state);
    if (!subscribe) return async () => {};
    return subscribe(BREAKER_CHANNEL, (message) => {
      const change = parseBreakerChange(message);
      if (!change || change.from === this.#instance || !this.#breakers.has(change.provider)) return;
      if (!this.#breaker(change.provider).adopt(change.state)) return;
      if (change.state === "open") {
        this.#options.events.emit("provider-down", {
          provider: change.provider,
          code: "provider_unavailable",
          reason: "reported_by_another_instance",
        });
      } else {
        this.#options.events.emit("provider-up", { provider: change.provider });
      }
    });
  }

  #share(provider: string, state: "open" | "closed"): void {
    const message = JSON.stringify({ provider, state, from: this.#instance });
    // Best effort: a store that cannot publish leaves each instance to find out by itself.
    void this.#options.state.publish?.(BREAKER_CHANNEL, message).catch(() => {});
  }

  /** The person signed in at `id`: it works for them again, and it is where they go first next time. */
  async signedIn(appUserId: string, id: string): Promise<void> {
    await Promise.all([
      this.suspensions.clearUser(appUserId, id),
      this.#options.state.set(lastGoodKey(appUserId), id, { ttlMs: 30 * 24 * 3_600_000 }),
    ]);
  }

  /** Probes one provider now (single-flight) and books the outcome. */
  probe(id: string): Promise<void> {
    const running = this.#probes.get(id);
    if (running) return running;
    const provider = this.#options.providers.get(id);
    if (!provider) return Promise.resolve();
    const probe = provider
      .health()
      .then((health) => this.bookHealth(health))
      .finally(() => this.#probes.delete(id));
    this.#probes.set(id, probe);
    return probe;
  }

  /** Books a health probe's outcome: up closes the breaker; an outage feeds it; a suspension marks it. */
  async bookHealth(health: ProviderHealth): Promise<void> {
    const id = health.provider;
    if (health.status === "up") return this.recordSuccess(id);
    const code = toCode(health.error);
    const error = new IdSwitchError(code, `${id}: health probe failed`, { provider: id, reason: "probe" });
    if (code === "provider_unavailable") return this.recordOutage(id, error);
    await this.recordFailure(id, error, { operation: "health", failoverOnProviderSuspension: true });
  }

  /** Waits for probes in flight (close, tests). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#probes.values()]);
  }

  #trafficAllowed(id: string): boolean {
    const breaker = this.#breaker(id);
    if (breaker.allowsTraffic()) return true;
    // Half-open: a cheap probe (discovery) decides, off the caller's path.
    if (breaker.wantsProbe()) void this.probe(id).catch(() => {});
    return false;
  }

  async #suspendedForPerson(appUserId: string | undefined, id: string): Promise<SuspensionMark | undefined> {
    if (!appUserId || this.#options.onSuspension !== "failover") return undefined;
    return this.suspensions.ofUser(appUserId, id);
  }

  async #lastGood(appUserId: string): Promise<string | undefined> {
    const id = await this.#options.state.get<string>(lastGoodKey(appUserId));
    return typeof id === "string" ? id : undefined;
  }

  #suspended(
    id: string,
    error: IdSwitchError,
    scope: "user" | "provider",
    appUserId: string | undefined,
  ): void {
    this.#options.events.emit("account-suspended", { provider: id, code: error.code, scope, appUserId });
  }

  #breaker(id: string): CircuitBreaker {
    const breaker = this.#breakers.get(id);
    if (!breaker) throw new TypeError(`unknown provider "${id}"`);
    return breaker;
  }
}

const BREAKER_CHANNEL = "idswitch:breakers";

interface BreakerChange {
  readonly provider: string;
  readonly state: "open" | "closed";
  readonly from: string;
}

function parseBreakerChange(message: string): BreakerChange | undefined {
  try {
    const value = JSON.parse(message) as Partial<BreakerChange>;
    const valid =
      typeof value.provider === "string" &&
      (value.state === "open" || value.state === "closed") &&
      typeof value.from === "string";
    return valid ? (value as BreakerChange) : undefined;
  } catch {
    return undefined;
  }
}

function lastGoodKey(appUserId: string): string {
  return `idswitch:last-provider:${appUserId}`;
}

function toCode(error: string | undefined): IdSwitchError["code"] {
  return error === "tenant_unavailable" || error === "client_suspended" ? error : "provider_unavailable";
}
