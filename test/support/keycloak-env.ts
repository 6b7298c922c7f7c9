/**
 * What the Keycloak integration tests share: the real server's URL, the
 * providers under test configured against it, fresh users, and a sign-in
 * through Keycloak's real login form.
 */
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import {
  type KeycloakProvider,
  type KeycloakProviderOptions,
  keycloak,
  type LoginState,
  type Session,
} from "../../src/index.js";
import { KeycloakAdmin } from "./keycloak-admin.js";
import { signInThroughLoginForm } from "./keycloak-login.js";

export const REDIRECT_URI = "http://localhost:3000/callback";
export const POST_LOGOUT_URI = "http://localhost:3000/logged-out";

export const keycloakUrl = (): string => inject("keycloakUrl");
export const issuerOf = (realm = "idswitch"): string => `${keycloakUrl()}/realms/${realm}`;

/** The confidential web client `app` of realm `idswitch`. */
export function appProvider(overrides: Partial<KeycloakProviderOptions> = {}): KeycloakProvider {
  return keycloak({
    id: "eu",
    issuer: issuerOf(),
    clientId: "app",
    clientSecret: "app-secret",
    redirectUri: REDIRECT_URI,
    postLogoutRedirectUri: POST_LOGOUT_URI,
    admin: { clientId: "idswitch-admin", clientSecret: "idswitch-admin-secret" },
    ...overrides,
  } as KeycloakProviderOptions);
}

/** The service-account client `service`. */
export const serviceProvider = (overrides: Partial<KeycloakProviderOptions> = {}): KeycloakProvider =>
  keycloak({
    id: "eu",
    issuer: issuerOf(),
    clientId: "service",
    clientSecret: "service-secret",
    ...overrides,
  } as KeycloakProviderOptions);

export const realmAdmin = (): KeycloakAdmin => KeycloakAdmin.forRealmServiceAccount(keycloakUrl());

export function masterAdmin(realm = "idswitch"): KeycloakAdmin {
  const { username, password } = inject("keycloakAdmin");
  return KeycloakAdmin.forMaster(keycloakUrl(), username, password, realm);
}

export interface TestUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}

/** A user of its own for each test that changes account state, so tests never disturb each other. */
export async function newUser(options: { groups?: string[]; realmRoles?: string[] } = {}): Promise<TestUser> {
  const username = `u-${randomUUID().slice(0, 8)}`;
  const password = `pw-${randomUUID()}`;
  const id = await realmAdmin().createUser({ username, password, ...options });
  return { id, username, password };
}

/** beginLogin → Keycloak's real login form → the callback URL the browser would bring back. */
export async function callbackFor(
  provider: KeycloakProvider,
  user: { username: string; password: string },
): Promise<{ callback: URL; state: LoginState }> {
  const { url, state } = await provider.beginLogin();
  const result = await signInThroughLoginForm(url.href, user, { redirectUriPrefix: REDIRECT_URI });
  if (!("callbackUrl" in result)) {
    throw new Error(`sign-in did not reach the callback: ${JSON.stringify(result)}`);
  }
  return { callback: new URL(result.callbackUrl), state };
}

/** A full authorization-code sign-in, ending with completeLogin. */
export async function signIn(
  provider: KeycloakProvider,
  user: { username: string; password: string },
): Promise<Session> {
  const { callback, state } = await callbackFor(provider, user);
  return provider.completeLogin(callback, state);
}

export { idSwitchErrorOf, rejectionOf } from "./rejection.js";
