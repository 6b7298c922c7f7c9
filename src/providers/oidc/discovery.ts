/**
 * Discovery on openid-client, once per provider instance: single-flight (many
 * concurrent first calls make one request) and forgotten on failure, so the
 * next call tries again instead of caching an outage.
 */
import * as client from "openid-client";
import { IdSwitchError } from "../../core/errors.js";
import type { FetchLike, Runtime } from "../../core/runtime.js";
import { KeySet, type KeySetOptions } from "../../tokens/key-set.js";

export interface Discovered {
  readonly config: client.Configuration;
  readonly metadata: client.ServerMetadata;
  readonly keys: KeySet;
}

export interface DiscoveryInput {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly clockToleranceSeconds: number;
  readonly keySetCooldownSeconds: number;
  readonly lastKnownGoodKeysSeconds: number;
  readonly runtime: Runtime;
  readonly fetch: FetchLike;
  /** The provider id, for errors and events. */
  readonly provider: string;
  readonly onKeyRotation?: KeySetOptions["onRotation"];
  readonly onStaleKeys?: KeySetOptions["onStale"];
}

export function discoverer(input: DiscoveryInput): () => Promise<Discovered> {
  let pending: Promise<Discovered> | undefined;
  return () => {
    pending ??= discover(input).catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

async function discover(input: DiscoveryInput): Promise<Discovered> {
  const { runtime } = input;
  const issuer = new URL(input.issuer);
  const auth = input.clientSecret ? client.ClientSecretPost(input.clientSecret) : client.None();
  // openid-client reads its own clock; a constant offset is how an injected clock reaches it.
  const skew = Math.round((runtime.now() - Date.now()) / 1000);
  const metadata: Partial<client.ClientMetadata> = {
    [client.clockSkew]: skew,
    [client.clockTolerance]: input.clockToleranceSeconds,
  };
  // openid-client's fetch type differs from the web one only in optional-property spelling.
  const customFetch = input.fetch as client.CustomFetch;
  const config = await client.discovery(issuer, input.clientId, metadata, auth, {
    [client.customFetch]: customFetch,
    timeout: Math.ceil(runtime.timeoutMs / 1000),
    // Plain http is only accepted by the config schema for loopback issuers.
    ...(issuer.protocol === "http:" ? { execute: [client.allowInsecureRequests] } : {}),
  });
  config[client.customFetch] = customFetch;
  config.timeout = Math.ceil(runtime.timeoutMs / 1000);
  const server = config.serverMetadata();
  if (!server.jwks_uri) {
    throw new IdSwitchError("config_invalid", `${input.issuer} publishes no jwks_uri`, {
      reason: "discovery",
    });
  }
  const keys = new KeySet(server.jwks_uri, {
    provider: input.provider,
    fetch: input.fetch,
    now: runtime.now,
    cooldownMs: input.keySetCooldownSeconds * 1000,
    lastKnownGoodMs: input.lastKnownGoodKeysSeconds * 1000,
    ...(input.onKeyRotation ? { onRotation: input.onKeyRotation } : {}),
    ...(input.onStaleKeys ? { onStale: input.onStaleKeys } : {}),
  });
  return { config, metadata: server, keys };
}
