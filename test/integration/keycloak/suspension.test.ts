/**
 * Keycloak refusing a person: disabled, locked by brute-force detection, a
 * pending required action, a revoked session. Each is provoked on the real
 * Keycloak and must land on its taxonomy code (docs/concepts.md, "Errors: one taxonomy").
 */
import * as client from "openid-client";
import { describe, expect, it } from "vitest";
import { failPasswordLogins } from "../../support/keycloak-admin.js";
import {
  appProvider,
  issuerOf,
  newUser,
  REDIRECT_URI,
  realmAdmin,
  rejectionOf,
  signIn,
} from "../../support/keycloak-env.js";
import { signInThroughLoginForm } from "../../support/keycloak-login.js";

/**
 * The real error openid-client raises for a password grant through the
 * `test-driver` client: how we obtain Keycloak's exact answers for states
 * that the browser flow only shows as pages.
 */
async function passwordGrantFailure(username: string, password: string): Promise<unknown> {
  const config = await client.discovery(
    new URL(issuerOf()),
    "test-driver",
    undefined,
    client.ClientSecretPost("test-driver-secret"),
    { execute: [client.allowInsecureRequests] },
  );
  return rejectionOf(client.genericGrantRequest(config, "password", { username, password, scope: "openid" }));
}

describe("a disabled account", () => {
  it("refresh fails with account_disabled once an admin disables the user", async () => {
    const user = await newUser();
    const provider = appProvider();
    const session = await signIn(provider, user);
    await realmAdmin().setUserEnabled(user.id, false);

    const err = await rejectionOf(provider.refresh(session));
    expect(err).toMatchObject({
      code: "account_disabled",
      provider: "eu",
      retryable: false,
      providerAnswer: { status: 400, error: "invalid_grant", description: "User disabled" },
    });
    await expect(provider.accountStatus(user.id)).resolves.toMatchObject({ status: "disabled" });
  });

  it("Keycloak's password-grant answer for a disabled user maps to account_disabled", async () => {
    const user = await newUser();
    await realmAdmin().setUserEnabled(user.id, false);
    const err = appProvider().classifyError(await passwordGrantFailure(user.username, user.password));
    expect(err).toMatchObject({
      code: "account_disabled",
      providerAnswer: { description: "Account disabled" },
    });
  });

  it("the login form refuses the disabled user; no code ever reaches the app", async () => {
    const user = await newUser();
    await realmAdmin().setUserEnabled(user.id, false);
    const { url } = await appProvider().beginLogin();
    const result = await signInThroughLoginForm(url.href, user, { redirectUriPrefix: REDIRECT_URI });
    expect(result).toEqual({ error: "Account is disabled, contact your administrator." });
  });
});

describe("a locked account (brute-force detection)", () => {
  it("is worded like a wrong password by Keycloak, and told apart by the admin API", async () => {
    const user = await newUser();
    const provider = appProvider();
    const session = await signIn(provider, user); // signed in before the attack

    const answers = await failPasswordLogins(
      issuerOf().replace(/\/realms\/.*$/, ""),
      "idswitch",
      user.username,
      3,
    );
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400]);
    // Keycloak records failures asynchronously: wait until the lock is in force.
    await expect
      .poll(async () => (await realmAdmin().bruteForceStatus(user.id)).disabled, { timeout: 10_000 })
      .toBe(true);

    // Now even the right password gets exactly the wrong-password answer.
    const err = provider.classifyError(await passwordGrantFailure(user.username, user.password));
    expect(err).toMatchObject({
      code: "invalid_credentials",
      reason: "wrong_password_or_locked",
      providerAnswer: { status: 400, error: "invalid_grant", description: "Invalid user credentials" },
    });
    // The login page says the same as for a wrong password (Keycloak hides the lock on purpose)…
    const { url } = await provider.beginLogin();
    const page = await signInThroughLoginForm(url.href, user, { redirectUriPrefix: REDIRECT_URI });
    expect(page).toEqual({ error: "Invalid username or password." });
    // …so the provider asks the admin API, which knows.
    await expect(provider.accountStatus(user.id)).resolves.toMatchObject({ status: "locked", failures: 3 });
    // A temporary lock guards credentials only: the live session still refreshes (docs/reference/keycloak.md §4.6).
    await expect(provider.refresh(session)).resolves.toMatchObject({ provider: "eu" });

    await realmAdmin().clearBruteForce(user.id);
    await expect(provider.accountStatus(user.id)).resolves.toMatchObject({ status: "active" });
  });

  it("a plain wrong password gets the very same answer; accountStatus says active", async () => {
    const user = await newUser();
    const provider = appProvider();
    const err = provider.classifyError(await passwordGrantFailure(user.username, "not-the-password"));
    expect(err).toMatchObject({
      code: "invalid_credentials",
      reason: "wrong_password_or_locked",
      providerAnswer: { status: 400, error: "invalid_grant", description: "Invalid user credentials" },
    });
    await expect(provider.accountStatus(user.id)).resolves.toMatchObject({ status: "active" });
  });

  it("accountStatus reports a user that does not exist", async () => {
    await expect(appProvider().accountStatus("00000000-0000-0000-0000-000000000000")).resolves.toMatchObject({
      status: "not_found",
    });
  });
});

describe("a pending required action", () => {
  it("maps Keycloak's 'Account is not fully set up' to credentials_expired", async () => {
    const user = await newUser();
    await realmAdmin().setRequiredActions(user.id, ["UPDATE_PASSWORD"]);
    const err = appProvider().classifyError(await passwordGrantFailure(user.username, user.password));
    expect(err).toMatchObject({
      code: "credentials_expired",
      reason: "required_action",
      providerAnswer: { status: 400, description: "Account is not fully set up" },
    });
  });

  it("the browser flow shows the action's page instead of returning to the app", async () => {
    const user = await newUser();
    await realmAdmin().setRequiredActions(user.id, ["UPDATE_PASSWORD"]);
    const { url } = await appProvider().beginLogin();
    const result = await signInThroughLoginForm(url.href, user, { redirectUriPrefix: REDIRECT_URI });
    expect(result).toHaveProperty("requiredAction");
  });
});

describe("a revoked session", () => {
  it("refresh fails with session_revoked after an admin signs the user out", async () => {
    const user = await newUser();
    const provider = appProvider();
    const session = await signIn(provider, user);
    await realmAdmin().logoutUser(user.id);
    const err = await rejectionOf(provider.refresh(session));
    expect(err).toMatchObject({ code: "session_revoked", providerAnswer: { error: "invalid_grant" } });
  });

  it("a session of another provider is never sent to this one", async () => {
    const session = await signIn(appProvider(), { username: "alice", password: "alice-pw" });
    await expect(appProvider().refresh({ ...session, provider: "entra" })).rejects.toThrow(TypeError);
  });
});
