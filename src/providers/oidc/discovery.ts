/**
 * Discovery on openid-client, once per provider instance: single-flight (many
 * concurrent first calls make one request) and forgotten on failure, so the
 * next call tries again instead of caching an outage.
 */
import * as client from "openid-client";
import { IdSwitchError } from "../../core/errors.js";
import type { FetchLike, Runtime } from "../../core/runtime.js";
import { KeySet, type KeySetOptions } from "../../tokens/key-set.js";
import { holdingIdTokens } from "./held-id-token.js";
import type { LastKnownGood } from "./last-known-good.js";

export interface Discovered {
  readonly config: client.Configuration;
  readonly metadata: client.ServerMetadata;
  readonly keys: KeySet;
  /**
   * The same configuration, its requests also ended by `signal` (a hedged
   * call whose other request won). openid-client takes a fetch per
   * configuration, not per call, so a call that can be abandoned gets a
   * configuration of its own.
   */
  abortable(signal: AbortSignal): client.Configuration;
}

export interface DiscoveryInput {
  readonly issuer: string;
  /**
   * Set for a templated issuer (Entra's multi-tenant `{tenantid}` issuer): the discovery
   * document's own URL. Its `issuer` must then equal `issuer` (the template)
   * exactly, and ID tokens are left to the engine.
   */
  readonly templateDiscoveryUrl?: string | undefined;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  /** Replaces the secret-or-nothing default (a certificate assertion); its failure fails discovery. */
  readonly clientAuthentication?: (() => Promise<client.ClientAuth>) | undefined;
  readonly clockToleranceSeconds: number;
  readonly keySetCooldownSeconds: number;
  readonly lastKnownGoodKeysSeconds: number;
  readonly runtime: Runtime;
  readonly fetch: FetchLike;
  /** The provider id, for errors and events. */
  readonly provider: string;
  readonly onKeyRotation?: KeySetOptions["onRotation"];
  readonly onStaleKeys?: KeySetOptions["onStale"];
  /** Where last-known-good documents and keys are kept, if anywhere. */
  readonly lastKnownGood?: LastKnownGood | undefined;
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
  const auth = input.clientAuthentication
    ? await input.clientAuthentication()
    : input.clientSecret
      ? client.ClientSecretPost(input.clientSecret)
      : client.None();
  // openid-client reads its own clock; a constant offset is how an injected clock reaches it.
  const skew = Math.round((runtime.now() - Date.now()) / 1000);
  const metadata: Partial<client.ClientMetadata> = {
    [client.clockSkew]: skew,
    [client.clockTolerance]: input.clockToleranceSeconds,
  };
  // openid-client's fetch type differs from the web one only in optional-property spelling.
  const customFetch = input.fetch as client.CustomFetch;
  const insecure = issuer.protocol === "http:"; // only accepted by the config schema for loopback issuers
  const saved = input.lastKnownGood;
  // A well-known URL makes openid-client skip its issuer comparison; `checkTemplate` makes it instead.
  const where = input.templateDiscoveryUrl ? new URL(input.templateDiscoveryUrl) : issuer;
  let config: client.Configuration;
  try {
    config = await client.discovery(where, input.clientId, metadata, auth, {
      [client.customFetch]: customFetch,
      timeout: Math.ceil(runtime.timeoutMs / 1000),
      ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
    });
    if (input.templateDiscoveryUrl) checkTemplate(config.serverMetadata(), input);
    void saved?.save(config.serverMetadata());
  } catch (err) {
    // Unreachable at start: the discovery document an earlier run (or another instance) saw stands in.
    const previous =
      err instanceof IdSwitchError && err.code === "config_invalid" ? undefined : await saved?.load();
    if (!previous) throw err;
    config = new client.Configuration(previous, input.clientId, metadata, auth);
    if (insecure) client.allowInsecureRequests(config);
  }
  config.timeout = Math.ceil(runtime.timeoutMs / 1000);
  const server = config.serverMetadata();
  config[client.customFetch] = input.templateDiscoveryUrl
    ? holdingIdTokens(customFetch, server.token_endpoint ?? "")
    : customFetch;
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
    persisted: saved?.keys(server.jwks_uri),
  });
  const fetchFor = config[client.customFetch] as client.CustomFetch;
  const abortable = (signal: AbortSignal): client.Configuration => {
    const own = new client.Configuration(server, input.clientId, metadata, auth);
    if (insecure) client.allowInsecureRequests(own);
    own.timeout = config.timeout;
    own[client.customFetch] = (url, options) =>
      fetchFor(url, {
        ...options,
        signal: options.signal ? AbortSignal.any([options.signal, signal]) : signal,
      });
    return own;
  };
  return { config, metadata: server, keys, abortable };
}

/** OIDC Discovery §4.3, for a template: the document must announce exactly the template we were configured for. */
function checkTemplate(server: client.ServerMetadata, input: DiscoveryInput): void {
  if (server.issuer !== input.issuer) {
    throw new IdSwitchError(
      "config_invalid",
      `${input.templateDiscoveryUrl} announces another issuer than ${input.issuer}`,
      { reason: "discovery" },
    );
  }
}
