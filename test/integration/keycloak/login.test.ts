/**
 * The authorization-code flow against the real Keycloak: its own login form,
 * code exchange, ID token validation, refresh, and RP-initiated logout.
 */
import { describe, expect, it } from "vitest";
import { IdSwitchError } from "../../../src/index.js";
import {
  appProvider,
  callbackFor,
  issuerOf,
  newUser,
  POST_LOGOUT_URI,
  REDIRECT_URI,
  rejectionOf,
  signIn,
} from "../../support/keycloak-env.js";

const alice = { username: "alice", password: "alice-pw" };

describe("Keycloak sign-in (authorization code + PKCE)", () => {
  it("builds a login URL with PKCE S256, state, nonce and the provider's own redirect URI", async () => {
    const { url, state, provider } = await appProvider().beginLogin({
      returnTo: "/inbox",
      loginHint: "alice",
    });
    expect(provider).toBe("eu");
    expect(url.origin + url.pathname).toBe(`${issuerOf()}/protocol/openid-connect/auth`);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("state")).toBe(state.state);
    expect(url.searchParams.get("nonce")).toBe(state.nonce);
    expect(url.searchParams.get("redirect_uri")).toBe(REDIRECT_URI);
    expect(url.searchParams.get("login_hint")).toBe("alice");
    expect(url.searchParams.get("scope")?.split(" ")).toContain("openid");
    // The state is plain data the app can store and hand back.
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    expect(state.returnTo).toBe("/inbox");
  });

  it("signs alice in through Keycloak's real login form and normalises her claims", async () => {
    const session = await signIn(appProvider(), alice);
    expect(session.provider).toBe("eu");
    expect(session.principal).toMatchObject({
      provider: "eu",
      issuer: issuerOf(),
      tenant: "idswitch",
      username: "alice",
      email: "alice@example.test",
      emailVerified: true,
    });
    expect(session.principal.subject).toMatch(/^[0-9a-f-]{36}$/);
    expect(session.principal.roles).toEqual(expect.arrayContaining(["reader", "api:read"]));
    expect(session.principal.groups).toContain("staff");
    expect(session.tokens).toMatchObject({ tokenType: expect.stringMatching(/^bearer$/i) });
    expect(session.tokens.refreshToken).toBeTruthy();
    expect(session.tokens.idToken).toBeTruthy();
    expect(session.tokens.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it("refreshes at Keycloak and keeps the same subject", async () => {
    const provider = appProvider();
    const session = await signIn(provider, alice);
    const refreshed = await provider.refresh(session);
    expect(refreshed.tokens.accessToken).not.toBe(session.tokens.accessToken);
    expect(refreshed.principal.subject).toBe(session.principal.subject);
    // The refreshed access token is a real one for the API.
    const principal = await provider.verifyAccessToken(refreshed.tokens.accessToken, { audience: "api" });
    expect(principal.subject).toBe(session.principal.subject);
  });

  it("builds a logout URL that Keycloak accepts and redirects back from", async () => {
    const provider = appProvider();
    const session = await signIn(provider, alice);
    const url = await provider.logoutUrl(session, { state: "bye" });
    expect(url.searchParams.get("id_token_hint")).toBe(session.tokens.idToken);
    const response = await fetch(url, { redirect: "manual" });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe(POST_LOGOUT_URI);
    expect(location.searchParams.get("state")).toBe("bye");
    // The session is gone at Keycloak: its refresh token no longer works.
    const err = await rejectionOf(provider.refresh(session));
    expect(err).toMatchObject({ code: "session_revoked" });
  });

  it("refuses a callback whose state does not match", async () => {
    const provider = appProvider();
    const { callback, state } = await callbackFor(provider, alice);
    callback.searchParams.set("state", "attacker-state");
    const err = await rejectionOf(provider.completeLogin(callback, state));
    expect(err).toBeInstanceOf(IdSwitchError);
    expect(err).toMatchObject({ code: "token_invalid", reason: "state" });
  });

  it("refuses a callback whose RFC 9207 iss names another issuer (mix-up)", async () => {
    const provider = appProvider();
    const { callback, state } = await callbackFor(provider, alice);
    expect(callback.searchParams.get("iss")).toBe(issuerOf()); // Keycloak sends it
    callback.searchParams.set("iss", issuerOf("other"));
    const err = await rejectionOf(provider.completeLogin(callback, state));
    expect(err).toMatchObject({ code: "token_invalid", reason: "issuer" });
  });

  it("refuses a login state issued for another provider", async () => {
    const { state } = await appProvider({ id: "entra" }).beginLogin();
    const err = await rejectionOf(
      appProvider().completeLogin(`${REDIRECT_URI}?code=x&state=${state.state}`, state),
    );
    expect(err).toMatchObject({ code: "token_invalid", reason: "state" });
  });

  it("classifies a replayed authorization code", async () => {
    const provider = appProvider();
    const { callback, state } = await callbackFor(provider, alice);
    await provider.completeLogin(callback, state);
    const err = await rejectionOf(provider.completeLogin(callback, state));
    // Keycloak: 400 invalid_grant "Code not valid" — the grant is gone, sign in again.
    expect(err).toMatchObject({
      code: "session_revoked",
      providerAnswer: { status: 400, error: "invalid_grant" },
    });
  });

  it("sees a fresh user the same way across sign-ins", async () => {
    const user = await newUser({ groups: ["staff"] });
    const first = await signIn(appProvider(), user);
    const second = await signIn(appProvider(), user);
    expect(first.principal.subject).toBe(user.id);
    expect(second.principal.subject).toBe(user.id);
  });
});
