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

export interface BreakerSnapshot {
  readonly state: BreakerState;
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
  /**
   * Just closed by a probe of a cheap endpoint (discovery), which can answer
   * while the endpoint that failed (the token endpoint) still does not: the
   * first real failure re-opens at once instead of after the usual count.
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
    return { state: this.#state, openedAt: this.#openedAt, consecutiveFailures: this.#consecutive };
  }

  /** May live traffic go to this provider? Closed only: open and half-open wait for a probe. */
  allowsTraffic(): boolean {
    return this.#state === "closed";
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

  /** Returns true if this success changed the state (the breaker closed). */
  recordSuccess(): boolean {
    this.#consecutive = 0;
    this.#remember(true);
    if (this.#state === "closed") {
      this.#probation = false;
      return false;
    }
    this.#state = "closed";
    this.#openedAt = undefined;
    this.#window = [];
    this.#probation = true;
    return true;
  }

  /** Returns true if this failure opened a closed breaker (a failed probe re-opens quietly). */
  recordFailure(): boolean {
    this.#consecutive += 1;
    this.#remember(false);
    if (this.#state === "half-open") {
      this.#open();
      return false;
    }
    if (this.#state === "open") return false;
    if (this.#probation) {
      this.#probation = false;
      return this.#open();
    }
    const failures = this.#window.filter((o) => !o.ok).length;
    const tripped =
      this.#consecutive >= this.#consecutiveLimit ||
      (this.#window.length >= this.#minimum && failures / this.#window.length >= this.#ratio);
    return tripped ? this.#open() : false;
  }

  /**
   * Takes the state another app instance reported (breakers shared through
   * the StateStore). Returns true if the state changed.
   */
  adopt(state: "open" | "closed"): boolean {
    if (state === "open") {
      if (this.#state !== "closed") return false;
      return this.#open();
    }
    if (this.#state === "closed") return false;
    this.#state = "closed";
    this.#openedAt = undefined;
    this.#consecutive = 0;
    this.#window = [];
    this.#probation = true;
    return true;
  }

  #open(): boolean {
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
