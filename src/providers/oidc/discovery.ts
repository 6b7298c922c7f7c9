/**
 * Discovery on openid-client, once per provider instance: single-flight (many
 * concurrent first calls make one request) and forgotten on failure, so the
 * next call tries again instead of caching an outage.
 */
import type { RemoteJWKSet } from "jose";
import * as client from "openid-client";
import { IdSwitchError } from "../../core/errors.js";
import type { FetchLike, Runtime } from "../../core/runtime.js";
import { remoteKeys } from "../../tokens/remote-keys.js";
import { holdingIdTokens } from "./held-id-token.js";

export interface Discovered {
  readonly config: client.Configuration;
  readonly metadata: client.ServerMetadata;
  readonly keys: RemoteJWKSet;
}

export interface DiscoveryInput {
  readonly issuer: string;
  /**
   * Set for a templated issuer (see `held-id-token.ts`): the discovery
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
  readonly runtime: Runtime;
  readonly fetch: FetchLike;
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
  // A well-known URL makes openid-client skip its issuer comparison; `checkTemplate` makes it instead.
  const where = input.templateDiscoveryUrl ? new URL(input.templateDiscoveryUrl) : issuer;
  const config = await client.discovery(where, input.clientId, metadata, auth, {
    [client.customFetch]: customFetch,
    timeout: Math.ceil(runtime.timeoutMs / 1000),
    // Plain http is only accepted by the config schema for loopback issuers.
    ...(issuer.protocol === "http:" ? { execute: [client.allowInsecureRequests] } : {}),
  });
  config.timeout = Math.ceil(runtime.timeoutMs / 1000);
  const server = config.serverMetadata();
  config[client.customFetch] = customFetch;
  if (input.templateDiscoveryUrl) {
    checkTemplate(server, input);
    config[client.customFetch] = holdingIdTokens(customFetch, server.token_endpoint ?? "");
  }
  if (!server.jwks_uri) {
    throw new IdSwitchError("config_invalid", `${input.issuer} publishes no jwks_uri`, {
      reason: "discovery",
    });
  }
  const keys = remoteKeys(server.jwks_uri, {
    fetch: input.fetch,
    timeoutMs: runtime.timeoutMs,
    cooldownMs: input.keySetCooldownSeconds * 1000,
  });
  return { config, metadata: server, keys };
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
