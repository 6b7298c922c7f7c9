/**
 * `oidc({...})`: any standards-compliant OpenID Connect provider.
 */
import { parseConfig } from "../../core/config.js";
import { createRuntime } from "../../core/runtime.js";
import { standardAccessTokenRule } from "./access-token-type.js";
import { normalizeStandardClaims } from "./claims.js";
import { OidcProvider, type ProviderRules } from "./engine.js";
import { type OidcOptionsInput, oidcOptionsSchema } from "./options.js";

export type { OidcOptionsInput as OidcProviderOptions } from "./options.js";

/** The rules of a standard provider; its access-token rule needs the client id. */
export function standardRules(clientId: string): ProviderRules {
  return {
    normalize: normalizeStandardClaims,
    errorRules: [],
    rejectAsAccessToken: standardAccessTokenRule(clientId),
  };
}

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
  return new OidcProvider(parsed, createRuntime(parsed.runtime), standardRules(parsed.clientId));
}

export { OidcProvider };
