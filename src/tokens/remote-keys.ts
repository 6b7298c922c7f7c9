/**
 * One remote key set per issuer, fetched through the provider's guarded fetch
 * (time budget, outage classification). jose refetches on an unknown `kid`,
 * with a cooldown so a flood of made-up `kid`s cannot turn into a flood of
 * requests to the provider.
 */
import { createRemoteJWKSet, customFetch, type RemoteJWKSet } from "jose";
import type { FetchLike } from "../core/runtime.js";

export interface RemoteKeysOptions {
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  /** After a fetch, an unknown `kid` waits this long before it may trigger another. */
  readonly cooldownMs?: number;
  /** Keys older than this are refetched before use. */
  readonly maxAgeMs?: number;
}

export function remoteKeys(jwksUri: string, options: RemoteKeysOptions): RemoteJWKSet {
  return createRemoteJWKSet(new URL(jwksUri), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.maxAgeMs ?? 10 * 60_000,
    [customFetch]: (url, init) => options.fetch(url, init),
  });
}
