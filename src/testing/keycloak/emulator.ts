/**
 * `createKeycloakEmulator()`: a Keycloak-lite on 127.0.0.1 for tests and the
 * demo. It serves the OIDC side of Keycloak 26.7.3 under `/realms/{realm}` —
 * discovery, keys, the code flow with a login page, refresh, password, client
 * credentials, the device flow, userinfo, introspection, revocation and
 * logout — with Keycloak's claims and error strings (docs/reference/keycloak.md and
 * answers captured from the real Keycloak 26.7.3), and lets a
 * test disable, lock and sign out users, disable clients and realms, rotate
 * keys and inject faults. It passes the same provider contract suite as the
 * real Keycloak. There is no admin REST API: the control API below replaces it.
 */

import { FaultPlan } from "../entra/faults.js";
import { type Core, realmUrl } from "./core.js";
import { addFault } from "./faults.js";
import { importSteps } from "./import-realm.js";
import { createRealmKeys, rotateSigner } from "./keys.js";
import {
  createClientRecord,
  createRealmRecord,
  createUserRecord,
  findUserByUsername,
  groupPath,
  type RealmRecord,
  type UserRecord,
} from "./model.js";
import { startServer } from "./server.js";
import { SessionStore } from "./sessions.js";
import type {
  KeycloakBruteForceStatus,
  KeycloakClientOptions,
  KeycloakCredential,
  KeycloakEmulatorOptions,
  KeycloakFault,
  KeycloakImportedRealm,
  KeycloakRealmOptions,
  KeycloakRealmRepresentation,
  KeycloakRequest,
  KeycloakUser,
  KeycloakUserOptions,
} from "./types.js";
import { Challenges } from "./webauthn/challenges.js";

/**
 * A running emulator. Create it with {@link createKeycloakEmulator}.
 *
 * @example
 * const kc = await createKeycloakEmulator();
 * kc.addRealm({ name: "acme" });
 * kc.addClient({ realm: "acme", clientId: "web", secret: "s3cret", redirectUris: ["http://localhost:3000/cb"] });
 * const eu = keycloak({ id: "eu", issuer: kc.issuer("acme"), clientId: "web", clientSecret: "s3cret" });
 * afterAll(() => kc.close());
 */
export interface KeycloakEmulator {
  /**
   * `http://127.0.0.1:PORT` — stands in for Keycloak's `--hostname`.
   *
   * @example
   * await fetch(`${kc.url}/realms/acme/.well-known/openid-configuration`);
   */
  readonly url: string;

  /**
   * `${url}/realms/${realm}`: the issuer of a realm.
   *
   * @example
   * keycloak({ id: "eu", issuer: kc.issuer("acme"), clientId: "web", clientSecret: "s3cret" });
   */
  issuer(realm: string): string;

  /**
   * Creates a realm (its keys are generated in the background; requests wait for them).
   *
   * @example
   * kc.addRealm({ name: "acme", bruteForce: { failureFactor: 3 } });
   */
  addRealm(options: KeycloakRealmOptions): { readonly name: string; readonly issuer: string };

  /**
   * Registers a client. A `serviceAccount` client gets its `service-account-<clientId>` user.
   *
   * @example
   * kc.addClient({ realm: "acme", clientId: "web", secret: "s3cret", redirectUris: ["http://localhost:3000/cb"], audience: ["api"] });
   */
  addClient(options: KeycloakClientOptions): { readonly realm: string; readonly clientId: string };

  /**
   * Creates a user; `id` is the `sub` of their tokens.
   *
   * @example
   * const ada = kc.addUser({ realm: "acme", username: "ada", password: "pw", email: "ada@example.test", firstName: "Ada", lastName: "L" });
   */
  addUser(options: KeycloakUserOptions): KeycloakUser;

  /**
   * Loads a realm export such as `kc.sh export` writes (the subset described by
   * `KeycloakRealmRepresentation`).
   *
   * @example
   * const { users } = kc.importRealm(JSON.parse(readFileSync("idswitch-realm.json", "utf8")));
   */
  importRealm(representation: KeycloakRealmRepresentation): KeycloakImportedRealm;

  /**
   * `PUT /users/{id} {"enabled":false}`: sessions and issued tokens stay; refresh answers "User disabled",
   * the password grant "Account disabled", the login page "Account is disabled, contact your administrator.".
   * `user` is an id or a username.
   *
   * @example
   * kc.setUserEnabled("acme", ada.id, false);
   */
  setUserEnabled(realm: string, user: string, enabled: boolean): void;

  /**
   * Locks the account as brute-force detection does (`seconds`, or until {@link KeycloakEmulator.unlockUser}):
   * every password answers like a wrong one. Works whether or not the realm has detection on.
   *
   * @example
   * kc.lockUser("acme", "ada");
   */
  lockUser(realm: string, user: string, options?: { readonly seconds?: number }): void;

  /**
   * `DELETE /attack-detection/brute-force/users/{id}`: forgets failures and lifts a lock.
   *
   * @example
   * kc.unlockUser("acme", "ada");
   */
  unlockUser(realm: string, user: string): void;

  /**
   * @example
   * expect(kc.bruteForceStatus("acme", "ada").disabled).toBe(true);
   */
  bruteForceStatus(realm: string, user: string): KeycloakBruteForceStatus;

  /**
   * `POST /users/{id}/logout`: ends every session of the user (refresh: "Session not active") and moves
   * their not-before. Returns how many sessions were open.
   *
   * @example
   * kc.logoutUser("acme", ada.id);
   */
  logoutUser(realm: string, user: string): number;

  /**
   * @example
   * kc.setRequiredActions("acme", "ada", ["UPDATE_PASSWORD"]); // password grant: "Account is not fully set up"
   */
  setRequiredActions(realm: string, user: string, actions: readonly string[]): void;

  /**
   * `GET /users/{id}/credentials`: the user's password (if any) and passkeys (`webauthn-passwordless`,
   * registered through `kc_action=webauthn-register-passwordless` in a realm with `passkeys`).
   *
   * @example
   * expect(kc.credentials("acme", "ada").map((c) => c.type)).toEqual(["password", "webauthn-passwordless"]);
   */
  credentials(realm: string, user: string): KeycloakCredential[];

  /**
   * `DELETE /users/{id}/credentials/{credentialId}`: a password removed leaves the login form refusing the user;
   * a passkey removed can no longer sign in. False when the user has no such credential.
   *
   * @example
   * const password = kc.credentials("acme", "ada").find((c) => c.type === "password");
   * if (password) kc.removeCredential("acme", "ada", password.id);
   */
  removeCredential(realm: string, user: string, credentialId: string): boolean;

  /**
   * A disabled client is `401 invalid_client` at the token endpoint and "Login requester not enabled" at login.
   *
   * @example
   * kc.setClientEnabled("acme", "web", false);
   */
  setClientEnabled(realm: string, clientId: string, enabled: boolean): void;

  /**
   * The old secret stops working at once (`401 unauthorized_client`).
   *
   * @example
   * kc.setClientSecret("acme", "web", "n3w");
   */
  setClientSecret(realm: string, clientId: string, secret: string): void;

  /**
   * A disabled realm answers `403 access_denied "Realm not enabled"` at the token endpoint.
   *
   * @example
   * kc.setRealmEnabled("acme", false);
   */
  setRealmEnabled(realm: string, enabled: boolean): void;

  /**
   * Revocation "set to now": refresh tokens issued before `epochSeconds` (default now) are "Stale token".
   *
   * @example
   * kc.setRealmNotBefore("acme");
   */
  setRealmNotBefore(realm: string, epochSeconds?: number): void;

  /**
   * A new RS256 key signs from now on; the old one stays in `/certs` (passive) unless `retireOld`, which makes
   * tokens it signed fail verification. Resolves to the new `kid`.
   *
   * @example
   * const { kid } = await kc.rotateKeys("acme", { retireOld: true });
   */
  rotateKeys(realm: string, options?: { readonly retireOld?: boolean }): Promise<{ readonly kid: string }>;

  /**
   * Makes an endpoint misbehave until {@link KeycloakEmulator.clearFaults} (or for `times` requests).
   *
   * @example
   * kc.fault({ endpoint: "token", mode: "http503", times: 1 });
   */
  fault(fault: KeycloakFault): void;

  /** Removes every fault set with `fault`. */
  clearFaults(): void;

  /**
   * Every request that reached the emulator, in order (faulted ones carry `fault`).
   *
   * @example
   * expect(kc.requests.some((r) => r.path.endsWith("/certs"))).toBe(true);
   */
  readonly requests: readonly KeycloakRequest[];

  /**
   * Stops the server, cutting hung and open connections.
   *
   * @example
   * afterAll(() => kc.close());
   */
  close(): Promise<void>;
}

/**
 * Starts a Keycloak-lite on 127.0.0.1 (an ephemeral port unless `port` is given). Several can run in one
 * process; each has its own realms, keys and state.
 *
 * @example
 * import { createKeycloakEmulator } from "idswitch/testing";
 *
 * const kc = await createKeycloakEmulator();
 * kc.importRealm(realmJson); // or addRealm/addClient/addUser
 * const eu = keycloak({ id: "eu", issuer: kc.issuer("idswitch"), clientId: "app", clientSecret: "app-secret",
 *   redirectUri: "http://localhost:3000/callback" });
 * await kc.close();
 */
export async function createKeycloakEmulator(
  options: KeycloakEmulatorOptions = {},
): Promise<KeycloakEmulator> {
  const now = options.now ?? Date.now;
  const faults = new FaultPlan();
  const requests: KeycloakRequest[] = [];
  const server = await startServer(options.port ?? 0, faults, requests);
  const url = `http://${options.hostname ?? "127.0.0.1"}:${server.port}`;
  const core: Core = {
    url,
    realms: new Map(),
    sessions: new SessionStore(),
    now,
    challenges: new Challenges(),
  };
  server.serve(core);

  const realmOf = (name: string, what: string): RealmRecord => {
    const realm = core.realms.get(name);
    if (!realm) throw new TypeError(`${what}: unknown realm "${name}"`);
    return realm;
  };
  const userOf = (realmName: string, ref: string, what: string): UserRecord => {
    const realm = realmOf(realmName, what);
    const user = realm.users.get(ref) ?? findUserByUsername(realm, ref);
    if (!user) throw new TypeError(`${what}: unknown user "${ref}" in realm ${realmName}`);
    return user;
  };
  const clientOf = (realmName: string, clientId: string, what: string) => {
    const client = realmOf(realmName, what).clients.get(clientId);
    if (!client) throw new TypeError(`${what}: unknown client "${clientId}" in realm ${realmName}`);
    return client;
  };

  function addRealm(realmOptions: KeycloakRealmOptions) {
    if (core.realms.has(realmOptions.name))
      throw new TypeError(`addRealm: realm "${realmOptions.name}" exists`);
    const keys = createRealmKeys(realmOptions.name, now());
    keys.catch(() => undefined); // surfaced to the requests that await it, not as an unhandled rejection
    core.realms.set(realmOptions.name, createRealmRecord(realmOptions, keys));
    return { name: realmOptions.name, issuer: realmUrl(core, realmOptions.name) };
  }

  function addClient(clientOptions: KeycloakClientOptions) {
    const realm = realmOf(clientOptions.realm, "addClient");
    const client = createClientRecord(realm, clientOptions);
    realm.clients.set(client.clientId, client);
    if (client.serviceAccount) {
      const user = createUserRecord(
        realm,
        { username: `service-account-${client.clientId}` },
        client.clientId,
      );
      realm.users.set(user.id, user);
    }
    return { realm: realm.name, clientId: client.clientId };
  }

  function addUser(userOptions: KeycloakUserOptions): KeycloakUser {
    const realm = realmOf(userOptions.realm, "addUser");
    const user = createUserRecord(realm, userOptions);
    realm.users.set(user.id, user);
    return { id: user.id, realm: realm.name, username: user.username };
  }

  return {
    url,
    issuer: (realm) => realmUrl(core, realm),
    addRealm,
    addClient,
    addUser,
    importRealm(representation) {
      const steps = importSteps(representation);
      const { issuer } = addRealm(steps.realm);
      for (const client of steps.clients) addClient(client);
      const users: Record<string, KeycloakUser> = {};
      for (const user of steps.users) users[user.username.toLowerCase()] = addUser(user);
      const realm = realmOf(steps.realm.name, "importRealm");
      for (const { clientId, user } of steps.serviceAccounts) {
        const account = findUserByUsername(realm, `service-account-${clientId}`);
        if (!account) throw new TypeError(`importRealm: client "${clientId}" has no service account`);
        for (const role of user.realmRoles ?? []) account.realmRoles.add(role);
        for (const [client, roles] of Object.entries(user.clientRoles ?? {})) {
          const set = account.clientRoles.get(client) ?? new Set<string>();
          for (const role of roles) set.add(role);
          account.clientRoles.set(client, set);
        }
        for (const group of user.groups ?? []) account.groups.add(groupPath(group));
      }
      return { name: steps.realm.name, issuer, users };
    },
    setUserEnabled(realm, user, enabled) {
      userOf(realm, user, "setUserEnabled").enabled = enabled;
    },
    lockUser(realm, user, lock = {}) {
      const record = userOf(realm, user, "lockUser");
      const until = lock.seconds === undefined ? Number.POSITIVE_INFINITY : now() + lock.seconds * 1000;
      const failureFactor = realmOf(realm, "lockUser").bruteForce?.failureFactor ?? 1;
      record.failures = {
        numFailures: Math.max(record.failures.numFailures, failureFactor),
        lastFailure: now(),
        lockedUntil: until,
      };
    },
    unlockUser(realm, user) {
      userOf(realm, user, "unlockUser").failures = { numFailures: 0, lastFailure: 0, lockedUntil: 0 };
    },
    bruteForceStatus(realm, user) {
      const { failures } = userOf(realm, user, "bruteForceStatus");
      return {
        numFailures: failures.numFailures,
        disabled: failures.lockedUntil > now(),
        lastFailure: failures.lastFailure,
      };
    },
    logoutUser(realm, user) {
      const record = userOf(realm, user, "logoutUser");
      record.notBefore = Math.floor(now() / 1000);
      return core.sessions.endSessionsOf(realm, record.id);
    },
    setRequiredActions(realm, user, actions) {
      userOf(realm, user, "setRequiredActions").requiredActions = [...actions];
    },
    credentials(realm, user) {
      const record = userOf(realm, user, "credentials");
      const password: KeycloakCredential[] =
        record.password === undefined ? [] : [{ type: "password", ...record.passwordCredential }];
      return [
        ...password,
        ...record.passkeys.map(
          (p): KeycloakCredential => ({
            id: p.id,
            type: "webauthn-passwordless",
            userLabel: p.label,
            createdDate: p.createdDate,
          }),
        ),
      ];
    },
    removeCredential(realm, user, credentialId) {
      const record = userOf(realm, user, "removeCredential");
      if (record.password !== undefined && record.passwordCredential.id === credentialId) {
        record.password = undefined;
        return true;
      }
      const index = record.passkeys.findIndex((p) => p.id === credentialId);
      if (index < 0) return false;
      record.passkeys.splice(index, 1);
      return true;
    },
    setClientEnabled(realm, clientId, enabled) {
      clientOf(realm, clientId, "setClientEnabled").enabled = enabled;
    },
    setClientSecret(realm, clientId, secret) {
      const client = clientOf(realm, clientId, "setClientSecret");
      if (client.publicClient) throw new TypeError(`setClientSecret: "${clientId}" is a public client`);
      client.secret = secret;
    },
    setRealmEnabled(realm, enabled) {
      realmOf(realm, "setRealmEnabled").enabled = enabled;
    },
    setRealmNotBefore(realm, epochSeconds) {
      realmOf(realm, "setRealmNotBefore").notBefore = epochSeconds ?? Math.floor(now() / 1000);
    },
    async rotateKeys(realm, rotation = {}) {
      const record = realmOf(realm, "rotateKeys");
      const next = rotateSigner(realm, await record.keys, rotation.retireOld ?? false, now());
      record.keys = next;
      return { kid: (await next).signer.kid };
    },
    fault: (fault) => addFault(faults, fault),
    clearFaults: () => faults.clear(),
    requests,
    close: () => server.close(),
  };
}
