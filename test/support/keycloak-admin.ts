// A small typed client for the Keycloak Admin REST API, on plain fetch, for setting up and
// inspecting test state. Error messages carry method, path and status — never tokens or secrets.

export type AdminCredentials =
  | { grant: "client_credentials"; realm: string; clientId: string; clientSecret: string }
  | { grant: "password"; realm: string; clientId: string; username: string; password: string };

export interface KeycloakAdminOptions {
  /** e.g. "http://localhost:18180" (no trailing slash) */
  baseUrl: string;
  /** Realm whose users and clients the methods act on. */
  realm: string;
  credentials: AdminCredentials;
}

export interface NewUser {
  username: string;
  password: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  /** Group names or paths ("staff" or "/staff"). */
  groups?: string[];
  realmRoles?: string[];
  requiredActions?: string[];
  enabled?: boolean;
}

/** Answer of GET attack-detection/brute-force/users/{id}; `disabled: true` means currently locked. */
export interface BruteForceStatus {
  numFailures: number;
  disabled: boolean;
  lastIPFailure: string;
  lastFailure: number;
  [key: string]: unknown;
}

export type Representation = Record<string, unknown>;

export class KeycloakAdminError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    detail: string,
  ) {
    // Keycloak's 403 body is just {"error":"HTTP 403 Forbidden"}: don't repeat the status.
    const suffix = detail && !detail.startsWith("HTTP ") ? ` (${detail})` : "";
    super(`Keycloak admin ${method} ${path} failed: HTTP ${status}${suffix}`);
    this.name = "KeycloakAdminError";
  }
}

// Renew a little before expiry: master-realm admin tokens only live 60 s.
const RENEW_MARGIN_MS = 15_000;

export class KeycloakAdmin {
  readonly #baseUrl: string;
  readonly #realm: string;
  readonly #credentials: AdminCredentials;
  #token: { value: string; expiresAt: number } | undefined;

  constructor({ baseUrl, realm, credentials }: KeycloakAdminOptions) {
    this.#baseUrl = baseUrl.replace(/\/+$/, "");
    this.#realm = realm;
    this.#credentials = credentials;
  }

  /** The `idswitch-admin` service account of the `idswitch` realm (user, client and event roles only). */
  static forRealmServiceAccount(baseUrl: string): KeycloakAdmin {
    return new KeycloakAdmin({
      baseUrl,
      realm: "idswitch",
      credentials: {
        grant: "client_credentials",
        realm: "idswitch",
        clientId: "idswitch-admin",
        clientSecret: "idswitch-admin-secret",
      },
    });
  }

  /** The bootstrap admin of `master` through `admin-cli`: may do anything, including realm changes. */
  static forMaster(
    baseUrl: string,
    adminUser: string,
    adminPassword: string,
    realm = "idswitch",
  ): KeycloakAdmin {
    return new KeycloakAdmin({
      baseUrl,
      realm,
      credentials: {
        grant: "password",
        realm: "master",
        clientId: "admin-cli",
        username: adminUser,
        password: adminPassword,
      },
    });
  }

  // ----- users -------------------------------------------------------------------------------

  /** Creates an enabled user with a permanent password and a complete profile (no VERIFY_PROFILE); returns its id. */
  async createUser(user: NewUser): Promise<string> {
    const representation = {
      username: user.username,
      enabled: user.enabled ?? true,
      firstName: user.firstName ?? user.username,
      lastName: user.lastName ?? "Test",
      email: user.email ?? `${user.username}@example.test`,
      emailVerified: true,
      groups: (user.groups ?? []).map((group) => (group.startsWith("/") ? group : `/${group}`)),
      requiredActions: user.requiredActions ?? [],
      credentials: [{ type: "password", value: user.password, temporary: false }],
    };
    const response = await this.#request("POST", this.#realmPath("/users"), representation);
    const id = idFromLocation(response.headers.get("location"));
    // POST /users ignores `realmRoles`; they are mapped separately.
    if (user.realmRoles?.length) await this.addRealmRoles(id, user.realmRoles);
    return id;
  }

  async findUserId(username: string): Promise<string> {
    const query = new URLSearchParams({ username, exact: "true", briefRepresentation: "true" });
    const users = await this.#json<Array<{ id: string }>>("GET", this.#realmPath(`/users?${query}`));
    const id = users[0]?.id;
    if (!id) throw new Error(`Keycloak user "${username}" not found in realm ${this.#realm}`);
    return id;
  }

  /**
   * Declares a user attribute in the realm's user profile, readable and
   * writable by admins only (docs/reference/keycloak.md §5.7: undeclared attributes are
   * silently dropped; a user-editable one would let people link themselves).
   */
  async declareAdminOnlyAttribute(name: string): Promise<void> {
    const path = this.#realmPath("/users/profile");
    const profile = await this.#json<{ attributes: Array<{ name: string }> }>("GET", path);
    if (profile.attributes.some((a) => a.name === name)) return;
    profile.attributes.push({
      name,
      displayName: name,
      multivalued: false,
      permissions: { view: ["admin"], edit: ["admin"] },
      validations: { length: { max: 128 } },
    } as { name: string });
    await this.#send("PUT", path, profile);
  }

  /** Sets one attribute of a user (GET then PUT the whole representation). */
  async setUserAttribute(id: string, name: string, value: string): Promise<void> {
    const current = await this.getUser(id);
    const attributes = { ...((current.attributes as Representation | undefined) ?? {}), [name]: [value] };
    await this.#send("PUT", this.#userPath(id), { ...current, attributes });
  }

  /** Puts a user attribute into a client's ID and access tokens as a claim (idempotent). */
  async ensureAttributeMapper(clientId: string, attribute: string, claim: string): Promise<void> {
    const path = this.#realmPath(`/clients/${await this.clientUuid(clientId)}/protocol-mappers/models`);
    const mappers = await this.#json<Array<{ name: string }>>("GET", path);
    if (mappers.some((m) => m.name === `attribute-${attribute}`)) return;
    await this.#send("POST", path, {
      name: `attribute-${attribute}`,
      protocol: "openid-connect",
      protocolMapper: "oidc-usermodel-attribute-mapper",
      config: {
        "user.attribute": attribute,
        "claim.name": claim,
        "jsonType.label": "String",
        "id.token.claim": "true",
        "access.token.claim": "true",
        "userinfo.token.claim": "true",
        "introspection.token.claim": "true",
      },
    });
  }

  getUser(id: string): Promise<Representation> {
    return this.#json("GET", this.#userPath(id));
  }

  deleteUser(id: string): Promise<void> {
    return this.#send("DELETE", this.#userPath(id));
  }

  setUserEnabled(id: string, enabled: boolean): Promise<void> {
    return this.#updateUser(id, { enabled });
  }

  setRequiredActions(id: string, actions: string[]): Promise<void> {
    return this.#updateUser(id, { requiredActions: actions });
  }

  /** Ends the user's sessions (Keycloak sends back-channel logouts and moves the user's not-before). */
  logoutUser(id: string): Promise<void> {
    return this.#send("POST", `${this.#userPath(id)}/logout`);
  }

  async addRealmRoles(id: string, roleNames: string[]): Promise<void> {
    const roles = await Promise.all(
      roleNames.map((name) =>
        this.#json<Representation>("GET", this.#realmPath(`/roles/${encodeURIComponent(name)}`)),
      ),
    );
    await this.#send("POST", `${this.#userPath(id)}/role-mappings/realm`, roles);
  }

  bruteForceStatus(id: string): Promise<BruteForceStatus> {
    return this.#json(
      "GET",
      this.#realmPath(`/attack-detection/brute-force/users/${encodeURIComponent(id)}`),
    );
  }

  clearBruteForce(id: string): Promise<void> {
    return this.#send(
      "DELETE",
      this.#realmPath(`/attack-detection/brute-force/users/${encodeURIComponent(id)}`),
    );
  }

  // ----- clients -----------------------------------------------------------------------------

  async clientUuid(clientId: string): Promise<string> {
    const query = new URLSearchParams({ clientId });
    const clients = await this.#json<Array<{ id: string }>>("GET", this.#realmPath(`/clients?${query}`));
    const uuid = clients[0]?.id;
    if (!uuid) throw new Error(`Keycloak client "${clientId}" not found in realm ${this.#realm}`);
    return uuid;
  }

  setClientEnabled(clientId: string, enabled: boolean): Promise<void> {
    return this.#updateClient(clientId, { enabled });
  }

  /** Returns the new secret (the old one stops working at once). */
  async regenerateClientSecret(clientId: string): Promise<string> {
    const uuid = await this.clientUuid(clientId);
    const credential = await this.#json<{ value: string }>(
      "POST",
      this.#realmPath(`/clients/${uuid}/client-secret`),
    );
    return credential.value;
  }

  /** Puts a known secret back (e.g. the fixture's) after a test rotated it. */
  setClientSecret(clientId: string, secret: string): Promise<void> {
    return this.#updateClient(clientId, { secret });
  }

  /** Creates a client of the realm; returns its internal id (for `deleteClient`). */
  async createClient(representation: Representation): Promise<string> {
    const response = await this.#request("POST", this.#realmPath("/clients"), representation);
    await response.body?.cancel();
    const id = response.headers.get("location")?.split("/").pop();
    if (!id) throw new Error("Keycloak created a client without a Location");
    return id;
  }

  deleteClient(uuid: string): Promise<void> {
    return this.#send("DELETE", this.#realmPath(`/clients/${encodeURIComponent(uuid)}`));
  }

  // ----- realms (master admin only) ------------------------------------------------------------

  setRealmEnabled(realm: string, enabled: boolean): Promise<void> {
    // PUT on a realm merges the given fields, unlike users and clients.
    return this.#send("PUT", `/admin/realms/${encodeURIComponent(realm)}`, { enabled });
  }

  createRealm(realm: Representation): Promise<void> {
    return this.#send("POST", "/admin/realms", realm);
  }

  deleteRealm(name: string): Promise<void> {
    return this.#send("DELETE", `/admin/realms/${encodeURIComponent(name)}`);
  }

  // ----- plumbing ----------------------------------------------------------------------------

  #realmPath(path: string): string {
    return `/admin/realms/${encodeURIComponent(this.#realm)}${path}`;
  }

  #userPath(id: string): string {
    return this.#realmPath(`/users/${encodeURIComponent(id)}`);
  }

  // GET then PUT the whole representation: with the declarative user profile a partial PUT can
  // fail validation or drop fields.
  async #updateUser(id: string, changes: Representation): Promise<void> {
    const current = await this.getUser(id);
    await this.#send("PUT", this.#userPath(id), { ...current, ...changes });
  }

  async #updateClient(clientId: string, changes: Representation): Promise<void> {
    const path = this.#realmPath(`/clients/${await this.clientUuid(clientId)}`);
    const current = await this.#json<Representation>("GET", path);
    await this.#send("PUT", path, { ...current, ...changes });
  }

  async #send(method: string, path: string, body?: unknown): Promise<void> {
    const response = await this.#request(method, path, body);
    await response.body?.cancel();
  }

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#request(method, path, body);
    return (await response.json()) as T;
  }

  async #request(method: string, path: string, body?: unknown): Promise<Response> {
    let response = await this.#fetchOnce(method, path, body);
    if (response.status === 401) {
      // The token may have been revoked or expired early (clock skew): one retry with a fresh one.
      await response.body?.cancel();
      this.#token = undefined;
      response = await this.#fetchOnce(method, path, body);
    }
    if (!response.ok)
      throw new KeycloakAdminError(method, path, response.status, await errorDetail(response));
    return response;
  }

  async #fetchOnce(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.#accessToken()}` };
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(`${this.#baseUrl}${path}`, init);
  }

  async #accessToken(): Promise<string> {
    if (this.#token && Date.now() < this.#token.expiresAt - RENEW_MARGIN_MS) return this.#token.value;
    const credentials = this.#credentials;
    const form = new URLSearchParams(
      credentials.grant === "client_credentials"
        ? {
            grant_type: "client_credentials",
            client_id: credentials.clientId,
            client_secret: credentials.clientSecret,
          }
        : {
            grant_type: "password",
            client_id: credentials.clientId,
            username: credentials.username,
            password: credentials.password,
          },
    );
    const path = `/realms/${encodeURIComponent(credentials.realm)}/protocol/openid-connect/token`;
    const response = await fetch(`${this.#baseUrl}${path}`, { method: "POST", body: form });
    if (!response.ok)
      throw new KeycloakAdminError("POST", path, response.status, await errorDetail(response));
    const token = (await response.json()) as { access_token: string; expires_in: number };
    this.#token = { value: token.access_token, expiresAt: Date.now() + token.expires_in * 1000 };
    return token.access_token;
  }
}

/** Keycloak's own error text (`errorMessage`, `error`, `error_description`), shortened. */
async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const parts = [body.error, body.error_description, body.errorMessage].filter(
      (p) => typeof p === "string",
    );
    if (parts.length > 0) return parts.join(": ").slice(0, 300);
  } catch {
    // not JSON (HTML error page)
  }
  return "";
}

function idFromLocation(location: string | null): string {
  const id = location?.split("/").pop();
  if (!id) throw new Error("Keycloak created a user but sent no Location header");
  return id;
}

// ---------------------------------------------------------------------------------------------
// Driving brute-force detection
// ---------------------------------------------------------------------------------------------

export interface TokenEndpointAnswer {
  status: number;
  body: unknown;
}

/**
 * Posts `times` wrong passwords for `username` through the `test-driver` client's password grant
 * (the quickest way to reach the realm's failureFactor). Returns every raw answer, in order.
 */
export async function failPasswordLogins(
  baseUrl: string,
  realm: string,
  username: string,
  times: number,
): Promise<TokenEndpointAnswer[]> {
  const url = `${baseUrl.replace(/\/+$/, "")}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/token`;
  const answers: TokenEndpointAnswer[] = [];
  // Sequential on purpose: each failure must be counted before the next one arrives.
  for (let attempt = 1; attempt <= times; attempt++) {
    const form = new URLSearchParams({
      grant_type: "password",
      client_id: "test-driver",
      client_secret: "test-driver-secret",
      username,
      password: `wrong-password-${attempt}`,
    });
    const response = await fetch(url, { method: "POST", body: form });
    const text = await response.text();
    answers.push({ status: response.status, body: parseJsonOrText(text) });
  }
  return answers;
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
