/**
 * What the provider contract suite needs from a provider under test. Each
 * provider (the real Keycloak, the Entra emulator, …) supplies one harness;
 * the suite itself never knows which provider it is testing.
 */
import type {
  ClientCredentialsOptions,
  DeviceLogin,
  Provider,
  RuntimeOptions,
  Session,
} from "../../src/index.js";

export interface ContractUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}

export interface ProviderOverrides {
  clientSecret?: string;
  runtime?: RuntimeOptions;
}

export type LoginPageOutcome = { callbackUrl: string } | { error: string } | { requiredAction: string };

export interface ContractHarness {
  readonly name: string;
  /** The API audience the provider's access tokens are issued for. */
  readonly audience: string;
  /** What a client-credentials request for `audience` needs at this provider (Entra: `<api>/.default`). */
  readonly clientCredentials: ClientCredentialsOptions;
  /** A confidential web client with a redirect URI (authorization code + refresh). */
  webProvider(overrides?: ProviderOverrides): Provider;
  /** A confidential client allowed to use client credentials for `audience`. */
  serviceProvider(overrides?: ProviderOverrides): Provider;
  /** A public client allowed to use the device flow. */
  deviceProvider(): Provider;
  /** The same provider configuration, pointed at an address where nothing answers. */
  unreachableProvider(): Provider;
  /** A valid access token for `audience` from another tenant or realm of the same provider software. */
  foreignAccessToken(): Promise<string>;

  newUser(): Promise<ContractUser>;
  /** Opens `authorizationUrl` in the provider's real sign-in page and submits the credentials. */
  submitLoginPage(authorizationUrl: URL, user: ContractUser): Promise<LoginPageOutcome>;
  /** Does the user's side of a device login at the provider's device page. */
  approveDevice(handle: DeviceLogin, user: ContractUser): Promise<void>;

  disableUser(user: ContractUser): Promise<void>;
  /** Locks the account the way the provider does after repeated failures. */
  lockUser(user: ContractUser): Promise<void>;
  /** Ends every session of the user (admin sign-out / revoke sessions). */
  revokeSessions(user: ContractUser): Promise<void>;
}

/** A full authorization-code sign-in through the provider's own page. */
export async function signInWith(
  harness: ContractHarness,
  provider: Provider,
  user: ContractUser,
): Promise<Session> {
  const { url, state } = await provider.beginLogin();
  const outcome = await harness.submitLoginPage(url, user);
  if (!("callbackUrl" in outcome))
    throw new Error(`sign-in did not reach the callback: ${JSON.stringify(outcome)}`);
  return provider.completeLogin(outcome.callbackUrl, state);
}
