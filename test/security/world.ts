/**
 * The stage for the attack tests: the Entra ID emulator (the victim tenant,
 * plus an attacker's tenant on the same emulator — same signing keys, as on
 * Entra's common key set) and the real Keycloak, both behind one
 * `createIdentity`, each provider with a recording fetch so a test can say
 * exactly which requests an attack caused.
 */
import { expect } from "vitest";
import {
  createIdentity,
  type EntraProvider,
  type EntraProviderOptions,
  entraId,
  type Identity,
  type IdentityOptionsInput,
  IdSwitchError,
  type KeycloakProviderOptions,
  type Provider,
} from "../../src/index.js";
import { createEntraEmulator, type EntraEmulator } from "../../src/testing/index.js";
import { type RecordingFetch, recordingFetch } from "../support/attacker.js";
import { serviceProvider } from "../support/keycloak-env.js";
import { rejectionOf } from "../support/rejection.js";

export interface Stage {
  readonly identity: Identity;
  /** Every request the Entra provider made. */
  readonly entraFetch: RecordingFetch;
  /** Every request the Keycloak provider made. */
  readonly euFetch: RecordingFetch;
}

export interface SecurityWorld {
  readonly entra: EntraEmulator;
  readonly tenantId: string;
  readonly attackerTenantId: string;
  /** The API's audience at each provider. */
  readonly audience: { readonly entra: string; readonly eu: string };
  /** A client-credentials access token for the API from the victim tenant. */
  entraToken(): Promise<string>;
  /** The same, from the attacker's own tenant on the same Entra (same signing keys). */
  attackerTenantToken(): Promise<string>;
  /** A client-credentials access token of Keycloak's `service` client (aud "api"). */
  keycloakToken(): Promise<string>;
  /** The daemon app of the victim tenant (secret "daemon-secret"). */
  readonly entraDaemonClientId: string;
  /** The victim tenant's Entra provider (id "entra", the daemon app). */
  entraProvider(overrides?: Partial<EntraProviderOptions>): EntraProvider;
  /** createIdentity with both providers, each with a recording fetch. */
  stage(options?: {
    entra?: Partial<EntraProviderOptions>;
    eu?: Partial<KeycloakProviderOptions>;
    extra?: Partial<IdentityOptionsInput>;
    /** More providers after the two (a lab issuer the test controls). */
    more?: Provider[];
  }): Stage;
  close(): Promise<void>;
}

export async function securityWorld(): Promise<SecurityWorld> {
  const entra = await createEntraEmulator();
  const tenant = entra.addTenant({ domain: "victim.example" });
  const api = entra.addApp({ tenantId: tenant.id, displayName: "api", accessTokenVersion: 2 });
  const daemon = entra.addApp({ tenantId: tenant.id, displayName: "daemon", secret: "daemon-secret" });
  entra.grantAppRoles(daemon.clientId, api.clientId, []);

  const attacker = entra.addTenant({ domain: "attacker.example" });
  const attackerApi = entra.addApp({ tenantId: attacker.id, displayName: "api", accessTokenVersion: 2 });
  const attackerDaemon = entra.addApp({
    tenantId: attacker.id,
    displayName: "daemon",
    secret: "evil-secret",
  });
  entra.grantAppRoles(attackerDaemon.clientId, attackerApi.clientId, []);

  const tokenFrom = async (tenantId: string, clientId: string, secret: string, scope: string) => {
    const provider = entraId({
      id: "minter",
      tenantId,
      clientId,
      clientSecret: secret,
      authority: entra.url,
      v1IssuerBase: entra.v1IssuerBase,
    });
    return (await provider.clientCredentials({ scope })).accessToken;
  };

  const entraProvider = (overrides: Partial<EntraProviderOptions> = {}) =>
    entraId({
      id: "entra",
      tenantId: tenant.id,
      clientId: daemon.clientId,
      clientSecret: "daemon-secret",
      authority: entra.url,
      v1IssuerBase: entra.v1IssuerBase,
      ...overrides,
    } as EntraProviderOptions);

  return {
    entra,
    tenantId: tenant.id,
    attackerTenantId: attacker.id,
    audience: { entra: api.clientId, eu: "api" },
    entraToken: () => tokenFrom(tenant.id, daemon.clientId, "daemon-secret", `${api.identifierUri}/.default`),
    attackerTenantToken: () =>
      tokenFrom(attacker.id, attackerDaemon.clientId, "evil-secret", `${attackerApi.identifierUri}/.default`),
    keycloakToken: async () => (await serviceProvider().clientCredentials()).accessToken,
    entraDaemonClientId: daemon.clientId,
    entraProvider,
    stage(options = {}) {
      const entraFetch = recordingFetch();
      const euFetch = recordingFetch();
      const identity = createIdentity({
        providers: [
          entraProvider({
            ...options.entra,
            runtime: { fetch: entraFetch.fetch, ...options.entra?.runtime },
          }),
          serviceProvider({ ...options.eu, runtime: { fetch: euFetch.fetch, ...options.eu?.runtime } }),
          ...(options.more ?? []),
        ],
        routing: { order: ["entra", "eu"] },
        ...options.extra,
      });
      return { identity, entraFetch, euFetch };
    },
    close: () => entra.close(),
  };
}

/** Verification must fail with `token_invalid` and this reason (and provider, when one was chosen). */
export async function refusal(
  promise: Promise<unknown>,
  reason: string,
  provider?: string,
): Promise<IdSwitchError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(IdSwitchError);
  expect(error).toMatchObject({ code: "token_invalid", reason, ...(provider ? { provider } : {}) });
  return error as IdSwitchError;
}

/** No request at all left either provider. */
export function expectNoRequests(stage: Stage): void {
  expect(stage.entraFetch.requests).toEqual([]);
  expect(stage.euFetch.requests).toEqual([]);
}

/** Key-set requests so far, per provider (Entra: `/discovery/v2.0/keys`; Keycloak: `/certs`). */
export function jwksFetches(stage: Stage): { entra: number; eu: number } {
  return { entra: stage.entraFetch.count("/keys"), eu: stage.euFetch.count("/certs") };
}
