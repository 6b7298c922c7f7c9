/**
 * A circuit breaker per provider. Identity-provider traffic per instance is
 * low (sign-ins, refreshes, key fetches), so the usual "100 calls minimum"
 * of Resilience4j or Polly would never trip (their documented defaults:
 * https://resilience4j.readme.io/docs/circuitbreaker,
 * https://www.pollydocs.org/strategies/circuit-breaker#defaults): this one opens
 * on a few consecutive failures, or on a failure ratio over a small minimum
 * volume in a sliding window.
 *
 * Only outages count as failures. A provider that answers "no" (disabled
 * user, wrong password) is up: a denial must never move traffic.
 */

import type { ProbeSurface } from "../core/types.js";

/**
 * Where a provider's circuit breaker stands: `open` keeps traffic away from it.
 *
 * @example
 * // "half-open": a probe may go through; its outcome closes the breaker or opens it again.
 * const avoided = (await identity.health()).filter((h) => h.breaker === "open").map((h) => h.provider);
 */
export type BreakerState = "closed" | "open" | "half-open";

/**
 * `routing.breaker`: when a provider's circuit breaker opens, and for how long.
 *
 * @example
 * createIdentity({ providers, routing: { breaker: { consecutiveFailures: 3, openMs: 30_000 } } });
 */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker. Default 3. */
  readonly consecutiveFailures?: number | undefined;
  /** Failure ratio over the window that opens it… Default 0.5. */
  readonly failureRatio?: number | undefined;
  /** …once at least this many calls were seen in the window. Default 6. */
  readonly minimumCalls?: number | undefined;
  /** The sliding window for the ratio, in ms. Default 60 s. */
  readonly windowMs?: number | undefined;
  /** How long the breaker stays open before a probe may close it, in ms. Default 30 s. */
  readonly openMs?: number | undefined;
}

export type { ProbeSurface };

export interface BreakerSnapshot {
  readonly state: BreakerState;
  /** While not closed: the surfaces whose failures opened it, each to be proved by a probe. */
  readonly failedSurfaces: readonly ProbeSurface[];
  /** Epoch ms when the breaker last opened. */
  readonly openedAt: number | undefined;
  readonly consecutiveFailures: number;
}

const MAX_WINDOW = 200;

interface Outcome {
  readonly at: number;
  readonly ok: boolean;
}

export class CircuitBreaker {
  readonly #now: () => number;
  readonly #consecutiveLimit: number;
  readonly #ratio: number;
  readonly #minimum: number;
  readonly #windowMs: number;
  readonly #openMs: number;
  #state: BreakerState = "closed";
  #openedAt: number | undefined;
  #consecutive = 0;
  #window: Outcome[] = [];
  /** While not closed: what failed, and what a probe must reach before the breaker closes. */
  readonly #failed = new Set<ProbeSurface>();
  /**
   * Just closed by a probe that stood in for the surface that failed (a
   * public client cannot probe its token endpoint, so discovery speaks for
   * it), or by another instance's word: the first real failure re-opens at
   * once instead of after the usual count.
   */
  #probation = false;

  constructor(options: BreakerOptions, now: () => number) {
    this.#now = now;
    this.#consecutiveLimit = options.consecutiveFailures ?? 3;
    this.#ratio = options.failureRatio ?? 0.5;
    this.#minimum = options.minimumCalls ?? 6;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#openMs = options.openMs ?? 30_000;
  }

  get state(): BreakerState {
    return this.#state;
  }

  snapshot(): BreakerSnapshot {
    return {
      state: this.#state,
      failedSurfaces: [...this.#failed],
      openedAt: this.#openedAt,
      consecutiveFailures: this.#consecutive,
    };
  }

  /** The surfaces a probe must reach before this breaker closes (empty while closed). */
  get failedSurfaces(): readonly ProbeSurface[] {
    return [...this.#failed];
  }

  /** May live traffic go to this provider? Closed only: open and half-open wait for a probe. */
  allowsTraffic(): boolean {
    return this.#state === "closed";
  }

  /** Epoch ms when an open breaker turns half-open (a probe may then close it); undefined otherwise. */
  halfOpensAt(): number | undefined {
    return this.#state === "open" ? (this.#openedAt ?? 0) + this.#openMs : undefined;
  }

  /**
   * Is it time to probe? Once the open period is over the breaker turns
   * half-open and stays so until a probe (or a call) reports.
   */
  wantsProbe(): boolean {
    if (this.#state === "open" && this.#now() - (this.#openedAt ?? 0) >= this.#openMs) {
      this.#state = "half-open";
    }
    return this.#state === "half-open";
  }

  /**
   * A live call answered. It resets the failure count of a closed breaker
   * and nothing more: live traffic is never a probe, so a call that happened
   * to get through (or never needed the network) cannot close an open one.
   */
  recordSuccess(): void {
    if (this.#state !== "closed") return;
    this.#consecutive = 0;
    this.#probation = false;
    this.#remember(true);
  }

  /**
   * A probe of `surface` answered. Returns true if the breaker closed: every
   * surface that failed has now been proved by a probe (a probe that could
   * only reach discovery stands in for the token endpoint when the provider
   * has no way to probe it, and then leaves the breaker on probation).
   */
  recordProbeSuccess(surface: ProbeSurface, standsInFor: readonly ProbeSurface[] = []): boolean {
    if (this.#state === "closed") {
      this.recordSuccess();
      return false;
    }
    this.#failed.delete(surface);
    for (const other of standsInFor) this.#failed.delete(other);
    if (this.#failed.size > 0) return false;
    this.#state = "closed";
    this.#openedAt = undefined;
    this.#consecutive = 0;
    this.#window = [];
    this.#probation = standsInFor.length > 0;
    return true;
  }

  /**
   * A call or probe of `surface` found the provider out. Returns true if
   * this failure opened a closed breaker (a failed probe re-opens quietly).
   */
  recordFailure(surface: ProbeSurface = "token"): boolean {
    if (this.#state !== "closed") {
      this.#failed.add(surface);
      if (this.#state === "half-open") this.#open();
      return false;
    }
    this.#consecutive += 1;
    this.#remember(false);
    if (this.#probation) {
      this.#probation = false;
      return this.#open(surface);
    }
    const failures = this.#window.filter((o) => !o.ok).length;
    const tripped =
      this.#consecutive >= this.#consecutiveLimit ||
      (this.#window.length >= this.#minimum && failures / this.#window.length >= this.#ratio);
    return tripped ? this.#open(surface) : false;
  }

  /**
   * A probe of `surface` failed (confirmed by the prober). A closed breaker
   * opens at once: a probe is a deliberate check with its own budget, and
   * waiting for the usual count of failures would let callers find the
   * outage first. Returns true if the breaker opened.
   */
  recordProbeFailure(surface: ProbeSurface): boolean {
    if (this.#state !== "closed") return this.recordFailure(surface);
    this.#consecutive += 1;
    this.#remember(false);
    this.#probation = false;
    return this.#open(surface);
  }

  /**
   * Takes the state another app instance reported (breakers shared through
   * the StateStore). Returns true if the state changed.
   */
  adopt(state: "open" | "closed", surfaces: readonly ProbeSurface[] = ["token"]): boolean {
    if (state === "open") {
      if (this.#state !== "closed") return false;
      return this.#open(...surfaces);
    }
    if (this.#state === "closed") return false;
    this.#failed.clear();
    this.#state = "closed";
    this.#openedAt = undefined;
    this.#consecutive = 0;
    this.#window = [];
    this.#probation = true;
    return true;
  }

  #open(...surfaces: ProbeSurface[]): boolean {
    for (const surface of surfaces) this.#failed.add(surface);
    this.#state = "open";
    this.#openedAt = this.#now();
    return true;
  }

  #remember(ok: boolean): void {
    const now = this.#now();
    this.#window.push({ at: now, ok });
    const horizon = now - this.#windowMs;
    while (this.#window.length > 0 && (this.#window[0]?.at ?? now) < horizon) this.#window.shift();
    // Bounded memory under heavy traffic; the newest outcomes decide.
    if (this.#window.length > MAX_WINDOW) this.#window.splice(0, this.#window.length - MAX_WINDOW);
  }
}
