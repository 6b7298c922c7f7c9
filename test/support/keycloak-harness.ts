/** The real Keycloak as a provider under the contract suite. */
import { expect } from "vitest";
import { keycloak } from "../../src/index.js";
import type { ContractHarness } from "../contract/harness.js";
import { failPasswordLogins } from "./keycloak-admin.js";
import {
  appProvider,
  issuerOf,
  keycloakUrl,
  newUser,
  REDIRECT_URI,
  realmAdmin,
  serviceProvider,
} from "./keycloak-env.js";
import { approveDeviceLogin, signInThroughLoginForm } from "./keycloak-login.js";
import { closedLoopbackPort } from "./ports.js";

export function keycloakHarness(): ContractHarness {
  return {
    name: "Keycloak 26.7.3 (real)",
    audience: "api",
    clientCredentials: {},
    webProvider: (overrides = {}) => appProvider(overrides),
    serviceProvider: (overrides = {}) => serviceProvider(overrides),
    deviceProvider: () => keycloak({ id: "eu", issuer: issuerOf(), clientId: "cli" }),
    unreachableProvider: () =>
      keycloak({
        id: "eu",
        issuer: `http://localhost:${closedPort}/realms/idswitch`,
        clientId: "service",
        clientSecret: "service-secret",
      }),
    foreignAccessToken: async () =>
      (
        await keycloak({
          id: "other",
          issuer: issuerOf("other"),
          clientId: "app",
          clientSecret: "app-secret",
        }).clientCredentials()
      ).accessToken,
    newUser: () => newUser(),
    submitLoginPage: (url, user) =>
      signInThroughLoginForm(url.href, user, { redirectUriPrefix: REDIRECT_URI }),
    approveDevice: (handle, user) => approveDeviceLogin(handle.verificationUriComplete as string, user),
    disableUser: (user) => realmAdmin().setUserEnabled(user.id, false),
    lockUser: async (user) => {
      await failPasswordLogins(keycloakUrl(), "idswitch", user.username, 3);
      // Keycloak records failures asynchronously: wait until the lock is in force.
      await expect
        .poll(async () => (await realmAdmin().bruteForceStatus(user.id)).disabled, { timeout: 10_000 })
        .toBe(true);
    },
    revokeSessions: (user) => realmAdmin().logoutUser(user.id),
  };
}

const closedPort = await closedLoopbackPort();
