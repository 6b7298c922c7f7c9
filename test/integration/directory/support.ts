/**
 * The mirror's test bed: the Entra emulator's Graph as the source, a realm of
 * its own in the real Keycloak as the target (created through the master
 * admin, deleted afterwards), and a generated directory whose expected
 * shape is known in advance.
 */
import { randomUUID } from "node:crypto";
import { entraDirectory, keycloakDirectory } from "../../../src/directory/index.js";
import { createEntraEmulator, type EntraEmulator } from "../../../src/testing/index.js";
import type { KeycloakAdmin } from "../../support/keycloak-admin.js";
import { keycloakUrl, masterAdmin, REDIRECT_URI } from "../../support/keycloak-env.js";

export const MIRROR_ROLES = [
  "manage-users",
  "view-users",
  "query-users",
  "query-groups",
  "manage-realm",
  "view-realm",
  "manage-clients",
  "view-clients",
  "query-clients",
];

export interface TestRealm {
  readonly name: string;
  readonly admin: KeycloakAdmin;
  delete(): Promise<void>;
}

/**
 * A realm with a service-account client `mirror` holding the roles the mirror
 * needs, and a web client `app` that redirects to `redirectUri`.
 */
export async function mirrorRealm(redirectUri = REDIRECT_URI): Promise<TestRealm> {
  const name = `mirror-${randomUUID().slice(0, 8)}`;
  const admin = masterAdmin(name);
  await admin.createRealm({
    realm: name,
    enabled: true,
    sslRequired: "none",
    clients: [
      {
        clientId: "mirror",
        publicClient: false,
        secret: "mirror-secret",
        serviceAccountsEnabled: true,
        standardFlowEnabled: false,
      },
      {
        clientId: "app",
        publicClient: false,
        secret: "app-secret",
        standardFlowEnabled: true,
        redirectUris: [redirectUri],
        attributes: { "post.logout.redirect.uris": "+" },
      },
    ],
    users: [
      {
        username: "service-account-mirror",
        enabled: true,
        serviceAccountClientId: "mirror",
        clientRoles: { "realm-management": MIRROR_ROLES },
      },
    ],
  });
  return { name, admin, delete: () => admin.deleteRealm(name) };
}

export interface Directory {
  readonly entra: EntraEmulator;
  readonly tenantId: string;
  readonly clientId: string;
  readonly users: Array<{ oid: string; upn: string; groups: string[] }>;
  /** Group id → its parent's id (nesting), or undefined at the top. */
  readonly groups: Array<{ id: string; parent: string | undefined }>;
}

/**
 * `userCount` users and `groupCount` groups: groups in chains of three
 * (g0 ⊃ g1 ⊃ g2, g3 ⊃ g4 ⊃ g5, …); user i is a direct member of group i mod groupCount.
 */
export async function generatedDirectory(userCount: number, groupCount: number): Promise<Directory> {
  const entra = await createEntraEmulator({ graphDeltaPageSize: 50 });
  const tenant = entra.addTenant({ domain: "contoso.example" });
  const app = entra.addApp({ tenantId: tenant.id, displayName: "mirror", secret: "mirror-secret" });
  entra.grantGraphPermissions(app.clientId, [
    "User.Read.All",
    "GroupMember.Read.All",
    "Application.Read.All",
  ]);
  const groups: Directory["groups"] = [];
  for (let i = 0; i < groupCount; i++) {
    const group = entra.addGroup({ tenantId: tenant.id, displayName: `Team ${i}` });
    const parent = i % 3 === 0 ? undefined : groups[i - 1]?.id;
    if (parent) entra.addMember(parent, group.id);
    groups.push({ id: group.id, parent });
  }
  const users: Directory["users"] = [];
  for (let i = 0; i < userCount; i++) {
    const upn = `user${i}@contoso.example`;
    const user = entra.addUser({
      tenantId: tenant.id,
      userPrincipalName: upn,
      password: `pw-${i}-${randomUUID()}`,
      givenName: `Given${i}`,
      surname: `Sur${i}`,
      displayName: `Given${i} Sur${i}`,
      mail: upn,
    });
    const direct = groups[i % groupCount];
    if (direct) entra.addMember(direct.id, user.oid);
    users.push({ oid: user.oid, upn, groups: direct ? ancestry(groups, direct.id) : [] });
  }
  return { entra, tenantId: tenant.id, clientId: app.clientId, users, groups };
}

function ancestry(groups: Directory["groups"], id: string): string[] {
  const chain: string[] = [];
  for (let at: string | undefined = id; at; at = groups.find((g) => g.id === at)?.parent) chain.push(at);
  return chain;
}

export function sourceOf(dir: Directory, overrides: Record<string, unknown> = {}) {
  return entraDirectory({
    tenantId: dir.tenantId,
    clientId: dir.clientId,
    clientSecret: "mirror-secret",
    authority: dir.entra.url,
    graphUrl: dir.entra.graphUrl,
    throttle: { backoffSeconds: 0.05, maxRetryAfterSeconds: 5 },
    ...overrides,
  });
}

export function targetOf(realm: TestRealm, overrides: Record<string, unknown> = {}) {
  return keycloakDirectory({
    url: keycloakUrl(),
    realm: realm.name,
    clientId: "mirror",
    clientSecret: "mirror-secret",
    clients: ["app"],
    retry: { attempts: 4, backoffMs: 50 },
    ...overrides,
  });
}

/**
 * The `directory` section of a configuration file for the CLI, as the tests
 * write it: the emulator's Graph and the test realm, secrets as references to
 * `MIRROR_GRAPH_SECRET` and `MIRROR_KC_SECRET`; `rest` adds the mirror's own
 * fields (policy, state file…), `target` changes the target's.
 */
export function directoryConfig(
  dir: Directory,
  realm: TestRealm,
  rest: Record<string, unknown> = {},
  target: Record<string, unknown> = {},
) {
  return {
    source: {
      tenantId: dir.tenantId,
      clientId: dir.clientId,
      clientSecret: { env: "MIRROR_GRAPH_SECRET" },
      authority: dir.entra.url,
      graphUrl: dir.entra.graphUrl,
      throttle: { backoffSeconds: 0.05, maxRetryAfterSeconds: 5 },
    },
    target: {
      url: keycloakUrl(),
      realm: realm.name,
      clientId: "mirror",
      clientSecret: { env: "MIRROR_KC_SECRET" },
      clients: ["app"],
      retry: { attempts: 4, backoffMs: 50 },
      ...target,
    },
    ...rest,
  };
}

/** Every user of a realm with its key attribute (through the master admin), paged. */
export async function realmUsers(
  realm: TestRealm,
): Promise<Array<{ id: string; username: string; enabled: boolean; key: string | undefined }>> {
  const target = targetOf(realm);
  const all: Array<{ id: string; username: string; enabled: boolean; key: string | undefined }> = [];
  for (let first = 0; ; first += 500) {
    const page = await target.http.get<Array<Record<string, unknown>>>(
      `/users?first=${first}&max=500&briefRepresentation=false`,
    );
    for (const u of page) {
      const key = (u.attributes as Record<string, string[]> | undefined)?.entra_id?.[0];
      all.push({ id: String(u.id), username: String(u.username), enabled: u.enabled === true, key });
    }
    if (page.length < 500) return all.filter((u) => u.username !== "service-account-mirror");
  }
}
