/**
 * The circuit breakers of every provider, as one board: each opening and
 * closing is announced once (`provider-down`, `provider-up`) and shared with
 * the other app instances through the StateStore's publish/subscribe, so an
 * outage seen by one instance moves the traffic of all at once.
 */
import type { ErrorCode } from "../core/errors.js";
import type { EventBus } from "../core/events.js";
import type { StateStore } from "../core/state-store.js";
import { PROBE_SURFACES } from "../core/types.js";
import { type BreakerOptions, type BreakerState, CircuitBreaker, type ProbeSurface } from "./breaker.js";

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
  /**
   * Tells this instance's own breaker messages apart from those of other
   * instances. Drawn at first use: Workers refuse random values outside a
   * request, and an app may create its identity at module scope.
   */
  #instanceId: string | undefined;
  get #instance(): string {
    this.#instanceId ??= crypto.randomUUID();
    return this.#instanceId;
  }

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

  /** The surfaces a probe must still reach before `id`'s breaker closes (empty while closed). */
  failedSurfaces(id: string): readonly ProbeSurface[] {
    return this.#breaker(id).failedSurfaces;
  }

  /** Epoch ms when `id`'s open breaker turns half-open; undefined while it is not open. */
  halfOpensAt(id: string): number | undefined {
    return this.#breaker(id).halfOpensAt();
  }

  /**
   * A live call answered (even "no": a denial is an answer). It never closes
   * an open breaker: only a probe does.
   */
  succeeded(id: string): void {
    this.#breaker(id).recordSuccess();
  }

  /** A probe of `surface` answered: the breaker closes once every surface that failed is proved. */
  probed(id: string, surface: ProbeSurface, standsInFor: readonly ProbeSurface[] = []): void {
    if (this.#breaker(id).recordProbeSuccess(surface, standsInFor)) {
      this.#events.emit("provider-up", { provider: id });
      this.#share(id, "closed", []);
    }
  }

  /** A probe of `surface` found the provider out (confirmed): a closed breaker opens at once. */
  probeFailed(id: string, code: ErrorCode, surface: ProbeSurface): void {
    if (this.#breaker(id).recordProbeFailure(surface)) {
      this.#events.emit("provider-down", { provider: id, code, reason: `probe_${surface}` });
      this.#share(id, "open", [surface]);
    }
  }

  /** The provider did not answer on `surface`, or answered 5xx/429. */
  failed(id: string, code: ErrorCode, reason: string | undefined, surface: ProbeSurface = "token"): void {
    if (this.#breaker(id).recordFailure(surface)) {
      this.#events.emit("provider-down", { provider: id, code, reason });
      this.#share(id, "open", [surface]);
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
      if (!this.#breaker(change.provider).adopt(change.state, change.surfaces)) return;
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

  #share(provider: string, state: "open" | "closed", surfaces: readonly ProbeSurface[]): void {
    const message = JSON.stringify({ provider, state, surfaces, from: this.#instance });
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
  /** For `open`: what failed (messages of older instances carry none: the token endpoint is assumed). */
  readonly surfaces?: readonly ProbeSurface[];
  readonly from: string;
}

function parseBreakerChange(message: string): BreakerChange | undefined {
  try {
    const value = JSON.parse(message) as Partial<BreakerChange>;
    const valid =
      typeof value.provider === "string" &&
      (value.state === "open" || value.state === "closed") &&
      typeof value.from === "string";
    if (!valid) return undefined;
    const surfaces = Array.isArray(value.surfaces) ? value.surfaces.filter((s) => PROBE_SURFACES.has(s)) : [];
    return { ...(value as BreakerChange), surfaces: surfaces.length > 0 ? surfaces : ["token"] };
  } catch {
    return undefined;
  }
}
