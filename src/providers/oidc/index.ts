/**
 * `oidc({...})`: any standards-compliant OpenID Connect provider.
 */
import { parseConfig } from "../../core/config.js";
import { createRuntime } from "../../core/runtime.js";
import type { Claims } from "../../core/types.js";
import { normalizeStandardClaims } from "./claims.js";
import { OidcProvider, type ProviderRules } from "./engine.js";
import { type OidcOptionsInput, oidcOptionsSchema } from "./options.js";

export type { OidcOptionsInput as OidcProviderOptions } from "./options.js";

/**
 * RFC 9068 §2.1 types access tokens `at+jwt`; an ID token carries a `nonce`
 * or is typed for ID use. Anything else typed in the header is refused.
 */
function rejectStandardNonAccessToken(
  claims: Claims,
  header: Readonly<Record<string, unknown>>,
): string | undefined {
  const typ = typeof header.typ === "string" ? header.typ.toLowerCase() : undefined;
  if (typ !== undefined && !["at+jwt", "application/at+jwt", "jwt"].includes(typ)) {
    return `a "${typ}" token is not an access token`;
  }
  if ("nonce" in claims) return "an ID token is not an access token";
  return undefined;
}

export const standardRules: ProviderRules = {
  normalize: normalizeStandardClaims,
  errorRules: [],
  rejectAsAccessToken: rejectStandardNonAccessToken,
};

/**
 * A generic OpenID Connect provider.
 *
 * @example
 * const partner = oidc({
 *   id: "partner",
 *   issuer: "https://login.partner.example",
 *   clientId: "my-app",
 *   clientSecret: env.PARTNER_SECRET,
 *   redirectUri: "https://app.example/callback/partner",
 * });
 */
export function oidc(options: OidcOptionsInput): OidcProvider {
  const parsed = parseConfig(oidcOptionsSchema, options);
  return new OidcProvider(parsed, createRuntime(parsed.runtime), standardRules);
}

export { OidcProvider };
