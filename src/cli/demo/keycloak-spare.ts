/**
 * The real Keycloak as the demo's spare, prepared through its Admin REST
 * API: the test bed's realm `idswitch` (clients `app` and `service`), the
 * link attribute declared admin-only in the user profile (Keycloak 26 drops
 * undeclared attributes) and mapped into the tokens of `app`.
 */
import { prepareRealmPasskeys, removePassword, signOut } from "./keycloak-passkeys.js";
import type { DemoPerson, Spare } from "./spare.js";

const REALM = "idswitch";
const LINK_CLAIM = "entra_id";

export interface KeycloakSpareOptions {
  /** The server, e.g. http://localhost:18180 (the test bed: `npm run keycloak -- start`). */
  readonly url: string;
  readonly adminUser: string;
  readonly adminPassword: string;
  readonly redirectUri: string;
}

export async function keycloakSpare(options: KeycloakSpareOptions): Promise<Spare> {
  const admin = new Admin(options);
  await admin.declareLinkAttribute();
  await admin.mapLinkAttribute("app");
  return {
    label: `Keycloak (real, ${options.url})`,
    issuer: `${options.url}/realms/${REALM}`,
    web: { clientId: "app", clientSecret: "app-secret", redirectUri: options.redirectUri },
    daemon: { clientId: "service", clientSecret: "service-secret" },
    linkClaim: LINK_CLAIM,
    addPerson: (person) => admin.addPerson(person),
    preparePasskeys: async () => {
      await prepareRealmPasskeys(admin, options.url, REALM);
    },
    removePassword: (username) => removePassword(admin, username),
    signOut: (username) => signOut(admin, username),
    close: async () => {},
  };
}

class Admin {
  readonly #options: KeycloakSpareOptions;
  #token: string | undefined;

  constructor(options: KeycloakSpareOptions) {
    this.#options = options;
  }

  async declareLinkAttribute(): Promise<void> {
    const profile = await this.#json<{ attributes: Array<Record<string, unknown>> }>("GET", "/users/profile");
    if (profile.attributes.some((a) => a.name === LINK_CLAIM)) return;
    profile.attributes.push({
      name: LINK_CLAIM,
      displayName: "Entra ID account (tid:oid)",
      multivalued: false,
      // Admins only: a person who could edit it could link themselves to anyone.
      permissions: { view: ["admin"], edit: ["admin"] },
    });
    await this.#send("PUT", "/users/profile", profile);
  }

  async mapLinkAttribute(clientId: string): Promise<void> {
    const [client] = await this.#json<Array<{ id: string }>>("GET", `/clients?clientId=${clientId}`);
    if (!client)
      throw new Error(`realm ${REALM} has no client "${clientId}": is this the idswitch test bed?`);
    const path = `/clients/${client.id}/protocol-mappers/models`;
    const mappers = await this.#json<Array<{ name: string }>>("GET", path);
    if (mappers.some((m) => m.name === `attribute-${LINK_CLAIM}`)) return;
    await this.#send("POST", path, {
      name: `attribute-${LINK_CLAIM}`,
      protocol: "openid-connect",
      protocolMapper: "oidc-usermodel-attribute-mapper",
      config: {
        "user.attribute": LINK_CLAIM,
        "claim.name": LINK_CLAIM,
        "jsonType.label": "String",
        "id.token.claim": "true",
        "access.token.claim": "true",
      },
    });
  }

  async addPerson(person: DemoPerson): Promise<void> {
    await this.#send("POST", "/users", {
      username: person.username,
      enabled: true,
      email: person.email,
      emailVerified: true,
      firstName: person.firstName,
      lastName: person.lastName,
      attributes: { [LINK_CLAIM]: [person.entraId] },
      credentials: [{ type: "password", value: person.password, temporary: false }],
    });
  }

  /** For keycloak-passkeys.ts (AdminApi). */
  get<T>(path: string): Promise<T> {
    return this.#json<T>("GET", path);
  }

  call(method: string, path: string, body?: unknown): Promise<void> {
    return this.#send(method, path, body);
  }

  async #json<T>(method: string, path: string): Promise<T> {
    const response = await this.#request(method, path);
    return (await response.json()) as T;
  }

  async #send(method: string, path: string, body: unknown): Promise<void> {
    const response = await this.#request(method, path, body);
    await response.body?.cancel();
  }

  async #request(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.#options.url}/admin/realms/${REALM}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.#accessToken()}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`Keycloak admin ${method} ${path}: HTTP ${response.status}`);
    }
    return response;
  }

  async #accessToken(): Promise<string> {
    if (this.#token) return this.#token;
    const response = await fetch(`${this.#options.url}/realms/master/protocol/openid-connect/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "password",
        client_id: "admin-cli",
        username: this.#options.adminUser,
        password: this.#options.adminPassword,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`Keycloak admin sign-in failed: HTTP ${response.status}`);
    this.#token = ((await response.json()) as { access_token: string }).access_token;
    return this.#token;
  }
}
