/**
 * `entraId({...})`: a Microsoft Entra ID tenant — or a multi-tenant app
 * signing in users of the tenants it allows — as an identity provider.
 */
import { parseConfig } from "../../core/config.js";
import { createRuntime, type Runtime } from "../../core/runtime.js";
import type { Principal } from "../../core/types.js";
import { OidcProvider, type ProviderRules } from "../oidc/engine.js";
import type { AccountStatus } from "../provider.js";
import { graphAccountStatus } from "./account-status.js";
import { type ClaimsChallenge, parseClaimsChallenge } from "./cae.js";
import { type CertificateCredential, certificateClientAuth } from "./certificate.js";
import { ENTRA_AUTHORIZED_PARTY_CLAIMS, normalizeEntraClaims, rejectEntraNonAccessToken } from "./claims.js";
import { ENTRA_ERROR_RULES, ENTRA_EXCHANGE_ERROR_RULES } from "./errors.js";
import type { GraphClient } from "./graph.js";
import type { GroupResolver } from "./groups.js";
import {
  type AllowedTenants,
  checkKeyIssuer,
  type EntraIssuers,
  entraIssuers,
  expectedEntraIssuer,
  TENANT_PLACEHOLDER,
} from "./issuers.js";
import { onBehalfOfRequest } from "./on-behalf-of.js";
import {
  type EntraOptions,
  type EntraProviderOptions,
  entraOptionsSchema,
  isMultiTenant,
} from "./options.js";
import {
  GRAPH_RESOURCE,
  graphClient,
  groupResolver,
  withGraphGroups,
  withGraphGroupsMany,
} from "./overage.js";

export { type EntraProviderOptions, entraOptionsSchema } from "./options.js";

interface EntraRuleInput {
  readonly provider: string;
  readonly issuers: EntraIssuers;
  readonly allowed: AllowedTenants;
  readonly discoveryUrl: string | undefined;
  readonly certificate: CertificateCredential | undefined;
  /** Groups from Graph for principals whose token had the overage (`groupOverage: "graph"`). */
  readonly resolveGroups: ((principal: Principal) => Promise<Principal>) | undefined;
}

function entraRules({
  provider,
  issuers,
  allowed,
  discoveryUrl,
  certificate,
  resolveGroups,
}: EntraRuleInput): ProviderRules {
  return {
    normalize: normalizeEntraClaims,
    errorRules: ENTRA_ERROR_RULES,
    rejectAsAccessToken: rejectEntraNonAccessToken,
    expectedIssuer: (unverified) => expectedEntraIssuer(issuers, allowed, unverified),
    checkVerified: checkKeyIssuer,
    authorizedPartyClaims: ENTRA_AUTHORIZED_PARTY_CLAIMS,
    exchangeRequest: onBehalfOfRequest,
    exchangeErrorRules: ENTRA_EXCHANGE_ERROR_RULES,
    // Any app may ask for Graph's .default: a token with no roles proves the credentials.
    probeScope: `${GRAPH_RESOURCE}/.default`,
    // A multi-tenant app (`/organizations`, `/common`) discovers the issuer `…/{tenantid}/v2.0`; each
    // token's own `tid` fills it (`expectedEntraIssuer`). openid-client fills that template only for
    // `login.microsoftonline.com` (its `handleEntraId`), not for national clouds or an emulator, so the
    // engine verifies ID tokens itself under `expectedIssuer`.
    ...(discoveryUrl === undefined ? {} : { templatedIssuer: { discoveryUrl } }),
    // With `groupOverage: "graph"`, a Graph failure fails the call: groups may gate access (fail closed).
    ...(resolveGroups === undefined ? {} : { enrichPrincipal: resolveGroups }),
    ...(certificate === undefined
      ? {}
      : { clientAuthentication: () => certificateClientAuth(certificate, provider) }),
  };
}

/**
 * The Microsoft Entra ID provider, made by {@link entraId}. The subject is the `oid` within the `tid`.
 *
 * @example
 * const entra = entraId({ id: "entra", tenantId, clientId, clientSecret: env.ENTRA_SECRET });
 * entra.allowedTenants; // [tenantId]: a single-tenant provider trusts tokens of its own tenant only
 * const principal = await entra.resolveGroups(await entra.verifyAccessToken(bearer, { audience: "api://orders" }));
 */
export class EntraProvider extends OidcProvider {
  /** The tenant id (lower case), or `organizations`/`common` for a multi-tenant app. */
  readonly tenantId: string;
  /** The tenants whose tokens this provider accepts (lower case): the one tenant, or the allow-list. */
  readonly allowedTenants: readonly string[];
  /**
   * Both issuers: v2 (this provider's `issuer`) and v1. For a multi-tenant
   * app they are templates with `{tenantid}`, filled from each token's `tid`.
   */
  readonly issuers: EntraIssuers;

  readonly #groups: GroupResolver;
  readonly #graph: GraphClient;

  constructor(options: EntraOptions, runtime: Runtime) {
    const multi = isMultiTenant(options.tenantId);
    const tenant = multi ? TENANT_PLACEHOLDER : options.tenantId;
    const issuers = entraIssuers(options.authority, options.v1IssuerBase, tenant);
    const allowed = (multi ? (options.allowedTenants ?? []) : [options.tenantId]).map((t) => t.toLowerCase());
    // The multi-tenant document lives under the authority segment; its issuer is the v2 template (§1.4).
    const discoveryUrl = multi
      ? `${options.authority.replace(/\/+$/, "")}/${options.tenantId}/v2.0/.well-known/openid-configuration`
      : undefined;
    const {
      allowedTenants: _list,
      clientCertificate: certificate,
      groupOverage,
      graph,
      ...oidcOptions
    } = options;
    super(
      { ...oidcOptions, issuer: issuers.v2 },
      runtime,
      entraRules({
        provider: options.id,
        issuers,
        allowed: new Set(allowed),
        discoveryUrl,
        certificate,
        // Called by the engine only once this constructor has finished, so `this` is there by then.
        resolveGroups: groupOverage === "graph" ? (principal) => this.resolveGroups(principal) : undefined,
      }),
    );
    this.tenantId = options.tenantId.toLowerCase();
    this.allowedTenants = Object.freeze([...new Set(allowed)]);
    this.issuers = issuers;
    this.#graph = graphClient(options.id, { groupOverage, graph }, runtime, () =>
      this.clientCredentials({ scope: `${GRAPH_RESOURCE}/.default` }),
    );
    this.#groups = groupResolver(this.#graph, { groupOverage, graph }, runtime);
  }

  /**
   * CAE (docs/reference/entra-id.md §8): the claims challenge a resource answered a token of this provider with.
   *
   * @example
   * const challenge = entra.claimsChallenge(response.headers.get("www-authenticate") ?? "");
   */
  claimsChallenge(wwwAuthenticate: string): ClaimsChallenge | undefined {
    return parseClaimsChallenge(wwwAuthenticate);
  }

  /**
   * Whether the account `oid` (this tenant) is enabled, from Microsoft Graph: lets Entra ID be
   * named in `routing.authority`. Needs the `User.Read.All` application permission.
   *
   * @example
   * const { status } = await entra.accountStatus(principal.subject); // "active" | "disabled" | "not_found"
   */
  async accountStatus(oid: string): Promise<AccountStatus> {
    return graphAccountStatus(this.#graph, this.id, oid);
  }

  /**
   * The principal with its groups from Microsoft Graph when its token had the groups overage (docs/reference/entra-id.md
   * §5.4): transitive, every page, cached for `graph.cacheTtlSeconds`. Unchanged without the overage.
   *
   * @example
   * const principal = await entra.resolveGroups(await entra.verifyAccessToken(bearer, { audience }));
   */
  resolveGroups(principal: Principal): Promise<Principal> {
    return withGraphGroups(principal, { provider: this.id, tenantId: this.tenantId }, this.#groups);
  }

  /**
   * {@link EntraProvider.resolveGroups} for many principals: the first page of each user's groups comes in
   * Graph `$batch`es of 20 — for jobs that check many users (a directory sync, an access review).
   *
   * @example
   * const resolved = await entra.resolveGroupsOf(principals);
   */
  resolveGroupsOf(principals: readonly Principal[]): Promise<Principal[]> {
    return withGraphGroupsMany(principals, { provider: this.id, tenantId: this.tenantId }, this.#groups);
  }
}

/**
 * A Microsoft Entra ID tenant, or a multi-tenant app.
 *
 * @example
 * const entra = entraId({
 *   id: "entra",
 *   tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *   clientId: "6e74172b-be56-4843-9ff4-e66a39bb12e3",
 *   clientSecret: env.ENTRA_SECRET,
 *   redirectUri: "https://portal.example.eu/callback/entra",
 * });
 *
 * @example
 * // A certificate instead of a secret (PS256 and `x5t#S256`, Microsoft's current guidance).
 * const daemon = entraId({
 *   id: "entra",
 *   tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
 *   clientId: "6e74172b-be56-4843-9ff4-e66a39bb12e3",
 *   clientCertificate: { privateKey: env.ENTRA_KEY_PEM, certificate: env.ENTRA_CERT_PEM },
 * });
 *
 * @example
 * // A multi-tenant app: users of the listed tenants only.
 * const partners = entraId({
 *   id: "entra",
 *   tenantId: "organizations",
 *   allowedTenants: ["72f988bf-86f1-41af-91ab-2d7cd011db47", "fa15d692-e9c7-4460-a743-29f2956fd429"],
 *   clientId: "6e74172b-be56-4843-9ff4-e66a39bb12e3",
 *   clientSecret: env.ENTRA_SECRET,
 *   redirectUri: "https://portal.example.eu/callback/entra",
 * });
 */
export function entraId(options: EntraProviderOptions): EntraProvider {
  const parsed = parseConfig(entraOptionsSchema, options);
  return new EntraProvider(parsed, createRuntime(parsed.runtime));
}
