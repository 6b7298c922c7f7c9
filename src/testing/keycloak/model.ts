/**
 * The emulator's directory: realms with their clients, users, roles and
 * groups, as mutable records. Each realm also owns its keys. Every lookup
 * is per realm, exactly as in Keycloak (a client id or username means
 * nothing outside its realm).
 */
import { randomUUID } from "node:crypto";
import type { RealmKeys } from "./keys.js";
import type {
  KeycloakBruteForceOptions,
  KeycloakClientOptions,
  KeycloakMapper,
  KeycloakRealmOptions,
  KeycloakUserOptions,
} from "./types.js";
import type { CoseAlgorithm, PublicJwk } from "./webauthn/cose.js";

export type BruteForceSettings = Required<KeycloakBruteForceOptions>;

/** Keycloak's defaults for brute-force detection once it is switched on (docs/reference/keycloak.md §4.8). */
export const BRUTE_FORCE_DEFAULTS: BruteForceSettings = {
  failureFactor: 30,
  waitIncrementSeconds: 60,
  maxFailureWaitSeconds: 900,
  maxDeltaTimeSeconds: 43_200,
  quickLoginCheckMilliSeconds: 1000,
  minimumQuickLoginWaitSeconds: 60,
  permanentLockout: false,
};

export interface RealmRecord {
  readonly name: string;
  readonly id: string;
  enabled: boolean;
  readonly accessTokenLifespan: number;
  readonly ssoSessionIdleTimeout: number;
  readonly ssoSessionMaxLifespan: number;
  readonly accessCodeLifespan: number;
  readonly deviceCodeLifespan: number;
  readonly devicePollingInterval: number;
  readonly bruteForce: BruteForceSettings | undefined;
  /** `webAuthnPolicyPasswordlessPasskeysEnabled`: the login page offers passkeys, `kc_action` registers one. */
  readonly passkeys: boolean;
  /** Realm not-before, epoch seconds: older refresh tokens are "Stale token". */
  notBefore: number;
  readonly roles: Set<string>;
  readonly groups: Set<string>;
  readonly clients: Map<string, ClientRecord>;
  /** By user id. */
  readonly users: Map<string, UserRecord>;
  /** Generated in the background when the realm is added; requests wait for them. */
  keys: Promise<RealmKeys>;
}

export interface ClientRecord {
  readonly clientId: string;
  /** The internal id (Keycloak's client UUID). */
  readonly id: string;
  secret: string | undefined;
  readonly publicClient: boolean;
  enabled: boolean;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly standardFlow: boolean;
  readonly directAccessGrants: boolean;
  readonly serviceAccount: boolean;
  readonly deviceFlow: boolean;
  readonly pkce: "S256" | "plain" | undefined;
  readonly webOrigins: readonly string[];
  readonly mappers: readonly KeycloakMapper[];
}

export interface FailureRecord {
  numFailures: number;
  lastFailure: number;
  /** Epoch ms until which the account is locked; 0 when not locked. */
  lockedUntil: number;
}

export interface UserRecord {
  readonly id: string;
  readonly username: string;
  password: string | undefined;
  /** The password's credential id and creation time, as `GET /users/{id}/credentials` lists it. */
  readonly passwordCredential: { readonly id: string; readonly createdDate: number };
  /** Credentials of type `webauthn-passwordless` (docs/reference/keycloak.md §5.8). */
  readonly passkeys: PasskeyRecord[];
  email: string | undefined;
  emailVerified: boolean;
  firstName: string | undefined;
  lastName: string | undefined;
  enabled: boolean;
  readonly realmRoles: Set<string>;
  readonly clientRoles: Map<string, Set<string>>;
  readonly groups: Set<string>;
  readonly attributes: Map<string, readonly string[]>;
  requiredActions: string[];
  /** The client whose service account this is (`serviceAccountClientId`). */
  readonly serviceAccountClientId: string | undefined;
  /** User not-before, epoch seconds (moved by an admin logout). */
  notBefore: number;
  failures: FailureRecord;
}

/** A registered passkey: what the relying party keeps (W3C WebAuthn Level 3 §7.1 step 27). */
export interface PasskeyRecord {
  /** The credential's id in Keycloak's credential list (not the WebAuthn credential id). */
  readonly id: string;
  /** The WebAuthn credential id, base64url. */
  readonly credentialId: string;
  readonly publicKey: PublicJwk;
  readonly alg: CoseAlgorithm;
  signCount: number;
  readonly label: string;
  /** Epoch ms. */
  readonly createdDate: number;
}

export const defaultRolesOf = (realm: string): string => `default-roles-${realm}`;

export function createRealmRecord(options: KeycloakRealmOptions, keys: Promise<RealmKeys>): RealmRecord {
  if (!/^[A-Za-z0-9._-]+$/.test(options.name))
    throw new TypeError(`addRealm: bad realm name "${options.name}"`);
  const realm: RealmRecord = {
    name: options.name,
    id: randomUUID(),
    enabled: options.enabled ?? true,
    accessTokenLifespan: options.accessTokenLifespan ?? 300,
    ssoSessionIdleTimeout: options.ssoSessionIdleTimeout ?? 1800,
    ssoSessionMaxLifespan: options.ssoSessionMaxLifespan ?? 36_000,
    accessCodeLifespan: options.accessCodeLifespan ?? 60,
    deviceCodeLifespan: options.deviceCodeLifespan ?? 600,
    devicePollingInterval: options.devicePollingInterval ?? 5,
    bruteForce: options.bruteForce ? { ...BRUTE_FORCE_DEFAULTS, ...options.bruteForce } : undefined,
    passkeys: options.passkeys ?? false,
    notBefore: 0,
    roles: new Set([
      "offline_access",
      "uma_authorization",
      defaultRolesOf(options.name),
      ...(options.roles ?? []),
    ]),
    groups: new Set((options.groups ?? []).map(groupPath)),
    clients: new Map(),
    users: new Map(),
    keys,
  };
  return realm;
}

export function createClientRecord(realm: RealmRecord, options: KeycloakClientOptions): ClientRecord {
  if (realm.clients.has(options.clientId)) {
    throw new TypeError(`addClient: client "${options.clientId}" exists in realm ${realm.name}`);
  }
  const publicClient = options.publicClient ?? false;
  if (!publicClient && options.secret === undefined) {
    throw new TypeError(
      `addClient: confidential client "${options.clientId}" needs a secret (or publicClient)`,
    );
  }
  const redirectUris = options.redirectUris ?? [];
  const audience = (options.audience ?? []).map((a): KeycloakMapper => ({ type: "audience", audience: a }));
  return {
    clientId: options.clientId,
    id: randomUUID(),
    secret: publicClient ? undefined : options.secret,
    publicClient,
    enabled: options.enabled ?? true,
    redirectUris,
    postLogoutRedirectUris: options.postLogoutRedirectUris ?? ["+"],
    standardFlow: options.standardFlow ?? redirectUris.length > 0,
    directAccessGrants: options.directAccessGrants ?? false,
    serviceAccount: options.serviceAccount ?? false,
    deviceFlow: options.deviceFlow ?? false,
    pkce: options.pkce,
    webOrigins: options.webOrigins ?? [],
    mappers: [...audience, ...(options.mappers ?? [])],
  };
}

export function createUserRecord(
  realm: RealmRecord,
  options: Omit<KeycloakUserOptions, "realm">,
  serviceAccountClientId?: string,
): UserRecord {
  // Keycloak stores usernames and e-mails lower-cased (docs/reference/keycloak.md §5.2).
  const username = options.username.toLowerCase();
  if (findUserByUsername(realm, username)) {
    throw new TypeError(`addUser: user "${username}" exists in realm ${realm.name}`);
  }
  const clientRoles = new Map<string, Set<string>>();
  for (const [clientId, roles] of Object.entries(options.clientRoles ?? {})) {
    clientRoles.set(clientId, new Set(roles));
  }
  for (const group of options.groups ?? []) realm.groups.add(groupPath(group));
  return {
    id: options.id ?? randomUUID(),
    username,
    password: options.password,
    // [guess] createdDate: the wall clock, not the emulator's (a user record is made without one).
    passwordCredential: { id: randomUUID(), createdDate: Date.now() },
    passkeys: [],
    email: options.email?.toLowerCase(),
    emailVerified: options.emailVerified ?? options.email !== undefined,
    firstName: options.firstName,
    lastName: options.lastName,
    enabled: options.enabled ?? true,
    // Every new user gets the realm's default roles, whatever the import says.
    realmRoles: new Set([defaultRolesOf(realm.name), ...(options.realmRoles ?? [])]),
    clientRoles,
    groups: new Set((options.groups ?? []).map(groupPath)),
    attributes: new Map(Object.entries(options.attributes ?? {})),
    requiredActions: [...(options.requiredActions ?? [])],
    serviceAccountClientId,
    notBefore: 0,
    failures: { numFailures: 0, lastFailure: 0, lockedUntil: 0 },
  };
}

/** "staff" → "/staff"; "/a/b" stays. */
export function groupPath(group: string): string {
  return group.startsWith("/") ? group : `/${group}`;
}

/** Username or e-mail, case-insensitively (Keycloak's `loginWithEmailAllowed` default). */
export function findUserByUsername(realm: RealmRecord, login: string): UserRecord | undefined {
  const wanted = login.toLowerCase();
  for (const user of realm.users.values()) if (user.username === wanted) return user;
  for (const user of realm.users.values()) if (user.email !== undefined && user.email === wanted) return user;
  return undefined;
}

export function serviceAccountOf(realm: RealmRecord, client: ClientRecord): UserRecord | undefined {
  for (const user of realm.users.values()) if (user.serviceAccountClientId === client.clientId) return user;
  return undefined;
}

/**
 * Required actions in force: the user's own plus `VERIFY_PROFILE` when the
 * default user profile's required attributes are missing (docs/reference/keycloak.md §5.7).
 */
export function pendingRequiredActions(user: UserRecord): string[] {
  if (user.serviceAccountClientId !== undefined) return [];
  const actions = [...user.requiredActions];
  const incomplete = !user.email || !user.firstName || !user.lastName;
  if (incomplete && !actions.includes("VERIFY_PROFILE")) actions.push("VERIFY_PROFILE");
  return actions;
}

/**
 * Effective roles after expanding the built-in composites: `default-roles-<realm>`
 * = `offline_access` + `uma_authorization` + account `view-profile`,
 * `manage-account`; `manage-account` ⊃ `manage-account-links` (docs/reference/keycloak.md §3.1).
 */
export function effectiveRoles(
  realm: RealmRecord,
  user: UserRecord,
): { realm: string[]; clients: Map<string, string[]> } {
  const realmRoles = new Set(user.realmRoles);
  const clients = new Map<string, Set<string>>();
  for (const [clientId, roles] of user.clientRoles) clients.set(clientId, new Set(roles));
  if (realmRoles.has(defaultRolesOf(realm.name))) {
    realmRoles.add("offline_access");
    realmRoles.add("uma_authorization");
    const account = clients.get("account") ?? new Set<string>();
    for (const role of ["manage-account", "view-profile"]) account.add(role);
    clients.set("account", account);
  }
  const account = clients.get("account");
  if (account?.has("manage-account")) account.add("manage-account-links");
  // [guess] Keycloak's order is a set's; sorted here so tokens are stable.
  const sorted = new Map([...clients].map(([id, roles]) => [id, [...roles].sort()] as const));
  return { realm: [...realmRoles].sort(), clients: sorted };
}
