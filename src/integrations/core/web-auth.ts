/**
 * The backend-for-frontend flows every web integration shares: login,
 * callback, logout, and the session of each request (refreshed near expiry).
 * The integrations only translate requests and responses; `createIdentity`
 * decides routing, failover and who the person is.
 */
import type { Identity, IdentityLoginState, IdentitySession } from "idswitch";
import { IdSwitchError, isIdSwitchError } from "idswitch";
import { serializeCookie } from "./cookies.js";
import { isNavigation, json, pathOf, redirect, type WebRequest, type WebResponse } from "./http.js";
import { parseOptions, type WebOptions, type WebOptionsInput, webOptionsSchema } from "./options.js";
import { safeReturnTo } from "./return-to.js";
import { Sealer } from "./seal.js";
import { SessionJar } from "./session-jar.js";

/** What a request knows about its person after `authenticate`. */
export interface RequestAuth {
  /** The signed-in session, refreshed when it was near expiry. */
  readonly session: IdentitySession | undefined;
  /** Cookies to send with whatever the app answers (a refreshed or cleared session). */
  readonly setCookies: readonly string[];
  /** When the session had to end (suspension, revocation): what to answer instead. */
  readonly failure: WebResponse | undefined;
}

/**
 * What the login cookie seals: the facade's login state and, for "link another
 * account", which session began it.
 */
interface PendingLogin {
  readonly v: 2;
  readonly state: IdentityLoginState;
  readonly linkFrom?: SessionMark;
}

/** One signed-in session, told apart from the same person's later sign-ins. */
interface SessionMark {
  readonly appUserId: string;
  readonly signedInAt: number;
}

function sessionMark(session: IdentitySession): SessionMark {
  return { appUserId: session.appUserId, signedInAt: session.signedInAt };
}

function sameSession(session: IdentitySession | undefined, mark: SessionMark): boolean {
  return session?.appUserId === mark.appUserId && session.signedInAt === mark.signedInAt;
}

/** A cookie of an earlier version (or none) is an expired login: the person starts again. */
function isPendingLogin(value: unknown): value is PendingLogin {
  if (typeof value !== "object" || value === null) return false;
  const { v, state } = value as { v?: unknown; state?: unknown };
  return v === 2 && typeof state === "object" && state !== null;
}

/** The largest body a signal route reads: a logout token is a few KiB at most. */
export const MAX_SIGNAL_BODY = 64 * 1024;

/** One field of a urlencoded form; undefined when absent, empty or repeated (ambiguous). */
function formField(form: string | undefined, name: string): string | undefined {
  if (form === undefined) return undefined;
  const values = new URLSearchParams(form).getAll(name);
  return values.length === 1 && values[0] !== "" ? values[0] : undefined;
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

export class WebAuth {
  readonly options: WebOptions;
  readonly identity: Identity;
  readonly #jar: SessionJar;
  readonly #sealer: Sealer;
  readonly #loginCookie: string;
  readonly #now: () => number;
  /**
   * Refreshes in flight, by refresh token: a page's parallel requests share
   * one refresh, since a rotating provider (Keycloak, Entra) honours a refresh
   * token once and the loser would end the session. Per process only.
   */
  readonly #refreshing = new Map<string, Promise<IdentitySession>>();

  constructor(input: WebOptionsInput, what: string) {
    this.options = parseOptions(webOptionsSchema, input, what);
    this.identity = this.options.identity;
    const { secure } = this.options.cookie;
    // `__Host-`: the browser refuses it unless Secure, Path=/ and host-only — no subdomain can plant it.
    const name = this.options.cookie.name ?? (secure ? "__Host-idswitch" : "idswitch");
    this.#loginCookie = `${name}-login`;
    this.#sealer = new Sealer(
      typeof this.options.secret === "string" ? [this.options.secret] : this.options.secret,
    );
    this.#jar = new SessionJar(this.#sealer, {
      name,
      secure,
      maxAgeSeconds: this.options.session.maxAgeSeconds,
      store: this.options.session.store,
      sealAtRest: this.options.session.sealAtRest,
    });
    this.#now = this.options.now ?? Date.now;
  }

  get loginPath(): string {
    return `${this.options.prefix}/login`;
  }
  get callbackPath(): string {
    return `${this.options.prefix}/callback`;
  }
  get logoutPath(): string {
    return `${this.options.prefix}/logout`;
  }
  get backchannelLogoutPath(): string {
    return `${this.options.prefix}/backchannel-logout`;
  }
  /** `POST <prefix>/signals`, mounted only with the `signals` option. */
  get signalsPath(): string | undefined {
    return this.options.signals === undefined ? undefined : `${this.options.prefix}/signals`;
  }

  /**
   * `POST <prefix>/signals`: a security event token pushed by a transmitter
   * (RFC 8935), handed to the signal receiver — which checks the caller's
   * authorization, the media type and the body's size itself, and answers
   * 202 or RFC 8935's error JSON. 404 without the `signals` option.
   */
  signals(request: Request): Promise<Response> {
    const receiver = this.options.signals;
    if (receiver === undefined) return Promise.resolve(new Response(null, { status: 404 }));
    return receiver.push(request);
  }

  /** `GET <prefix>/login?provider=&returnTo=&link=1`: starts a sign-in and remembers it in a sealed cookie. */
  async login(request: WebRequest): Promise<WebResponse> {
    const refused = this.#refuseInsecure(request);
    if (refused) return refused;
    const params = request.url.searchParams;
    const provider = params.get("provider") ?? undefined;
    if (provider !== undefined && !this.identity.providers.some((p) => p.id === provider)) {
      return json(400, { error: "invalid_request", error_description: "unknown provider" });
    }
    const asked = params.get("returnTo");
    const returnTo = asked === null ? this.options.defaultReturnTo : safeReturnTo(asked);
    if (returnTo === undefined) {
      return json(400, {
        error: "invalid_request",
        error_description: "returnTo must be a same-origin path",
      });
    }
    const linkTo = params.get("link") === "1" ? (await this.#read(request))?.session : undefined;
    try {
      const begun = await this.identity.beginLogin({ provider, returnTo, linkTo });
      // The login cookie lives as long as the sign-in may take at that provider (its `loginTimeoutSeconds`).
      const lifetime = begun.expiresAt - begun.state.createdAt;
      const pending: PendingLogin = {
        v: 2,
        state: begun.state,
        ...(linkTo ? { linkFrom: sessionMark(linkTo) } : {}),
      };
      const sealed = await this.#sealer.seal("login", pending, this.#seconds() + lifetime);
      const cookie = serializeCookie(this.#loginCookie, sealed, this.#attributes(lifetime));
      return redirect(begun.url.href, [cookie]);
    } catch (error) {
      // The facade refuses to link to a sign-in older than `linking.maxAuthAgeSeconds`.
      if (isIdSwitchError(error, "interaction_required") && error.reason === "recent_sign_in") {
        return json(400, { error: "login_required", error_description: "sign in again before linking" });
      }
      return this.#failed(request, error, provider, returnTo, []);
    }
  }

  /**
   * `GET <prefix>/callback/:provider`: completes the sign-in begun in this
   * browser (the sealed login cookie is the CSRF binding), at the provider
   * that began it (mix-up defence), once.
   */
  async callback(request: WebRequest, providerId: string): Promise<WebResponse> {
    const refused = this.#refuseInsecure(request);
    if (refused) return refused;
    const spent = [serializeCookie(this.#loginCookie, "", this.#attributes(0))];
    const sealed = request.cookies.get(this.#loginCookie);
    const pending = sealed ? await this.#sealer.open("login", sealed, this.#seconds()) : undefined;
    if (!isPendingLogin(pending)) {
      return this.#chooser({ error: "login_expired", provider: providerId }, spent);
    }
    const { state } = pending;
    if (state.provider !== providerId) {
      return json(
        400,
        { error: "invalid_request", error_description: "callback of another provider" },
        [],
        spent,
      );
    }
    const returnTo = safeReturnTo(state.returnTo) ?? this.options.defaultReturnTo;
    const previous = await this.#read(request);
    // A link names its app user when it begins. Only the session that began it may finish it:
    // after a logout, or with another person signed in, a shared browser would otherwise link
    // whoever completes the provider's page to the previous person, and sign them in as that person.
    const linkFrom = pending.linkFrom;
    if (state.linkTo !== undefined && !(linkFrom && sameSession(previous?.session, linkFrom))) {
      return this.#chooser({ error: "login_required", provider: providerId, returnTo }, spent);
    }
    try {
      const session = await this.identity.completeLogin(request.url, state);
      const cookies = await this.#jar.write(session, request.cookies, this.#seconds(), previous?.id, false);
      return redirect(returnTo, [...spent, ...cookies]);
    } catch (error) {
      return this.#failed(request, error, providerId, returnTo, spent);
    }
  }

  /**
   * `POST <prefix>/logout`: forgets the session here, then sends the browser
   * to the provider's end-session endpoint. POST only: with SameSite=Lax a
   * cross-site form cannot carry the cookie, so no page can log anyone out.
   */
  async logout(request: WebRequest): Promise<WebResponse> {
    if (request.method !== "POST")
      return { ...json(405, { error: "method_not_allowed" }), headers: [["Allow", "POST"]] };
    const opened = await this.#read(request);
    // A sign-in or link begun in this browser ends with the session: nobody may finish it afterwards.
    const pendingLogin = request.cookies.has(this.#loginCookie)
      ? [serializeCookie(this.#loginCookie, "", this.#attributes(0))]
      : [];
    // Ended in the index too: a copy of this cookie, kept by whoever could read it, is refused from now on.
    if (opened) await this.identity.revokeSession(opened.session).catch(() => {});
    const cleared = [...(await this.#jar.clear(request.cookies, opened?.id)), ...pendingLogin];
    const fallback = this.#postLogout(opened?.session.provider) ?? this.options.defaultReturnTo;
    if (!opened) return redirect(fallback, cleared, 303);
    try {
      const url = await this.identity.logoutUrl(opened.session, {
        postLogoutRedirectUri: this.#postLogout(opened.session.provider),
      });
      return redirect(url.href, cleared, 303);
    } catch {
      // A provider without end-session still signs the person out here.
      return redirect(fallback, cleared, 303);
    }
  }

  /**
   * `POST <prefix>/backchannel-logout` (OpenID Back-Channel Logout 1.0 §2.5,
   * §2.8): the provider posts `logout_token` as a form; the sessions it names
   * end on every instance sharing the StateStore. 200 when the token was
   * good (also when it named no session here), 400 with a JSON error
   * otherwise; never cached. `form` is the request body, read by the
   * integration (at most {@link MAX_SIGNAL_BODY} bytes).
   */
  async backchannelLogout(request: WebRequest, form: string | undefined): Promise<WebResponse> {
    if (request.method !== "POST")
      return { ...json(405, { error: "method_not_allowed" }), headers: [["Allow", "POST"]] };
    const type = (request.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
    const token = type === "application/x-www-form-urlencoded" ? formField(form, "logout_token") : undefined;
    if (token === undefined) {
      return json(400, {
        error: "invalid_request",
        error_description: "a logout_token form field is required",
      });
    }
    try {
      await this.identity.backChannelLogout(token);
      return { status: 200, headers: [["Cache-Control", "no-store"]] };
    } catch (error) {
      if (!(error instanceof IdSwitchError)) throw error;
      // The reason names the failed check, never the token; an outage (keys unreachable) fails too (§2.8).
      const description =
        error.code === "token_invalid" ? `logout token refused (${error.reason ?? "invalid"})` : error.code;
      return json(400, { error: "invalid_request", error_description: description });
    }
  }

  /**
   * The request's session: refreshed at its own provider when the access
   * token is about to expire. A refusal ends the session and sends the person
   * to the chooser with the alternatives; an outage keeps a still-valid one.
   */
  async authenticate(request: WebRequest): Promise<RequestAuth> {
    const refused = this.#refuseInsecure(request);
    if (refused) return { session: undefined, setCookies: [], failure: refused };
    const opened = await this.#read(request);
    if (!opened) return { session: undefined, setCookies: [], failure: undefined };
    // Ended by a signal (the organisation signed the person out) or a sign-out elsewhere: gone, one read.
    if (await this.identity.isRevoked(opened.session)) {
      return {
        session: undefined,
        setCookies: await this.#jar.clear(request.cookies, opened.id),
        failure: undefined,
      };
    }
    const now = this.#seconds();
    const expiresAt = opened.session.tokens.expiresAt;
    if (expiresAt === undefined || expiresAt - now > this.options.session.refreshBeforeExpirySeconds) {
      return { session: opened.session, setCookies: [], failure: undefined };
    }
    try {
      const session = await this.#refresh(opened.session);
      const setCookies = await this.#jar.write(session, request.cookies, now, opened.id, true);
      return { session, setCookies, failure: undefined };
    } catch (error) {
      const outage = error instanceof IdSwitchError && error.code === "provider_unavailable";
      if (outage && expiresAt > now) return { session: opened.session, setCookies: [], failure: undefined };
      const cleared = await this.#jar.clear(request.cookies, opened.id);
      const returnTo = isNavigation(request) ? pathOf(request) : this.options.defaultReturnTo;
      const failure = await this.#failed(request, error, opened.session.provider, returnTo, cleared);
      return { session: undefined, setCookies: cleared, failure };
    }
  }

  /** What `requireAuth` answers without a session: a redirect to sign in, or 401. */
  unauthenticated(request: WebRequest, setCookies: readonly string[]): WebResponse {
    if (this.options.unauthenticated === "redirect" && isNavigation(request)) {
      const login = `${this.loginPath}?${new URLSearchParams({ returnTo: pathOf(request) })}`;
      return redirect(login, setCookies);
    }
    return json(401, { error: "unauthenticated" }, [], setCookies);
  }

  /** 403 unless the person holds one of `roles` (any of them). */
  forbidden(session: IdentitySession, roles: readonly string[]): WebResponse | undefined {
    if (roles.some((role) => session.principal.roles.includes(role))) return undefined;
    return json(403, { error: "forbidden", error_description: "a required role is missing" });
  }

  #refresh(session: IdentitySession): Promise<IdentitySession> {
    const key = session.tokens.refreshToken;
    if (key === undefined) return this.identity.refresh(session);
    let pending = this.#refreshing.get(key);
    if (!pending) {
      pending = this.identity.refresh(session).finally(() => this.#refreshing.delete(key));
      this.#refreshing.set(key, pending);
    }
    return pending;
  }

  async #read(request: WebRequest) {
    return this.#jar.read(request.cookies, this.#seconds());
  }

  /** A failure of the provider or the person: the chooser for a browser, JSON for a script. */
  async #failed(
    request: WebRequest,
    error: unknown,
    provider: string | undefined,
    returnTo: string,
    setCookies: readonly string[],
  ): Promise<WebResponse> {
    if (!(error instanceof IdSwitchError)) throw error;
    const alternatives = error.alternatives ?? [];
    const from = error.provider ?? provider;
    if (isNavigation(request) || request.url.pathname.startsWith(this.options.prefix)) {
      return this.#chooser({ error: error.code, provider: from, alternatives, returnTo }, setCookies);
    }
    const status = error.code === "provider_unavailable" ? 503 : 401;
    const retry: Array<[string, string]> =
      status === 503 ? [["Retry-After", String(Math.ceil(error.retryAfter ?? 30))]] : [];
    return json(status, { error: error.code, provider: from, alternatives }, retry, setCookies);
  }

  #chooser(
    detail: {
      error: string;
      provider?: string | undefined;
      alternatives?: readonly string[];
      returnTo?: string;
    },
    setCookies: readonly string[],
  ): WebResponse {
    const query = new URLSearchParams({ error: detail.error });
    if (detail.provider) query.set("provider", detail.provider);
    if (detail.alternatives) query.set("alternatives", detail.alternatives.join(","));
    if (detail.returnTo) query.set("returnTo", detail.returnTo);
    return redirect(`${this.options.chooserPath}?${query}`, setCookies);
  }

  /** `cookie.secure: false` is for http://localhost only: any other host is refused, fail closed. */
  #refuseInsecure(request: WebRequest): WebResponse | undefined {
    if (this.options.cookie.secure || LOOPBACK.test(request.url.hostname)) return undefined;
    return json(500, {
      error: "server_error",
      error_description: "insecure cookies are allowed on localhost only",
    });
  }

  #postLogout(provider: string | undefined): string | undefined {
    const uri = this.options.postLogoutRedirectUri;
    if (uri === undefined || typeof uri === "string") return uri;
    return provider === undefined ? undefined : uri[provider];
  }

  #attributes(maxAge: number) {
    return { maxAge, secure: this.options.cookie.secure, path: "/" };
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000);
  }
}
