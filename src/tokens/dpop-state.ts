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

/** `remember` of a {@link DpopContext}: a proof's key added once to the state store. */
export function rememberIn(state: StateStore): DpopContext["remember"] {
  return (key, ttlMs) => state.add(`idswitch:dpop:${key}`, 1, { ttlMs });
}
