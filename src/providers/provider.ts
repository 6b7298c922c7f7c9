/**
 * The contract every identity provider implements. The facade composes
 * providers through this interface alone; it never asks which provider it
 * holds — what differs between Keycloak, Entra ID and a plain OIDC server
 * lives in each provider's own folder as data (claim rules, error tables).
 */
import type { IdSwitchError } from "../core/errors.js";
import type { StateStore } from "../core/state-store.js";
import type { Claims, Principal, ProviderHealth, Session, TokenSet } from "../core/types.js";
import type { DpopRequest } from "../tokens/dpop.js";
import type { VerifiedJwt as UnverifiedJwt } from "../tokens/verify-jwt.js";
import type { ClaimsChallenge } from "./entra/cae.js";

/**
 * Options of `beginLogin`.
 *
 * @example
 * // Ask for the password again before a sensitive change, at the provider the session came from.
 * const { url, state } = await eu.beginLogin({ prompt: "login", loginHint: "ada@example.eu", returnTo: "/settings" });
 */
export interface BeginLoginOptions {
  /** Where the provider sends the browser back; defaults to the provider's configured `redirectUri`. */
  redirectUri?: string | undefined;
  /** Where the app wants to go after sign-in; carried in the state, not sent to the provider. */
  returnTo?: string | undefined;
  /** Pre-fills the username at the provider (`login_hint`). */
  loginHint?: string | undefined;
  /** Extra scopes on top of the provider's configured ones. */
  scope?: string | undefined;
  /** OIDC `prompt`, e.g. `login` to force re-authentication. */
  prompt?: string | undefined;
  /**
   * An OIDC claims request (Core §5.5) as JSON text, sent as the `claims`
   * parameter: e.g. what a resource's claims challenge asks for (Entra CAE,
   * see `parseClaimsChallenge`). Not JSON of an object: a TypeError.
   */
  claims?: string | undefined;
}

/**
 * What the app keeps between `beginLogin` and `completeLogin` (in its own
 * session, server side or in an encrypted cookie). Plain JSON. It holds the
 * PKCE verifier, so it must not be exposed to the browser in clear.
 *
 * @example
 * const { url, state } = await eu.beginLogin();
 * req.session.login = state; // server side: it carries the PKCE verifier
 * // …on the callback: only the provider the sign-in began at accepts it (mix-up defence).
 * const session = await eu.completeLogin(callbackUrl, req.session.login);
 */
export interface LoginState {
  readonly v: 1;
  /** The provider this sign-in was started at: a callback is only accepted by it (mix-up defence). */
  readonly provider: string;
  readonly issuer: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly returnTo?: string;
  /** Epoch seconds; a state older than the provider's `loginTimeout` is refused. */
  readonly createdAt: number;
}

/**
 * What `beginLogin` returns: redirect to `url`; keep `state` server side for the callback.
 *
 * @example
 * const request = await eu.beginLogin({ returnTo: "/orders" });
 * await saveLoginState(request.state);
 * res.redirect(request.url.href);
 */
export interface LoginRequest {
  /** Send the browser here. */
  readonly url: URL;
  readonly provider: string;
  readonly state: LoginState;
}

/**
 * Options of `clientCredentials`.
 *
 * @example
 * const tokens = await entra.clientCredentials({ scope: "api://orders/.default" }); // Entra only grants `.default`
 */
export interface ClientCredentialsOptions {
  scope?: string | undefined;
  /** RFC 8707 resource indicator. */
  resource?: string | undefined;
  /** Ends the request (routing's hedge aborts the request that lost); the call then fails. */
  signal?: AbortSignal | undefined;
}

/**
 * Options of `exchange`: what the downstream API is. Give the one your
 * provider names APIs by — Keycloak: `audience` (a client id) and/or
 * `scope`; Entra ID: `scope` (`api://orders/.default`), or `audience` (the
 * API's app ID URI, asked for as `<audience>/.default`). `resource` is the
 * RFC 8707 indicator, for providers that take one.
 *
 * @example
 * // An API calls the orders API as the person whose token it received.
 * const downstream = await identity.exchange(bearer, { audience: { entra: "api://orders", eu: "orders" } });
 */
export interface ExchangeOptions {
  audience?: string | undefined;
  scope?: string | undefined;
  resource?: string | undefined;
  /** Ends the request; the call then fails with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/**
 * The request a DPoP proof is for (RFC 9449 §4.2: `htm`, `htu`), and the
 * server's nonce when it asked for one (`DPoP-Nonce`).
 *
 * @example
 * const proof = await identity.dpopProof(session, { method: "POST", url: "https://api.example.eu/orders" });
 */
export interface DpopProofRequest {
  readonly method: string;
  readonly url: string | URL;
  readonly nonce?: string | undefined;
}

/**
 * Options of `beginDeviceLogin`.
 *
 * @example
 * // offline_access: a CLI signs in once and refreshes afterwards.
 * const handle = await eu.beginDeviceLogin({ scope: "openid offline_access" });
 */
export interface DeviceLoginOptions {
  scope?: string | undefined;
}

/**
 * A pending device sign-in (RFC 8628). Plain JSON; `deviceCode` is a credential, keep it server side.
 *
 * @example
 * const handle = await eu.beginDeviceLogin();
 * console.log(`Open ${handle.verificationUriComplete ?? handle.verificationUri} and enter ${handle.userCode}`);
 * const session = await eu.completeDeviceLogin(handle); // polls every `interval` seconds until `expiresAt`
 */
export interface DeviceLogin {
  readonly v: 1;
  readonly provider: string;
  readonly issuer: string;
  /** Show this to the user… */
  readonly userCode: string;
  /** …with this address to open. */
  readonly verificationUri: string;
  readonly verificationUriComplete: string | undefined;
  /** Epoch seconds after which the code is dead. */
  readonly expiresAt: number;
  /** Seconds to wait between polls. */
  readonly interval: number;
  readonly deviceCode: string;
}

/**
 * Options of `completeDeviceLogin`.
 *
 * @example
 * // Stop when the user gives up, rather than polling until the code expires.
 * const abort = new AbortController();
 * process.once("SIGINT", () => abort.abort());
 * const session = await identity.completeDeviceLogin(handle, { signal: abort.signal });
 */
export interface CompleteDeviceLoginOptions {
  /** Stops polling. */
  signal?: AbortSignal | undefined;
}

/**
 * Options of `verifyAccessToken` on one provider.
 *
 * @example
 * // No default audience: a token issued for another API at the same provider must not pass.
 * const principal = await eu.verifyAccessToken(bearer, { audience: "orders", requiredScopes: ["orders.read"] });
 */
export interface VerifyOptions {
  /** Required: the audience (API identifier) the token must be issued for. */
  audience: string | readonly string[];
  /** Scopes that must all be present. */
  requiredScopes?: readonly string[] | undefined;
  /**
   * The request's DPoP proof and what it must match (RFC 9449). A token
   * bound to a key (`cnf.jkt`) passes only with a valid proof of that key;
   * without this option such a token is refused, never taken as a bearer token.
   */
  dpop?: DpopRequest | undefined;
}

/**
 * Options of `logoutUrl` (RP-initiated logout).
 *
 * @example
 * // Ends the provider's session too; the address must be registered there, or it refuses to come back.
 * const url = await identity.logoutUrl(session, { postLogoutRedirectUri: "https://app.example/signed-out" });
 * res.redirect(url.href);
 */
export interface LogoutUrlOptions {
  postLogoutRedirectUri?: string | undefined;
  state?: string | undefined;
}

/**
 * What a provider with admin access knows about an account that its token endpoint will not say.
 *
 * @example
 * // Keycloak answers a locked account like a wrong password; with `admin` the provider can tell them apart.
 * const { status, failures } = await eu.accountStatus(principal.subject);
 * if (status === "locked") showMessage(`Locked after ${failures} failed attempts; try again later.`);
 */
export interface AccountStatus {
  readonly provider: string;
  readonly subject: string;
  readonly status: "active" | "disabled" | "locked" | "not_found";
  /** For `locked`: failed attempts the provider counted. */
  readonly failures?: number;
}

/**
 * What a provider notices on its own, told to whoever composes it (the facade's events).
 *
 * @example
 * const stop = eu.subscribe((event) => {
 *   if (event.type === "key-rotated") log.info(`${event.provider} rotated keys`, { added: event.added });
 *   else log.warn(event.message, { reason: event.reason });
 * });
 */
export type ProviderEvent =
  | {
      readonly type: "key-rotated";
      readonly provider: string;
      /**
       * `kid`s of the keys that appeared and disappeared in the published key
       * set, told apart by key material: a key replaced under one `kid` names
       * it in both lists, a change among keys without `kid` in neither.
       */
      readonly added: readonly string[];
      readonly removed: readonly string[];
    }
  | {
      readonly type: "warning";
      readonly provider: string;
      /** A stable name for the situation, e.g. `stale_keys`. */
      readonly reason: string;
      readonly message: string;
    };

/**
 * One check of `diagnose()`: what was checked, how it went, and a short explanation.
 *
 * @example
 * const problems = (await eu.diagnose()).filter((c) => c.status === "problem");
 * for (const p of problems) console.error(`${p.check}: ${p.detail}`); // e.g. "clock: skew 95 s (tolerance 30 s)"
 */
export interface DiagnosticCheck {
  readonly check: "reachable" | "discovery" | "keys" | "clock" | "client";
  readonly status: "ok" | "warning" | "problem" | "skipped";
  readonly detail: string;
  /** The taxonomy code of a failure. */
  readonly code?: string;
}

/**
 * One identity provider behind one interface; `entraId`, `keycloak` and `oidc` make them. The facade composes them and never asks which kind it holds.
 *
 * @example
 * const providers: Provider[] = [entraId({ id: "entra", tenantId, clientId }), keycloak({ id: "eu", issuer, clientId })];
 */
export interface Provider {
  /** The app's name for this provider ("entra", "eu"). */
  readonly id: string;
  /** The issuer identifier, compared exactly with a token's `iss`. */
  readonly issuer: string;
  /**
   * How long a sign-in may take, from `beginLogin` to the callback: an older
   * login state is refused. The one login lifetime: the facade's replay guard
   * and the integrations' login cookie follow it.
   */
  readonly loginTimeoutSeconds: number;
  /** The leeway on token times (`exp`, `nbf`, `iat`), in seconds; DPoP proofs' `iat` get the same. */
  readonly clockToleranceSeconds?: number;

  /** Starts an authorization-code sign-in with PKCE (S256), state and nonce. */
  beginLogin(options?: BeginLoginOptions): Promise<LoginRequest>;
  /** Checks the callback (state, `iss`, errors), exchanges the code, validates the ID token. */
  completeLogin(callbackUrl: string | URL, state: LoginState): Promise<Session>;
  /** Refreshes at the provider that issued the tokens; never elsewhere. */
  refresh(session: Session): Promise<Session>;
  /** Tokens for the application itself. */
  clientCredentials(options?: ClientCredentialsOptions): Promise<TokenSet>;
  /**
   * A token for a downstream API, for the person of `subjectToken` (an access
   * token this provider issued): Keycloak's standard token exchange (RFC
   * 8693), Entra's on-behalf-of grant. Only at this provider, never another.
   * `unverified` is the token already decoded by a caller that had to peek at
   * it (the facade, to pick this provider), as for `verifyAccessToken`.
   */
  exchange?(subjectToken: string, options: ExchangeOptions, unverified?: UnverifiedJwt): Promise<TokenSet>;
  /** The DPoP proof to send `tokens` (bound to a key this provider holds) with to a resource. */
  dpopProof?(tokens: TokenSet, request: DpopProofRequest): Promise<string>;
  /** Starts a device sign-in (RFC 8628). */
  beginDeviceLogin(options?: DeviceLoginOptions): Promise<DeviceLogin>;
  /** Polls until the user approves, denies, or the code expires. */
  completeDeviceLogin(handle: DeviceLogin, options?: CompleteDeviceLoginOptions): Promise<Session>;
  /** RP-initiated logout URL (`id_token_hint`, `post_logout_redirect_uri`). */
  logoutUrl(session: Session, options?: LogoutUrlOptions): Promise<URL>;
  /**
   * Verifies an access token issued by this provider: signature, exact `iss`,
   * audience, algorithm, time. `unverified` is the token already decoded by a
   * caller that had to peek at it (the facade, to pick this provider): it
   * saves a second decode and is never trusted beyond that.
   */
  verifyAccessToken(token: string, options: VerifyOptions, unverified?: UnverifiedJwt): Promise<Principal>;
  /**
   * `verifyAccessToken`, also naming the published key whose signature
   * checked out, by its RFC 7638 (SHA-256) thumbprint: what the facade's
   * token cache binds an entry to. A provider without it is never cached.
   */
  verifyAccessTokenWithKey?(
    token: string,
    options: VerifyOptions,
    unverified?: UnverifiedJwt,
  ): Promise<{ readonly principal: Principal; readonly keyThumbprint: string | undefined }>;
  /**
   * The claims challenge in a resource's `WWW-Authenticate` answer to one of
   * this provider's access tokens (Entra's Continuous Access Evaluation), or
   * undefined when there is none. A provider whose resources send no claims
   * challenges leaves it out.
   */
  claimsChallenge?(wwwAuthenticate: string): ClaimsChallenge | undefined;
  /**
   * Verifies a logout token (OpenID Back-Channel Logout 1.0) as any token of
   * this provider: signature with its keys, exact `iss`, `aud` = this
   * client's id, algorithm allow-list, `iat`/`exp` (both required). The
   * logout-token rules (event, no nonce, sid or sub) are the facade's.
   */
  verifyLogoutToken?(token: string, unverified?: UnverifiedJwt): Promise<UnverifiedJwt>;
  /**
   * The RFC 7638 thumbprints of the signing keys in use now; undefined before
   * they were first fetched. A cached token answers only while its key is here.
   */
  signingKeys?(): ReadonlySet<string> | undefined;
  /**
   * Whether a token's unverified claims name this provider as its issuer.
   * Only picks the verifier (the signature is checked afterwards by
   * `verifyAccessToken`); must not touch the network.
   */
  isIssuerOf(unverified: Claims): boolean;
  /** Turns verified claims into a `Principal` by this provider's rules. */
  normalizeClaims(claims: Claims): Principal;
  /** Translates any failure of this provider into the taxonomy. */
  classifyError(error: unknown): IdSwitchError;
  /** A cheap probe: the discovery document. */
  health(): Promise<ProviderHealth>;
  /**
   * Probes one surface for the background health checks: `keys` fetches the
   * key set now; `token` asks the token endpoint for client credentials
   * (with the provider's probe scope). Resolves undefined for a surface this
   * provider cannot probe (a public client has no credentials for `token`);
   * `discovery` is {@link Provider.health}.
   */
  probe?(surface: "keys" | "token"): Promise<ProviderHealth | undefined>;
  /**
   * Gives the provider a StateStore for last-known-good discovery documents
   * and key sets (the facade attaches its own before first use).
   */
  attachState?(state: StateStore): void;
  /** Listens to what the provider notices (key rotations, stale keys in use); returns the way to stop. */
  subscribe(listener: (event: ProviderEvent) => void): () => void;
  /**
   * Checks the configuration against the live provider: reachable, discovery
   * valid with the exact issuer, keys published, clocks agree, the client's
   * credentials accepted. For `idswitch doctor`.
   */
  diagnose?(): Promise<readonly DiagnosticCheck[]>;
  /** Admin-backed account state, where the provider was given admin access. */
  accountStatus?(subject: string): Promise<AccountStatus>;
  /**
   * False when `accountStatus` exists on this kind of provider but this one
   * lacks what it needs to answer (a Keycloak without `admin`): such a
   * provider cannot be `routing.authority`.
   */
  readonly answersAccountStatus?: boolean;
}
