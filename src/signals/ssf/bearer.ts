/**
 * The bearer token that authorises the receiver at the transmitter's stream
 * management and poll endpoints (SSF 1.0: OAuth 2.0, RFC 6749, per the
 * metadata's `authorization_schemes`). Keycloak accepts only the receiver
 * client's own service-account token, with scope `ssf.read` to read and poll
 * and `ssf.manage` to change a stream, so the default is a client
 * credentials grant of that client; an app with its own token source passes
 * a function instead.
 */
import type { FetchLike } from "../../core/runtime.js";
import { malformed, requestJson } from "./http.js";

/**
 * Gives a bearer token for the transmitter's API; called before each call, so it should cache.
 *
 * @example
 * // A configured provider's client credentials, as createIdentity wires it:
 * const token: StreamTokenSource = async () => (await identity.clientCredentials({ scope: "ssf.read ssf.manage" })).accessToken;
 */
export type StreamTokenSource = () => Promise<string>;

/** What a client credentials grant needs. */
export interface ClientCredentialsSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string;
  readonly tokenEndpoint?: string | undefined;
}

/** Renew this long before the token's own expiry, so no call carries one that lapses in flight. */
const RENEW_MARGIN_MS = 30_000;

/** A cached, single-flight client credentials token source. */
export function clientCredentialsTokens(
  fetch: FetchLike,
  provider: string,
  issuer: string,
  settings: ClientCredentialsSettings,
  now: () => number,
): StreamTokenSource {
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const obtain = async (): Promise<string> => {
    const endpoint = settings.tokenEndpoint ?? (await tokenEndpointOf(fetch, provider, issuer));
    const answer = await postForm(fetch, provider, endpoint, settings);
    const { access_token: token, expires_in: expiresIn } = (answer ?? {}) as Record<string, unknown>;
    if (typeof token !== "string" || token.length === 0)
      throw malformed(provider, "token endpoint gave no access token");
    const lifetimeMs = typeof expiresIn === "number" && expiresIn > 0 ? expiresIn * 1000 : 60_000;
    cached = { token, renewAt: now() + Math.max(lifetimeMs - RENEW_MARGIN_MS, lifetimeMs / 2) };
    return token;
  };
  return async () => {
    if (cached !== undefined && now() < cached.renewAt) return cached.token;
    pending ??= obtain().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/** RFC 6749 §4.4: a client credentials grant, authenticated with client_secret_basic (§2.3.1). */
async function postForm(
  fetch: FetchLike,
  provider: string,
  endpoint: string,
  settings: ClientCredentialsSettings,
): Promise<unknown> {
  // Each part is form-encoded before the base64 (RFC 6749 §2.3.1).
  const basic = btoa(`${encodeURIComponent(settings.clientId)}:${encodeURIComponent(settings.clientSecret)}`);
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      authorization: `Basic ${basic}`,
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    },
    body: new URLSearchParams({ grant_type: "client_credentials", scope: settings.scope }).toString(),
    redirect: "manual",
  });
  const text = await response.text();
  const body = parseJson(text);
  if (!response.ok) {
    const error = typeof body?.error === "string" ? ` (${body.error})` : "";
    throw malformed(provider, `the receiver client's token request answered HTTP ${response.status}${error}`);
  }
  return body;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function tokenEndpointOf(fetch: FetchLike, provider: string, issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const document = (await requestJson(fetch, provider, { method: "GET", url, what: "OpenID discovery" })) as
    | Record<string, unknown>
    | undefined;
  // OIDC Discovery §4.3: the document must name the issuer it was fetched for.
  if (document?.issuer !== issuer || typeof document.token_endpoint !== "string") {
    throw malformed(provider, "OpenID discovery of the transmitter's issuer is not usable");
  }
  return document.token_endpoint;
}
