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
 * `remember` of a {@link DpopContext}: a proof's key added once to the
 * shared state store, and first to `local`, this process's own memory, when
 * given. The shared store tells instances apart; `local` covers what the
 * shared one forgets: while it is unreachable the facade's guarded store
 * remembers in memory, and once it answers again it knows nothing of the
 * proofs spent meanwhile — without `local`, each of those could be replayed
 * here once more within its lifetime.
 */
export function rememberIn(shared: StateStore, local?: StateStore): DpopContext["remember"] {
  return async (key, ttlMs) => {
    const name = `idswitch:dpop:${key}`;
    if (local && !(await local.add(name, 1, { ttlMs }))) return false;
    return shared.add(name, 1, { ttlMs });
  };
}
