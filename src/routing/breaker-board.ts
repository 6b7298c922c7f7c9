/**
 * The circuit breakers of every provider, as one board: each opening and
 * closing is announced once (`provider-down`, `provider-up`) and shared with
 * the other app instances through the StateStore's publish/subscribe, so an
 * outage seen by one instance moves the traffic of all at once.
 */
import type { ErrorCode } from "../core/errors.js";
import type { EventBus } from "../core/events.js";
import type { StateStore } from "../core/state-store.js";
import { type BreakerOptions, type BreakerState, CircuitBreaker } from "./breaker.js";

export interface BreakerBoardOptions {
  readonly providers: readonly string[];
  readonly breaker: BreakerOptions;
  readonly state: StateStore;
  readonly events: EventBus;
  readonly now: () => number;
}

/** Whether a provider may get traffic: yes, no, or no and a probe is due (half-open). */
export type Admission = "allowed" | "refused" | "probe";

export class BreakerBoard {
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #state: StateStore;
  readonly #events: EventBus;
  /** Tells this instance's own breaker messages apart from those of other instances. */
  readonly #instance = crypto.randomUUID();

  constructor(options: BreakerBoardOptions) {
    for (const id of options.providers)
      this.#breakers.set(id, new CircuitBreaker(options.breaker, options.now));
    this.#state = options.state;
    this.#events = options.events;
  }

  state(id: string): BreakerState {
    return this.#breaker(id).state;
  }

  admission(id: string): Admission {
    const breaker = this.#breaker(id);
    if (breaker.allowsTraffic()) return "allowed";
    return breaker.wantsProbe() ? "probe" : "refused";
  }

  /** The provider answered (even "no": a denial is an answer, so it is up). */
  succeeded(id: string): void {
    if (this.#breaker(id).recordSuccess()) {
      this.#events.emit("provider-up", { provider: id });
      this.#share(id, "closed");
    }
  }

  /** The provider did not answer, or answered 5xx/429. */
  failed(id: string, code: ErrorCode, reason: string | undefined): void {
    if (this.#breaker(id).recordFailure()) {
      this.#events.emit("provider-down", { provider: id, code, reason });
      this.#share(id, "open");
    }
  }

  /**
   * Listens to breaker changes of other app instances sharing the store (a
   * store with publish/subscribe: Redis). Returns the way to stop listening.
   */
  async listen(): Promise<() => Promise<void>> {
    const subscribe = this.#state.subscribe?.bind(this.#state);
    if (!subscribe) return async () => {};
    return subscribe(BREAKER_CHANNEL, (message) => {
      const change = parseBreakerChange(message);
      if (!change || change.from === this.#instance || !this.#breakers.has(change.provider)) return;
      if (!this.#breaker(change.provider).adopt(change.state)) return;
      if (change.state === "open") {
        this.#events.emit("provider-down", {
          provider: change.provider,
          code: "provider_unavailable",
          reason: "reported_by_another_instance",
        });
      } else {
        this.#events.emit("provider-up", { provider: change.provider });
      }
    });
  }

  #share(provider: string, state: "open" | "closed"): void {
    const message = JSON.stringify({ provider, state, from: this.#instance });
    // Best effort: a store that cannot publish leaves each instance to find out by itself.
    void this.#state.publish?.(BREAKER_CHANNEL, message).catch(() => {});
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
