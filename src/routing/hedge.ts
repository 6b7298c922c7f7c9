/**
 * Hedged requests for the application's own tokens: when the provider in
 * front has not answered within its hedge delay, the next provider is asked
 * as well, and the first good answer wins (the other request is aborted).
 * The delay is fixed, or `"auto"`: twice the provider's observed p99 over its
 * recent answers, bounded 100–2,000 ms — slow enough not to double traffic
 * on an ordinary day, fast enough that a hung provider costs a fraction of a
 * timeout. Only client credentials are hedged: a person's tokens are bound
 * to the provider that issued them, and a denial is an answer, not slowness.
 */

/**
 * `routing.hedge`: when a slow provider's client-credentials call is doubled at the next provider.
 *
 * @example
 * createIdentity({ providers, routing: { hedge: { afterMs: "auto" } } }); // 2 × p99, 100–2,000 ms
 * createIdentity({ providers, routing: { hedge: { afterMs: 300 } } });
 */
export interface HedgeOptions {
  /** Milliseconds, or `"auto"` (twice the provider's recent p99, bounded 100–2,000 ms). */
  readonly afterMs: number | "auto";
}

const MIN_MS = 100;
const MAX_MS = 2_000;
/** Answers remembered per provider for `"auto"`. */
const WINDOW = 200;
/** Fewer answers than this say too little about a p99: the upper bound stands until then. */
const MIN_SAMPLES = 20;

export class HedgeDelays {
  readonly #afterMs: number | "auto";
  readonly #samples = new Map<string, number[]>();

  constructor(options: HedgeOptions) {
    this.#afterMs = options.afterMs;
  }

  /** How long to wait for `provider` before asking the next one. */
  delay(provider: string): number {
    if (this.#afterMs !== "auto") return this.#afterMs;
    const samples = this.#samples.get(provider);
    if (!samples || samples.length < MIN_SAMPLES) return MAX_MS;
    const sorted = [...samples].sort((a, b) => a - b);
    const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? MAX_MS;
    return Math.min(MAX_MS, Math.max(MIN_MS, Math.round(p99 * 2)));
  }

  /** A good answer of `provider` took `ms`. */
  observe(provider: string, ms: number): void {
    let samples = this.#samples.get(provider);
    if (!samples) {
      samples = [];
      this.#samples.set(provider, samples);
    }
    samples.push(ms);
    if (samples.length > WINDOW) samples.shift();
  }
}
