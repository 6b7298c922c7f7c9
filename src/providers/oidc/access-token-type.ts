/**
 * Telling a standard provider's access token from its ID token. Both are
 * JWTs signed with the same keys, and an API whose audience is the client id
 * would otherwise take an ID token (whose audience is always the client,
 * OpenID Connect Core 1.0 §2) as a bearer token.
 */
import type { Claims } from "../../core/types.js";
import type { ProviderRules } from "./engine.js";

/** RFC 9068 §2.1 explicit typing. */
const ACCESS_TOKEN_TYPES = ["at+jwt", "application/at+jwt"];

/**
 * Claims only an ID token carries: `nonce` (§2), `at_hash` (§3.1.3.6, §3.2.2.10)
 * and `c_hash` (§3.3.2.11). No access-token profile defines them.
 */
const ID_TOKEN_ONLY_CLAIMS = ["nonce", "at_hash", "c_hash"];

/**
 * Builds the access-token rule of a generic provider whose client is
 * `clientId`. Returns why a verified token is refused, or undefined.
 */
export function standardAccessTokenRule(clientId: string): ProviderRules["rejectAsAccessToken"] {
  return (claims: Claims, header: Readonly<Record<string, unknown>>): string | undefined => {
    const typ = typeof header.typ === "string" ? header.typ.toLowerCase() : undefined;
    const explicitlyTyped = typ !== undefined && ACCESS_TOKEN_TYPES.includes(typ);
    // Besides RFC 9068's types, only RFC 7519 §5.1's generic "JWT" (or no `typ`).
    if (typ !== undefined && !explicitlyTyped && typ !== "jwt")
      return `a "${typ}" token is not an access token`;
    // Even under `at+jwt`: a token carrying these is an ID token whatever it is typed.
    if (ID_TOKEN_ONLY_CLAIMS.some((claim) => claim in claims)) return "an ID token is not an access token";
    if (!explicitlyTyped && looksLikeIdToken(claims, clientId)) return "an ID token is not an access token";
    return undefined;
  };
}

/**
 * `auth_time` is common in ID tokens (§2) but also allowed in access tokens
 * (RFC 9068 §2.2.1), so alone it proves nothing. With the client as audience
 * and none of an access token's own claims — `scope`/`scp`, RFC 9068 §2.2's
 * required `client_id` — it is an ID token.
 */
function looksLikeIdToken(claims: Claims, clientId: string): boolean {
  if (!("auth_time" in claims)) return false;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(clientId)) return false;
  return !("scope" in claims || "scp" in claims || "client_id" in claims);
}
