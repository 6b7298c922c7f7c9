/**
 * What the Keycloak integration tests share: the real server's URL, the
 * providers under test configured against it, fresh users, and a sign-in
 * through Keycloak's real login form.
 */
import { randomUUID } from "node:crypto";
import { expect, inject } from "vitest";
import {
  type KeycloakProvider,
  type KeycloakProviderOptions,
  keycloak,
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

/** A full authorization-code sign-in: beginLogin → Keycloak's login form → completeLogin. */
export async function signIn(
  provider: KeycloakProvider,
  user: { username: string; password: string },
): Promise<Session> {
  const { url, state } = await provider.beginLogin();
  const result = await signInThroughLoginForm(url.href, user, { redirectUriPrefix: REDIRECT_URI });
  if (!("callbackUrl" in result))
    throw new Error(`sign-in did not reach the callback: ${JSON.stringify(result)}`);
  return provider.completeLogin(result.callbackUrl, state);
}

/** Awaits a rejection and returns it, failing the test if the promise resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    () => ({ resolved: true as const }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  expect(outcome.resolved, "expected the operation to fail").toBe(false);
  return outcome.resolved ? undefined : outcome.error;
}
