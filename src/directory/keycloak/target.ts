/**
 * `keycloakDirectory()`: a Keycloak realm as the mirror's target, through its
 * Admin REST API (docs/reference/keycloak.md §5) with a service account of that realm.
 *
 * A mirrored user is found by its key attribute only (`q=<attribute>:<tid:oid>`,
 * exact), never by username or email: those are mutable, and matching on
 * them is how one person ends up in another's account.
 */
import { parseConfig } from "../../core/config.js";
import { IdSwitchError } from "../../core/errors.js";
import { createRuntime } from "../../core/runtime.js";
import type { TargetGroup, TargetUser, UserFields } from "../types.js";
import { KeycloakHttp } from "./http.js";
import {
  type KeycloakDirectoryOptions,
  type KeycloakDirectoryOptionsInput,
  keycloakDirectorySchema,
} from "./options.js";
import {
  clientUuid,
  inspectLinkAttribute,
  type LinkAttributeCheck,
  type SetupStep,
  setupSteps,
} from "./setup.js";

type Representation = Record<string, unknown>;

/** A person for {@link KeycloakTarget.importUsers}: key, fields, required actions and group paths (`/name`). */
export interface NewUser {
  readonly key: string;
  readonly fields: UserFields;
  readonly requiredActions: readonly string[];
  readonly groups: readonly string[];
}

/** What the partial import did with one resource: made it (`added`) or found its name taken. */
export interface Imported {
  readonly id: string;
  readonly added: boolean;
}

const PAGE = 200;

/**
 * A realm the mirror writes to.
 *
 * @example
 * const target = keycloakDirectory({
 *   url: "https://auth.example.eu", realm: "acme",
 *   clientId: "idswitch-mirror", clientSecret: env.MIRROR_KC_SECRET,
 *   clients: ["web"],             // their tokens carry `entra_id` for createIdentity's linking.claim
 * });
 */
export function keycloakDirectory(options: KeycloakDirectoryOptionsInput): KeycloakTarget {
  return new KeycloakTarget(parseConfig(keycloakDirectorySchema, options, "keycloakDirectory"));
}

/**
 * Whether the realm can be trusted with the link claim, before anything relies on it: the link attribute
 * writable by administrators only (its user-profile declaration, or, undeclared, the realm's
 * unmanaged-attribute policy), and no protocol mapper of any client or client scope emitting a claim of
 * that name from anything else. Reads only; the mirror runs the same check before it writes, and
 * `idswitch doctor` runs it against the configured realm.
 *
 * `claim` defaults to the target's `claim` (else its `attribute`); pass `createIdentity`'s
 * `linking.claim.name` to check the claim the app actually trusts.
 *
 * @example
 * const check = await checkLinkAttribute(target, { claim: "entra_id" });
 * for (const p of check.problems) console.error(`realm ${check.realm}, ${p.where}: ${p.problem}. Fix: ${p.fix}`);
 */
export async function checkLinkAttribute(
  target: KeycloakTarget,
  options: { readonly claim?: string } = {},
): Promise<LinkAttributeCheck> {
  const { attribute, claim } = target.options;
  const { check } = await inspectLinkAttribute(target.http, {
    attribute,
    claim: options.claim ?? claim ?? attribute,
  });
  return check;
}

/**
 * A Keycloak realm as the mirror's target, over the Admin REST API. Made by {@link keycloakDirectory}.
 *
 * @example
 * const target = keycloakDirectory({ url, realm: "acme", clientId: "idswitch-mirror", clientSecret });
 * // Found by the immutable `tid:oid` key only: never by username or email, which change hands.
 * const user = await target.findUser(`${tenantId}:${objectId}`);
 */
export class KeycloakTarget {
  readonly options: KeycloakDirectoryOptions;
  readonly http: KeycloakHttp;
  readonly #clients = new Map<string, string>();
  /** The full representation each user was read with, so an update is one PUT (no GET first). */
  readonly #representations = new WeakMap<TargetUser, Representation>();

  constructor(options: KeycloakDirectoryOptions) {
    this.options = options;
    this.http = new KeycloakHttp({
      provider: options.id,
      baseUrl: options.url,
      realm: options.realm,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      runtime: createRuntime(options.runtime),
      ...options.retry,
    });
  }

  get id(): string {
    return this.options.id;
  }

  /**
   * The user-profile declaration and token mappers still missing (those the realm set-up adds). Refuses first, with
   * `config_invalid` (reason `unsafe_link_attribute`), a realm that cannot be trusted with the link claim.
   */
  setup(): Promise<SetupStep[]> {
    const { attribute, claim, clients } = this.options;
    return setupSteps(this.http, { attribute, claim: claim ?? attribute }, clients);
  }

  /** The user carrying `key`, or undefined. Two carrying it is a broken invariant, reported, never guessed. */
  async findUser(key: string): Promise<TargetUser | undefined> {
    const { attribute } = this.options;
    const query = new URLSearchParams({
      q: `${attribute}:${key}`,
      exact: "true",
      briefRepresentation: "false",
      max: "3",
    });
    const found = ((await this.http.get<Representation[]>(`/users?${query}`)) ?? []).map((r) =>
      this.#user(r),
    );
    const mine = found.filter((u) => u.key === key);
    if (mine.length > 1) {
      throw new IdSwitchError(
        "config_invalid",
        `${this.id}: two Keycloak users carry the same ${attribute}`,
        {
          provider: this.id,
          reason: "duplicate_key",
        },
      );
    }
    return mine[0];
  }

  /** Creates a user with its key; undefined when Keycloak answers 409 (the username or email is taken). */
  async createUser(
    key: string,
    fields: UserFields,
    requiredActions: readonly string[],
  ): Promise<string | undefined> {
    const answer = await this.http.call("POST", "/users", {
      ...representationOf(fields),
      attributes: { [this.options.attribute]: [key] },
      requiredActions,
    });
    if (answer.status === 409) return undefined;
    const id = answer.headers.get("location")?.split("/").pop();
    if (!id) throw this.#malformed();
    return id;
  }

  /**
   * Creates people in one request through the realm's partial import (`POST /partialImport`,
   * `ifResourceExists: SKIP`; docs/reference/keycloak.md, "Partial import"): one transaction, all or nothing,
   * each person with their key, their groups (paths of groups that exist) and no credential. Answers, by
   * username, the id made or `added: false` when the username was taken already — by this very person (an
   * earlier run) or by someone else; the caller settles which through the key, never the username.
   * Undefined when Keycloak refused the batch as a whole (a conflict it reports with 409 or 500, such as
   * two people sharing an e-mail address): nothing was written, and the caller splits the batch.
   */
  async importUsers(people: readonly NewUser[]): Promise<Map<string, Imported> | undefined> {
    const users = people.map((p) => ({
      ...representationOf(p.fields),
      attributes: { [this.options.attribute]: [p.key] },
      requiredActions: p.requiredActions,
      ...(p.groups.length > 0 ? { groups: p.groups } : {}),
    }));
    return this.#partialImport({ users }, "USER");
  }

  /**
   * Creates top-level groups in one request through the partial import, each carrying its Entra group id.
   * Answers, by name, the id made or `added: false` when a group of that name exists already; undefined when
   * Keycloak refused the batch as a whole.
   */
  async importGroups(
    groups: ReadonlyArray<{ name: string; sourceId: string }>,
  ): Promise<Map<string, Imported> | undefined> {
    const reps = groups.map((g) => ({
      name: g.name,
      // Without `path` Keycloak 26.7.3 creates the group, then fails to find it (HTTP 500, observed).
      path: `/${g.name}`,
      attributes: { [this.options.groupAttribute]: [g.sourceId] },
    }));
    return this.#partialImport({ groups: reps }, "GROUP");
  }

  async #partialImport(
    resources: Representation,
    type: "USER" | "GROUP",
  ): Promise<Map<string, Imported> | undefined> {
    // A conflict the import did not foresee (two people with one e-mail address) answers a plain 500
    // and commits nothing (one transaction per request; observed with 26.7.3): an answer, not an outage,
    // so it is not sent again. 502, 503, 504 and 429 still are.
    const answer = await this.http.call(
      "POST",
      "/partialImport",
      { ifResourceExists: "SKIP", ...resources },
      [400, 500],
    );
    if (answer.status === 409 || answer.status === 400 || answer.status === 500) return undefined;
    const results = (answer.json as { results?: unknown } | undefined)?.results;
    if (!Array.isArray(results)) throw this.#malformed();
    const byName = new Map<string, Imported>();
    for (const r of results as Representation[]) {
      if (r.resourceType !== type) continue;
      if (typeof r.resourceName !== "string" || typeof r.id !== "string") throw this.#malformed();
      byName.set(type === "USER" ? r.resourceName.toLowerCase() : r.resourceName, {
        id: r.id,
        added: r.action === "ADDED",
      });
    }
    return byName;
  }

  /** Replaces the mirrored fields of `user`, keeping everything else of its representation. */
  async updateUser(user: TargetUser, fields: Partial<UserFields>): Promise<void> {
    const rep = this.#representations.get(user) ?? (await this.http.get<Representation>(`/users/${user.id}`));
    await this.#expectDone(this.http.call("PUT", `/users/${user.id}`, { ...rep, ...fields }));
  }

  /** Asks Keycloak to e-mail the person a link to set up their credential (needs SMTP in the realm). */
  async executeActionsEmail(userId: string, actions: readonly string[]): Promise<void> {
    await this.#expectDone(this.http.call("PUT", `/users/${userId}/execute-actions-email`, actions));
  }

  /** Every user of the realm that carries a key, page by page. */
  async *mirroredUsers(): AsyncGenerator<TargetUser> {
    for await (const rep of this.#all("/users")) {
      const user = this.#user(rep);
      if (user.key !== undefined) yield user;
    }
  }

  /** Groups made by the mirror (they carry the Entra group id), by that id. */
  async groups(): Promise<Map<string, TargetGroup>> {
    const byId = new Map<string, TargetGroup>();
    for await (const rep of this.#all("/groups")) {
      const sourceId = firstValue(rep.attributes, this.options.groupAttribute);
      if (sourceId && typeof rep.id === "string") {
        byId.set(sourceId, { id: rep.id, name: String(rep.name), sourceId });
      }
    }
    return byId;
  }

  /** Every full representation of a collection (users, groups, a group's or a role's members), `PAGE` at a time. */
  async *#all(path: string): AsyncGenerator<Representation> {
    for (let first = 0; ; first += PAGE) {
      const query = new URLSearchParams({
        first: String(first),
        max: String(PAGE),
        briefRepresentation: "false",
      });
      const page = await this.http.get<Representation[]>(`${path}?${query}`);
      yield* page;
      if (page.length < PAGE) return;
    }
  }

  /** A top-level group for an Entra group; a name already taken gets the Entra id appended. */
  async createGroup(name: string, sourceId: string): Promise<TargetGroup | undefined> {
    for (const candidate of [name, `${name} (${sourceId})`]) {
      const answer = await this.http.call("POST", "/groups", {
        name: candidate,
        attributes: { [this.options.groupAttribute]: [sourceId] },
      });
      if (answer.status === 409) {
        // Taken by this very group (a create or an import whose answer was lost): it is the one, not a clash.
        const mine = await this.#topLevelGroup(candidate);
        if (mine?.sourceId === sourceId) return mine;
        continue;
      }
      const id = answer.headers.get("location")?.split("/").pop();
      if (!id) throw this.#malformed();
      return { id, name: candidate, sourceId };
    }
    return undefined;
  }

  /**
   * Gives a mirrored group the name its Entra group has now (tokens carry group names); a name already taken
   * gets the Entra id appended, as at creation. Answers the name it has, or undefined when both are taken.
   */
  async renameGroup(group: TargetGroup, name: string): Promise<string | undefined> {
    const rep = await this.http.get<Representation>(`/groups/${group.id}`);
    for (const candidate of [name, `${name} (${group.sourceId})`]) {
      const answer = await this.http.call("PUT", `/groups/${group.id}`, { ...rep, name: candidate });
      if (answer.status === 409) continue;
      await this.#expectDone(Promise.resolve(answer));
      return candidate;
    }
    return undefined;
  }

  /** The top-level group of exactly that name, if any. */
  async #topLevelGroup(name: string): Promise<TargetGroup | undefined> {
    const query = new URLSearchParams({ search: name, exact: "true", briefRepresentation: "false" });
    const found = (await this.http.get<Representation[]>(`/groups?${query}`)) ?? [];
    const rep = found.find((g) => g.name === name && g.parentId === undefined);
    const sourceId = firstValue(rep?.attributes, this.options.groupAttribute);
    return rep && typeof rep.id === "string" && sourceId ? { id: rep.id, name, sourceId } : undefined;
  }

  /**
   * The path a person is put in the group by at creation (`/name`), or undefined when the name holds a
   * slash: Keycloak reads that as nesting, so the group is joined afterwards instead.
   */
  groupPath(group: TargetGroup): string | undefined {
    return group.name.includes("/") ? undefined : `/${group.name}`;
  }

  /** The users directly in a group. */
  async *groupMembers(groupId: string): AsyncGenerator<TargetUser> {
    for await (const rep of this.#all(`/groups/${groupId}/members`)) yield this.#user(rep);
  }

  /** Adds the user to the group. */
  joinGroup(userId: string, groupId: string): Promise<void> {
    return this.#expectDone(this.http.call("PUT", `/users/${userId}/groups/${groupId}`));
  }

  /** Removes the user from the group. */
  leaveGroup(userId: string, groupId: string): Promise<void> {
    return this.#expectDone(this.http.call("DELETE", `/users/${userId}/groups/${groupId}`), true);
  }

  /** The internal id of a client, cached for the target's life. */
  async clientUuid(clientId: string): Promise<string> {
    const known = this.#clients.get(clientId);
    if (known) return known;
    const uuid = await clientUuid(this.http, clientId);
    this.#clients.set(clientId, uuid);
    return uuid;
  }

  /** A client role's representation, created when missing; `dryRun` only reads. */
  async clientRole(client: string, name: string, dryRun: boolean): Promise<Representation | undefined> {
    const path = `/clients/${client}/roles/${encodeURIComponent(name)}`;
    const found = await this.http.call("GET", path);
    if (found.status !== 404) return found.json as Representation;
    if (dryRun) return undefined;
    await this.http.call("POST", `/clients/${client}/roles`, {
      name,
      description: "Mirrored from an Entra app role",
    });
    return this.http.get<Representation>(path);
  }

  /** The users holding a client role directly. */
  async *roleMembers(client: string, role: string): AsyncGenerator<TargetUser> {
    const users = this.#all(`/clients/${client}/roles/${encodeURIComponent(role)}/users`);
    for await (const rep of users) yield this.#user(rep);
  }

  /** Gives the user a role of the client `client`. */
  grantRole(userId: string, client: string, role: Representation): Promise<void> {
    return this.#expectDone(
      this.http.call("POST", `/users/${userId}/role-mappings/clients/${client}`, [role]),
    );
  }

  /** Takes a role of the client `client` from the user. */
  revokeRole(userId: string, client: string, role: Representation): Promise<void> {
    return this.#expectDone(
      this.http.call("DELETE", `/users/${userId}/role-mappings/clients/${client}`, [role]),
      true,
    );
  }

  /**
   * The credential types a user holds (`password`, `otp`, `webauthn-passwordless` for a passkey, `webauthn` for a
   * security key as second factor…) and whether an identity provider is linked. Credentials held through user
   * federation (LDAP) are not listed by this endpoint.
   */
  async signInMeans(userId: string): Promise<{ credentials: string[]; brokered: boolean }> {
    const credentials = await this.http.get<Array<{ type?: string }>>(`/users/${userId}/credentials`);
    const links = await this.http.get<unknown[]>(`/users/${userId}/federated-identity`);
    return { credentials: credentials.map((c) => String(c.type)), brokered: links.length > 0 };
  }

  /** The ids of the groups a user is directly in. */
  async userGroups(userId: string): Promise<string[]> {
    const groups = await this.http.get<Array<{ id: string }>>(`/users/${userId}/groups?max=1000`);
    return groups.map((g) => g.id);
  }

  /** The names of a client's roles mapped directly to a user. */
  async userRoles(userId: string, client: string): Promise<string[]> {
    const roles = await this.http.get<Array<{ name: string }>>(
      `/users/${userId}/role-mappings/clients/${client}`,
    );
    return roles.map((r) => r.name);
  }

  #user(rep: Representation): TargetUser {
    if (typeof rep.id !== "string" || typeof rep.username !== "string") throw this.#malformed();
    const user: TargetUser = {
      id: rep.id,
      key: firstValue(rep.attributes, this.options.attribute),
      username: rep.username,
      enabled: rep.enabled === true,
      email: typeof rep.email === "string" ? rep.email : undefined,
      emailVerified: rep.emailVerified === true,
      firstName: typeof rep.firstName === "string" ? rep.firstName : undefined,
      lastName: typeof rep.lastName === "string" ? rep.lastName : undefined,
    };
    this.#representations.set(user, rep);
    return user;
  }

  async #expectDone(call: Promise<{ status: number }>, missingIsDone = false): Promise<void> {
    const { status } = await call;
    if (status === 404 && !missingIsDone) {
      throw new IdSwitchError(
        "provider_unavailable",
        `${this.id}: a user or group vanished during the run; run again`,
        {
          provider: this.id,
          reason: "concurrent_change",
        },
      );
    }
  }

  #malformed(): IdSwitchError {
    return new IdSwitchError("provider_unavailable", `${this.id}: Keycloak sent a malformed answer`, {
      provider: this.id,
      reason: "malformed_response",
    });
  }
}

function representationOf(fields: Partial<UserFields>): Representation {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

function firstValue(attributes: unknown, name: string): string | undefined {
  const values = (attributes as Record<string, unknown> | undefined)?.[name];
  return Array.isArray(values) && typeof values[0] === "string" ? values[0] : undefined;
}
