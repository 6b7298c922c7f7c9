/**
 * The shapes every provider returns. All of them are plain JSON data so an
 * application can keep them in a cookie, a session store or a database and
 * hand them back later (epoch seconds, never `Date`).
 */

/**
 * Claims as they came in a verified token.
 *
 * @example
 * // What the principal does not normalise (Entra's `amr`, say): unknown until checked.
 * const amr = principal.claims.amr;
 * const usedMfa = Array.isArray(amr) && amr.includes("mfa");
 */
export type Claims = Readonly<Record<string, unknown>>;

/**
 * Who a verified token says the caller is, the same shape for every provider.
 *
 * `(provider, tenant, subject)` identifies a person at a provider and never
 * changes: Keycloak `sub` within its realm, Entra `oid` within its `tid`.
 * Email, username and name are display data: they change and are not keys.
 *
 * @example
 * const principal = await identity.verifyAccessToken(bearer, { audience: { entra: "api://orders", eu: "orders" } });
 * if (!principal.roles.includes("orders.write")) throw new Forbidden();
 * // Key data on (provider, tenant, subject) or the app user; email and username change.
 * const owner = accountKey({ provider: principal.provider, tenant: principal.tenant ?? "", subject: principal.subject });
 */
export interface Principal {
  /** The configured provider id that issued and verified the token. */
  readonly provider: string;
  /** The token's exact `iss`. */
  readonly issuer: string;
  /** Stable, immutable id of the person or client within `tenant`. */
  readonly subject: string;
  /** Keycloak realm name; Entra tenant id. */
  readonly tenant: string | undefined;
  readonly email: string | undefined;
  /** True only when the provider asserts the email as verified. */
  readonly emailVerified: boolean;
  readonly name: string | undefined;
  readonly username: string | undefined;
  /** Roles, client-scoped ones as `client:role`. */
  readonly roles: readonly string[];
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
  /** Token expiry, epoch seconds. */
  readonly expiresAt: number | undefined;
  /** The verified claims, for anything not normalised above. */
  readonly claims: Claims;
}

/**
 * Tokens from one provider's token endpoint.
 *
 * @example
 * const tokens = await identity.clientCredentials({ scope: { entra: "api://orders/.default", eu: "orders" } });
 * await fetch(ordersApi, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
 * // Reuse it until shortly before `expiresAt` (epoch seconds) rather than asking per request.
 * const fresh = (tokens.expiresAt ?? 0) - 60 > Date.now() / 1000;
 */
export interface TokenSet {
  readonly accessToken: string;
  readonly tokenType: string;
  /** Access token expiry, epoch seconds. */
  readonly expiresAt: number | undefined;
  readonly refreshToken: string | undefined;
  readonly idToken: string | undefined;
  readonly scope: string | undefined;
  /**
   * The DPoP key the tokens are bound to (RFC 9449), for a provider with
   * `dpop` on: send them with a proof of it (`identity.dpopProof`), never as
   * bearer tokens. It can hold the private key: keep it as secret as the
   * refresh token.
   */
  readonly dpop?: DpopKey | undefined;
}

/**
 * The DPoP key a token set is bound to, kept with it (plain JSON).
 *
 * @example
 * // A DPoP-bound session carries its key: seal it like the refresh token it travels with.
 * if (session.tokens.dpop) console.log(`bound to key ${session.tokens.dpop.jkt}`);
 */
export interface DpopKey {
  /** RFC 7638 SHA-256 thumbprint of the public key: the tokens' `cnf.jkt`. */
  readonly jkt: string;
  /** The private key as a JWK, when it was made for this session (`dpop: true`); absent for an app-supplied key. */
  readonly jwk?: Readonly<Record<string, string>> | undefined;
}

/**
 * What a completed sign-in gives the app. The facade adds the app user; a
 * provider alone returns the principal and the tokens it issued. Tokens are
 * bound to `provider`: a refresh token is only ever sent back to it.
 *
 * @example
 * const session = await eu.completeLogin(callbackUrl, loginState); // a provider alone: no app user yet
 * const later = await eu.refresh(session); // refreshed at "eu", the provider that issued it, never elsewhere
 */
export interface Session {
  readonly provider: string;
  readonly principal: Principal;
  readonly tokens: TokenSet;
  /** The application's own user id, once identity linking has resolved it. */
  readonly appUserId?: string;
}

/**
 * Whether a provider's health probe last succeeded.
 *
 * @example
 * const down = (await identity.health()).filter((h) => h.status === "down").map((h) => h.provider);
 */
export type ProviderStatus = "up" | "down";

/**
 * The part of a provider a call or a probe exercised. A provider can be half
 * down: discovery answers while the token endpoint hangs (a common shape of
 * real incidents), so a breaker opened by the token endpoint is closed only
 * by a probe that reached the token endpoint.
 *
 * @example
 * // What the background health checks probe, each on its own:
 * const surfaces: ProbeSurface[] = ["discovery", "keys", "token"];
 */
export type ProbeSurface = "discovery" | "keys" | "token";

/** Every {@link ProbeSurface}: what a probe result or a breaker message from another instance may name. */
export const PROBE_SURFACES: ReadonlySet<unknown> = new Set<ProbeSurface>(["discovery", "keys", "token"]);

/**
 * A provider's answer to a cheap health probe (its discovery document).
 *
 * @example
 * const { status, latencyMs, error } = await eu.health(); // "up" and 42, or "down" with an error code
 */
export interface ProviderHealth {
  readonly provider: string;
  readonly status: ProviderStatus;
  /** Milliseconds the probe took. */
  readonly latencyMs: number;
  /** Epoch milliseconds of the probe. */
  readonly checkedAt: number;
  /** Why the provider is down, as an error code. */
  readonly error?: string;
  /** What the probe reached; `discovery` when absent (the `health()` probe). */
  readonly surface?: ProbeSurface;
}

/**
 * A person's account at one provider: immutable ids only (never email or username).
 *
 * @example
 * // Entra's `oid` within its `tid`, Keycloak's `sub` within its realm: an email can pass to another person.
 * const account: ProviderAccount = { provider: "entra", tenant: principal.tenant ?? "", subject: principal.subject };
 * const link = await links.find(account);
 */
export interface ProviderAccount {
  /** The configured provider id ("entra", "eu"). */
  readonly provider: string;
  /** Entra tenant id, Keycloak realm; empty string where the provider has none. */
  readonly tenant: string;
  /** The provider's immutable id of the person within `tenant` (Entra `oid`, Keycloak `sub`). */
  readonly subject: string;
}

/**
 * How a link came to be; kept for audits ("who linked this account, and on what grounds?").
 *
 * @example
 * for (const link of await identity.linksOf(appUserId)) audit.record(link.provider, link.method); // "new-user", "link-claim", …
 */
export type LinkMethod =
  /** The first sign-in of an unknown account made a new app user. */
  | "new-user"
  /** The spare provider's token carried the id of an account already linked (the directory mirror). */
  | "link-claim"
  /** A signed-in user proved the second account in the same session. */
  | "explicit"
  /** Both accounts asserted the same verified email, and the app opted in to that. */
  | "verified-email"
  /** Written by the application or an operator through the store. */
  | "manual";
