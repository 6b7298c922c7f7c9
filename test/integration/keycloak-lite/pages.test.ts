/**
 * Keycloak-lite's login page through the same form-submitting browser the
 * real Keycloak's tests use (test/support/keycloak-login.ts), with the real
 * theme's texts (docs/reference/keycloak.md §4.2): "Invalid username or password." for a
 * wrong password and for a locked account, "Account is disabled, contact
 * your administrator." for a disabled one, required actions as pages.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createKeycloakEmulator } from "../../../src/testing/index.js";
import { Browser, findForm } from "../../support/html-browser.js";
import {
  importFixtureRealms,
  LITE_POST_LOGOUT_URI,
  LITE_REDIRECT_URI,
  liteAppProvider,
  liteNewUser,
  liteServiceProvider,
} from "../../support/keycloak-lite-harness.js";
import { signInThroughLoginForm } from "../../support/keycloak-login.js";
import { idSwitchErrorOf } from "../../support/rejection.js";
import { codeFlowTokens, decoded } from "./world.js";

const kc = await createKeycloakEmulator();
importFixtureRealms(kc);
afterAll(() => kc.close());

async function loginPageOutcome(user: { username: string; password: string }) {
  const { url } = await liteAppProvider(kc).beginLogin();
  return signInThroughLoginForm(url.href, user, { redirectUriPrefix: LITE_REDIRECT_URI });
}

describe("Keycloak-lite login page", () => {
  it("shows the real theme's texts for a wrong password, a disabled and a locked account", async () => {
    const user = liteNewUser(kc);
    expect(await loginPageOutcome({ ...user, password: "wrong" })).toEqual({
      error: "Invalid username or password.",
    });
    expect(await loginPageOutcome({ username: "nobody", password: "x" })).toEqual({
      error: "Invalid username or password.",
    });

    kc.setUserEnabled("idswitch", user.id, false);
    expect(await loginPageOutcome(user)).toEqual({
      error: "Account is disabled, contact your administrator.",
    });
    // The form checks the password first: a wrong one never reveals the account state.
    expect(await loginPageOutcome({ ...user, password: "wrong" })).toEqual({
      error: "Invalid username or password.",
    });

    kc.setUserEnabled("idswitch", user.id, true);
    kc.lockUser("idswitch", user.id);
    expect(await loginPageOutcome(user)).toEqual({ error: "Invalid username or password." });
    kc.unlockUser("idswitch", user.id);
    expect(await loginPageOutcome(user)).toHaveProperty("callbackUrl");
  });

  it("locks after failureFactor wrong passwords on the form too", async () => {
    const user = liteNewUser(kc);
    for (let i = 0; i < 3; i++) await loginPageOutcome({ ...user, password: `bad-${i}` });
    expect(kc.bruteForceStatus("idswitch", user.id)).toMatchObject({ numFailures: 3, disabled: true });
    expect(await loginPageOutcome(user)).toEqual({ error: "Invalid username or password." });
  });

  it("shows a required action as a page, and completes UPDATE_PASSWORD", async () => {
    const user = liteNewUser(kc);
    kc.setRequiredActions("idswitch", user.id, ["UPDATE_PASSWORD"]);
    expect(await loginPageOutcome(user)).toEqual({ requiredAction: "Update password" });

    const { url } = await liteAppProvider(kc).beginLogin();
    const browser = new Browser(url.href);
    const first = await browser.open(url.href, LITE_REDIRECT_URI);
    if (!("html" in first)) throw new Error("expected the login page");
    const login = findForm(first.html, (f) => f.id === "kc-form-login");
    if (!login) throw new Error("no login form");
    const action = await browser.submit(login, first.url, user, LITE_REDIRECT_URI);
    if (!("html" in action)) throw new Error("expected the required action");
    const form = findForm(action.html, (f) => f.fields.includes("password-new"));
    if (!form) throw new Error("no update-password form");
    const done = await browser.submit(
      form,
      action.url,
      { "password-new": "n3w-pw", "password-confirm": "n3w-pw" },
      LITE_REDIRECT_URI,
    );
    expect(done).toHaveProperty("callbackUrl");
    expect(await loginPageOutcome({ ...user, password: "n3w-pw" })).toHaveProperty("callbackUrl");
  });

  it("error pages for a disabled realm, an unknown client and a foreign redirect URI", async () => {
    const auth = `${kc.issuer("idswitch")}/protocol/openid-connect/auth`;
    const page = (query: Record<string, string>) =>
      signInThroughLoginForm(`${auth}?${new URLSearchParams(query)}`, liteNewUser(kc), {
        redirectUriPrefix: LITE_REDIRECT_URI,
      });
    const base = {
      client_id: "app",
      response_type: "code",
      redirect_uri: LITE_REDIRECT_URI,
      scope: "openid",
    };
    expect(await page({ ...base, client_id: "ghost" })).toEqual({ error: "Client not found." });
    expect(await page({ ...base, redirect_uri: "https://evil.example/cb" })).toEqual({
      error: "Invalid parameter: redirect_uri",
    });
    kc.setClientEnabled("idswitch", "app", false);
    expect(await page(base)).toEqual({ error: "Login requester not enabled" });
    kc.setClientEnabled("idswitch", "app", true);
    kc.setRealmEnabled("idswitch", false);
    expect(await page(base)).toEqual({ error: "Realm not enabled" });
    kc.setRealmEnabled("idswitch", true);
  });

  it("reuses the SSO cookie in the same browser (acr 0) and not after the user was disabled", async () => {
    const user = liteNewUser(kc);
    const provider = liteAppProvider(kc);
    const first = await provider.beginLogin();
    const browser = new Browser(first.url.href);
    const page = await browser.open(first.url.href, LITE_REDIRECT_URI);
    if (!("html" in page)) throw new Error("expected the login page");
    const form = findForm(page.html, (f) => f.id === "kc-form-login");
    if (!form) throw new Error("no login form");
    expect(await browser.submit(form, page.url, user, LITE_REDIRECT_URI)).toHaveProperty("callbackUrl");

    const second = await provider.beginLogin();
    const again = await browser.open(second.url.href, LITE_REDIRECT_URI);
    if (!("callbackUrl" in again)) throw new Error("expected SSO");
    const session = await provider.completeLogin(again.callbackUrl, second.state);
    expect(decoded(session.tokens.accessToken).claims.acr).toBe("0");

    kc.setUserEnabled("idswitch", user.id, false);
    const third = await provider.beginLogin();
    expect(await browser.open(third.url.href, LITE_REDIRECT_URI)).toHaveProperty("html");
  });
});

describe("Keycloak-lite logout, keys and faults through the SDK", () => {
  it("RP-initiated logout with id_token_hint: 302 to the post-logout URI with state, session gone", async () => {
    const provider = liteAppProvider(kc);
    const user = liteNewUser(kc);
    const { url, state } = await provider.beginLogin();
    const outcome = await signInThroughLoginForm(url.href, user, { redirectUriPrefix: LITE_REDIRECT_URI });
    if (!("callbackUrl" in outcome)) throw new Error("sign-in failed");
    const session = await provider.completeLogin(outcome.callbackUrl, state);
    const logout = await provider.logoutUrl(session, { state: "bye" });
    const response = await fetch(logout, { redirect: "manual" });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe(LITE_POST_LOGOUT_URI);
    expect(location.searchParams.get("state")).toBe("bye");
    expect(await idSwitchErrorOf(provider.refresh(session))).toMatchObject({ code: "session_revoked" });
  });

  it("asks for confirmation without id_token_hint, and refuses a post-logout URI without a client", async () => {
    const logout = `${kc.issuer("idswitch")}/protocol/openid-connect/logout`;
    const confirm = await fetch(logout);
    expect(await confirm.text()).toContain('id="kc-logout-confirm"');
    const missing = await fetch(
      `${logout}?post_logout_redirect_uri=${encodeURIComponent(LITE_POST_LOGOUT_URI)}`,
    );
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("Missing parameters: id_token_hint");
  });

  it("rotates keys: new tokens carry the new kid, the old key verifies until retired", async () => {
    const user = liteNewUser(kc);
    const before = await codeFlowTokens(kc, user);
    const { kid } = await kc.rotateKeys("idswitch");
    const after = await codeFlowTokens(kc, user);
    expect(decoded(after.access_token).header.kid).toBe(kid);
    const verify = (token: unknown) =>
      liteAppProvider(kc).verifyAccessToken(String(token), { audience: "api" });
    await expect(verify(before.access_token)).resolves.toMatchObject({ subject: user.id });
    await kc.rotateKeys("idswitch", { retireOld: true });
    expect(await idSwitchErrorOf(verify(after.access_token))).toMatchObject({ code: "token_invalid" });
  });

  it("a token-endpoint outage is provider_unavailable and shows in the request log", async () => {
    kc.fault({ endpoint: "token", mode: "http503", retryAfterSeconds: 3, times: 1 });
    const service = liteServiceProvider(kc);
    const err = await idSwitchErrorOf(service.clientCredentials());
    expect(err).toMatchObject({ code: "provider_unavailable", retryable: true });
    expect(kc.requests.filter((r) => r.fault === "http503")).toEqual([
      { method: "POST", path: "/realms/idswitch/protocol/openid-connect/token", fault: "http503" },
    ]);
  });

  it("userinfo and introspection refuse a disabled user's still-valid access token (docs/reference/keycloak.md §4.9)", async () => {
    const user = liteNewUser(kc);
    const tokens = await codeFlowTokens(kc, user);
    const oidc = `${kc.issuer("idswitch")}/protocol/openid-connect`;
    const userinfo = () =>
      fetch(`${oidc}/userinfo`, { headers: { authorization: `Bearer ${String(tokens.access_token)}` } });
    const introspect = async () =>
      (
        await fetch(`${oidc}/token/introspect`, {
          method: "POST",
          body: new URLSearchParams({
            client_id: "api",
            client_secret: "api-secret",
            token: String(tokens.access_token),
          }),
        })
      ).json();
    expect(await (await userinfo()).json()).toMatchObject({
      sub: user.id,
      preferred_username: user.username,
    });
    expect(await introspect()).toMatchObject({ active: true, client_id: "app", username: user.username });

    kc.setUserEnabled("idswitch", user.id, false);
    const refused = await userinfo();
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(await refused.json()).toEqual({
      error: "invalid_token",
      error_description: "Token verification failed",
    });
    expect(await introspect()).toEqual({ active: false });
  });
});
