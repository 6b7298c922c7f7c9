/**
 * What the DPoP check of a verification needs from the verifier: where
 * proofs' `jti`s are remembered (RFC 9449 §11.1: a proof is good once), and
 * a mark with which the facade tells a provider that it checks the binding
 * itself — so that a cached token is checked as a fresh one, and a proof
 * is spent exactly once.
 */
import type { StateStore } from "../core/state-store.js";
import type { DpopContext } from "./dpop.js";

/** Set on the verify options by a caller that checks the DPoP binding itself (the facade). */
export const DPOP_CHECKED_BY_CALLER: unique symbol = Symbol("idswitch.dpopCheckedByCaller");

/**
 * This process's memory of spent proofs: two generations of keys, the older
 * dropped whole when the newer has lived longer than any proof it holds can
 * live. Every proof's key is new and never asked for again once its proof is
 * dead, so a store that forgets expired entries only when they are read (the
 * memory state store) would keep them all; this one holds at most two
 * lifetimes' worth.
 */
export class ProofMemory {
  #current = new Set<string>();
  #previous = new Set<string>();
  #rotatedAt: number;
  /** How long a generation lasts: at least the longest lifetime a proof asked to be kept for. */
  #generationMs = 120_000;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
    this.#rotatedAt = now();
  }

  /** Adds `key` for at least `ttlMs`; false when it is here already (a replay). */
  add(key: string, ttlMs: number): boolean {
    this.#generationMs = Math.max(this.#generationMs, ttlMs);
    const now = this.#now();
    if (now - this.#rotatedAt >= this.#generationMs) {
      // Everything in `previous` was added a full generation ago or more: its proofs are dead.
      this.#previous = now - this.#rotatedAt >= 2 * this.#generationMs ? new Set() : this.#current;
      this.#current = new Set();
      this.#rotatedAt = now;
    }
    if (this.#current.has(key) || this.#previous.has(key)) return false;
    this.#current.add(key);
    return true;
  }

  get size(): number {
    return this.#current.size + this.#previous.size;
  }
}

/**
 * `remember` of a {@link DpopContext}: a proof's key added once to this
 * process's memory and, when given, to the shared state store. The shared
 * store tells instances apart; the local memory covers what the shared one
 * forgets: while it is unreachable the facade's guarded store remembers in
 * memory, and once it answers again it knows nothing of the proofs spent
 * meanwhile — without the local memory, each of those could be replayed
 * here once more within its lifetime.
 */
export function rememberIn(local: ProofMemory, shared?: StateStore): DpopContext["remember"] {
  return async (key, ttlMs) => {
    if (!local.add(key, ttlMs)) return false;
    return shared ? shared.add(`idswitch:dpop:${key}`, 1, { ttlMs }) : true;
  };
}
