/**
 * ID tokens under a templated issuer (`ProviderRules.templatedIssuer`),
 * verified by the engine instead of by openid-client.
 *
 * Such a provider's discovery document announces a template rather than an
 * issuer, and each token's real issuer is only known from the token itself
 * (the provider's `expectedIssuer` rule derives it). openid-client compares
 * an ID token's `iss` with the discovered issuer and offers no public hook
 * to fill a template. So, for such a configuration only, the token
 * endpoint's JSON answer reaches openid-client with `id_token` renamed;
 * openid-client checks everything else, and the engine verifies the held
 * token itself with jose under the provider's issuer rule (signature,
 * issuer, audience, time, nonce).
 */
import type { CustomFetch, TokenEndpointResponse } from "openid-client";

/** Where the answer keeps the ID token that openid-client must not judge. */
const HELD = "idswitch_held_id_token";

/** A fetch for openid-client that holds back `id_token` from answers of `tokenEndpoint`. */
export function holdingIdTokens(fetch: CustomFetch, tokenEndpoint: string): CustomFetch {
  const endpoint = withoutQuery(tokenEndpoint);
  return async (url, options) => {
    const response = await fetch(url, options);
    if (!response.ok || withoutQuery(url) !== endpoint) return response;
    const text = await response.text();
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    const init = { status: response.status, statusText: response.statusText, headers };
    const body = parseObject(text);
    if (!body || !("id_token" in body)) return new Response(text, init);
    const { id_token: idToken, ...rest } = body;
    return new Response(JSON.stringify({ ...rest, [HELD]: idToken }), init);
  };
}

/** The response's ID token, whether openid-client validated it or it was held back for the engine. */
export function idTokenOf(response: TokenEndpointResponse): string | undefined {
  if (typeof response.id_token === "string") return response.id_token;
  const held = (response as Readonly<Record<string, unknown>>)[HELD];
  return typeof held === "string" ? held : undefined;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function withoutQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url;
  }
}
