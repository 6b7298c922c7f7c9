/**
 * `keycloak({...})`: a Keycloak realm as an identity provider.
 */
import * as z from "zod/mini";
import { parseConfig } from "../../core/config.js";
import { nonEmpty } from "../../core/mini-schemas.js";
import { createRuntime, type Runtime } from "../../core/runtime.js";
import { OidcProvider, type ProviderRules } from "../oidc/engine.js";
import { oidcOptionsSchema } from "../oidc/options.js";
import type { AccountStatus } from "../provider.js";
import { KeycloakAdmin } from "./admin.js";
import { normalizeKeycloakClaims, realmOf, rejectKeycloakNonAccessToken } from "./claims.js";
import { KEYCLOAK_ERROR_RULES, KEYCLOAK_EXCHANGE_ERROR_RULES } from "./errors.js";

export const keycloakOptionsSchema = z.extend(oidcOptionsSchema, {
  issuer: oidcOptionsSchema.shape.issuer.check(
    z.refine((issuer: string) => {
      try {
        return realmOf(issuer) !== undefined;
      } catch {
        return true; // the URL problem itself is reported by the issuer rule
      }
    }, "must be a Keycloak realm URL ending in /realms/<realm>"),
  ),
  /**
   * A service account of the same realm with realm-management `view-users`.
   * Lets the provider tell a brute-force lock from a wrong password
   * (`accountStatus`), which Keycloak's token endpoint deliberately does not.
   */
  admin: z.optional(z.strictObject({ clientId: nonEmpty, clientSecret: nonEmpty })),
});

/**
 * Options of {@link keycloak}: `id`, the realm's `issuer`, `clientId`, `clientSecret`, `redirectUri`.
 *
 * @example
 * const options: KeycloakProviderOptions = {
 *   id: "eu",
 *   issuer: "https://auth.example.eu/realms/acme",
 *   clientId: "portal",
 *   clientSecret: env.KEYCLOAK_SECRET,
 *   // Lets accountStatus() tell a brute-force lock from a wrong password, which Keycloak's token endpoint hides.
 *   admin: { clientId: "idswitch-admin", clientSecret: env.KEYCLOAK_ADMIN_SECRET },
 * };
 */
export type KeycloakProviderOptions = z.input<typeof keycloakOptionsSchema>;

const keycloakRules: ProviderRules = {
  normalize: normalizeKeycloakClaims,
  errorRules: KEYCLOAK_ERROR_RULES,
  exchangeErrorRules: KEYCLOAK_EXCHANGE_ERROR_RULES,
  rejectAsAccessToken: rejectKeycloakNonAccessToken,
};

/**
 * The Keycloak provider, made by {@link keycloak}. The subject is `sub` within the realm.
 *
 * @example
 * const eu = keycloak({ id: "eu", issuer: "https://auth.example.eu/realms/acme", clientId: "portal", clientSecret });
 * eu.realm; // "acme": every principal it verifies has it as `tenant`
 */
export class KeycloakProvider extends OidcProvider {
  /** The realm name, which is the principal's `tenant`. */
  readonly realm: string;
  readonly #admin: KeycloakAdmin | undefined;

  constructor(options: z.output<typeof keycloakOptionsSchema>, runtime: Runtime) {
    super(options, runtime, keycloakRules);
    this.realm = realmOf(options.issuer) as string;
    this.#admin = options.admin
      ? new KeycloakAdmin({
          provider: options.id,
          issuer: options.issuer,
          credentials: options.admin,
          fetch: this.fetch,
          now: runtime.now,
          errorRules: KEYCLOAK_ERROR_RULES,
        })
      : undefined;
  }

  /** Whether {@link accountStatus} can answer: only with the `admin` option. */
  get answersAccountStatus(): boolean {
    return this.#admin !== undefined;
  }

  /**
   * Whether the account is active, disabled, locked by brute-force detection,
   * or gone. Needs the `admin` option.
   *
   * @example
   * const { status } = await eu.accountStatus(principal.subject); // "locked"
   */
  async accountStatus(subject: string): Promise<AccountStatus> {
    if (!this.#admin) throw new TypeError(`provider "${this.id}": accountStatus needs the "admin" option`);
    return this.#admin.accountStatus(subject);
  }
}

/**
 * A Keycloak realm.
 *
 * @example
 * const eu = keycloak({
 *   id: "eu",
 *   issuer: "https://auth.example.eu/realms/acme",
 *   clientId: "portal",
 *   clientSecret: env.KEYCLOAK_SECRET,
 *   redirectUri: "https://portal.example.eu/callback/eu",
 * });
 */
export function keycloak(options: KeycloakProviderOptions): KeycloakProvider {
  const parsed = parseConfig(keycloakOptionsSchema, options);
  return new KeycloakProvider(parsed, createRuntime(parsed.runtime));
}
