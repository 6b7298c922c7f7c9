/**
 * `entraId({...})`: a Microsoft Entra ID tenant as an identity provider.
 */
import { z } from "zod";
import { issuerUrl, parseConfig } from "../../core/config.js";
import { createRuntime, type Runtime } from "../../core/runtime.js";
import type { Principal, Session } from "../../core/types.js";
import { OidcProvider, type ProviderRules } from "../oidc/engine.js";
import { oidcOptionsSchema } from "../oidc/options.js";
import type { CompleteDeviceLoginOptions, DeviceLogin, LoginState, VerifyOptions } from "../provider.js";
import { normalizeEntraClaims, rejectEntraNonAccessToken } from "./claims.js";
import { ENTRA_ERROR_RULES } from "./errors.js";
import type { GroupResolver } from "./groups.js";
import { checkKeyIssuer, type EntraIssuers, entraIssuers, expectedEntraIssuer, GUID } from "./issuers.js";
import {
  GRAPH_RESOURCE,
  graphOptionsShape,
  groupResolver,
  withGraphGroups,
  withGraphGroupsMany,
} from "./overage.js";

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
  ...graphOptionsShape,
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

  readonly #groups: GroupResolver;
  readonly #resolveOverage: boolean;

  constructor(options: z.output<typeof entraOptionsSchema>, runtime: Runtime) {
    const issuers = entraIssuers(options.authority, options.v1IssuerBase, options.tenantId);
    const { groupOverage, graph, ...oidcOptions } = options;
    super({ ...oidcOptions, issuer: issuers.v2 }, runtime, entraRules(issuers, options.tenantId));
    this.tenantId = options.tenantId.toLowerCase();
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

  override async verifyAccessToken(token: string, options: VerifyOptions): Promise<Principal> {
    return this.#withGroups(await super.verifyAccessToken(token, options));
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
