/**
 * `createIdentity`: the one interface. It composes providers (never asking
 * which kind each is), routes every operation through the failover policy,
 * resolves each sign-in to the application's own user, and tells the app
 * about every decision through events.
 */
import { parseConfig } from "./core/config.js";
import { type ErrorCode, withAlternatives } from "./core/errors.js";
import { MemoryStateStore } from "./core/memory-state-store.js";
import type { StateStore } from "./core/state-store.js";
import type { Principal, ProviderHealth, Session, TokenSet } from "./core/types.js";
import { EventBus, type IdentityEventName, type IdentityListener } from "./identity/events.js";
import { type IdentityOptionsInput, identityOptionsSchema } from "./identity/options.js";
import { loadTelemetry, noTelemetry, type Telemetry } from "./identity/telemetry.js";
import { VerifiedTokenCache } from "./identity/token-cache.js";
import type { Link, LinkStore } from "./links/link-store.js";
import { accountOf, Linker } from "./links/linker.js";
import { MemoryLinkStore } from "./links/memory-link-store.js";
import type {
  BeginLoginOptions,
  CompleteDeviceLoginOptions,
  DeviceLogin,
  LoginState,
  LogoutUrlOptions,
  Provider,
} from "./providers/provider.js";
import type { BreakerSnapshot } from "./routing/breaker.js";
import { Router } from "./routing/router.js";
import { invalid, peekJwt } from "./tokens/verify-jwt.js";

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
 * One provider as {@link Identity.health} sees it: the probe, plus routing's own state (breaker, suspension, state store).
 *
 * @example
 * for (const h of await identity.health()) {
 *   // Up is not enough: an open breaker or a remembered suspension also keeps traffic away.
 *   if (h.status === "down" || h.breaker !== "closed" || h.suspended) log.warn("provider unavailable", { ...h });
 * }
 */
export interface IdentityHealth extends ProviderHealth {
  readonly breaker: BreakerSnapshot["state"];
  /** The application's own suspension at this provider, if one is remembered. */
  readonly suspended: string | undefined;
  /** Whether the StateStore (suspension marks, breakers shared between instances) answered. */
  readonly stateStore: "ok" | "unavailable";
}

/**
 * The facade over every configured provider, made by {@link createIdentity}: verification, sign-in, refresh, client credentials, device flow, linking, health and events.
 *
 * @example
 * const identity = createIdentity({ providers: [entra, eu], routing: { order: ["entra", "eu"] } });
 * const { url, state } = await identity.beginLogin({ returnTo: "/" });
 */
export class Identity {
  readonly #providers: ReadonlyMap<string, Provider>;
  readonly #order: readonly string[];
  readonly #inOrder: readonly Provider[];
  readonly #router: Router;
  readonly #linker: Linker;
  readonly #links: LinkStore;
  readonly #state: StateStore;
  readonly #events = new EventBus();
  readonly #cache: VerifiedTokenCache | undefined;
  readonly #now: () => number;
  readonly #maxAuthAgeMs: number;
  readonly #unsubscribe: (() => void)[] = [];
  #telemetry: Telemetry = noTelemetry;
  readonly #telemetryLoaded: Promise<void>;
  /** Listening to other instances' breakers, when the state store can tell. */
  readonly #sharedBreakers: Promise<() => Promise<void>>;
  /** Warned once, to the first `warning` listener: links in memory are lost on restart. */
  #memoryLinksWarning: boolean;

  constructor(input: IdentityOptionsInput) {
    const options = parseConfig(identityOptionsSchema, input);
    this.#now = options.now ?? Date.now;
    this.#maxAuthAgeMs = options.linking.maxAuthAgeSeconds * 1000;
    this.#providers = new Map(options.providers.map((p) => [p.id, p]));
    const listed = options.routing.order ?? [];
    this.#order = [...new Set([...listed, ...options.providers.map((p) => p.id)])];
    this.#inOrder = Object.freeze(this.#order.map((id) => this.#provider(id)));
    this.#links = options.links ?? new MemoryLinkStore();
    this.#state = options.state ?? new MemoryStateStore({ now: this.#now });
    this.#memoryLinksWarning = options.links === undefined;
    this.#cache = options.tokenCache
      ? new VerifiedTokenCache(options.tokenCache.maxEntries, this.#now)
      : undefined;
    const newAppUserId = options.newAppUserId ?? (() => crypto.randomUUID());
    this.#linker = new Linker(this.#links, {
      claim: options.linking.claim,
      emailLookup: options.linking.dangerouslyLinkByVerifiedEmail,
      maxAuthAgeSeconds: options.linking.maxAuthAgeSeconds,
      newAppUserId,
      now: this.#now,
    });
    const claim = options.linking.claim;
    this.#router = new Router({
      providers: this.#providers,
      order: this.#order,
      onSuspension: options.routing.onSuspension,
      breaker: options.routing.breaker,
      userSuspensionMs: options.routing.userSuspensionSeconds * 1000,
      providerSuspensionMs: options.routing.providerSuspensionSeconds * 1000,
      state: this.#state,
      events: this.#events,
      now: this.#now,
      accountsOf: async (appUserId) => {
        const linked = new Set((await this.#links.linksOf(appUserId)).map((l) => l.provider));
        // Mirrored accounts: a spare whose tokens carry the link claim knows this person already.
        if (claim && linked.has(claim.provider)) {
          for (const id of this.#order) if (id !== claim.provider) linked.add(id);
        }
        return linked;
      },
    });
    this.#telemetryLoaded = options.telemetry
      ? loadTelemetry(this.#events).then((telemetry) => {
          this.#telemetry = telemetry;
        })
      : Promise.resolve();
    // A store that cannot subscribe (or fails to) leaves each instance on its own breakers.
    this.#sharedBreakers = this.#router.shareBreakers().catch(() => async () => {});
    for (const provider of this.#providers.values()) {
      provider.attachState?.(this.#state);
      this.#unsubscribe.push(
        provider.subscribe((event) => {
          if (event.type === "key-rotated") {
            // A removed key must stop vouching for cached tokens at once.
            if (event.removed.length > 0) this.#cache?.dropProvider(event.provider);
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
        }),
      );
    }
  }

  /** The configured providers, in routing order. */
  get providers(): readonly Provider[] {
    return this.#inOrder;
  }

  /**
   * Verifies a bearer token from whichever configured provider issued it.
   * The unverified `iss` only picks the provider (an unknown issuer is
   * refused before any network call); that provider alone verifies.
   * Verification never fails over: a token is only ever good at its issuer.
   */
  async verifyAccessToken(token: string, options: IdentityVerifyOptions): Promise<Principal> {
    return this.#traced("verifyAccessToken", async () => {
      if (options?.audience === undefined) throw new TypeError("verifyAccessToken: an audience is required");
      // A token verified before is answered from the cache without even being decoded.
      const cached = this.#cache?.get(token, (id) => pick(options.audience, id), options.requiredScopes);
      if (cached) return cached;
      const peeked = peekJwt(token, undefined);
      const provider = this.#inOrder.find((p) => p.isIssuerOf(peeked.payload));
      if (!provider) throw invalid(undefined, "issuer", "token issuer is not a configured provider");
      const audience = pick(options.audience, provider.id);
      if (audience === undefined)
        throw invalid(provider.id, "audience", "no audience is accepted for this provider");
      try {
        const principal = await provider.verifyAccessToken(
          token,
          { audience, requiredScopes: options.requiredScopes },
          peeked,
        );
        this.#cache?.set(token, principal, audience, options.requiredScopes);
        return principal;
      } catch (err) {
        const error = this.#router.classify(provider, err);
        if (error.code === "provider_unavailable") this.#router.recordOutage(provider.id, error);
        throw error;
      }
    });
  }

  /** Starts a sign-in at the chosen provider, or the first healthy one. */
  async beginLogin(options: IdentityBeginLoginOptions = {}): Promise<IdentityLoginRequest> {
    return this.#traced("beginLogin", async () => {
      const { provider, appUserId, linkTo, ...rest } = options;
      const linkTarget = linkTo ? this.#freshAppUser(linkTo) : undefined;
      const person = appUserId ?? linkTarget;
      const request = await this.#route("beginLogin", provider, person, (p) => p.beginLogin(rest));
      const state: IdentityLoginState = {
        ...request.state,
        ...(person === undefined ? {} : { appUserId: person }),
        ...(linkTarget === undefined ? {} : { linkTo: linkTarget }),
      };
      return { url: request.url, provider: request.provider, state };
    });
  }

  /**
   * Completes a sign-in where it began (the state names the provider: mix-up
   * defence), once (a replayed state is refused), and resolves the app user.
   */
  async completeLogin(callbackUrl: string | URL, state: IdentityLoginState): Promise<IdentitySession> {
    return this.#traced("completeLogin", async () => {
      const provider = this.#providers.get(state?.provider);
      if (!provider) throw invalid(undefined, "state", "login state names no configured provider");
      const ttlMs = 3_600_000;
      if (!(await this.#state.add(`idswitch:login:${String(state.state)}`, 1, { ttlMs }))) {
        throw invalid(provider.id, "state", "login state was already used");
      }
      const session = await this.#personal(provider, state.appUserId, () =>
        provider.completeLogin(callbackUrl, state),
      );
      return this.#resolve(session, state.linkTo);
    });
  }

  /**
   * Refreshes at the provider that issued the session — never elsewhere. A
   * refusal names where the person may sign in again (`alternatives`).
   */
  async refresh(session: IdentitySession): Promise<IdentitySession> {
    return this.#traced("refresh", async () => {
      const provider = this.#provider(session.provider);
      const refreshed = await this.#personal(provider, session.appUserId, () => provider.refresh(session));
      return { ...refreshed, appUserId: session.appUserId, signedInAt: session.signedInAt };
    });
  }

  /** Tokens for the application itself, from the first provider that is up and has not suspended it. */
  async clientCredentials(options: IdentityClientCredentialsOptions = {}): Promise<TokenSet> {
    return this.#traced("clientCredentials", async () => {
      return this.#router.run({ operation: "clientCredentials", failoverOnProviderSuspension: true }, (p) =>
        p.clientCredentials({ scope: pick(options.scope, p.id), resource: pick(options.resource, p.id) }),
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
      return this.#route("beginDeviceLogin", options.provider, options.appUserId, (p) =>
        p.beginDeviceLogin({ scope: options.scope }),
      );
    });
  }

  /** Polls the provider that started `handle` until the person approves; resolves the session to an app user. */
  async completeDeviceLogin(
    handle: DeviceLogin,
    options: CompleteDeviceLoginOptions = {},
  ): Promise<IdentitySession> {
    return this.#traced("completeDeviceLogin", async () => {
      const provider = this.#provider(handle.provider);
      const session = await this.#personal(provider, undefined, () =>
        provider.completeDeviceLogin(handle, options),
      );
      return this.#resolve(session, undefined);
    });
  }

  /** RP-initiated logout at the provider that issued the session. */
  async logoutUrl(session: Session, options: LogoutUrlOptions = {}): Promise<URL> {
    return this.#provider(session.provider).logoutUrl(session, options);
  }

  /**
   * Adds the account of `second` to the app user of `first`: the person
   * proved both just now (both sign-ins within `linking.maxAuthAgeSeconds`).
   */
  async link(first: IdentitySession, second: IdentitySession): Promise<Link> {
    return this.#traced("link", async () => {
      const link = await this.#linker.link(first, first.appUserId, second);
      this.#events.emit("link-created", {
        appUserId: link.appUserId,
        account: accountOf(second.principal),
        method: link.method,
      });
      return link;
    });
  }

  /** Every provider account linked to an app user, oldest first. */
  async linksOf(appUserId: string): Promise<readonly Link[]> {
    return this.#links.linksOf(appUserId);
  }

  /** Probes every provider (discovery) in parallel and reports each with its breaker and marks. */
  async health(): Promise<IdentityHealth[]> {
    return this.#traced("health", async () => {
      return Promise.all(
        this.providers.map(async (provider) => {
          const health = await provider.health();
          // The state store is part of the picture: marks live there, and routing reads them.
          let stateStore: IdentityHealth["stateStore"] = "ok";
          let suspended: string | undefined;
          try {
            await this.#router.bookHealth(health);
            suspended = (await this.#router.suspensions.ofProvider(provider.id))?.code;
          } catch {
            stateStore = "unavailable";
          }
          return { ...health, breaker: this.#router.breaker(provider.id).state, suspended, stateStore };
        }),
      );
    });
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
    await this.#router.settle();
    this.#cache?.clear();
    this.#events.clear();
  }

  #traced<T>(name: string, operation: () => Promise<T>): Promise<T> {
    return this.#telemetry.span(name, { "idswitch.operation": name }, operation);
  }

  /** An explicit provider is used as asked; otherwise routing picks, failing over on outages. */
  async #route<T>(
    operation: string,
    explicit: string | undefined,
    appUserId: string | undefined,
    run: (provider: Provider) => Promise<T>,
  ): Promise<T> {
    if (explicit !== undefined) {
      const provider = this.#provider(explicit);
      return this.#personal(provider, appUserId, () => run(provider));
    }
    return this.#router.run({ operation, appUserId, failoverOnProviderSuspension: true }, run);
  }

  /**
   * Runs an operation bound to one provider for one person: failures are
   * booked (breaker, marks) and a suspension or an outage names the
   * alternatives, as `routing.onSuspension` says.
   */
  async #personal<T>(provider: Provider, appUserId: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.#router.recordSuccess(provider.id);
      return result;
    } catch (err) {
      const error = this.#router.classify(provider, err);
      await this.#router.recordFailure(provider.id, error, {
        operation: "signIn",
        appUserId,
        failoverOnProviderSuspension: false,
      });
      if (!OFFERS_ALTERNATIVES.has(error.code)) throw error;
      throw withAlternatives(error, await this.#router.alternatives(provider.id, appUserId));
    }
  }

  async #resolve(session: Session, linkTo: string | undefined): Promise<IdentitySession> {
    const account = accountOf(session.principal);
    const now = this.#now();
    const resolution = linkTo
      ? { link: await this.#links.link(account, linkTo, { method: "explicit", now }), linked: true }
      : await this.#linker.resolve(session.principal);
    const { link } = resolution;
    if (resolution.linked) {
      this.#events.emit("link-created", { appUserId: link.appUserId, account, method: link.method });
    }
    await this.#router.signedIn(link.appUserId, session.provider);
    return { ...session, appUserId: link.appUserId, signedInAt: now };
  }

  #freshAppUser(session: IdentitySession): string {
    const recent = this.#now() - session.signedInAt <= this.#maxAuthAgeMs;
    if (!session.appUserId || !recent) {
      throw new TypeError("beginLogin: linkTo needs a recent sign-in; sign in again");
    }
    return session.appUserId;
  }

  #provider(id: string): Provider {
    const provider = this.#providers.get(id);
    if (!provider) throw new TypeError(`unknown provider "${id}"`);
    return provider;
  }
}

/** Codes after which the person may be pointed elsewhere: suspensions, ended sessions, outages. */
const OFFERS_ALTERNATIVES: ReadonlySet<ErrorCode> = new Set([
  "account_disabled",
  "account_locked",
  "client_suspended",
  "tenant_unavailable",
  "session_revoked",
  "provider_unavailable",
]);

function pick<T>(value: PerProvider<T> | undefined, provider: string): T | undefined {
  if (value === undefined || typeof value !== "object" || Array.isArray(value)) return value as T | undefined;
  return (value as Readonly<Record<string, T>>)[provider];
}

/**
 * One interface in front of every configured provider.
 *
 * @example
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
