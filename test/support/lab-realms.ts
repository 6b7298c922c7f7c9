/**
 * Throw-away Keycloak realms for test/security, created and deleted through
 * the master admin API, so that attacks that change a realm's keys (a
 * rotation, two realms sharing one exported key) never disturb the shared
 * `idswitch` realm other suites rely on.
 */
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { type KeycloakProvider, type KeycloakProviderOptions, keycloak } from "../../src/index.js";

export interface LabRealm {
  readonly name: string;
  readonly issuer: string;
  /** A client-credentials access token of the realm's `app` client (aud "api"), straight from Keycloak. */
  token(): Promise<string>;
  /** A provider for this realm (client `app`). */
  provider(overrides?: Partial<KeycloakProviderOptions>): KeycloakProvider;
  /** Adds a freshly generated RSA key with a higher priority: Keycloak signs with it from now on. */
  rotateKey(): Promise<void>;
  /** The `kid`s the realm publishes. */
  kids(): Promise<string[]>;
  delete(): Promise<void>;
}

const keycloakUrl = (): string => inject("keycloakUrl");

async function masterToken(): Promise<string> {
  const { username, password } = inject("keycloakAdmin");
  const response = await fetch(`${keycloakUrl()}/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "password", client_id: "admin-cli", username, password }),
  });
  if (!response.ok) throw new Error(`master admin token: HTTP ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${keycloakUrl()}/admin/realms${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await masterToken()}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) {
    const detail = (await response.text().catch(() => "")).slice(0, 300);
    throw new Error(`Keycloak admin ${method} /admin/realms${path}: HTTP ${response.status} ${detail}`);
  }
  return response;
}

function keyProvider(name: string, providerId: string, config: Record<string, string>) {
  return {
    name,
    providerId,
    config: Object.fromEntries(Object.entries(config).map(([k, v]) => [k, [v]])),
  };
}

/**
 * A realm with one confidential service client `app`/`app-secret` whose
 * tokens carry aud "api". With `privateKeyPem` the realm signs with that
 * RSA key — what a realm exported from another and imported again has.
 */
export async function createLabRealm(
  options: { privateKeyPem?: string; prefix?: string } = {},
): Promise<LabRealm> {
  const name = `${options.prefix ?? "lab"}-${randomUUID().slice(0, 8)}`;
  const issuer = `${keycloakUrl()}/realms/${name}`;
  await admin("POST", "", {
    realm: name,
    enabled: true,
    sslRequired: "none",
    clients: [
      {
        clientId: "app",
        enabled: true,
        protocol: "openid-connect",
        publicClient: false,
        clientAuthenticatorType: "client-secret",
        standardFlowEnabled: false,
        directAccessGrantsEnabled: false,
        serviceAccountsEnabled: true,
        secret: "app-secret",
        protocolMappers: [
          {
            name: "audience-api",
            protocol: "openid-connect",
            protocolMapper: "oidc-audience-mapper",
            config: {
              "included.custom.audience": "api",
              "access.token.claim": "true",
              "id.token.claim": "false",
            },
          },
        ],
      },
    ],
    users: [{ username: "service-account-app", enabled: true, serviceAccountClientId: "app" }],
    ...(options.privateKeyPem
      ? {
          components: {
            "org.keycloak.keys.KeyProvider": [
              keyProvider("imported-rsa", "rsa", {
                priority: "500",
                privateKey: options.privateKeyPem,
                algorithm: "RS256",
                active: "true",
                enabled: "true",
              }),
            ],
          },
        }
      : {}),
  });
  let rotations = 0;
  return {
    name,
    issuer,
    async token() {
      const response = await fetch(`${issuer}/protocol/openid-connect/token`, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: "app",
          client_secret: "app-secret",
        }),
      });
      if (!response.ok) throw new Error(`${name}: client credentials: HTTP ${response.status}`);
      return ((await response.json()) as { access_token: string }).access_token;
    },
    provider: (overrides = {}) =>
      keycloak({
        id: "eu",
        issuer,
        clientId: "app",
        clientSecret: "app-secret",
        ...overrides,
      } as KeycloakProviderOptions),
    async rotateKey() {
      rotations += 1;
      const realm = (await (await admin("GET", `/${name}`)).json()) as { id: string };
      await admin("POST", `/${name}/components`, {
        ...keyProvider(`rotated-${rotations}`, "rsa-generated", {
          priority: String(1000 + rotations),
          keySize: "2048",
          algorithm: "RS256",
          active: "true",
          enabled: "true",
        }),
        providerType: "org.keycloak.keys.KeyProvider",
        parentId: realm.id,
      }).then((r) => r.body?.cancel());
    },
    async kids() {
      const jwks = (await (await fetch(`${issuer}/protocol/openid-connect/certs`)).json()) as {
        keys: { kid: string; use?: string }[];
      };
      return jwks.keys.filter((k) => k.use !== "enc").map((k) => k.kid);
    },
    delete: () => admin("DELETE", `/${name}`).then((r) => r.body?.cancel()),
  };
}
