/**
 * The mission's setup, for the facade's integration tests: the Entra ID
 * emulator as the primary, the real Keycloak as the EU spare, one
 * `createIdentity` in front of both.
 */
import { randomUUID } from "node:crypto";
import {
  createIdentity,
  type EntraProvider,
  type EntraProviderOptions,
  entraId,
  type Identity,
  type IdentityOptionsInput,
  type IdentitySession,
  type KeycloakProvider,
} from "../../../src/index.js";
import { createEntraEmulator, type EntraEmulator } from "../../../src/testing/index.js";
import { signInThroughSignInPage } from "../../support/entra-login.js";
import { appProvider, masterAdmin, REDIRECT_URI, serviceProvider } from "../../support/keycloak-env.js";
import { signInThroughLoginForm } from "../../support/keycloak-login.js";

export const ENTRA_REDIRECT = "http://localhost:3000/callback/entra";

export interface TwoProviders {
  readonly entra: EntraEmulator;
  readonly tenantId: string;
  readonly apiAudience: string;
  readonly apiScope: string;
  /** The web app's client id at the Entra emulator (to grant it Graph permissions). */
  readonly webClientId: string;
  entraWeb(overrides?: Partial<EntraProviderOptions>): EntraProvider;
  entraDaemon(overrides?: Partial<EntraProviderOptions>): EntraProvider;
  newEntraUser(): { oid: string; username: string; password: string };
  close(): Promise<void>;
}

export async function twoProviders(): Promise<TwoProviders> {
  const entra = await createEntraEmulator();
  const tenant = entra.addTenant({ domain: "contoso.example" });
  const api = entra.addApp({ tenantId: tenant.id, displayName: "api", accessTokenVersion: 2 });
  const web = entra.addApp({
    tenantId: tenant.id,
    displayName: "web",
    secret: "web-secret",
    redirectUris: [ENTRA_REDIRECT],
  });
  const daemon = entra.addApp({ tenantId: tenant.id, displayName: "daemon", secret: "daemon-secret" });
  entra.grantAppRoles(daemon.clientId, api.clientId, []);
  const base = (clientId: string, secret: string, overrides: Partial<EntraProviderOptions>) =>
    entraId({
      id: "entra",
      tenantId: tenant.id,
      clientId,
      clientSecret: secret,
      authority: entra.url,
      v1IssuerBase: entra.v1IssuerBase,
      ...overrides,
    } as EntraProviderOptions);
  return {
    entra,
    tenantId: tenant.id,
    apiAudience: api.clientId,
    apiScope: `${api.identifierUri}/.default`,
    webClientId: web.clientId,
    entraWeb: (overrides = {}) =>
      base(web.clientId, "web-secret", {
        redirectUri: ENTRA_REDIRECT,
        scope: `openid profile email offline_access ${api.identifierUri}/access_as_user`,
        ...overrides,
      }),
    entraDaemon: (overrides = {}) => base(daemon.clientId, "daemon-secret", overrides),
    newEntraUser: () => {
      const password = `pw-${randomUUID()}`;
      const user = entra.addUser({
        tenantId: tenant.id,
        userPrincipalName: `u-${randomUUID().slice(0, 8)}@contoso.example`,
        password,
        displayName: "Two Providers User",
      });
      return { oid: user.oid, username: user.userPrincipalName, password };
    },
    close: () => entra.close(),
  };
}

/** Web sign-in: Entra primary, Keycloak spare. */
export function webIdentity(
  world: TwoProviders,
  extra: Partial<IdentityOptionsInput> = {},
  keycloak: KeycloakProvider = appProvider(),
): Identity {
  return createIdentity({
    providers: [world.entraWeb(), keycloak],
    routing: { order: ["entra", "eu"] },
    ...extra,
  });
}

/** Machine-to-machine: client credentials from either provider. */
export function daemonIdentity(
  world: TwoProviders,
  options: { order: string[]; timeoutMs?: number; extra?: Partial<IdentityOptionsInput> },
): Identity {
  const runtime = { timeoutMs: options.timeoutMs ?? 1_500 };
  return createIdentity({
    providers: [world.entraDaemon({ runtime }), serviceProvider({ runtime })],
    routing: { order: options.order, breaker: { consecutiveFailures: 1, openMs: 500 } },
    ...options.extra,
  });
}

/** Signs in through whichever provider `identity.beginLogin` chose, over HTTP like a browser. */
export async function signInAt(
  identity: Identity,
  user: { username: string; password: string },
  options: Parameters<Identity["beginLogin"]>[0] = {},
): Promise<IdentitySession> {
  const request = await identity.beginLogin(options);
  const result =
    request.provider === "entra"
      ? await signInThroughSignInPage(request.url.href, user, { redirectUriPrefix: ENTRA_REDIRECT })
      : await signInThroughLoginForm(request.url.href, user, { redirectUriPrefix: REDIRECT_URI });
  if (!("callbackUrl" in result))
    throw new Error(`sign-in at ${request.provider} refused: ${JSON.stringify(result)}`);
  return identity.completeLogin(result.callbackUrl, request.state);
}

/** The mirror's link claim at the real Keycloak: an admin-only attribute, mapped into the `app` client's tokens. */
export async function declareLinkClaim(claim: string): Promise<void> {
  const admin = masterAdmin();
  await admin.declareAdminOnlyAttribute(claim);
  await admin.ensureAttributeMapper("app", claim, claim);
}
