/**
 * The one OIDC engine every provider runs on (openid-client for the
 * protocol, jose for token verification). A provider is this engine plus
 * data (`ProviderRules`): its claim rules, its error table, its issuer and
 * access-token rules, and what it adds to a principal. The engine reads
 * those properties; it never asks which provider it is.
 */
import * as client from "openid-client";
import { IdSwitchError, invalid } from "../../core/errors.js";
import { guardedFetch } from "../../core/http.js";
import type { Runtime } from "../../core/runtime.js";
import type { StateStore } from "../../core/state-store.js";
import type { Claims, DpopKey, Principal, ProviderHealth, Session, TokenSet } from "../../core/types.js";
import { checkDpopBinding, createDpopProof, type DpopContext } from "../../tokens/dpop.js";
import { DPOP_CHECKED_BY_CALLER, ProofMemory, rememberIn } from "../../tokens/dpop-state.js";
import type { KeyResolution } from "../../tokens/key-set.js";
import { type JwtCheck, peekJwt, type VerifiedJwt, verifyJwt } from "../../tokens/verify-jwt.js";
import type {
  BeginLoginOptions,
  ClientCredentialsOptions,
  CompleteDeviceLoginOptions,
  DeviceLogin,
  DeviceLoginOptions,
  DiagnosticCheck,
  DpopProofRequest,
  ExchangeOptions,
  LoginRequest,
  LoginState,
  LogoutUrlOptions,
  Provider,
  ProviderEvent,
  VerifyOptions,
} from "../provider.js";
import type { NormalizeContext } from "./claims.js";
import { type Discovered, discoverer } from "./discovery.js";
import { DpopKeys } from "./dpop-client.js";
import {
  classifyAnswer,
  classifyOidcError,
  type ErrorRule,
  throughBrowser,
  withAnswerBody,
  withClaimsChallenge,
} from "./errors.js";
import { idTokenOf } from "./held-id-token.js";
import { type LastKnownGood, lastKnownGood } from "./last-known-good.js";
import { checkLoginState } from "./login-state.js";
import { type OidcOptions, withOpenid } from "./options.js";
import { toTokenSet } from "./tokens.js";

/** What makes one provider different from another: data, read by the engine. */
export interface ProviderRules {
  /** Claims → Principal. */
  normalize(claims: Claims, context: NormalizeContext): Principal;
  /** This provider's real error answers, matched before the generic OAuth table. */
  readonly errorRules: readonly ErrorRule[];
  /**
   * Refuses a verified token that is not an access token (an ID token, a
   * refresh token). Returns why, or undefined to accept.
   */
  rejectAsAccessToken(claims: Claims, header: Readonly<Record<string, unknown>>): string | undefined;
  /**
   * The issuer a token must carry, derived from its unverified claims, for
   * providers with more than one (one per token version or per tenant, say).
   * Undefined refuses the token before any network call. Default: the
   * configured issuer.
   */
  expectedIssuer?(unverified: Claims): string | undefined;
  /**
   * Checks after the signature, with the published key that verified it
   * (against a key's own `issuer` member, say). Returns why to refuse, or undefined.
   */
  checkVerified?(claims: Claims, key: Readonly<Record<string, unknown>> | undefined): string | undefined;
  /**
   * For a configured issuer that is a template, filled per token by
   * `expectedIssuer`: where the discovery document announcing that template
   * is. ID tokens are then verified by the engine alone.
   */
  readonly templatedIssuer?: { readonly discoveryUrl: string };
  /**
   * The claims that may name the party a token was issued to, required when
   * it has several audiences (OIDC Core §3.1.3.7). Default: `azp`, `client_id`.
   */
  readonly authorizedPartyClaims?: readonly string[];
  /**
   * Completes a principal after every check passed, before anyone gets it
   * (groups fetched from a directory, say): for bearer tokens and for every
   * token response (sign-in, refresh, device). Its failure fails the call.
   */
  enrichPrincipal?(principal: Principal): Promise<Principal>;
  /**
   * How the client authenticates at the token endpoint when not with a
   * secret (a certificate assertion, say). Built once, at discovery.
   */
  readonly clientAuthentication?: () => Promise<client.ClientAuth>;
  /**
   * The token request of `exchange` for this provider. Default: RFC 8693
   * token exchange of an access token (Keycloak's standard token exchange).
   */
  exchangeRequest?(subjectToken: string, options: ExchangeOptions): ExchangeRequest;
  /** Error answers particular to `exchange`, matched before `errorRules`. */
  readonly exchangeErrorRules?: readonly ErrorRule[];
  /**
   * A scope for which client credentials work for any registered client,
   * used to check credentials (`diagnose`), for providers that require one.
   */
  readonly probeScope?: string;
}

/** A token request: the grant type and its parameters (client authentication is added by openid-client). */
export interface ExchangeRequest {
  readonly grantType: string;
  readonly parameters: Readonly<Record<string, string>>;
}

/** RFC 8693 §2.1: an access token exchanged for one for `audience`/`scope`/`resource`. */
export function tokenExchangeRequest(subjectToken: string, options: ExchangeOptions): ExchangeRequest {
  const parameters: Record<string, string> = {
    subject_token: subjectToken,
    subject_token_type: "urn:ietf:params:oauth:token-type:access_token",
    requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
  };
  if (options.audience) parameters.audience = options.audience;
  if (options.scope) parameters.scope = options.scope;
  if (options.resource) parameters.resource = options.resource;
  return { grantType: "urn:ietf:params:oauth:grant-type:token-exchange", parameters };
}

/**
 * A standard OpenID Connect provider on openid-client, made by {@link oidc}; the engine every provider extends.
 *
 * @example
 * const partner = oidc({ id: "partner", issuer: "https://login.partner.example", clientId: "my-app", clientSecret });
 * // Check the configuration against the live provider before sending people to it.
 * for (const check of await partner.diagnose()) if (check.status !== "ok") console.warn(`${check.check}: ${check.detail}`);
 */
export class OidcProvider implements Provider {
  readonly id: string;
  readonly issuer: string;
  protected readonly options: OidcOptions;
  protected readonly runtime: Runtime;
  protected readonly fetch: Runtime["fetch"];
  readonly #rules: ProviderRules;
  /** Built once: every verification reads them. */
  readonly #context: NormalizeContext;
  readonly #expectedIssuer: JwtCheck["issuer"];
  readonly #listeners = new Set<(event: ProviderEvent) => void>();
  #discover: () => Promise<Discovered>;
  #ready: Discovered | undefined;
  /** `exchange`'s own error answers first, then the provider's. */
  readonly #exchangeRules: readonly ErrorRule[];
  /** The DPoP keys, with `dpop` on. */
  readonly #dpop: DpopKeys | undefined;
  readonly #dpopHandles = new WeakMap<CryptoKeyPair, client.DPoPHandle>();
  /** Proofs' jtis: this provider's own memory, and the facade's store once attached. */
  #spentProofs: DpopContext["remember"];
  readonly #proofMemory: ProofMemory;

  constructor(options: OidcOptions, runtime: Runtime, rules: ProviderRules) {
    this.id = options.id;
    this.issuer = options.issuer;
    this.options = options;
    this.runtime = runtime;
    this.#rules = rules;
    this.#context = { provider: options.id, issuer: options.issuer };
    const expectedIssuer = rules.expectedIssuer?.bind(rules);
    this.#expectedIssuer = expectedIssuer ?? options.issuer;
    this.fetch = guardedFetch(runtime, options.id);
    this.#discover = this.#discoverer(undefined);
    this.#exchangeRules = [...(rules.exchangeErrorRules ?? []), ...rules.errorRules];
    this.#proofMemory = new ProofMemory(runtime.now);
    this.#spentProofs = rememberIn(this.#proofMemory);
    const dpop = options.dpop;
    this.#dpop = dpop ? new DpopKeys(dpop, options.id) : undefined;
  }

  get loginTimeoutSeconds(): number {
    return this.options.loginTimeoutSeconds;
  }

  get clockToleranceSeconds(): number {
    return this.options.clockToleranceSeconds;
  }

  async beginLogin(options: BeginLoginOptions = {}): Promise<LoginRequest> {
    const redirectUri = options.redirectUri ?? this.options.redirectUri;
    if (!redirectUri) throw new TypeError(`provider "${this.id}": no redirectUri configured or given`);
    if (options.claims !== undefined) checkClaimsRequest(options.claims);
    const { config, metadata } = await this.#discovered();
    const methods = metadata.code_challenge_methods_supported;
    if (Array.isArray(methods) && !methods.includes("S256")) {
      throw new IdSwitchError("config_invalid", `${this.id}: provider does not support PKCE S256`, {
        provider: this.id,
      });
    }
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: withOpenid(this.options.scope, options.scope),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
      state,
      nonce,
      ...(options.loginHint ? { login_hint: options.loginHint } : {}),
      ...(options.prompt ? { prompt: options.prompt } : {}),
      ...(options.claims === undefined ? {} : { claims: options.claims }),
    });
    return {
      url,
      provider: this.id,
      state: {
        v: 1,
        provider: this.id,
        issuer: this.issuer,
        redirectUri,
        state,
        nonce,
        codeVerifier,
        ...(options.returnTo === undefined ? {} : { returnTo: options.returnTo }),
        createdAt: this.#nowSeconds(),
      },
    };
  }

  async completeLogin(callbackUrl: string | URL, loginState: LoginState): Promise<Session> {
    // Validated at run time too: the state comes back from a cookie or a store.
    const state = checkLoginState(loginState, {
      provider: this.id,
      issuer: this.issuer,
      nowSeconds: this.#nowSeconds(),
      maxAgeSeconds: this.options.loginTimeoutSeconds,
    });
    const callback = new URL(callbackUrl);
    const error = callback.searchParams.get("error");
    if (error !== null) {
      // An error in the redirect came through the browser, and anyone can write one: it ends
      // this sign-in and is never taken for the provider's word (RFC 6749 §4.1.2.1).
      const description = callback.searchParams.get("error_description") ?? undefined;
      throw throughBrowser(error, description, this.id, this.#rules.errorRules);
    }
    const { config } = await this.#discovered();
    // Under a templated issuer openid-client never sees the ID token, so it cannot check the nonce either.
    const idTokenChecks = this.#rules.templatedIssuer
      ? {}
      : { expectedNonce: state.nonce, idTokenExpected: true };
    const dpop = await this.#dpop?.forNewSession();
    const response = await this.#call(() =>
      // openid-client checks state, `iss` (RFC 9207, required when the provider
      // advertises it), the error parameters, PKCE and the ID token's claims.
      client.authorizationCodeGrant(
        config,
        callback,
        { pkceCodeVerifier: state.codeVerifier, expectedState: state.state, ...idTokenChecks },
        { redirect_uri: state.redirectUri },
        this.#dpopOptions(config, dpop),
      ),
    );
    const tokens = this.#bound(toTokenSet(response, this.runtime.now()), dpop);
    const principal = await this.#principalFrom(tokens, idTokenOf(response), undefined, state.nonce);
    return { provider: this.id, principal, tokens };
  }

  async refresh(session: Session): Promise<Session> {
    if (session.provider !== this.id || !this.isIssuerOf(session.principal.claims)) {
      // Refresh tokens are bound to their issuer; sending one elsewhere leaks it.
      // The principal's own `iss` is checked too: a session relabelled to another provider is refused.
      throw new TypeError(`provider "${this.id}" cannot refresh a session of provider "${session.provider}"`);
    }
    const refreshToken = session.tokens.refreshToken;
    if (!refreshToken) {
      throw new IdSwitchError("session_revoked", `${this.id}: the session has no refresh token`, {
        provider: this.id,
        reason: "no_refresh_token",
      });
    }
    const { config } = await this.#discovered();
    // The session's own key: a public client's refresh token is bound to it (RFC 9449 §5).
    const dpop = await this.#dpop?.forTokens(session.tokens.dpop);
    const response = await this.#call(() =>
      client.refreshTokenGrant(config, refreshToken, undefined, this.#dpopOptions(config, dpop)),
    );
    const tokens = this.#bound(toTokenSet(response, this.runtime.now(), session.tokens), dpop);
    const principal = await this.#principalFrom(tokens, idTokenOf(response), session.principal);
    return { ...session, principal, tokens };
  }

  async clientCredentials(options: ClientCredentialsOptions = {}): Promise<TokenSet> {
    const discovered = await this.#discovered();
    const config = options.signal ? discovered.abortable(options.signal) : discovered.config;
    const parameters: Record<string, string> = {};
    if (options.scope) parameters.scope = options.scope;
    if (options.resource) parameters.resource = options.resource;
    const dpop = await this.#dpop?.forClient();
    const response = await this.#call(() =>
      client.clientCredentialsGrant(config, parameters, this.#dpopOptions(config, dpop)),
    );
    return this.#bound(toTokenSet(response, this.runtime.now()), dpop);
  }

  /**
   * The DPoP proof (RFC 9449 §4) to send with `tokens` to `url`: the value
   * of the request's `DPoP` header, its `Authorization` being
   * `DPoP <accessToken>`. Tokens not bound to a key need none: a TypeError.
   *
   * @example
   * const proof = await eu.dpopProof(session.tokens, { method: "GET", url: "https://api.example.eu/orders" });
   * await fetch("https://api.example.eu/orders", {
   *   headers: { authorization: `DPoP ${session.tokens.accessToken}`, dpop: proof },
   * });
   */
  async dpopProof(tokens: TokenSet, request: DpopProofRequest): Promise<string> {
    if (!this.#dpop || !tokens.dpop) {
      throw new TypeError(
        `provider "${this.id}": these tokens are not DPoP-bound; send them as bearer tokens`,
      );
    }
    const { keyPair } = await this.#dpop.forTokens(tokens.dpop);
    const { method, url, nonce } = request;
    return createDpopProof(keyPair, {
      method,
      url,
      accessToken: tokens.accessToken,
      ...(nonce === undefined ? {} : { nonce }),
    });
  }

  /**
   * A token for a downstream API for the person of `subjectToken`, an access
   * token this provider issued (RFC 8693 token exchange, or the provider's
   * own grant, e.g. Entra's on-behalf-of). The subject token goes to this
   * provider only: `isIssuerOf` must name it, or the call is refused before
   * any network call.
   *
   * @example
   * // The orders API calls the stock API as the person whose token it received.
   * const { accessToken } = await eu.exchange(bearer, { audience: "stock" });
   */
  async exchange(
    subjectToken: string,
    options: ExchangeOptions,
    unverified?: VerifiedJwt,
  ): Promise<TokenSet> {
    if (!options || !(options.audience || options.scope || options.resource)) {
      throw new TypeError("exchange: name the downstream API (audience, scope or resource)");
    }
    const peeked = unverified ?? peekJwt(subjectToken, this.id);
    if (!this.isIssuerOf(peeked.payload)) {
      // A token of another provider never leaves for this one: it would be handed to a stranger.
      throw invalid(this.id, "issuer", "the subject token was not issued by this provider");
    }
    const request = (this.#rules.exchangeRequest ?? tokenExchangeRequest)(subjectToken, options);
    const discovered = await this.#discovered();
    const config = options.signal ? discovered.abortable(options.signal) : discovered.config;
    const dpop = await this.#dpop?.forClient();
    const response = await this.#call(
      () =>
        client.genericGrantRequest(
          config,
          request.grantType,
          { ...request.parameters },
          this.#dpopOptions(config, dpop),
        ),
      this.#exchangeRules,
    );
    return this.#bound(toTokenSet(response, this.runtime.now()), dpop);
  }

  /**
   * Starts a device sign-in (RFC 8628): show `userCode` and `verificationUri`, then call `completeDeviceLogin`.
   *
   * @example
   * const handle = await eu.beginDeviceLogin({ scope: "openid" });
   * console.log(handle.verificationUri, handle.userCode);
   * const session = await eu.completeDeviceLogin(handle);
   */
  async beginDeviceLogin(options: DeviceLoginOptions = {}): Promise<DeviceLogin> {
    const { config } = await this.#discovered();
    const response = await this.#call(() =>
      client.initiateDeviceAuthorization(config, { scope: withOpenid(this.options.scope, options.scope) }),
    );
    return {
      v: 1,
      provider: this.id,
      issuer: this.issuer,
      userCode: response.user_code,
      verificationUri: response.verification_uri,
      verificationUriComplete: response.verification_uri_complete,
      expiresAt: this.#nowSeconds() + response.expires_in,
      interval: response.interval ?? 5,
      deviceCode: response.device_code,
    };
  }

  async completeDeviceLogin(handle: DeviceLogin, options: CompleteDeviceLoginOptions = {}): Promise<Session> {
    if (handle.provider !== this.id || handle.issuer !== this.issuer) {
      throw new TypeError(
        `provider "${this.id}" cannot complete a device login of provider "${handle.provider}"`,
      );
    }
    const remaining = handle.expiresAt - this.#nowSeconds();
    if (remaining <= 0) throw this.#deviceCodeExpired();
    const { config } = await this.#discovered();
    // Stop polling once the code is dead, even if the provider never says so.
    const deadline = AbortSignal.timeout((remaining + handle.interval + 5) * 1000);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const dpop = await this.#dpop?.forNewSession();
    const response = await this.#call(() =>
      settleOnAbort(
        client.pollDeviceAuthorizationGrant(
          config,
          {
            device_code: handle.deviceCode,
            user_code: handle.userCode,
            verification_uri: handle.verificationUri,
            expires_in: remaining,
            interval: handle.interval,
          },
          undefined,
          { signal, ...this.#dpopOptions(config, dpop) },
        ),
        signal,
      ).catch((err: unknown) => {
        throw deadline.aborted ? this.#deviceCodeExpired() : err;
      }),
    );
    const tokens = this.#bound(toTokenSet(response, this.runtime.now()), dpop);
    return { provider: this.id, principal: await this.#principalFrom(tokens, idTokenOf(response)), tokens };
  }

  async logoutUrl(session: Session, options: LogoutUrlOptions = {}): Promise<URL> {
    const { config, metadata } = await this.#discovered();
    if (!metadata.end_session_endpoint) {
      throw new IdSwitchError("config_invalid", `${this.id}: provider has no end_session_endpoint`, {
        provider: this.id,
      });
    }
    const postLogout = options.postLogoutRedirectUri ?? this.options.postLogoutRedirectUri;
    const parameters: Record<string, string> = { client_id: this.options.clientId };
    // Without id_token_hint many providers ask the user to confirm the logout.
    if (session.tokens.idToken) parameters.id_token_hint = session.tokens.idToken;
    if (postLogout) parameters.post_logout_redirect_uri = postLogout;
    if (options.state) parameters.state = options.state;
    return client.buildEndSessionUrl(config, parameters);
  }

  async verifyAccessToken(
    token: string,
    options: VerifyOptions,
    unverified?: VerifiedJwt,
  ): Promise<Principal> {
    return (await this.verifyAccessTokenWithKey(token, options, unverified)).principal;
  }

  /** `verifyAccessToken`, also naming the published key that verified the token (its RFC 7638 thumbprint). */
  async verifyAccessTokenWithKey(
    token: string,
    options: VerifyOptions,
    unverified?: VerifiedJwt,
  ): Promise<{ readonly principal: Principal; readonly keyThumbprint: string | undefined }> {
    const audience = options?.audience;
    if (audience === undefined || (Array.isArray(audience) && audience.length === 0) || audience === "") {
      throw new TypeError("verifyAccessToken: an audience is required");
    }
    const verified = await this.#verify(token, this.#jwtCheck(audience), unverified);
    const { payload, header } = verified;
    const rejection = this.#rules.rejectAsAccessToken(payload, header);
    if (rejection) throw invalid(this.id, "token_type", rejection);
    const principal = this.normalizeClaims(payload);
    const missing = (options.requiredScopes ?? []).filter((s) => !principal.scopes.includes(s));
    if (missing.length > 0)
      throw invalid(this.id, "claims", `token lacks required scopes: ${missing.join(" ")}`);
    if (!(options as { [DPOP_CHECKED_BY_CALLER]?: true })[DPOP_CHECKED_BY_CALLER]) {
      // Last: a proof is spent (its jti remembered) only once everything else passed.
      await checkDpopBinding(token, payload, options.dpop, {
        provider: this.id,
        now: this.runtime.now(),
        clockToleranceSeconds: this.options.clockToleranceSeconds,
        remember: this.#spentProofs,
      });
    }
    return { principal: await this.#enriched(principal), keyThumbprint: verified.keyThumbprint };
  }

  async verifyLogoutToken(token: string, unverified?: VerifiedJwt): Promise<VerifiedJwt> {
    const check = { ...this.#jwtCheck(this.options.clientId), requiredClaims: ["iat", "exp", "jti"] };
    const { payload, header } = await this.#verify(token, check, unverified);
    return { payload, header };
  }

  /** The RFC 7638 thumbprints of the signing keys in use now; undefined before they were first fetched. */
  signingKeys(): ReadonlySet<string> | undefined {
    return this.#ready?.keys.thumbprints();
  }

  isIssuerOf(unverified: Claims): boolean {
    const iss = unverified.iss;
    if (typeof iss !== "string") return false;
    const expected = this.#rules.expectedIssuer ? this.#rules.expectedIssuer(unverified) : this.issuer;
    return expected === iss;
  }

  /**
   * Keeps last-known-good discovery documents and keys in `state` from the
   * next discovery on (the facade attaches its store before the first request).
   */
  attachState(state: StateStore): void {
    this.#spentProofs = rememberIn(this.#proofMemory, state);
    const seconds = this.options.lastKnownGoodKeysSeconds;
    this.#discover = this.#discoverer(lastKnownGood(state, this.issuer, seconds));
  }

  subscribe(listener: (event: ProviderEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async diagnose(): Promise<readonly DiagnosticCheck[]> {
    const checks: DiagnosticCheck[] = [];
    const health = await this.health();
    checks.push(
      health.status === "up"
        ? { check: "reachable", status: "ok", detail: `discovery answered in ${health.latencyMs} ms` }
        : {
            check: "reachable",
            status: "problem",
            detail: "discovery did not answer",
            code: health.error ?? "",
          },
    );
    let discovered: Discovered;
    try {
      discovered = await this.#discovered();
      checks.push({ check: "discovery", status: "ok", detail: `issuer ${this.issuer}` });
    } catch (err) {
      checks.push(problem("discovery", this.classifyError(err)));
      return checks;
    }
    checks.push(await this.#checkKeys(discovered), await this.#checkClock(), await this.#checkClient());
    return checks;
  }

  async #checkKeys({ keys }: Discovered): Promise<DiagnosticCheck> {
    try {
      await keys.reload();
      const count = keys.jwks()?.keys.length ?? 0;
      const allowed: readonly string[] = this.options.algorithms;
      const usable = (keys.jwks()?.keys ?? []).filter((k) => !k.alg || allowed.includes(k.alg));
      if (usable.length === 0) {
        return {
          check: "keys",
          status: "problem",
          detail: `no key for ${this.options.algorithms.join("/")}`,
        };
      }
      return { check: "keys", status: "ok", detail: `${count} published` };
    } catch (err) {
      return problem("keys", this.classifyError(err));
    }
  }

  /** Token times are judged by our clock: a skew beyond the tolerance refuses good tokens. */
  async #checkClock(): Promise<DiagnosticCheck> {
    try {
      const url =
        this.#rules.templatedIssuer?.discoveryUrl ?? `${this.issuer}/.well-known/openid-configuration`;
      const response = await this.fetch(url, { method: "HEAD" });
      await response.body?.cancel();
      const date = Date.parse(response.headers.get("date") ?? "");
      if (Number.isNaN(date)) return { check: "clock", status: "skipped", detail: "no Date header" };
      const skew = Math.round((date - this.runtime.now()) / 1000);
      const tolerance = this.options.clockToleranceSeconds;
      const status = Math.abs(skew) <= tolerance ? "ok" : Math.abs(skew) <= 300 ? "warning" : "problem";
      return { check: "clock", status, detail: `skew ${skew} s (tolerance ${tolerance} s)` };
    } catch (err) {
      return problem("clock", this.classifyError(err));
    }
  }

  async #checkClient(): Promise<DiagnosticCheck> {
    if (!this.options.clientSecret && !this.#rules.clientAuthentication) {
      return { check: "client", status: "skipped", detail: "public client: no credentials to check" };
    }
    try {
      await this.clientCredentials(this.#rules.probeScope ? { scope: this.#rules.probeScope } : {});
      return { check: "client", status: "ok", detail: "client credentials accepted" };
    } catch (err) {
      const error = this.classifyError(err);
      // A client not allowed to use client credentials still proved its credentials are accepted.
      if (error.providerAnswer?.error === "unauthorized_client" && error.code !== "client_suspended") {
        return { check: "client", status: "ok", detail: "credentials accepted (grant not enabled)" };
      }
      return problem("client", error);
    }
  }

  normalizeClaims(claims: Claims): Principal {
    return this.#rules.normalize(claims, this.#context);
  }

  classifyError(error: unknown): IdSwitchError {
    return this.#classified(error, this.#rules.errorRules);
  }

  /**
   * A failure in the taxonomy by `rules`; an `interaction_required` one with
   * the claims the provider's answer demanded (any call: an exchange, a
   * refresh under Conditional Access).
   */
  #classified(error: unknown, rules: readonly ErrorRule[]): IdSwitchError {
    return withClaimsChallenge(classifyOidcError(error, this.id, rules));
  }

  async health(): Promise<ProviderHealth> {
    const started = this.runtime.now();
    const url = new URL(
      this.#rules.templatedIssuer?.discoveryUrl ??
        `${this.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
    );
    let error: string | undefined;
    try {
      const response = await this.fetch(url, { headers: { accept: "application/json" } });
      await response.body?.cancel();
      if (!response.ok)
        error = classifyAnswer({ status: response.status }, this.id, this.#rules.errorRules).code;
    } catch (err) {
      error = err instanceof IdSwitchError ? err.code : "provider_unavailable";
    }
    const probe = { provider: this.id, latencyMs: this.runtime.now() - started, checkedAt: started };
    return error === undefined ? { ...probe, status: "up" } : { ...probe, status: "down", error };
  }

  /**
   * Probes the key set or the token endpoint for the background health
   * checks. An answer that refuses the probe is still an answer (the
   * endpoint is up); only the application's own suspension and outages
   * report the provider down.
   */
  async probe(surface: "keys" | "token"): Promise<ProviderHealth | undefined> {
    if (surface === "token" && !this.options.clientSecret && !this.#rules.clientAuthentication)
      return undefined;
    const started = this.runtime.now();
    let error: string | undefined;
    try {
      if (surface === "keys") await (await this.#discovered()).keys.reload();
      else await this.clientCredentials(this.#rules.probeScope ? { scope: this.#rules.probeScope } : {});
    } catch (err) {
      const code = this.classifyError(err).code;
      const down =
        code === "provider_unavailable" || code === "client_suspended" || code === "tenant_unavailable";
      if (down) error = code;
    }
    const probe = { provider: this.id, surface, latencyMs: this.runtime.now() - started, checkedAt: started };
    return error === undefined ? { ...probe, status: "up" } : { ...probe, status: "down", error };
  }

  /**
   * Every token this provider accepts goes through here: signature and claims
   * (foreign issuers and disallowed algorithms are refused before the keys —
   * a network call — are asked for), then the provider's own check with the
   * published key that verified it.
   */
  async #verify(
    token: string,
    check: JwtCheck,
    unverified?: VerifiedJwt,
  ): Promise<VerifiedJwt & { readonly keyThumbprint: string | undefined }> {
    let keySet: Discovered["keys"] | undefined;
    let resolution: KeyResolution | undefined;
    const keys = async () => {
      keySet = (await this.#discovered()).keys;
      resolution = keySet.resolution(); // one per verification: it remembers the key it resolved
      return resolution.getKey;
    };
    const verified = await verifyJwt(token, keys, check, unverified);
    const checkVerified = this.#rules.checkVerified;
    if (checkVerified) {
      const refusal = checkVerified(verified.payload, keySet?.find(verified.header.kid));
      if (refusal) throw invalid(this.id, "issuer", refusal);
    }
    return { ...verified, keyThumbprint: resolution?.thumbprint };
  }

  /** Discovery (single-flight, forgotten on failure), keeping last-known-good answers in `saved`. */
  #discoverer(saved: LastKnownGood | undefined): () => Promise<Discovered> {
    const { options, runtime } = this;
    return discoverer({
      issuer: options.issuer,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      templateDiscoveryUrl: this.#rules.templatedIssuer?.discoveryUrl,
      clientAuthentication: this.#rules.clientAuthentication,
      clockToleranceSeconds: options.clockToleranceSeconds,
      keySetCooldownSeconds: options.keySetCooldownSeconds,
      lastKnownGoodKeysSeconds: options.lastKnownGoodKeysSeconds,
      runtime,
      fetch: this.fetch,
      provider: options.id,
      lastKnownGood: saved,
      onKeyRotation: ({ added, removed }) =>
        this.#emit({ type: "key-rotated", provider: this.id, added, removed }),
      onStaleKeys: (ageMs) =>
        this.#emit({
          type: "warning",
          provider: this.id,
          reason: "stale_keys",
          message: `${this.id}: key set unreachable; using keys fetched ${Math.round(ageMs / 1000)} s ago`,
        }),
    });
  }

  /** Discovery, with its failures classified. */
  async #discovered(): Promise<Discovered> {
    // Discovery succeeds once and is kept: later calls skip the choke point's layers.
    if (this.#ready) return this.#ready;
    this.#ready = await this.#call(() => this.#discover());
    return this.#ready;
  }

  /** The choke point: every protocol call's failure leaves here as an `IdSwitchError`. */
  async #call<T>(operation: () => Promise<T>, rules = this.#rules.errorRules): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      throw this.#classified(await withAnswerBody(err), rules);
    }
  }

  /**
   * The principal behind a token response (sign-in, refresh, device), with
   * what the provider adds to it. `previous` is the principal being
   * refreshed: the tokens must name the same person.
   */
  async #principalFrom(
    tokens: TokenSet,
    idToken: string | undefined,
    previous?: Principal,
    expectedNonce?: string,
  ): Promise<Principal> {
    const principal = await this.#identified(tokens, idToken, previous, expectedNonce);
    if (previous && principal.subject !== previous.subject) {
      // OIDC Core §12.2: a refreshed ID token must name the same person.
      throw invalid(this.id, "claims", "refreshed tokens name a different subject");
    }
    return this.#enriched(principal);
  }

  /** The provider's own completion of a principal that passed every check: the last step before anyone sees it. */
  #enriched(principal: Principal): Promise<Principal> {
    return this.#rules.enrichPrincipal?.(principal) ?? Promise.resolve(principal);
  }

  /**
   * Who the token response names. The ID token is verified with the
   * provider's keys even though it came straight from the token endpoint
   * (defence in depth where that channel is not TLS). A JWT access token from
   * the same response is verified too, without an audience — it came
   * first-hand — and adds the claims ID tokens often lack (realm roles, say).
   * A refresh answered without a new ID token keeps the previous identity.
   * The nonce is checked here too: under a templated issuer this is the only
   * place that sees the ID token.
   */
  async #identified(
    tokens: TokenSet,
    idToken: string | undefined,
    previous: Principal | undefined,
    expectedNonce: string | undefined,
  ): Promise<Principal> {
    const access = await this.#verify(tokens.accessToken, this.#jwtCheck(undefined)).catch(() => undefined);
    if (!idToken) {
      if (!previous) throw invalid(this.id, "response", "the provider returned no ID token");
      const sameSubject = access && access.payload.sub === previous.claims.sub;
      return sameSubject ? this.normalizeClaims({ ...previous.claims, ...access.payload }) : previous;
    }
    const id = await this.#verify(idToken, {
      ...this.#jwtCheck(this.options.clientId),
      requiredClaims: ["exp", "sub"],
    });
    if (expectedNonce !== undefined && id.payload.nonce !== expectedNonce) {
      throw invalid(this.id, "nonce", "the ID token does not carry this sign-in's nonce");
    }
    const sameSubject = access && access.payload.sub === id.payload.sub;
    return this.normalizeClaims(sameSubject ? { ...access.payload, ...id.payload } : id.payload);
  }

  /**
   * openid-client's DPoP handle for a key: one per key pair, so the nonce a
   * server gave (`DPoP-Nonce`) is sent again on that key's next request
   * instead of costing a refused round trip each time.
   */
  #dpopOptions(
    config: client.Configuration,
    dpop: { readonly keyPair: CryptoKeyPair } | undefined,
  ): client.DPoPOptions | undefined {
    if (!dpop) return undefined;
    let handle = this.#dpopHandles.get(dpop.keyPair);
    if (!handle) {
      handle = client.getDPoPHandle(config, dpop.keyPair);
      this.#dpopHandles.set(dpop.keyPair, handle);
    }
    return { DPoP: handle };
  }

  /** Tokens with the key they are bound to; a provider that answered with bearer tokens binds nothing. */
  #bound(tokens: TokenSet, dpop: { readonly key: DpopKey } | undefined): TokenSet {
    if (!dpop || tokens.tokenType.toLowerCase() !== "dpop") return tokens;
    return { ...tokens, dpop: dpop.key };
  }

  #jwtCheck(audience: string | readonly string[] | undefined): JwtCheck {
    const rules = this.#rules;
    return {
      provider: this.id,
      issuer: this.#expectedIssuer,
      audience,
      ...(rules.authorizedPartyClaims ? { authorizedPartyClaims: rules.authorizedPartyClaims } : {}),
      algorithms: this.options.algorithms,
      now: this.runtime.now(),
      clockToleranceSeconds: this.options.clockToleranceSeconds,
    };
  }

  #emit(event: ProviderEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not break verification.
      }
    }
  }

  #deviceCodeExpired(): IdSwitchError {
    return new IdSwitchError("interaction_required", `${this.id}: the device code has expired`, {
      provider: this.id,
      reason: "device_code_expired",
    });
  }

  #nowSeconds(): number {
    return Math.floor(this.runtime.now() / 1000);
  }
}

/** A claims request must be the JSON text of an object (OIDC Core §5.5); anything else is a programmer error. */
function checkClaimsRequest(claims: string): void {
  let value: unknown;
  try {
    value = JSON.parse(claims);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("beginLogin: claims must be the JSON text of an OIDC claims request object");
  }
}

function problem(check: DiagnosticCheck["check"], error: IdSwitchError): DiagnosticCheck {
  return { check, status: "problem", detail: error.message, code: error.code };
}

/**
 * openid-client notices an aborted poll only between its waits (up to 5 s);
 * settle at once instead, so "stop waiting" means stop now.
 */
function settleOnAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
