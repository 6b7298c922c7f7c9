/**
 * The Keycloak-lite emulator as a provider under the contract suite, set up
 * from the same realm files as the real Keycloak's test bed
 * (test/fixtures/keycloak/*.json) and driven through the same helpers: the
 * form-submitting browser on its login and device pages, and brute-force
 * locking through the `test-driver` client's password grant.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { type KeycloakProviderOptions, keycloak } from "../../src/index.js";
import type { KeycloakEmulator, KeycloakRealmRepresentation } from "../../src/testing/index.js";
import type { ContractHarness, ProviderOverrides } from "../contract/harness.js";
import { failPasswordLogins } from "./keycloak-admin.js";
import { approveDeviceLogin, signInThroughLoginForm } from "./keycloak-login.js";
import { closedLoopbackPort } from "./ports.js";

export const LITE_REDIRECT_URI = "http://localhost:3000/callback";
export const LITE_POST_LOGOUT_URI = "http://localhost:3000/logged-out";

export function realmFixture(name: "idswitch" | "other"): KeycloakRealmRepresentation {
  const file = new URL(
    `../fixtures/keycloak/${name === "idswitch" ? "idswitch" : "other"}-realm.json`,
    import.meta.url,
  );
  return JSON.parse(readFileSync(file, "utf8")) as KeycloakRealmRepresentation;
}

/** Loads both fixture realms into the emulator (once per emulator). */
export function importFixtureRealms(kc: KeycloakEmulator): void {
  kc.importRealm(realmFixture("idswitch"));
  kc.importRealm(realmFixture("other"));
}

/** The confidential web client `app` of realm `idswitch`, as test/support/keycloak-env.ts configures it. */
export function liteAppProvider(kc: KeycloakEmulator, overrides: ProviderOverrides = {}) {
  return keycloak({
    id: "eu",
    issuer: kc.issuer("idswitch"),
    clientId: "app",
    clientSecret: "app-secret",
    redirectUri: LITE_REDIRECT_URI,
    postLogoutRedirectUri: LITE_POST_LOGOUT_URI,
    ...overrides,
  } as KeycloakProviderOptions);
}

export function liteServiceProvider(kc: KeycloakEmulator, overrides: ProviderOverrides = {}) {
  return keycloak({
    id: "eu",
    issuer: kc.issuer("idswitch"),
    clientId: "service",
    clientSecret: "service-secret",
    ...overrides,
  } as KeycloakProviderOptions);
}

/** A fresh user with a complete profile, like KeycloakAdmin.createUser on the real server. */
export function liteNewUser(
  kc: KeycloakEmulator,
  options: { groups?: string[]; realmRoles?: string[] } = {},
) {
  const username = `u-${randomUUID().slice(0, 8)}`;
  const password = `pw-${randomUUID()}`;
  const { id } = kc.addUser({
    realm: "idswitch",
    username,
    password,
    firstName: username,
    lastName: "Test",
    email: `${username}@example.test`,
    emailVerified: true,
    ...options,
  });
  return { id, username, password };
}

/** Expects the realm files already imported (see {@link importFixtureRealms}). */
export function keycloakLiteHarness(kc: KeycloakEmulator): ContractHarness {
  return {
    name: "Keycloak-lite (emulator)",
    audience: "api",
    clientCredentials: {},
    webProvider: (overrides = {}) => liteAppProvider(kc, overrides),
    serviceProvider: (overrides = {}) => liteServiceProvider(kc, overrides),
    deviceProvider: () => keycloak({ id: "eu", issuer: kc.issuer("idswitch"), clientId: "cli" }),
    unreachableProvider: () =>
      keycloak({
        id: "eu",
        issuer: `http://127.0.0.1:${closedPort}/realms/idswitch`,
        clientId: "service",
        clientSecret: "service-secret",
      }),
    foreignAccessToken: async () =>
      (
        await keycloak({
          id: "other",
          issuer: kc.issuer("other"),
          clientId: "app",
          clientSecret: "app-secret",
        }).clientCredentials()
      ).accessToken,
    newUser: async () => liteNewUser(kc),
    submitLoginPage: (url, user) =>
      signInThroughLoginForm(url.href, user, { redirectUriPrefix: LITE_REDIRECT_URI }),
    approveDevice: (handle, user) => approveDeviceLogin(handle.verificationUriComplete as string, user),
    disableUser: async (user) => kc.setUserEnabled("idswitch", user.id, false),
    lockUser: async (user) => {
      // As on the real server: the realm's failureFactor (3) of wrong passwords.
      await failPasswordLogins(kc.url, "idswitch", user.username, 3);
      expect(kc.bruteForceStatus("idswitch", user.id).disabled).toBe(true);
    },
    revokeSessions: async (user) => {
      kc.logoutUser("idswitch", user.id);
    },
  };
}

const closedPort = await closedLoopbackPort();
