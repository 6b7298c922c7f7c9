/**
 * Public types of the Keycloak-lite emulator (`idswitch/testing`). Names
 * follow Keycloak's own representations (RealmRepresentation,
 * ClientRepresentation, UserRepresentation) so a realm export reads across.
 * Defaults are Keycloak 26's (docs/reference/keycloak.md); `[guess]` marks a value
 * that is not in docs/reference/keycloak.md or the captured fixtures.
 */

/**
 * Brute-force detection of a realm (docs/reference/keycloak.md §4.8). Field names and
 * defaults are Keycloak's; `false` (the default of a new realm) turns it off.
 *
 * @example
 * kc.addRealm({ name: "acme", bruteForce: { failureFactor: 3, quickLoginCheckMilliSeconds: 1 } });
 */
export interface KeycloakBruteForceOptions {
  /** Failures before a temporary lock (default 30). */
  readonly failureFactor?: number;
  /** Lock length per reached multiple of `failureFactor`, in seconds (default 60). */
  readonly waitIncrementSeconds?: number;
  /** Longest temporary lock, in seconds (default 900). */
  readonly maxFailureWaitSeconds?: number;
  /** Failures older than this are forgotten, in seconds (default 43200). */
  readonly maxDeltaTimeSeconds?: number;
  /** Two failures closer than this lock at once ("quick login"), in ms (default 1000). */
  readonly quickLoginCheckMilliSeconds?: number;
  /** Lock length of a quick-login lock, in seconds (default 60). */
  readonly minimumQuickLoginWaitSeconds?: number;
  /** Reaching `failureFactor` disables the user instead (default false). */
  readonly permanentLockout?: boolean;
}

/**
 * Options of `kc.addRealm()`.
 *
 * @example
 * kc.addRealm({ name: "acme", accessTokenLifespan: 60 });
 */
export interface KeycloakRealmOptions {
  readonly name: string;
  readonly enabled?: boolean;
  /** Access-token lifetime in seconds (default 300). */
  readonly accessTokenLifespan?: number;
  /** How long an idle session (and its refresh tokens) lives, in seconds (default 1800). */
  readonly ssoSessionIdleTimeout?: number;
  /** Longest session, in seconds (default 36000). */
  readonly ssoSessionMaxLifespan?: number;
  /** Authorization-code lifetime in seconds (default 60). */
  readonly accessCodeLifespan?: number;
  /** Device-code lifetime in seconds (`oauth2DeviceCodeLifespan`, default 600). */
  readonly deviceCodeLifespan?: number;
  /** Device-flow polling interval in seconds (`oauth2DevicePollingInterval`, default 5). */
  readonly devicePollingInterval?: number;
  /**
   * `webAuthnPolicyPasswordlessPasskeysEnabled` (docs/reference/keycloak.md §5.9), with the
   * `webauthn-register-passwordless` action enabled: the login page offers "Sign in with Passkey", and an
   * authorization request with `kc_action=webauthn-register-passwordless` registers one. The relying-party id
   * is the issuer's hostname (an empty `webAuthnPolicyPasswordlessRpId`); browsers refuse IP addresses, so
   * create the emulator with `hostname: "localhost"`. Default false.
   */
  readonly passkeys?: boolean;
  /** Off unless given (`bruteForceProtected: false` is Keycloak's default). */
  readonly bruteForce?: KeycloakBruteForceOptions | false;
  /** Realm roles that exist besides the built-ins (`offline_access`, `uma_authorization`, `default-roles-<realm>`). */
  readonly roles?: readonly string[];
  /** Group paths or names ("/staff" or "staff"). */
  readonly groups?: readonly string[];
}

/**
 * A protocol mapper of a client — the three kinds the emulator understands
 * (docs/reference/keycloak.md §3.4, §1.13). Flags default as in Keycloak's admin console.
 *
 * @example
 * const mapper: KeycloakMapper = { type: "audience", audience: "api" };
 */
export type KeycloakMapper =
  | {
      readonly type: "audience";
      /** `included.client.audience` or `included.custom.audience`; access tokens only. */
      readonly audience: string;
      readonly accessToken?: boolean;
    }
  | {
      readonly type: "group-membership";
      /** Claim name (default `groups`). */
      readonly claim?: string;
      /** `/staff` rather than `staff` (default true, as in Keycloak's admin console). */
      readonly fullPath?: boolean;
      readonly accessToken?: boolean;
      readonly idToken?: boolean;
      readonly userinfo?: boolean;
    }
  | {
      readonly type: "user-attribute";
      readonly attribute: string;
      readonly claim: string;
      readonly accessToken?: boolean;
      readonly idToken?: boolean;
      readonly userinfo?: boolean;
    };

/**
 * Options of `kc.addClient()`.
 *
 * @example
 * kc.addClient({ realm: "acme", clientId: "web", secret: "s3cret", redirectUris: ["http://localhost:3000/cb"] });
 * kc.addClient({ realm: "acme", clientId: "cli", publicClient: true, deviceFlow: true, audience: ["api"] });
 */
export interface KeycloakClientOptions {
  readonly realm: string;
  readonly clientId: string;
  /** The secret of a confidential client; required unless `publicClient`. */
  readonly secret?: string;
  readonly publicClient?: boolean;
  readonly enabled?: boolean;
  /** Exact URIs, or a prefix ending in `*` like Keycloak's wildcard. */
  readonly redirectUris?: readonly string[];
  /** `post.logout.redirect.uris`; `"+"` reuses `redirectUris` (default `["+"]` [guess]). */
  readonly postLogoutRedirectUris?: readonly string[];
  /** Authorization code flow (default: true when `redirectUris` are given). */
  readonly standardFlow?: boolean;
  /** Password grant (`directAccessGrantsEnabled`, default false). */
  readonly directAccessGrants?: boolean;
  /** Client credentials (`serviceAccountsEnabled`): creates `service-account-<clientId>`. */
  readonly serviceAccount?: boolean;
  /** `oauth2.device.authorization.grant.enabled`. */
  readonly deviceFlow?: boolean;
  /** `pkce.code.challenge.method`: `"S256"` makes PKCE mandatory. */
  readonly pkce?: "S256" | "plain";
  /** `webOrigins`; `"+"` = the origins of `redirectUris` (shown as `allowed-origins`). */
  readonly webOrigins?: readonly string[];
  /** Shorthand for audience mappers (access token only). */
  readonly audience?: readonly string[];
  readonly mappers?: readonly KeycloakMapper[];
}

/**
 * Options of `kc.addUser()`. A user lacking `email`, `firstName` or
 * `lastName` gets Keycloak's `VERIFY_PROFILE` required action (§5.7).
 *
 * @example
 * kc.addUser({ realm: "acme", username: "ada", password: "pw", email: "ada@example.test",
 *   firstName: "Ada", lastName: "Lovelace", realmRoles: ["reader"], clientRoles: { api: ["read"] }, groups: ["/staff"] });
 */
export interface KeycloakUserOptions {
  readonly realm: string;
  readonly username: string;
  readonly password?: string;
  /** The user id (`sub`); a UUID is generated when absent. */
  readonly id?: string;
  readonly email?: string;
  readonly emailVerified?: boolean;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly enabled?: boolean;
  readonly realmRoles?: readonly string[];
  /** Client roles by client id: `resource_access.<client>.roles`. */
  readonly clientRoles?: Readonly<Record<string, readonly string[]>>;
  /** Group paths or names. */
  readonly groups?: readonly string[];
  readonly attributes?: Readonly<Record<string, readonly string[]>>;
  /** e.g. `["UPDATE_PASSWORD"]`: the password grant answers "Account is not fully set up". */
  readonly requiredActions?: readonly string[];
}

/**
 * A user created by `kc.addUser()` (or imported).
 *
 * @example
 * expect(principal).toMatchObject({ subject: ada.id, tenant: "acme" });
 */
export interface KeycloakUser {
  readonly id: string;
  readonly realm: string;
  readonly username: string;
}

/**
 * Which endpoint a fault hits: `discovery`, `jwks` (`certs`), `token`,
 * `authorize` (auth, login forms, device pages), `device` (device
 * authorization), or `all` (every path).
 *
 * @example
 * kc.fault({ endpoint: "token", mode: "http503", times: 1 });
 */
export type KeycloakFaultEndpoint = "discovery" | "jwks" | "token" | "authorize" | "device" | "all";

/**
 * The same modes as the Entra emulator's faults; status faults answer the way
 * a Keycloak behind a proxy would ([guess]: 500 is Keycloak's generic
 * `unknown_error` body, 503/429 come from the proxy as plain text).
 *
 * @example
 * kc.fault({ endpoint: "all", mode: "refused" });
 */
export type KeycloakFaultMode =
  | "refused"
  | "http500"
  | "http503"
  | "http429"
  | "hang"
  | "slow"
  | "malformed_json"
  | "truncated";

/**
 * @example
 * const outage: KeycloakFault = { endpoint: "all", mode: "http503", retryAfterSeconds: 30 };
 */
export interface KeycloakFault {
  readonly endpoint: KeycloakFaultEndpoint;
  readonly mode: KeycloakFaultMode;
  /** `Retry-After` for http429/http503 (default 5 s for 429, none for 503). */
  readonly retryAfterSeconds?: number;
  /** Delay for `slow` (default 2000 ms). */
  readonly delayMs?: number;
  /** How many matching requests the fault affects; unlimited when absent. */
  readonly times?: number;
}

/**
 * One request that reached the emulator (`kc.requests`).
 *
 * @example
 * expect(kc.requests.filter((r) => r.path.endsWith("/token"))).toHaveLength(1);
 */
export interface KeycloakRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  readonly fault?: KeycloakFaultMode;
}

/**
 * The subset of a realm export (`RealmRepresentation`) that `kc.importRealm()`
 * understands — enough for the realm idswitch's own tests import. Other
 * members are ignored; a protocol mapper of another kind is refused.
 *
 * @example
 * kc.importRealm(JSON.parse(await readFile("idswitch-realm.json", "utf8")));
 */
export interface KeycloakRealmRepresentation {
  readonly realm: string;
  readonly enabled?: boolean;
  readonly accessTokenLifespan?: number;
  readonly ssoSessionIdleTimeout?: number;
  readonly ssoSessionMaxLifespan?: number;
  readonly accessCodeLifespan?: number;
  readonly oauth2DeviceCodeLifespan?: number;
  readonly oauth2DevicePollingInterval?: number;
  readonly bruteForceProtected?: boolean;
  readonly permanentLockout?: boolean;
  readonly failureFactor?: number;
  readonly waitIncrementSeconds?: number;
  readonly maxFailureWaitSeconds?: number;
  readonly maxDeltaTimeSeconds?: number;
  readonly quickLoginCheckMilliSeconds?: number;
  readonly minimumQuickLoginWaitSeconds?: number;
  readonly roles?: { readonly realm?: readonly { readonly name: string }[] };
  readonly groups?: readonly KeycloakGroupRepresentation[];
  readonly clients?: readonly KeycloakClientRepresentation[];
  readonly users?: readonly KeycloakUserRepresentation[];
  readonly [other: string]: unknown;
}

/**
 * A group in a realm export, as Keycloak writes it.
 *
 * @example
 * kc.importRealm({ realm: "acme", groups: [{ name: "staff", subGroups: [{ name: "admins" }] }] }); // "/staff", "/staff/admins"
 */
export interface KeycloakGroupRepresentation {
  readonly name: string;
  readonly subGroups?: readonly KeycloakGroupRepresentation[];
  readonly [other: string]: unknown;
}

/**
 * A client in a realm export, as Keycloak writes it.
 *
 * @example
 * kc.importRealm({ realm: "acme", clients: [{ clientId: "web", secret: "s3cret", redirectUris: ["http://localhost:3000/cb"] }] });
 */
export interface KeycloakClientRepresentation {
  readonly clientId: string;
  readonly enabled?: boolean;
  readonly publicClient?: boolean;
  readonly secret?: string;
  readonly redirectUris?: readonly string[];
  readonly webOrigins?: readonly string[];
  readonly standardFlowEnabled?: boolean;
  readonly directAccessGrantsEnabled?: boolean;
  readonly serviceAccountsEnabled?: boolean;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly protocolMappers?: readonly {
    readonly name?: string;
    readonly protocolMapper: string;
    readonly config?: Readonly<Record<string, string>>;
  }[];
  readonly [other: string]: unknown;
}

/**
 * A user in a realm export, as Keycloak writes it.
 *
 * @example
 * kc.importRealm({
 *   realm: "acme",
 *   roles: { realm: [{ name: "reader" }] },
 *   users: [{ username: "ada", email: "ada@example.test", credentials: [{ type: "password", value: "pw" }], realmRoles: ["reader"] }],
 * });
 */
export interface KeycloakUserRepresentation {
  readonly username: string;
  readonly id?: string;
  readonly enabled?: boolean;
  readonly email?: string;
  readonly emailVerified?: boolean;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly credentials?: readonly { readonly type: string; readonly value?: string }[];
  readonly realmRoles?: readonly string[];
  readonly clientRoles?: Readonly<Record<string, readonly string[]>>;
  readonly groups?: readonly string[];
  readonly attributes?: Readonly<Record<string, readonly string[]>>;
  readonly requiredActions?: readonly string[];
  readonly serviceAccountClientId?: string;
  readonly [other: string]: unknown;
}

/**
 * What `kc.importRealm()` created: the realm's issuer and its users by username.
 *
 * @example
 * const { users } = kc.importRealm(realmJson);
 * const alice = users.alice; // { id, realm, username }
 */
export interface KeycloakImportedRealm {
  readonly name: string;
  readonly issuer: string;
  readonly users: Readonly<Record<string, KeycloakUser>>;
}

/**
 * A user's brute-force record, like `GET …/attack-detection/brute-force/users/{id}`.
 *
 * @example
 * expect(kc.bruteForceStatus("acme", "ada")).toMatchObject({ disabled: true, numFailures: 3 });
 */
export interface KeycloakBruteForceStatus {
  readonly numFailures: number;
  /** Locked right now. */
  readonly disabled: boolean;
  /** Epoch ms of the last failure; 0 when none. */
  readonly lastFailure: number;
}

/**
 * Options of `createKeycloakEmulator()`.
 *
 * @example
 * const kc = await createKeycloakEmulator({ now: () => clock });
 */
export interface KeycloakEmulatorOptions {
  /** Port on 127.0.0.1; ephemeral when absent. */
  readonly port?: number;
  /**
   * The host name in the emulator's URL and issuers (Keycloak's `--hostname`), default `127.0.0.1`. It still
   * listens on 127.0.0.1 only, so the name must resolve there: `localhost`, which passkeys need (WebAuthn
   * refuses an IP address as relying-party id).
   */
  readonly hostname?: "127.0.0.1" | "localhost";
  /** The clock in epoch ms (default `Date.now`): tokens, codes, sessions and locks expire by it. */
  readonly now?: () => number;
}

/**
 * One credential of a user, as `GET /admin/realms/{realm}/users/{id}/credentials` lists it (without its
 * secret): a password, or a passkey (`webauthn-passwordless`, docs/reference/keycloak.md §5.8).
 *
 * @example
 * expect(kc.credentials("acme", "ada").map((c) => c.type)).toEqual(["webauthn-passwordless"]);
 */
export interface KeycloakCredential {
  readonly id: string;
  readonly type: "password" | "webauthn-passwordless";
  /** The label given at registration (a passkey's). */
  readonly userLabel?: string;
  /** Epoch ms. */
  readonly createdDate: number;
}
