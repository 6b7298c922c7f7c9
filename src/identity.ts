/**
 * `createIdentity`: the one interface. It composes providers (never asking
 * which kind each is), routes every operation through the failover policy,
 * resolves each sign-in to the application's own user, and tells the app
 * about every decision through events.
 */
import { parseConfig } from "./core/config.js";
import { IdSwitchError, invalid } from "./core/errors.js";
import { EventBus, type IdentityEventName, type IdentityListener } from "./core/events.js";
import { LruMap } from "./core/lru-map.js";
import { MemoryStateStore } from "./core/memory-state-store.js";
import type { StateStore } from "./core/state-store.js";
import type { Claims, Principal, Session, TokenSet } from "./core/types.js";
import { ExchangeCache, exchangeKey } from "./identity/exchange-cache.js";
import { GuardedStateStore } from "./identity/guarded-state.js";
import { type IdentityOptionsInput, identityOptionsSchema } from "./identity/options.js";
import { loadTelemetry, noTelemetry, type Telemetry } from "./identity/telemetry.js";
import { frozenPrincipal, VerifiedTokenCache } from "./identity/token-cache.js";
import { linkedAccounts } from "./links/accounts.js";
import type { Link, LinkStore } from "./links/link-store.js";
import { Linker } from "./links/linker.js";
import { MemoryLinkStore } from "./links/memory-link-store.js";
import type { ClaimsChallenge } from "./providers/entra/cae.js";
import type {
  BeginLoginOptions,
  CompleteDeviceLoginOptions,
  DeviceLogin,
  DpopProofRequest,
  LoginState,
  LogoutUrlOptions,
  Provider,
  VerifyOptions,
} from "./providers/provider.js";
import { AuthorityGate } from "./routing/authority.js";
import type { Drill, DrillOptions } from "./routing/drills.js";
import { type IdentityHealth, Router } from "./routing/router.js";
import { newSessionId, SessionIndex } from "./sessions/session-index.js";
import {
  createSignalReceiver,
  type SignalReceiver,
  type SignalReceiverDeps,
  type SignalsOptions,
} from "./signals/index.js";
import { checkDpopBinding, type DpopContext, type DpopRequest } from "./tokens/dpop.js";
import { DPOP_CHECKED_BY_CALLER, ProofMemory, rememberIn } from "./tokens/dpop-state.js";
import { logoutTokenClaims } from "./tokens/logout-token.js";
import { peekJwt, type VerifiedJwt } from "./tokens/verify-jwt.js";

export type { IdentityHealth };

/**
 * A value for every provider, or one per provider id (Entra and Keycloak name their APIs differently).
 *
 * @example
 * // Entra names an API by its app ID URI, Keycloak by a client id. A provider left out accepts no token.
 * const audience: PerProvider<string> = { entra: "api://orders", eu: "orders" };
 * const principal = await identity.verifyAccessToken(bearer, { audience });
 */
export type PerProvider<T> = T | Readonly<Record<string, T>>;

/**
 * Options of {@link Identity.verifyAccessToken}.
 *
 * @example
 * // No default audience: a token another API of the same tenant was given must not pass here.
 * const principal = await identity.verifyAccessToken(bearer, {
 *   audience: { entra: "api://orders", eu: "orders" },
 *   requiredScopes: ["orders.read"],
 * });
 */
export interface IdentityVerifyOptions {
  /** Required: the audience the token must carry — one for all providers, or per provider id. */
  audience: PerProvider<string | readonly string[]>;
  requiredScopes?: readonly string[] | undefined;
  /**
   * The request's DPoP proof and what it must match (RFC 9449): a token bound
   * to a key (`cnf.jkt`) passes only with a valid, unused proof of that key —
   * checked on every call, cached token or not. Without it a bound token is
   * refused; `policy: "required"` refuses bearer tokens too. One API can take
   * Entra's bearer tokens and Keycloak's DPoP tokens (`policy: "allowed"`).
   */
  dpop?: DpopRequest | undefined;
}

/**
 * Options of {@link Identity.exchange}: the downstream API, in each provider's terms.
 *
 * @example
 * // Entra names the API by its app ID URI (asked for as `.default`), Keycloak by a client id.
 * const tokens = await identity.exchange(bearer, { audience: { entra: "api://stock", eu: "stock" } });
 */
export interface IdentityExchangeOptions {
  audience?: PerProvider<string> | undefined;
  scope?: PerProvider<string> | undefined;
  resource?: PerProvider<string> | undefined;
}

/**
 * Options of {@link Identity.beginLogin}.
 *
 * @example
 * // A returning person: their last good provider goes first. `returnTo` stays in the state, not the URL.
 * const { url, state } = await identity.beginLogin({ appUserId: session.appUserId, returnTo: "/orders" });
 * // Or at one provider, e.g. from the "choose another provider" page:
 * const request = await identity.beginLogin({ provider: "eu", loginHint: "ada@example.eu" });
 */
export interface IdentityBeginLoginOptions extends BeginLoginOptions {
  /** Sign in at this provider; otherwise routing picks the first healthy one. */
  provider?: string | undefined;
  /** The app user, when the app knows who is coming back: their last good provider goes first. */
  appUserId?: string | undefined;
  /**
   * Adds the account of this sign-in to the app user of a current, recent
   * session (explicit linking: "also sign in with…").
   */
  linkTo?: IdentitySession | undefined;
}

/**
 * The login state of `createIdentity`: the provider's, plus who the app expects. Plain JSON.
 *
 * @example
 * const { url, state } = await identity.beginLogin({ returnTo: "/orders" });
 * req.session.login = state; // server side: it holds the PKCE verifier
 * // …on the callback: accepted once, and only by the provider the sign-in began at.
 * const session = await identity.completeLogin(callbackUrl, req.session.login);
 */
export interface IdentityLoginState extends LoginState {
  readonly appUserId?: string;
  readonly linkTo?: string;
}

/**
 * What {@link Identity.beginLogin} returns: redirect the browser to `url`; keep `state` server side for the callback.
 *
 * @example
 * const login = await identity.beginLogin({ returnTo: "/orders" });
 * await saveLoginState(login.state); // server side, never in a cookie the browser can read
 * return Response.redirect(login.url, 302);
 */
export interface IdentityLoginRequest {
  readonly url: URL;
  readonly provider: string;
  readonly state: IdentityLoginState;
  /** Epoch seconds after which the provider refuses this login state (its `loginTimeoutSeconds`): keep it until then. */
  readonly expiresAt: number;
}

/**
 * A session resolved to the application's own user.
 *
 * @example
 * const session = await identity.completeLogin(callbackUrl, loginState);
 * // The app's own key: the same person whichever provider signed them in.
 * const orders = await db.orders.findMany({ where: { owner: session.appUserId } });
 */
export interface IdentitySession extends Session {
  readonly appUserId: string;
  /** When the person signed in (epoch ms, our clock); kept across refreshes. */
  readonly signedInAt: number;
  /**
   * The facade's own id of this sign-in (random), under which the session
   * index records it: what `isRevoked` looks up. Kept across refreshes.
   * Sessions made before the index existed have none; they are never revoked by a signal.
   */
  readonly sessionId?: string;
}

/**
 * What {@link Identity.backChannelLogout} did: which provider sent the logout token, and how many sessions ended.
 *
 * @example
 * const { provider, ended } = await identity.backChannelLogout(form.get("logout_token") ?? "");
 * log.info(`${provider} signed someone out: ${ended} session(s) ended`);
 */
export interface BackChannelLogoutResult {
  readonly provider: string;
  /** 0 when the token named a session this app does not know (it answers 200 all the same). */
  readonly ended: number;
}

/**
 * Options of {@link Identity.clientCredentials}; scope and resource may differ per provider.
 *
 * @example
 * // Failover may land on either provider, so name the API in each one's terms.
 * const tokens = await identity.clientCredentials({ scope: { entra: "api://orders/.default", eu: "orders" } });
 */
export interface IdentityClientCredentialsOptions {
  scope?: PerProvider<string> | undefined;
  resource?: PerProvider<string> | undefined;
}

/**
 * Options of {@link Identity.beginDeviceLogin}.
 *
 * @example
 * const handle = await identity.beginDeviceLogin({ provider: "eu", scope: "openid offline_access" });
 * console.log(`Open ${handle.verificationUri} and enter ${handle.userCode}`);
 */
export interface IdentityDeviceLoginOptions {
  scope?: string | undefined;
  provider?: string | undefined;
  appUserId?: string | undefined;
}

/**
 * The facade over every configured provider, made by {@link createIdentity}: verification, sign-in, refresh, client credentials, device flow, linking, health and events.
 *
 * @example
 * const identity = createIdentity({ providers: [entra, eu], routing: { order: ["entra", "eu"] } });
 * const { url, state } = await identity.beginLogin({ returnTo: "/" });
 */
export class Identity {
  readonly #providers: readonly Provider[];
  /** The same providers by id, for the verification hot path. */
  readonly #providerById: ReadonlyMap<string, Provider>;
  readonly #router: Router;
  readonly #authority: AuthorityGate;
  readonly #linker: Linker;
  readonly #sessions: SessionIndex;
  readonly #links: LinkStore;
  readonly #state: StateStore;
  readonly #events = new EventBus();
  readonly #cache: VerifiedTokenCache | undefined;
  readonly #exchanges: ExchangeCache;
  /** Proofs' jtis this process spent; with `state`, the shared store's too (dpop-state.ts says why). */
  readonly #spentProofs: DpopContext["remember"];
  /** DPoP-bound tokens whose proof this instance checked: only those may be exchanged (until their `exp`). */
  readonly #provenTokens = new LruMap<string, number>(1_000);
  readonly #now: () => number;
  readonly #unsubscribe: (() => void)[] = [];
  #telemetry: Telemetry = noTelemetry;
  readonly #telemetryLoaded: Promise<void>;
  /** Listening to other instances' breakers, when the state store can tell. */
  readonly #sharedBreakers: Promise<() => Promise<void>>;
  readonly #sessionMaxAgeSeconds: number;
  /** Warned once, to the first `warning` listener: links in memory are lost on restart. */
  #memoryLinksWarning: boolean;

  constructor(input: IdentityOptionsInput) {
    const options = parseConfig(identityOptionsSchema, input);
    this.#now = options.now ?? Date.now;
    const byId = new Map(options.providers.map((p) => [p.id, p]));
    const order = [...new Set([...(options.routing.order ?? []), ...byId.keys()])];
    this.#providers = Object.freeze(order.map((id) => byId.get(id) as Provider));
    this.#providerById = new Map(this.#providers.map((p) => [p.id, p]));
    this.#links = options.links ?? new MemoryLinkStore();
    // A shared store gets its own budget; memory in the meantime (guarded-state.ts).
    this.#state = options.state
      ? new GuardedStateStore(options.state, {
          budgetMs: options.stateTimeoutMs,
          events: this.#events,
          now: this.#now,
        })
      : new MemoryStateStore({ now: this.#now });
    this.#memoryLinksWarning = options.links === undefined;
    this.#cache = options.tokenCache ? new VerifiedTokenCache(options.tokenCache, this.#now) : undefined;
    this.#exchanges = new ExchangeCache(this.#now);
    // Without a shared store the process's own memory is all there is (and, unlike the memory state
    // store, it forgets dead proofs without being asked for them again).
    this.#spentProofs = rememberIn(new ProofMemory(this.#now), options.state ? this.#state : undefined);
    this.#linker = new Linker(this.#links, {
      claim: options.linking.claim,
      emailLookup: options.linking.dangerouslyLinkByVerifiedEmail,
      maxAuthAgeSeconds: options.linking.maxAuthAgeSeconds,
      newAppUserId: options.newAppUserId ?? (() => crypto.randomUUID()),
      now: this.#now,
      events: this.#events,
    });
    this.#authority = new AuthorityGate({
      authorities: options.routing.authority.map((id) => byId.get(id) as Provider),
      records: this.#links,
      state: this.#state,
      cacheMs: options.routing.authorityCacheSeconds * 1000,
      unavailable: options.routing.authorityUnavailable,
      now: this.#now,
    });
    this.#sessions = new SessionIndex({
      state: this.#state,
      maxAgeMs: options.sessions.maxAgeSeconds * 1000,
      now: this.#now,
      events: this.#events,
      decide: (appUserId, provider, status) => this.#authority.decided(appUserId, provider, status),
      appUserOf: (provider, subject) => this.#appUserOf(provider, subject),
    });
    this.#sessionMaxAgeSeconds = options.sessions.maxAgeSeconds;
    this.#router = new Router({
      providers: this.#providers,
      onSuspension: options.routing.onSuspension,
      breaker: options.routing.breaker,
      userSuspensionMs: options.routing.userSuspensionSeconds * 1000,
      providerSuspensionMs: options.routing.providerSuspensionSeconds * 1000,
      state: this.#state,
      events: this.#events,
      now: this.#now,
      accounts: linkedAccounts(this.#links, { claim: options.linking.claim }),
      authority: this.#authority,
      health: options.routing.health,
      hedge: options.routing.hedge,
    });
    this.#router.startHealthChecks();
    this.#telemetryLoaded = options.telemetry
      ? loadTelemetry(this.#events).then((telemetry) => {
          this.#telemetry = telemetry;
        })
      : Promise.resolve();
    // A store that cannot subscribe (or fails to) leaves each instance on its own breakers.
    this.#sharedBreakers = this.#router.listen().catch(() => async () => {});
    for (const provider of this.#providers) this.#unsubscribe.push(this.#connect(provider));
  }

  /** `sessions.maxAgeSeconds`: the longest a session may live and still be revoked by a signal. */
  get sessionMaxAgeSeconds(): number {
    return this.#sessionMaxAgeSeconds;
  }

  /** The configured providers, in routing order. */
  get providers(): readonly Provider[] {
    return this.#providers;
  }

  /**
   * Verifies a bearer token from whichever configured provider issued it.
   * The unverified `iss` only picks the provider (an unknown issuer is
   * refused before any network call); that provider alone verifies.
   * Verification never fails over: a token is only ever good at its issuer.
   *
   * The principal is deeply frozen (its arrays and claims too), with or
   * without `tokenCache`: a cached one is handed to every later caller, and
   * code that works with the cache off must not break when it is turned on.
   * Copy it (`{ ...principal, roles: [...principal.roles, "extra"] }`) to change it.
   */
  verifyAccessToken(token: string, options: IdentityVerifyOptions): Promise<Principal> {
    // Without telemetry there is no span to open: no closure, no extra async layer per call.
    if (this.#telemetry === noTelemetry) return this.#verifyAccessToken(token, options);
    return this.#traced("verifyAccessToken", () => this.#verifyAccessToken(token, options));
  }

  async #verifyAccessToken(token: string, options: IdentityVerifyOptions): Promise<Principal> {
    if (options?.audience === undefined) throw new TypeError("verifyAccessToken: an audience is required");
    // A token verified before is answered from the cache without even being decoded.
    const cached = this.#cache?.lookup(token, options.audience, options.requiredScopes, this.#providerById);
    if (cached)
      return unbound(cached, options.dpop) ? cached : this.#bindingChecked(token, cached, options.dpop);
    const peeked = peekJwt(token, undefined);
    const issuer = issuerOf(this.#providers, peeked.payload);
    if (!issuer) throw invalid(undefined, "issuer", "token issuer is not a configured provider");
    const audience = pick(options.audience, issuer.id);
    if (audience === undefined)
      throw invalid(issuer.id, "audience", "no audience is accepted for this provider");
    // The binding is checked here, once, for cached and fresh tokens alike (and for providers that
    // know nothing of DPoP); the mark tells an engine provider not to spend the proof a second time.
    const verify = { audience, requiredScopes: options.requiredScopes, [DPOP_CHECKED_BY_CALLER]: true };
    const verified = await this.#router.call(
      { operation: "verifyAccessToken", for: "verification", provider: issuer.id },
      (p) => verifiedWithKey(p, token, verify, peeked),
    );
    // The binding is the token's own `cnf`, whatever claims a provider's rules handed back.
    const principal = frozenPrincipal(withTokenBinding(verified.principal, peeked.payload));
    // Cached before the proof is checked: the token itself is good whatever this request's proof is.
    this.#cache?.set(token, principal, verified.keyThumbprint, audience, options.requiredScopes);
    return unbound(principal, options.dpop)
      ? principal
      : this.#bindingChecked(token, principal, options.dpop);
  }

  /** The token's DPoP binding against this request's proof (RFC 9449 §7): no bound token passes as bearer. */
  async #bindingChecked(
    token: string,
    principal: Principal,
    dpop: DpopRequest | undefined,
  ): Promise<Principal> {
    await checkDpopBinding(token, principal.claims, dpop, {
      provider: principal.provider,
      now: this.#now(),
      // A proof's `iat` is judged as the provider's tokens' times are.
      clockToleranceSeconds: this.#providerById.get(principal.provider)?.clockToleranceSeconds ?? 30,
      remember: this.#spentProofs,
    });
    if (dpop !== undefined && principal.claims.cnf !== undefined) {
      this.#provenTokens.set(token, principal.expiresAt ?? 0); // the least recently proven goes first
    }
    return principal;
  }

  /** Whether this instance checked a proof of `token`, which has not expired since. */
  #provenHere(token: string): boolean {
    const expiresAt = this.#provenTokens.get(token);
    return expiresAt !== undefined && expiresAt * 1000 > this.#now();
  }

  /**
   * A token for a downstream API, for the person whose access token an API
   * received: at the provider that issued it (picked by its `iss`, like
   * verification; an unknown issuer is refused before any network call),
   * never another — Keycloak's standard token exchange (RFC 8693), Entra's
   * on-behalf-of grant. After a failover the same call exchanges the spare's
   * tokens at the spare. Answers are kept per (subject token, downstream
   * API) until 30 s before they expire.
   *
   * Errors: `interaction_required` when the provider wants the person first
   * (consent, MFA: `claimsChallenge` carries what Entra asks for — answer
   * the client 401 with it); `access_blocked` when its policy does not allow
   * this exchange; `token_invalid` when the subject token is not one it takes.
   *
   * @example
   * const principal = await identity.verifyAccessToken(bearer, { audience: { entra: "api://orders", eu: "orders" } });
   * const stock = await identity.exchange(bearer, { audience: { entra: "api://stock", eu: "stock" } });
   * await fetch("https://stock.example.eu/items", { headers: { authorization: `Bearer ${stock.accessToken}` } });
   */
  async exchange(subjectToken: string, options: IdentityExchangeOptions): Promise<TokenSet> {
    return this.#traced("exchange", async () => {
      const peeked = peekJwt(subjectToken, undefined);
      const issuer = issuerOf(this.#providers, peeked.payload);
      if (!issuer) throw invalid(undefined, "issuer", "token issuer is not a configured provider");
      if (!issuer.exchange) throw new TypeError(`provider "${issuer.id}" cannot exchange tokens`);
      const request = {
        audience: pick(options?.audience, issuer.id),
        scope: pick(options?.scope, issuer.id),
        resource: pick(options?.resource, issuer.id),
      };
      if (!(request.audience || request.scope || request.resource)) {
        throw new TypeError(`exchange: no downstream API is named for provider "${issuer.id}"`);
      }
      const expires = typeof peeked.payload.exp === "number" ? peeked.payload.exp : undefined;
      if (peeked.payload.cnf !== undefined && !this.#provenHere(subjectToken)) {
        // A stolen bound token must not come back unbound: only one whose proof this API checked.
        throw invalid(
          issuer.id,
          "dpop_binding",
          "a DPoP-bound token is exchanged only after verifyAccessToken checked its proof here",
        );
      }
      return this.#exchanges.get(exchangeKey(issuer.id, subjectToken, request), expires, () =>
        this.#router.call(
          { operation: "exchange", for: "verification", provider: issuer.id, surface: "token" },
          (p, signal) =>
            (p.exchange as NonNullable<Provider["exchange"]>).call(
              p,
              subjectToken,
              { ...request, signal },
              peeked,
            ),
        ),
      );
    });
  }

  /**
   * The DPoP proof (RFC 9449 §4) to send with a session's DPoP-bound access
   * token to `url`: the `DPoP` header's value, with `Authorization: DPoP
   * <accessToken>`. Made with the session's own key, at its provider.
   *
   * @example
   * const url = "https://api.example.eu/orders";
   * const proof = await identity.dpopProof(session, { method: "GET", url });
   * const answer = await fetch(url, { headers: { authorization: `DPoP ${session.tokens.accessToken}`, dpop: proof } });
   */
  async dpopProof(session: Pick<Session, "provider" | "tokens">, request: DpopProofRequest): Promise<string> {
    const provider = this.#router.provider(session.provider);
    if (!provider.dpopProof) throw new TypeError(`provider "${provider.id}" does not make DPoP proofs`);
    return provider.dpopProof(session.tokens, request);
  }

  /** Starts a sign-in at the chosen provider, or the first healthy one. */
  async beginLogin(options: IdentityBeginLoginOptions = {}): Promise<IdentityLoginRequest> {
    return this.#traced("beginLogin", async () => {
      const { provider, appUserId, linkTo, ...rest } = options;
      if (linkTo) this.#linker.assertRecent(linkTo);
      const linkTarget = linkTo?.appUserId;
      const person = appUserId ?? linkTarget;
      if (person !== undefined) await this.#authority.admit(person, provider);
      const call = { operation: "beginLogin", for: "person", appUserId: person, provider } as const;
      const request = await this.#router.call(call, (p) => p.beginLogin(rest));
      const state: IdentityLoginState = {
        ...request.state,
        ...(person === undefined ? {} : { appUserId: person }),
        ...(linkTarget === undefined ? {} : { linkTo: linkTarget }),
      };
      const expiresAt = state.createdAt + this.#router.provider(request.provider).loginTimeoutSeconds;
      return { url: request.url, provider: request.provider, state, expiresAt };
    });
  }

  /**
   * Completes a sign-in where it began (the state names the provider: mix-up
   * defence), once (a replayed state is refused), and resolves the app user.
   */
  async completeLogin(callbackUrl: string | URL, state: IdentityLoginState): Promise<IdentitySession> {
    return this.#traced("completeLogin", async () => {
      const provider = this.#providers.find((p) => p.id === state?.provider);
      if (!provider) throw invalid(undefined, "state", "login state names no configured provider");
      // Remembered for as long as the provider accepts the state (plus the clock skew it allows).
      const ttlMs = (provider.loginTimeoutSeconds + 60) * 1000;
      if (!(await this.#state.add(`idswitch:login:${String(state.state)}`, 1, { ttlMs }))) {
        throw invalid(provider.id, "state", "login state was already used");
      }
      const call = {
        operation: "completeLogin",
        for: "person",
        appUserId: state.appUserId,
        provider: provider.id,
      } as const;
      const session = await this.#router.call(call, (p) => p.completeLogin(callbackUrl, state));
      return this.#resolve(session, state.linkTo);
    });
  }

  /**
   * Refreshes at the provider that issued the session — never elsewhere. A
   * refusal names where the person may sign in again (`alternatives`).
   */
  async refresh(session: IdentitySession): Promise<IdentitySession> {
    return this.#traced("refresh", async () => {
      const call = {
        operation: "refresh",
        for: "person",
        appUserId: session.appUserId,
        provider: session.provider,
      } as const;
      // A session a signal ended stays ended: the provider is not asked to renew it.
      if (await this.#sessions.isRevoked(session)) throw revoked(session.provider);
      // An authority's disable binds here too: the provider is not even asked.
      await this.#authority.admit(session.appUserId, session.provider);
      const refreshed = await this.#router.call(call, (p) => p.refresh(session));
      await this.#authority.signedIn(session.appUserId, session.provider);
      return {
        ...refreshed,
        appUserId: session.appUserId,
        signedInAt: session.signedInAt,
        ...(session.sessionId === undefined ? {} : { sessionId: session.sessionId }),
      };
    });
  }

  /** Tokens for the application itself, from the first provider that is up and has not suspended it. */
  async clientCredentials(options: IdentityClientCredentialsOptions = {}): Promise<TokenSet> {
    return this.#traced("clientCredentials", async () => {
      return this.#router.call({ operation: "clientCredentials", for: "app" }, (p, signal) =>
        p.clientCredentials({
          scope: pick(options.scope, p.id),
          resource: pick(options.resource, p.id),
          signal,
        }),
      );
    });
  }

  /**
   * Starts a device sign-in (RFC 8628) at the first healthy provider, or at `provider`.
   *
   * @example
   * const handle = await identity.beginDeviceLogin({ scope: "openid offline_access" });
   * console.log(`Open ${handle.verificationUri} and enter ${handle.userCode}`);
   * const session = await identity.completeDeviceLogin(handle);
   */
  async beginDeviceLogin(options: IdentityDeviceLoginOptions = {}): Promise<DeviceLogin> {
    return this.#traced("beginDeviceLogin", async () => {
      const { provider, appUserId, scope } = options;
      const call = { operation: "beginDeviceLogin", for: "person", appUserId, provider } as const;
      return this.#router.call(call, (p) => p.beginDeviceLogin({ scope }));
    });
  }

  /** Polls the provider that started `handle` until the person approves; resolves the session to an app user. */
  async completeDeviceLogin(
    handle: DeviceLogin,
    options: CompleteDeviceLoginOptions = {},
  ): Promise<IdentitySession> {
    return this.#traced("completeDeviceLogin", async () => {
      const call = { operation: "completeDeviceLogin", for: "person", provider: handle.provider } as const;
      const session = await this.#router.call(call, (p) => p.completeDeviceLogin(handle, options));
      return this.#resolve(session, undefined);
    });
  }

  /**
   * Starts a failover drill: `provider` is treated as down — routed around,
   * its sessions refused with `provider_unavailable` (reason `drill`) and the
   * alternatives — for a cohort of app users (a stable share by
   * `cohort.percent`; everyone, the application's own calls included, when
   * left out), without touching the provider. Kept in the StateStore, so
   * every instance sharing it rehearses together; it ends by itself at
   * `until` (at most 24 h ahead). Each instance emits `drill` when it starts
   * and ends; `health()` shows it.
   *
   * @example
   * // Rehearse the loss of Microsoft for 5 % of people for ten minutes, and watch the events.
   * identity.on("failover", (e) => metrics.count("failover", e));
   * await identity.drill({ provider: "entra", until: Date.now() + 10 * 60_000, cohort: { percent: 5 } });
   */
  drill(options: DrillOptions): Promise<Drill> {
    return this.#router.drill(options);
  }

  /**
   * Ends `provider`'s failover drill now.
   *
   * @example
   * await identity.endDrill("entra");
   */
  endDrill(provider: string): Promise<void> {
    return this.#router.endDrill(provider);
  }

  /**
   * The failover drills in force (read from the StateStore: those started by
   * other instances or by `idswitch drill` too).
   *
   * @example
   * for (const d of await identity.drills()) log.info(`${d.provider} drilled for ${d.percent} % until ${new Date(d.until).toISOString()}`);
   */
  drills(): Promise<Drill[]> {
    return this.#router.drills();
  }

  /**
   * Whether this session has ended: a signal (back-channel logout, Shared
   * Signals) or the app ended it, or — with `routing.authority` — the
   * organisation's provider says the person is disabled or deleted, which
   * no provider signals (Keycloak sends nothing on a disable). One
   * StateStore read, two with an authority; the authority itself is asked
   * once per `routing.authorityCacheSeconds` per app user. The same answer
   * on every instance sharing the store; the web integrations ask on every
   * request. An authority that cannot be asked leaves the last known
   * decision standing.
   *
   * @example
   * if (await identity.isRevoked(session)) return signInAgain(); // the organisation signed this person out
   */
  async isRevoked(session: IdentitySession): Promise<boolean> {
    const [revoked, bound] = await Promise.all([
      this.#sessions.isRevoked(session),
      this.#authority.standing(session.appUserId),
    ]);
    if (revoked) return true;
    if (bound === undefined) return false;
    // Ended in the index as a signal would end them: every session of the person, on every instance.
    await this.#sessions.endAppUser(session.appUserId, "authority");
    return true;
  }

  /**
   * Receives an OpenID Back-Channel Logout 1.0 logout token (the
   * `logout_token` form field the provider POSTs) and ends the sessions it
   * names, on every instance sharing the StateStore. The token is verified
   * as any token of its issuer — the unverified `iss` only picks the
   * provider, an unknown one is refused before any network call; exact
   * `iss`, `aud` = the client id, algorithm allow-list, keys by `kid`,
   * `iat` and `exp` — and by the spec's rules: typed `logout+jwt` when
   * typed, the back-channel logout event, a `sid` or a `sub`, no `nonce`,
   * a `jti` never seen before. Any failure is `token_invalid` with a reason.
   *
   * @example
   * // What the web integrations mount at POST <prefix>/backchannel-logout:
   * try {
   *   await identity.backChannelLogout(form.get("logout_token") ?? "");
   *   return new Response(null, { status: 200, headers: { "cache-control": "no-store" } });
   * } catch (err) {
   *   if (!isIdSwitchError(err, "token_invalid")) throw err;
   *   return Response.json({ error: "invalid_request" }, { status: 400, headers: { "cache-control": "no-store" } });
   * }
   */
  async backChannelLogout(logoutToken: string): Promise<BackChannelLogoutResult> {
    return this.#traced("backChannelLogout", async () => {
      const peeked = peekJwt(logoutToken, undefined);
      const provider = issuerOf(this.#providers, peeked.payload);
      if (!provider) throw invalid(undefined, "issuer", "logout token issuer is not a configured provider");
      if (!provider.verifyLogoutToken) {
        throw invalid(provider.id, "token_type", "this provider cannot verify logout tokens");
      }
      // Not through the router: a logout must be heard while a breaker is open (the keys are cached).
      const claims = logoutTokenClaims(await provider.verifyLogoutToken(logoutToken, peeked), provider.id);
      // Remembered until the token expires (and the clock skew after): a replay cannot end the
      // person's later sessions. Forgotten again if the sessions could not be ended, so the
      // provider's retry is not refused as a replay.
      const seen = `idswitch:logout-jti:${provider.id}:${claims.jti}`;
      const ttlMs = Math.max(60_000, claims.exp * 1000 - this.#now() + 5 * 60_000);
      if (!(await this.#state.add(seen, 1, { ttlMs }))) {
        throw invalid(provider.id, "replayed", "the logout token was received before");
      }
      try {
        const target = { provider: provider.id, sid: claims.sid, subject: claims.sub, issuedAt: claims.iat };
        return { provider: provider.id, ended: await this.#sessions.end(target, "backchannel_logout") };
      } catch (error) {
        await this.#state.delete(seen).catch(() => {});
        throw error;
      }
    });
  }

  /**
   * Ends one session in the index (a sign-out in this app): a copy of its
   * cookie or token set is refused everywhere afterwards. The web
   * integrations call it on logout.
   *
   * @example
   * await identity.revokeSession(session);
   * await identity.isRevoked(session); // true, on every instance sharing the StateStore
   */
  async revokeSession(session: IdentitySession): Promise<void> {
    if (await this.#sessions.endOne(session, "application")) {
      this.#events.emit("session-revoked", { provider: session.provider, source: "application", ended: 1 });
    }
  }

  /**
   * Ends every session of an app user, at every provider ("sign out
   * everywhere"); resolves to how many ended.
   *
   * @example
   * const ended = await identity.revokeSessions({ appUserId: session.appUserId });
   */
  revokeSessions(target: { readonly appUserId: string }): Promise<number> {
    return this.#sessions.endAppUser(target.appUserId, "application");
  }

  /**
   * A resource refused the session's access token with a claims challenge
   * (Entra's Continuous Access Evaluation: the person was disabled, their
   * password changed, their sessions revoked — `WWW-Authenticate: Bearer …
   * error="insufficient_claims", claims="…"`). Entra sends relying parties
   * no back-channel logout; this is its signal. The session ends in the
   * index, on every instance, as a back-channel logout would end it, and the
   * challenge comes back so the person can sign in again asking for exactly
   * those claims (or be offered the spare provider when Entra refuses).
   * Resolves undefined, ending nothing, when the header carries no challenge
   * or the session's provider sends none (Keycloak).
   *
   * @example
   * const response = await fetch(graphUrl, { headers: { authorization: `Bearer ${session.tokens.accessToken}` } });
   * if (response.status === 401) {
   *   const challenge = await identity.claimsChallenge(session, response.headers.get("www-authenticate") ?? "");
   *   if (challenge) return identity.beginLogin({ provider: session.provider, claims: challenge.claims });
   * }
   */
  async claimsChallenge(
    session: IdentitySession,
    wwwAuthenticate: string,
  ): Promise<ClaimsChallenge | undefined> {
    const challenge = this.#providerById.get(session.provider)?.claimsChallenge?.(wwwAuthenticate);
    if (challenge === undefined) return undefined;
    if (await this.#sessions.endOne(session, "claims_challenge")) {
      this.#events.emit("session-revoked", {
        provider: session.provider,
        source: "claims_challenge",
        ended: 1,
      });
    }
    return challenge;
  }

  /**
   * A Shared Signals receiver (SSF 1.0: CAEP and RISC events) whose signals
   * end sessions in this identity's index — on every instance sharing the
   * StateStore, which also remembers each event's `jti` so a replay is
   * refused by all. Mount its `push` handler at `POST <prefix>/signals`
   * (push delivery) or call `start()` for poll delivery; `stop()` it before
   * `close()`. A refused SET and a failing poll are `warning` events too
   * (reasons `signal_refused`, `signal_poll_failed`), never with token
   * contents. docs/signals.md has the options and Keycloak's set-up.
   *
   * @example
   * const signals = identity.signalReceiver({
   *   transmitters: [{ provider: "eu", issuer: euIssuer, delivery: { method: "push", authorization: `Bearer ${env.SSF_PUSH_SECRET}` } }],
   * });
   * // Any web-standard server (Hono: `app.post("/auth/signals", (c) => signals.push(c.req.raw))`):
   * const answer: Response = await signals.push(new Request(url, { method: "POST", headers, body }));
   */
  signalReceiver(
    options: SignalsOptions,
    deps: Partial<Omit<SignalReceiverDeps, "revoker" | "state">> = {},
  ): SignalReceiver {
    const providerOf = (transmitter: string): string | undefined =>
      options.transmitters?.find((t) => (t.id ?? t.provider) === transmitter)?.provider;
    return createSignalReceiver(options, {
      now: this.#now,
      ...deps,
      // What went wrong reaches the app's `warning` listeners too: a refused SET is an attack or a
      // misconfigured transmitter, a failing poll is revocations not arriving.
      onSignal: (event) => {
        if (event.outcome === "refused") {
          this.#events.emit("warning", {
            provider: event.provider,
            reason: "signal_refused",
            message: `${event.transmitter}: a security event token was refused (${event.reason ?? "invalid"})`,
          });
        }
        deps.onSignal?.(event);
      },
      onPollError: (transmitter, error) => {
        this.#events.emit("warning", {
          provider: providerOf(transmitter),
          reason: "signal_poll_failed",
          message: `${transmitter}: polling for signals failed (${error instanceof IdSwitchError ? error.code : "session index"}); retrying`,
        });
        deps.onPollError?.(transmitter, error);
      },
      revoker: this.#sessions,
      state: this.#state,
    });
  }

  /** RP-initiated logout at the provider that issued the session. */
  async logoutUrl(session: Session, options: LogoutUrlOptions = {}): Promise<URL> {
    return this.#router.provider(session.provider).logoutUrl(session, options);
  }

  /**
   * Adds the account of `second` to the app user of `first`: the person
   * proved both just now (both sign-ins within `linking.maxAuthAgeSeconds`).
   */
  async link(first: IdentitySession, second: IdentitySession): Promise<Link> {
    return this.#traced("link", () => this.#linker.link(first, first.appUserId, second));
  }

  /** Every provider account linked to an app user, oldest first. */
  async linksOf(appUserId: string): Promise<readonly Link[]> {
    return this.#links.linksOf(appUserId);
  }

  /** Probes every provider (discovery) in parallel and reports each with its breaker and marks. */
  async health(): Promise<IdentityHealth[]> {
    return this.#traced("health", () => this.#router.health());
  }

  /**
   * Resolves once this instance is fully wired: listening to other
   * instances' breakers (when the state store can tell) and with
   * OpenTelemetry loaded (when installed). Calls before it work, untraced.
   */
  async ready(): Promise<void> {
    await Promise.all([this.#sharedBreakers, this.#telemetryLoaded]);
  }

  /** Listens to routing decisions; returns the way to stop listening. */
  on<E extends IdentityEventName>(name: E, listener: IdentityListener<E>): () => void {
    const off = this.#events.on(name, listener);
    if (name === "warning" && this.#memoryLinksWarning) {
      this.#memoryLinksWarning = false;
      this.#events.emit("warning", {
        provider: undefined,
        reason: "memory_link_store",
        message:
          "links are kept in memory and lost when the process ends; use a SQLite or PostgreSQL LinkStore",
      });
    }
    return off;
  }

  /** Stops listening to providers and waits for probes in flight. Stores passed in are the app's to close. */
  async close(): Promise<void> {
    for (const off of this.#unsubscribe.splice(0)) off();
    await (await this.#sharedBreakers)();
    await this.#router.close();
    this.#cache?.clear();
    this.#events.clear();
  }

  #traced<T>(name: string, operation: () => Promise<T>): Promise<T> {
    return this.#telemetry.span(name, { "idswitch.operation": name }, operation);
  }

  /** Hands a provider the state store and relays what it reports as the facade's events. */
  #connect(provider: Provider): () => void {
    provider.attachState?.(this.#state);
    return provider.subscribe((event) => {
      if (event.type === "key-rotated") {
        // Any change of key material (a new key under an old kid, a key without kid) empties the
        // provider's cached tokens; each entry is also bound to its own key (token-cache.ts).
        this.#cache?.dropProvider(event.provider);
        this.#events.emit("key-rotated", {
          provider: event.provider,
          added: event.added,
          removed: event.removed,
        });
      } else {
        this.#events.emit("warning", {
          provider: event.provider,
          reason: event.reason,
          message: event.message,
        });
      }
    });
  }

  async #resolve(session: Session, linkTo: string | undefined): Promise<IdentitySession> {
    const signedInAt = this.#now();
    const { link } = await this.#linker.resolve(session.principal, linkTo);
    // The person is known now: an authority that disabled them refuses this sign-in elsewhere;
    // a sign-in at an authority is that authority saying the account is enabled.
    await this.#authority.admit(link.appUserId, session.provider, true);
    await this.#router.signedIn(link.appUserId, session.provider);
    const resolved = { ...session, appUserId: link.appUserId, signedInAt, sessionId: newSessionId() };
    // A logout signal may overtake the recording of the session it ends (sent the moment the provider issued it).
    if (!(await this.#sessions.record(resolved))) throw revoked(session.provider);
    return resolved;
  }

  /** The app user linked to an account at `provider`, for a signal about a person with no session here. */
  async #appUserOf(providerId: string, subject: string): Promise<string | undefined> {
    const provider = this.#providerById.get(providerId);
    if (!provider) return undefined;
    let tenant: string | undefined;
    try {
      // The provider's own rule for the tenant of its accounts (Keycloak: the realm of its issuer).
      tenant = provider.normalizeClaims({ iss: provider.issuer, sub: subject }).tenant;
    } catch {
      return undefined;
    }
    return (await this.#links.find({ provider: providerId, tenant: tenant ?? "", subject }))?.appUserId;
  }
}

function revoked(provider: string): IdSwitchError {
  return new IdSwitchError("session_revoked", `${provider}: the session was ended (signed out or revoked)`, {
    provider,
    reason: "signal",
  });
}

/** The configured provider that issued a token, by its unverified claims (a loop: no closure per call). */
function issuerOf(providers: readonly Provider[], unverified: VerifiedJwt["payload"]): Provider | undefined {
  for (const provider of providers) if (provider.isIssuerOf(unverified)) return provider;
  return undefined;
}

/**
 * The principal with the `cnf` of the token it came from: the facade decides
 * whether a token is bound from the token itself, never from claims a
 * provider's rules (a custom provider, an enrichment) may have rebuilt.
 */
function withTokenBinding(principal: Principal, token: Claims): Principal {
  if (token.cnf === principal.claims.cnf) return principal;
  return { ...principal, claims: { ...principal.claims, cnf: token.cnf } };
}

/** The common case — no DPoP asked for, a token bound to nothing — decided without a promise: the hot path stays as it was. */
function unbound(principal: Principal, dpop: DpopRequest | undefined): boolean {
  return dpop === undefined && principal.claims.cnf === undefined;
}

function pick<T>(value: PerProvider<T> | undefined, provider: string): T | undefined {
  if (value === undefined || typeof value !== "object" || Array.isArray(value)) return value as T | undefined;
  return (value as Readonly<Record<string, T>>)[provider];
}

/**
 * A provider's verification with the key that vouched for the token. One
 * that cannot name its key (a hand-written `Provider`) still verifies; its
 * tokens are just never cached, as a cached token must be bound to a key.
 */
async function verifiedWithKey(
  provider: Provider,
  token: string,
  options: VerifyOptions,
  peeked: VerifiedJwt,
): Promise<{ readonly principal: Principal; readonly keyThumbprint: string | undefined }> {
  if (provider.verifyAccessTokenWithKey) return provider.verifyAccessTokenWithKey(token, options, peeked);
  return { principal: await provider.verifyAccessToken(token, options, peeked), keyThumbprint: undefined };
}

/**
 * One interface in front of every configured provider.
 *
 * @example
 * import { sqliteLinkStore } from "idswitch/stores/sqlite";
 * const identity = createIdentity({
 *   providers: [
 *     entraId({ id: "entra", tenantId, clientId, clientSecret }),
 *     keycloak({ id: "eu", issuer: "https://auth.example.eu/realms/acme", clientId, clientSecret }),
 *   ],
 *   routing: { order: ["entra", "eu"] },
 *   links: sqliteLinkStore({ path: "idswitch.db" }),
 * });
 * const principal = await identity.verifyAccessToken(bearer, { audience: { entra: "api://orders", eu: "orders" } });
 */
export function createIdentity(options: IdentityOptionsInput): Identity {
  return new Identity(options);
}
