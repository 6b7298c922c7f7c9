/**
 * `entraId({...})`: a Microsoft Entra ID tenant as an identity provider.
 */
import { z } from "zod";
import { issuerUrl, parseConfig } from "../../core/config.js";
import { createRuntime, type Runtime } from "../../core/runtime.js";
import { OidcProvider, type ProviderRules } from "../oidc/engine.js";
import { oidcOptionsSchema } from "../oidc/options.js";
import { normalizeEntraClaims, rejectEntraNonAccessToken } from "./claims.js";
import { ENTRA_ERROR_RULES } from "./errors.js";
import { checkKeyIssuer, type EntraIssuers, entraIssuers, expectedEntraIssuer, GUID } from "./issuers.js";

export const entraOptionsSchema = oidcOptionsSchema.omit({ issuer: true }).extend({
  /** The directory (tenant) id, a GUID. */
  tenantId: z
    .string()
    .regex(
      GUID,
      "must be the tenant id (a GUID); multi-tenant 'organizations'/'common' is not supported yet",
    ),
  /** Where Entra runs: the public cloud, a sovereign cloud, or an emulator. */
  authority: issuerUrl.default("https://login.microsoftonline.com"),
  /** Base of v1 issuers (`https://sts.windows.net/{tid}/`); differs from the authority's host. */
  v1IssuerBase: issuerUrl.default("https://sts.windows.net"),
  scope: z.string().default("openid profile email offline_access"),
  /** Entra signs with RS256 (ENTRA.md §5.1). */
  algorithms: oidcOptionsSchema.shape.algorithms.unwrap().default(["RS256"]),
});

export type EntraProviderOptions = z.input<typeof entraOptionsSchema>;

function entraRules(issuers: EntraIssuers, tenantId: string): ProviderRules {
  return {
    normalize: normalizeEntraClaims,
    errorRules: ENTRA_ERROR_RULES,
    rejectAsAccessToken: rejectEntraNonAccessToken,
    expectedIssuer: (unverified) => expectedEntraIssuer(issuers, tenantId, unverified),
    checkVerified: checkKeyIssuer,
  };
}

export class EntraProvider extends OidcProvider {
  readonly tenantId: string;
  /** Both issuers of the tenant: v2 (the discovery issuer) and v1. */
  readonly issuers: EntraIssuers;

  constructor(options: z.output<typeof entraOptionsSchema>, runtime: Runtime) {
    const issuers = entraIssuers(options.authority, options.v1IssuerBase, options.tenantId);
    super({ ...options, issuer: issuers.v2 }, runtime, entraRules(issuers, options.tenantId));
    this.tenantId = options.tenantId.toLowerCase();
    this.issuers = issuers;
  }
}

/**
 * A Microsoft Entra ID tenant.
 *
 * @example
 * const entra = entraId({
 *   id: "entra",
 *   tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *   clientId: "6e74172b-be56-4843-9ff4-e66a39bb12e3",
 *   clientSecret: env.ENTRA_SECRET,
 *   redirectUri: "https://portal.example.eu/callback/entra",
 * });
 */
export function entraId(options: EntraProviderOptions): EntraProvider {
  const parsed = parseConfig(entraOptionsSchema, options);
  return new EntraProvider(parsed, createRuntime(parsed.runtime));
}
