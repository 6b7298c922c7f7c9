/**
 * The last-known-good discovery document and key set of one issuer, kept in
 * the StateStore the facade attached (for `lastKnownGoodKeysSeconds`), so an
 * app can start and verify while its provider is unreachable, and instances
 * share them. A store that fails is ignored: we are then where we would be
 * without one.
 */
import type { ServerMetadata } from "openid-client";
import type { StateStore } from "../../core/state-store.js";
import type { KeySnapshot, PersistedKeys } from "../../tokens/key-set.js";

export interface LastKnownGood {
  save(server: ServerMetadata): Promise<void>;
  load(): Promise<ServerMetadata | undefined>;
  /** Where the keys published at `jwksUri` survive a restart. */
  keys(jwksUri: string): PersistedKeys;
}

/** Undefined when `seconds` turns keeping off. */
export function lastKnownGood(state: StateStore, issuer: string, seconds: number): LastKnownGood | undefined {
  if (seconds <= 0) return undefined;
  const ttlMs = seconds * 1000;
  const base = `idswitch:lkg:${issuer}`;
  const ignore = () => undefined;
  return {
    save: async (server) => {
      await state.set(`${base}:discovery`, JSON.parse(JSON.stringify(server)), { ttlMs }).catch(ignore);
    },
    load: async () =>
      ((await state.get(`${base}:discovery`).catch(ignore)) as ServerMetadata | undefined) ?? undefined,
    keys: (jwksUri) => ({
      save: (snapshot) =>
        state.set(`${base}:jwks:${jwksUri}`, JSON.parse(JSON.stringify(snapshot)), { ttlMs }),
      load: async () => (await state.get(`${base}:jwks:${jwksUri}`)) as KeySnapshot | undefined,
    }),
  };
}
