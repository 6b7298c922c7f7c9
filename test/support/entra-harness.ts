/**
 * The Entra ID emulator as a provider under the contract suite: a home
 * tenant with an API (v2 access tokens), a web app, a daemon and a public
 * client; a second tenant for cross-tenant tokens.
 */
import { randomUUID } from "node:crypto";
import { type EntraProviderOptions, entraId } from "../../src/index.js";
import type { EntraEmulator } from "../../src/testing/index.js";
import type { ContractHarness, ProviderOverrides } from "../contract/harness.js";
import { approveDeviceLogin, signInThroughSignInPage } from "./entra-login.js";
import { closedLoopbackPort } from "./ports.js";

export const ENTRA_REDIRECT_URI = "http://localhost:3000/callback/entra";

export function entraHarness(entra: EntraEmulator): ContractHarness {
  const home = entra.addTenant({ domain: "contoso.example" });
  const api = entra.addApp({
    tenantId: home.id,
    displayName: "api",
    accessTokenVersion: 2,
    appRoles: ["Data.Read"],
  });
  const web = entra.addApp({
    tenantId: home.id,
    displayName: "web",
    secret: "web-secret",
    redirectUris: [ENTRA_REDIRECT_URI],
  });
  const daemon = entra.addApp({ tenantId: home.id, displayName: "daemon", secret: "daemon-secret" });
  entra.grantAppRoles(daemon.clientId, api.clientId, ["Data.Read"]);
  const cli = entra.addApp({ tenantId: home.id, displayName: "cli", publicClient: true });

  const other = entra.addTenant({ domain: "fabrikam.example" });
  const otherApi = entra.addApp({ tenantId: other.id, displayName: "api", accessTokenVersion: 2 });
  const otherDaemon = entra.addApp({ tenantId: other.id, displayName: "daemon", secret: "daemon-secret" });
  entra.grantAppRoles(otherDaemon.clientId, otherApi.clientId, []);

  const apiScope = `${api.identifierUri}/.default`;
  const base = (
    tenantId: string,
    clientId: string,
    overrides: ProviderOverrides,
    extra: Partial<EntraProviderOptions> = {},
  ) =>
    entraId({
      id: "entra",
      tenantId,
      clientId,
      authority: entra.url,
      v1IssuerBase: entra.v1IssuerBase,
      ...extra,
      ...overrides,
    } as EntraProviderOptions);

  return {
    name: "Entra ID (emulator)",
    audience: api.clientId,
    clientCredentials: { scope: apiScope },
    webProvider: (overrides = {}) =>
      base(home.id, web.clientId, overrides, {
        clientSecret: overrides.clientSecret ?? "web-secret",
        redirectUri: ENTRA_REDIRECT_URI,
        scope: `openid profile email offline_access ${api.identifierUri}/access_as_user`,
      }),
    serviceProvider: (overrides = {}) =>
      base(home.id, daemon.clientId, overrides, { clientSecret: overrides.clientSecret ?? "daemon-secret" }),
    deviceProvider: () => base(home.id, cli.clientId, {}, { scope: "openid profile offline_access" }),
    unreachableProvider: () =>
      entraId({
        id: "entra",
        tenantId: home.id,
        clientId: daemon.clientId,
        clientSecret: "daemon-secret",
        authority: `http://127.0.0.1:${closedPort}`,
      }),
    foreignAccessToken: async () =>
      (
        await base(other.id, otherDaemon.clientId, {}, { clientSecret: "daemon-secret" }).clientCredentials({
          scope: `${otherApi.identifierUri}/.default`,
        })
      ).accessToken,
    newUser: async () => {
      const password = `pw-${randomUUID()}`;
      const user = entra.addUser({
        tenantId: home.id,
        userPrincipalName: `u-${randomUUID().slice(0, 8)}@contoso.example`,
        password,
        displayName: "Contract User",
      });
      return { id: user.oid, username: user.userPrincipalName, password };
    },
    submitLoginPage: (url, user) =>
      signInThroughSignInPage(url.href, user, { redirectUriPrefix: ENTRA_REDIRECT_URI }),
    approveDevice: (handle, user) => approveDeviceLogin(entra.url, handle.userCode, user),
    disableUser: async (user) => entra.setUserState(user.id, "disabled"),
    lockUser: async (user) => entra.setUserState(user.id, "locked"),
    revokeSessions: async (user) => entra.setUserState(user.id, "tokens_revoked"),
  };
}

const closedPort = await closedLoopbackPort();
