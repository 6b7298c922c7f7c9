/**
 * `entraId({...})`: a Microsoft Entra ID tenant — or a multi-tenant app
 * signing in users of the tenants it allows — as an identity provider.
 */
import { parseConfig } from "../../core/config.js";
import { createRuntime, type Runtime } from "../../core/runtime.js";
import type { Principal, Session } from "../../core/types.js";
import type { VerifiedJwt } from "../../tokens/verify-jwt.js";
import { OidcProvider, type ProviderRules } from "../oidc/engine.js";
import type { CompleteDeviceLoginOptions, DeviceLogin, LoginState, VerifyOptions } from "../provider.js";
import { type CertificateCredential, certificateClientAuth } from "./certificate.js";
import { normalizeEntraClaims, rejectEntraNonAccessToken } from "./claims.js";
import { ENTRA_ERROR_RULES } from "./errors.js";
import type { GroupResolver } from "./groups.js";
import {
  type AllowedTenants,
  checkKeyIssuer,
  type EntraIssuers,
  entraIssuers,
  expectedEntraIssuer,
  TENANT_PLACEHOLDER,
} from "./issuers.js";
import {
  type EntraOptions,
  type EntraProviderOptions,
  entraOptionsSchema,
  isMultiTenant,
} from "./options.js";
import { GRAPH_RESOURCE, groupResolver, withGraphGroups, withGraphGroupsMany } from "./overage.js";

export { type EntraProviderOptions, entraOptionsSchema } from "./options.js";

interface EntraRuleInput {
  readonly provider: string;
  readonly issuers: EntraIssuers;
  readonly allowed: AllowedTenants;
  readonly discoveryUrl: string | undefined;
  readonly certificate: CertificateCredential | undefined;
}

function entraRules({
  provider,
  issuers,
  allowed,
  discoveryUrl,
  certificate,
}: EntraRuleInput): ProviderRules {
  return {
    normalize: normalizeEntraClaims,
    errorRules: ENTRA_ERROR_RULES,
    rejectAsAccessToken: rejectEntraNonAccessToken,
    expectedIssuer: (unverified) => expectedEntraIssuer(issuers, allowed, unverified),
    checkVerified: checkKeyIssuer,
    // Any app may ask for Graph's .default: a token with no roles proves the credentials.
    probeScope: `${GRAPH_RESOURCE}/.default`,
    ...(discoveryUrl === undefined ? {} : { templatedIssuer: { discoveryUrl } }),
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
  readonly #resolveOverage: boolean;

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
      entraRules({ provider: options.id, issuers, allowed: new Set(allowed), discoveryUrl, certificate }),
    );
    this.tenantId = options.tenantId.toLowerCase();
    this.allowedTenants = Object.freeze([...new Set(allowed)]);
    this.issuers = issuers;
    this.#resolveOverage = groupOverage === "graph";
    this.#groups = groupResolver(options.id, { groupOverage, graph }, runtime, () =>
      this.clientCredentials({ scope: `${GRAPH_RESOURCE}/.default` }),
    );
  }

  /**
   * The principal with its groups from Microsoft Graph when its token had the groups overage (ENTRA.md
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

  override async verifyAccessToken(
    token: string,
    options: VerifyOptions,
    unverified?: VerifiedJwt,
  ): Promise<Principal> {
    return this.#withGroups(await super.verifyAccessToken(token, options, unverified));
  }

  override async completeLogin(callbackUrl: string | URL, state: LoginState): Promise<Session> {
    return this.#sessionWithGroups(await super.completeLogin(callbackUrl, state));
  }

  override async refresh(session: Session): Promise<Session> {
    return this.#sessionWithGroups(await super.refresh(session));
  }

  override async completeDeviceLogin(
    handle: DeviceLogin,
    options?: CompleteDeviceLoginOptions,
  ): Promise<Session> {
    return this.#sessionWithGroups(await super.completeDeviceLogin(handle, options));
  }

  /** With `groupOverage: "graph"`, a Graph failure fails the call: groups may gate access (fail closed). */
  #withGroups(principal: Principal): Promise<Principal> {
    return this.#resolveOverage ? this.resolveGroups(principal) : Promise.resolve(principal);
  }

  async #sessionWithGroups(session: Session): Promise<Session> {
    return { ...session, principal: await this.#withGroups(session.principal) };
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
