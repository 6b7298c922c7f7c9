/**
 * One suite of web and API scenarios, run against every integration over
 * its own transport: real HTTP on 127.0.0.1 for Express and Fastify,
 * `app.fetch(new Request(…))` for Hono. Each app under test serves:
 *
 * - the integration's routes under /auth;
 * - GET /me (requireAuth) → { appUserId, provider };
 * - GET /reader (requireRole("reader")) → { ok: true };
 * - GET /choose → the query it was sent to (the app's chooser page);
 * - GET /api/orders (bearer) → { provider, subject };
 * - GET /api/admin (bearer, requiredScopes ["orders.admin"]) → { ok: true };
 * - GET /api/other-audience (bearer for audience "someone-else") → { ok: true }.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DPOP_ALGORITHMS } from "../../../src/index.js";
import { signInWithPassword } from "../../../src/testing/index.js";
import { newUser, realmAdmin, type TestUser } from "../../support/keycloak-env.js";
import { ISSUER, PUSH_SECRET } from "../../support/ssf-fakes.js";
import { type Dispatch, setCookies, TestBrowser } from "./browser.js";
import { type AppSetup, startWorld, type World } from "./world.js";

export interface Harness {
  readonly origin: string;
  readonly dispatch: Dispatch;
  readonly setup: AppSetup;
  close(): Promise<void>;
}

export type StartApp = (world: World) => Promise<Harness>;

export function webScenarios(framework: string, start: StartApp): void {
  let world: World;
  let app: Harness;
  let keycloakReader: TestUser;

  beforeAll(async () => {
    world = await startWorld();
    app = await start(world);
    keycloakReader = await newUser({ realmRoles: ["reader"] });
  });
  afterAll(async () => {
    await app?.close();
    await world?.close();
  });

  const browser = () => new TestBrowser(app.origin, app.dispatch);

  /** Login route → the provider's sign-in page → the app's callback, as a browser would go. */
  async function signIn(
    b: TestBrowser,
    user: { username: string; password: string },
    query = "",
  ): Promise<{ provider: string; afterCallback: Response }> {
    app.setup.clock.shiftMs = 0;
    const login = await b.request(`/auth/login${query}`);
    expect(login.status).toBe(302);
    const location = login.headers.get("location") ?? "";
    const provider = location.startsWith(world.entra.url) ? "entra" : "eu";
    const result = await signInWithPassword(location, user, {
      redirectUriPrefix: `${app.origin}/auth/callback/${provider}`,
    });
    if (!("callbackUrl" in result)) throw new Error(`sign-in refused: ${result.error}`);
    const callback = new URL(result.callbackUrl);
    const afterCallback = await b.request(`${callback.pathname}${callback.search}`);
    return { provider, afterCallback };
  }

  describe(`${framework}: sign-in for a backend-for-frontend`, () => {
    it("sends a browser to the primary provider (Entra ID) with a sealed, HttpOnly login cookie", async () => {
      const response = await browser().request("/auth/login");
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toMatch(new RegExp(`^${world.entra.url}/${world.tenantId}/`));
      const [cookie] = setCookies(response);
      expect(cookie?.name).toMatch(/-login$/);
      expect(cookie?.attributes).toMatch(/HttpOnly/);
      expect(cookie?.attributes).toMatch(/SameSite=Lax/);
      // The PKCE verifier is inside, encrypted: nothing of the login state is readable.
      expect(cookie?.value.split(".")).toHaveLength(5);
      expect(response.headers.get("cache-control")).toBe("no-store");
    });

    it("signs in at Entra ID: the callback sets the session cookie, a protected route knows the person", async () => {
      const b = browser();
      const user = world.newEntraUser();
      const { provider, afterCallback } = await signIn(b, user, "?returnTo=%2Forders%3Fpage%3D2");
      expect(provider).toBe("entra");
      expect(afterCallback.status).toBe(302);
      expect(afterCallback.headers.get("location")).toBe("/orders?page=2");
      const session = setCookies(afterCallback).filter((c) => !c.name.endsWith("-login") && c.value);
      expect(session.length).toBeGreaterThan(0);
      for (const cookie of session) {
        expect(cookie.attributes).toMatch(/HttpOnly.*SameSite=Lax/);
        // Each chunk stays within a browser's 4096 bytes per cookie (RFC 6265 §6.1).
        expect(`${cookie.name}=${cookie.value};${cookie.attributes}`.length).toBeLessThan(4096);
      }
      // The login cookie is spent: a replayed callback has nothing to complete.
      expect(b.jar.has(`${session[0]?.name.replace(/\.\d+$/, "")}-login`)).toBe(false);
      const me = await b.request("/me", { accept: "application/json" });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ provider: "entra", appUserId: expect.any(String) });
    });

    it("signs in at Keycloak when that provider is chosen, and requireRole lets a reader in", async () => {
      const b = browser();
      const login = await b.request("/auth/login?provider=eu");
      expect(login.headers.get("location")).toMatch(/\/realms\/idswitch\/protocol\/openid-connect\/auth\?/);
      const { provider } = await signIn(b, keycloakReader, "?provider=eu");
      expect(provider).toBe("eu");
      const me = await b.request("/me", { accept: "application/json" });
      expect(await me.json()).toMatchObject({ provider: "eu" });
      const reader = await b.request("/reader", { accept: "application/json" });
      expect(reader.status).toBe(200);
    });

    it("requireRole answers 403 to a signed-in person without the role", async () => {
      const b = browser();
      await signIn(b, world.newEntraUser());
      const reader = await b.request("/reader", { accept: "application/json" });
      expect(reader.status).toBe(403);
      expect(await reader.json()).toMatchObject({ error: "forbidden" });
    });

    it("without a session: a browser is sent to sign in (coming back here), a script gets 401", async () => {
      const b = browser();
      const page = await b.request("/me?tab=1");
      expect(page.status).toBe(302);
      expect(page.headers.get("location")).toBe(`/auth/login?returnTo=${encodeURIComponent("/me?tab=1")}`);
      const call = await b.request("/me", { accept: "application/json" });
      expect(call.status).toBe(401);
    });

    it("logout clears the session and sends the browser to the provider's end-session endpoint", async () => {
      const b = browser();
      await signIn(b, world.newEntraUser());
      expect((await b.request("/auth/logout")).status).toBe(405);
      const logout = await b.request("/auth/logout", { method: "POST" });
      expect(logout.status).toBe(303);
      const location = new URL(logout.headers.get("location") ?? "");
      expect(location.href.startsWith(`${world.entra.url}/${world.tenantId}/oauth2/v2.0/logout`)).toBe(true);
      expect(location.searchParams.get("post_logout_redirect_uri")).toBe(`${app.origin}/bye`);
      expect(location.searchParams.get("id_token_hint")).toBeTruthy();
      expect(setCookies(logout).every((c) => /Max-Age=0/.test(c.attributes))).toBe(true);
      expect(b.jar.size).toBe(0);
      expect((await b.request("/me", { accept: "application/json" })).status).toBe(401);
    });

    it("logout of a Keycloak session goes to Keycloak's end-session endpoint", async () => {
      const b = browser();
      await signIn(b, keycloakReader, "?provider=eu");
      const logout = await b.request("/auth/logout", { method: "POST" });
      expect(logout.headers.get("location")).toMatch(
        /\/realms\/idswitch\/protocol\/openid-connect\/logout\?/,
      );
    });

    it("ignores a garbled or forged session cookie", async () => {
      const b = browser();
      await signIn(b, world.newEntraUser());
      const [name, value] = [...b.jar].find(([n]) => !n.endsWith("-login")) ?? ["", ""];
      const flipped = `${value.slice(0, 60)}${value[60] === "A" ? "B" : "A"}${value.slice(61)}`;
      b.jar.set(name, flipped);
      expect((await b.request("/me", { accept: "application/json" })).status).toBe(401);
      b.jar.clear();
      // Well-formed but sealed with another key: opens to nothing.
      b.jar.set(
        name.replace(/\.\d+$/, ""),
        "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA",
      );
      expect((await b.request("/me")).status).toBe(302);
    });

    it.each([
      ["//evil.example/x"],
      ["/\\evil.example"],
      ["https://evil.example/"],
      ["javascript:alert(1)"],
      ["/%2F%2Fevil.example"],
      ["/\tevil"],
    ])("refuses returnTo %j (open redirect)", async (returnTo) => {
      const response = await browser().request(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
    });

    it("refuses a callback at another provider than the one the sign-in began at (mix-up)", async () => {
      const b = browser();
      await b.request("/auth/login"); // began at Entra ID
      const response = await b.request("/auth/callback/eu?code=x&state=y");
      expect(response.status).toBe(400);
    });

    it("a callback without its login cookie goes to the chooser, not into a session", async () => {
      const response = await browser().request("/auth/callback/entra?code=x&state=y");
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toBe("/choose?error=login_expired&provider=entra");
    });
  });

  describe(`${framework}: back-channel logout (POST /auth/backchannel-logout)`, () => {
    const post = (body: string, type = "application/x-www-form-urlencoded") =>
      app.dispatch(
        new Request(new URL("/auth/backchannel-logout", app.origin), {
          method: "POST",
          headers: { "content-type": type },
          body,
        }),
      );

    it("Keycloak's logout token ends the session (200, no-store); replayed, it is refused with a JSON 400", async () => {
      const user = await newUser();
      const b = browser();
      await signIn(b, user, "?provider=eu");
      expect((await b.request("/me", { accept: "application/json" })).status).toBe(200);
      await realmAdmin().logoutUser(user.id);
      const form = new URLSearchParams({ logout_token: await world.nextLogoutToken() }).toString();

      const accepted = await post(form);
      expect(accepted.status).toBe(200);
      expect(accepted.headers.get("cache-control")).toBe("no-store");
      expect((await b.request("/me", { accept: "application/json" })).status).toBe(401);

      const replayed = await post(form);
      expect(replayed.status).toBe(400);
      expect(replayed.headers.get("cache-control")).toBe("no-store");
      expect(await replayed.json()).toEqual({
        error: "invalid_request",
        error_description: "logout token refused (replayed)",
      });
    });

    it("refuses what is not a logout token form: no token, another content type, a GET", async () => {
      expect((await post("nothing=here")).status).toBe(400);
      expect((await post("logout_token=a.b.c", "application/json")).status).toBe(400);
      const forged = await post("logout_token=eyJhbGciOiJub25lIn0.e30.");
      expect(forged.status).toBe(400);
      expect(await forged.json()).toEqual({
        error: "invalid_request",
        error_description: "logout token refused (issuer)",
      });
      const get = await app.dispatch(new Request(new URL("/auth/backchannel-logout", app.origin)));
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST");
    });
  });

  describe(`${framework}: Shared Signals push (POST /auth/signals)`, () => {
    const push = (body: string, headers: Record<string, string> = {}) =>
      app.dispatch(
        new Request(new URL("/auth/signals", app.origin), {
          method: "POST",
          headers: { authorization: PUSH_SECRET, "content-type": "application/secevent+jwt", ...headers },
          body,
        }),
      );
    const errorOf = async (response: Response) => ({ status: response.status, body: await response.json() });
    const credentialChange = (sub: string) => ({
      sub_id: { format: "iss_sub", iss: ISSUER, sub },
      events: {
        "https://schemas.openid.net/secevent/caep/event-type/credential-change": { change_type: "update" },
      },
    });

    it("a pushed credential-change ends the person's session (202); the same SET again is refused", async () => {
      const [user, other] = [await newUser(), await newUser()];
      const [b, bystander] = [browser(), browser()];
      await signIn(b, user, "?provider=eu");
      await signIn(bystander, other, "?provider=eu");
      const set = await app.setup.transmitter.sign(credentialChange(user.id));

      const accepted = await push(set);
      expect(accepted.status).toBe(202);
      expect(await accepted.text()).toBe("");
      expect((await b.request("/me", { accept: "application/json" })).status).toBe(401);
      expect((await bystander.request("/me", { accept: "application/json" })).status).toBe(200);
      expect(await errorOf(await push(set))).toEqual({
        status: 400,
        body: { err: "invalid_request", description: "this SET (jti) was already received" },
      });
    });

    it("answers in RFC 8935's words through the framework: the caller, the media type, the size, the method", async () => {
      const set = await app.setup.transmitter.sign(credentialChange("nobody"));
      const stranger = await push(set, { authorization: "Bearer not-the-secret" });
      expect(stranger.headers.get("www-authenticate")).toBe("Bearer");
      expect(await errorOf(stranger)).toMatchObject({ status: 401, body: { err: "authentication_failed" } });
      // Not the framework's own 415: the receiver decides, in the RFC's words.
      expect(await errorOf(await push(set, { "content-type": "application/json" }))).toEqual({
        status: 400,
        body: { err: "invalid_request", description: "the body must be application/secevent+jwt" },
      });
      expect(await errorOf(await push("x".repeat(200_000)))).toEqual({
        status: 400,
        body: { err: "invalid_request", description: "the body is too large for a SET" },
      });
      const forged = await app.setup.transmitter.signWithStrangerKey(credentialChange("nobody"));
      expect(await errorOf(await push(forged))).toMatchObject({ status: 400, body: { err: "invalid_key" } });
      const get = await app.dispatch(new Request(new URL("/auth/signals", app.origin)));
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST");
    });
  });

  describe(`${framework}: refresh near expiry`, () => {
    it("refreshes at the session's provider, renews the cookie, and parallel requests share one refresh", async () => {
      const b = browser();
      await signIn(b, world.newEntraUser());
      const before = new Map(b.jar);
      const tokenRequests = () =>
        world.entra.requests.filter((r) => r.path.endsWith("/oauth2/v2.0/token")).length;
      const requestsBefore = tokenRequests();
      app.setup.clock.shiftMs = 2 * 3600 * 1000;
      const [first, second] = await Promise.all([
        b.request("/me", { accept: "application/json" }),
        b.request("/me", { accept: "application/json" }),
      ]);
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(tokenRequests() - requestsBefore).toBe(1);
      expect(setCookies(first).length).toBeGreaterThan(0);
      expect(b.jar).not.toEqual(before);
      expect(await first.json()).toMatchObject({ provider: "entra" });
    });
  });

  describe(`${framework}: suspension and the spare`, () => {
    it("Entra disables the person: the next request refreshes, the session ends, the chooser offers eu", async () => {
      const entraUser = world.newEntraUser();
      const keycloakUser = await newUser();
      // Link the two accounts: signed in at Entra ID, then "also sign in with" Keycloak.
      const linking = browser();
      await signIn(linking, entraUser);
      const linked = await signIn(linking, keycloakUser, "?provider=eu&link=1");
      expect(linked.provider).toBe("eu");
      const appUser = (await (await linking.request("/me", { accept: "application/json" })).json()) as {
        appUserId: string;
      };

      const b = browser();
      await signIn(b, entraUser);
      const me = (await (await b.request("/me", { accept: "application/json" })).json()) as {
        appUserId: string;
      };
      expect(me.appUserId).toBe(appUser.appUserId);

      world.entra.setUserState(entraUser.oid, "disabled");
      app.setup.clock.shiftMs = 2 * 3600 * 1000; // the access token is now past its expiry: refresh
      const refused = await b.request("/me?tab=2");
      expect(refused.status).toBe(302);
      const chooser = new URL(refused.headers.get("location") ?? "", app.origin);
      expect(chooser.pathname).toBe("/choose");
      expect(Object.fromEntries(chooser.searchParams)).toEqual({
        error: "account_disabled",
        provider: "entra",
        alternatives: "eu",
        returnTo: "/me?tab=2",
      });
      expect(b.jar.size).toBe(0);
      // The chooser's link signs in at the spare: the same app user.
      const again = await signIn(b, keycloakUser, "?provider=eu");
      expect(again.provider).toBe("eu");
      const back = (await (await b.request("/me", { accept: "application/json" })).json()) as {
        appUserId: string;
      };
      expect(back.appUserId).toBe(appUser.appUserId);
    });
  });

  describe(`${framework}: the organisation's own disable (routing.authority)`, () => {
    it("disabled at the organisation's Keycloak: /login?provider=entra ends at the chooser, no alternatives", async () => {
      const entraUser = world.newEntraUser();
      const keycloakUser = await newUser();
      const linking = browser();
      await signIn(linking, entraUser);
      await signIn(linking, keycloakUser, "?provider=eu&link=1");
      await realmAdmin().setUserEnabled(keycloakUser.id, false);
      // Picking the foreign provider explicitly does not walk around the organisation's decision.
      const b = browser();
      const { afterCallback } = await signIn(b, entraUser, "?provider=entra");
      expect(afterCallback.status).toBe(302);
      const chooser = new URL(afterCallback.headers.get("location") ?? "", app.origin);
      expect(chooser.pathname).toBe("/choose");
      expect(chooser.searchParams.get("error")).toBe("account_disabled");
      expect(chooser.searchParams.get("provider")).toBe("eu");
      expect(chooser.searchParams.get("alternatives")).toBe("");
      expect((await b.request("/me", { accept: "application/json" })).status).toBe(401);
    });
  });

  describe(`${framework}: linking another account`, () => {
    it("an account that belongs to another person's app user ends at the chooser with link_conflict, not a 500", async () => {
      const keycloakUser = await newUser();
      // Someone's established app user: Entra ID plus this Keycloak account.
      const owner = browser();
      await signIn(owner, world.newEntraUser());
      const linked = await signIn(owner, keycloakUser, "?provider=eu&link=1");
      expect(linked.afterCallback.status).toBe(302);
      // Another person, signed in at Entra ID, tries to link the same Keycloak account.
      const intruder = browser();
      await signIn(intruder, world.newEntraUser());
      const { afterCallback } = await signIn(intruder, keycloakUser, "?provider=eu&link=1&returnTo=/me");
      expect(afterCallback.status).toBe(302);
      const chooser = new URL(afterCallback.headers.get("location") ?? "", app.origin);
      expect(chooser.pathname).toBe("/choose");
      expect(chooser.searchParams.get("error")).toBe("link_conflict");
      expect(chooser.searchParams.get("provider")).toBe("eu");
      // The intruder keeps their own session; the owner's account was not moved.
      const me = await intruder.request("/me", { accept: "application/json" });
      expect(me.status).toBe(200);
      const ownerMe = (await (await owner.request("/me", { accept: "application/json" })).json()) as {
        provider: string;
      };
      expect(ownerMe.provider).toBe("eu");
    });
  });

  describe(`${framework}: a link begun by one session is finished by that session only`, () => {
    /** The person's app user, as /me tells it. */
    const appUserOf = async (b: TestBrowser) =>
      ((await (await b.request("/me", { accept: "application/json" })).json()) as { appUserId: string })
        .appUserId;

    /** Starts "link another account" at Keycloak: the provider's sign-in page, left open. */
    async function beginLink(b: TestBrowser): Promise<string> {
      app.setup.clock.shiftMs = 0;
      const login = await b.request("/auth/login?provider=eu&link=1");
      expect(login.status).toBe(302);
      return login.headers.get("location") ?? "";
    }

    /** Someone completes that page with their own Keycloak account, in browser `b`. */
    async function finishAs(b: TestBrowser, page: string, user: TestUser): Promise<Response> {
      const result = await signInWithPassword(page, user, {
        redirectUriPrefix: `${app.origin}/auth/callback/eu`,
      });
      if (!("callbackUrl" in result)) throw new Error(`sign-in refused: ${result.error}`);
      const callback = new URL(result.callbackUrl);
      return b.request(`${callback.pathname}${callback.search}`);
    }

    /** Signing in with `user` alone: an app user of its own, never `owner`'s. */
    async function expectNotLinkedTo(user: TestUser, owner: string): Promise<void> {
      const fresh = browser();
      await signIn(fresh, user, "?provider=eu");
      expect(await appUserOf(fresh)).not.toBe(owner);
    }

    it("logout ends a pending link: the next person on a shared browser is neither linked nor signed in", async () => {
      const b = browser();
      await signIn(b, world.newEntraUser());
      const owner = await appUserOf(b);
      const page = await beginLink(b);
      const logout = await b.request("/auth/logout", { method: "POST" });
      expect(logout.status).toBe(303);
      // Logout spends the login cookie too: nothing of the signed-in person is left in the browser.
      expect(b.jar.size).toBe(0);
      const stranger = await newUser();
      const after = await finishAs(b, page, stranger);
      expect(after.status).toBe(302);
      const chooser = new URL(after.headers.get("location") ?? "", app.origin);
      expect(chooser.pathname).toBe("/choose");
      expect(chooser.searchParams.get("error")).toBe("login_expired");
      expect((await b.request("/me", { accept: "application/json" })).status).toBe(401);
      await expectNotLinkedTo(stranger, owner);
    });

    it("a pending link without the session that began it is refused, even with another person signed in", async () => {
      const b = browser();
      await signIn(b, world.newEntraUser());
      const owner = await appUserOf(b);
      const page = await beginLink(b);
      const loginCookie = [...b.jar.keys()].find((name) => name.endsWith("-login")) ?? "";
      // The session is gone (expired, or the cookie carried elsewhere) but the login cookie is not.
      const other = browser();
      await signIn(other, world.newEntraUser());
      const someoneElse = await appUserOf(other);
      other.jar.set(loginCookie, b.jar.get(loginCookie) ?? "");
      const stranger = await newUser();
      const after = await finishAs(other, page, stranger);
      expect(after.status).toBe(302);
      const chooser = new URL(after.headers.get("location") ?? "", app.origin);
      expect(chooser.pathname).toBe("/choose");
      expect(chooser.searchParams.get("error")).toBe("login_required");
      expect(other.jar.has(loginCookie)).toBe(false);
      // The person signed in there stays who they were; the stranger's account is nobody's link.
      expect(await appUserOf(other)).toBe(someoneElse);
      await expectNotLinkedTo(stranger, owner);
    });
  });

  describe(`${framework}: bearer tokens for APIs`, () => {
    it("accepts tokens from both issuers", async () => {
      for (const [token, provider] of [
        [await world.entraApiToken(), "entra"],
        [await world.keycloakApiToken(), "eu"],
      ] as const) {
        const response = await app.dispatch(
          new Request(`${app.origin}/api/orders`, { headers: { authorization: `Bearer ${token}` } }),
        );
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ provider });
      }
    });

    it("rejects a missing token with a bare challenge and a foreign one as invalid_token, never echoing it", async () => {
      const none = await app.dispatch(new Request(`${app.origin}/api/orders`));
      expect(none.status).toBe(401);
      // Both schemes are offered (bearerAuth's dpop: "allowed", the default).
      expect(none.headers.get("www-authenticate")).toBe(`Bearer, DPoP algs="${DPOP_ALGORITHMS.join(" ")}"`);
      const [header, payload, signature] = (await world.entraApiToken()).split(".");
      const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<
        string,
        unknown
      >;
      const foreign = `${header}.${Buffer.from(JSON.stringify({ ...claims, iss: "https://evil.example/v2.0" })).toString("base64url")}.${signature}`;
      const response = await app.dispatch(
        new Request(`${app.origin}/api/orders`, { headers: { authorization: `Bearer ${foreign}` } }),
      );
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
      const body = await response.text();
      expect(body).not.toContain(foreign.slice(0, 40));
      const basic = await app.dispatch(
        new Request(`${app.origin}/api/orders`, { headers: { authorization: "Basic YTpi" } }),
      );
      expect(basic.status).toBe(401);
    });

    it("a token from the right issuer for another audience is invalid_token", async () => {
      const keycloakToken = await world.keycloakApiToken();
      const response = await app.dispatch(
        new Request(`${app.origin}/api/other-audience`, {
          headers: { authorization: `Bearer ${keycloakToken}` },
        }),
      );
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toContain(
        'error_description="the token is not meant for this API"',
      );
    });

    it("a Keycloak DPoP-bound token: accepted with its proof (DPoP header), refused replayed, without a proof or as a bearer token", async () => {
      const { token, proof } = await world.keycloakDpopToken();
      const url = `${app.origin}/api/orders`;
      const call = (headers: Record<string, string>) => app.dispatch(new Request(url, { headers }));
      const first = await proof("GET", url);
      const ok = await call({ authorization: `DPoP ${token}`, dpop: first });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ provider: "eu" });

      const replayed = await call({ authorization: `DPoP ${token}`, dpop: first });
      expect(replayed.status).toBe(401);
      expect(replayed.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_dpop_proof"/);

      const noProof = await call({ authorization: `DPoP ${token}` });
      expect(noProof.status).toBe(401);
      expect(noProof.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_dpop_proof"/);

      const asBearer = await call({ authorization: `Bearer ${token}`, dpop: await proof("GET", url) });
      expect(asBearer.status).toBe(401);
      expect(asBearer.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_token"/);

      const elsewhere = await call({ authorization: `DPoP ${token}`, dpop: await proof("POST", url) });
      expect(elsewhere.status).toBe(401);
      expect(elsewhere.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_dpop_proof"/);
      expect(await elsewhere.text()).not.toContain(token.slice(0, 40));
    });

    it("a valid token without a required scope is 403 insufficient_scope", async () => {
      const response = await app.dispatch(
        new Request(`${app.origin}/api/admin`, {
          headers: { authorization: `Bearer ${await world.keycloakApiToken()}` },
        }),
      );
      expect(response.status).toBe(403);
      expect(response.headers.get("www-authenticate")).toBe(
        'Bearer error="insufficient_scope", scope="orders.admin"',
      );
    });
  });
}
