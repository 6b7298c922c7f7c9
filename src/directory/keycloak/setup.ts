/**
 * What the realm needs before the first user is written:
 *
 * - the key attribute declared in the user profile, view and edit by admins
 *   only (docs/reference/keycloak.md §5.7). Keycloak 26 drops undeclared attributes without
 *   an error, so without this every user would be created without its key
 *   and the next run would create them again. Admin-only, because a key a
 *   person could edit would let them link themselves to someone else;
 * - a protocol mapper on each configured client putting the attribute into
 *   ID and access tokens and userinfo, so `createIdentity`'s link claim
 *   joins a Keycloak sign-in to the app user of the Entra account.
 *
 * Before any of that, {@link inspectLinkAttribute} checks that the realm can
 * be trusted with the link claim at all (issue 13): the attribute writable by
 * administrators only — by its declaration, or, undeclared, by the realm's
 * unmanaged-attribute policy — and no other protocol mapper emitting a claim
 * of that name. What the mirror creates itself it creates safe; what an
 * administrator configured it never changes: an unsafe realm is refused with
 * the change to make, and nothing is written.
 *
 * Each step reads first and writes only what is missing.
 */
import { IdSwitchError } from "../../core/errors.js";
import type { KeycloakHttp } from "./http.js";

/**
 * One realm change the mirror makes before copying anyone (declare the `entra_id` attribute, add its token mapper).
 *
 * @example
 * // What the realm still lacks; apply() makes these changes first, plan() only lists them.
 * for (const step of await target.setup()) console.log(step.kind, step.target); // "declare-attribute entra_id"
 */
export interface SetupStep {
  readonly kind: "declare-attribute" | "ensure-mapper";
  readonly target: string;
  /** Makes the change. */
  readonly apply: () => Promise<void>;
}

/**
 * Why a realm cannot be trusted with the link claim: what is wrong, where, and the change that makes it safe.
 *
 * @example
 * const check = await checkLinkAttribute(target);
 * for (const p of check.problems) console.log(`${p.where}: ${p.problem}. Fix: ${p.fix}`);
 */
export interface LinkAttributeProblem {
  /**
   * - `user-editable`: the attribute's declaration lets users edit it;
   * - `admin-not-editable`: its declaration lets nobody edit it (the mirror's keys would be dropped);
   * - `unmanaged-user-editable`: undeclared, and the realm lets users write unmanaged attributes;
   * - `foreign-mapper`: another protocol mapper emits a claim of that name (or may: a script mapper).
   */
  readonly kind: "user-editable" | "admin-not-editable" | "unmanaged-user-editable" | "foreign-mapper";
  /** Where in the realm: `user profile attribute "entra_id"`, `mapper "x" of client "partner"`, `mapper "y" of client scope "profile"`. */
  readonly where: string;
  readonly problem: string;
  /** The change to make, in the admin console's words. */
  readonly fix: string;
}

/**
 * What {@link checkLinkAttribute} found: no problems means a token's link claim from this realm can only
 * carry what the mirror (or another administrator) wrote.
 *
 * @example
 * const check = await checkLinkAttribute(target);
 * if (check.problems.length > 0) console.error(`realm ${check.realm} cannot be trusted with ${check.claim}`);
 */
export interface LinkAttributeCheck {
  readonly realm: string;
  readonly attribute: string;
  readonly claim: string;
  /** Whether the user profile declares the attribute (the mirror declares it admin-only when it does not). */
  readonly declared: boolean;
  /** The realm's `unmanagedAttributePolicy` (`undefined`: disabled). */
  readonly unmanagedAttributePolicy: string | undefined;
  readonly problems: readonly LinkAttributeProblem[];
}

/** Which user attribute the link claim carries, and under which claim name. */
export interface LinkAttribute {
  readonly attribute: string;
  readonly claim: string;
}

interface ProfileAttribute {
  name?: string;
  permissions?: { view?: string[]; edit?: string[] };
  [key: string]: unknown;
}

interface UserProfile {
  attributes?: ProfileAttribute[];
  unmanagedAttributePolicy?: string;
  [key: string]: unknown;
}

interface Mapper {
  name?: string;
  protocol?: string;
  protocolMapper?: string;
  config?: Record<string, string>;
}

interface Client {
  id: string;
  clientId: string;
  protocol?: string;
  protocolMappers?: Mapper[];
}

interface ClientScope {
  name?: string;
  protocol?: string;
  protocolMappers?: Mapper[];
}

/** The mapper type the mirror adds: a user attribute copied into a claim. */
const ATTRIBUTE_MAPPER = "oidc-usermodel-attribute-mapper";
const CLIENT_PAGE = 100;

/** The realm as the check read it, so the setup steps need not read it again. */
interface Inspection {
  readonly check: LinkAttributeCheck;
  readonly clients: readonly Client[];
}

/**
 * Reads the realm's user profile, client scopes and clients (with their mappers) and says whether the link
 * attribute and its claim can be trusted. Reads only.
 */
export async function inspectLinkAttribute(http: KeycloakHttp, link: LinkAttribute): Promise<Inspection> {
  const { attribute, claim } = link;
  const profile = await http.get<UserProfile>("/users/profile");
  const scopes = await http.get<ClientScope[]>("/client-scopes");
  const clients = await allClients(http);
  const problems: LinkAttributeProblem[] = [];

  const declaration = profile.attributes?.find((a) => a.name === attribute);
  const policy = profile.unmanagedAttributePolicy;
  const where = `user profile attribute "${attribute}"`;
  if (declaration) {
    // Declared: its permissions govern, whatever the unmanaged-attribute policy says.
    const edit = declaration.permissions?.edit ?? [];
    const others = edit.filter((role) => role !== "admin");
    if (others.length > 0) {
      problems.push({
        kind: "user-editable",
        where,
        problem: `permissions.edit is ${JSON.stringify(edit)}: people can write their own link key and join someone else's app user`,
        fix: `set its permissions to edit ["admin"] only (Realm settings → User profile → ${attribute} → Who can edit: Admin), then check that no user set a ${attribute} themselves`,
      });
    } else if (!edit.includes("admin")) {
      problems.push({
        kind: "admin-not-editable",
        where,
        problem: `permissions.edit is ${JSON.stringify(edit)}: nobody may write it, so Keycloak would drop every key the mirror writes`,
        fix: `set its permissions to edit ["admin"] (Realm settings → User profile → ${attribute} → Who can edit: Admin)`,
      });
    }
  } else if (policy === "ENABLED") {
    problems.push({
      kind: "unmanaged-user-editable",
      where,
      problem: `not declared, and the realm's unmanagedAttributePolicy is ENABLED: people can write it from the account console and join someone else's app user`,
      fix: `declare "${attribute}" in the user profile with permissions edit ["admin"] (Realm settings → User profile), or set Unmanaged attributes (Realm settings → General) to ADMIN_EDIT or Disabled; then check that no user set a ${attribute} themselves`,
    });
  }

  for (const scope of scopes) {
    for (const mapper of scope.protocolMappers ?? []) {
      const found = foreignMapper(mapper, link, scope.protocol, `client scope "${scope.name}"`);
      if (found) problems.push(found);
    }
  }
  for (const client of clients) {
    for (const mapper of client.protocolMappers ?? []) {
      const found = foreignMapper(mapper, link, client.protocol, `client "${client.clientId}"`);
      if (found) problems.push(found);
    }
  }

  const check: LinkAttributeCheck = {
    realm: http.realm,
    attribute,
    claim,
    declared: declaration !== undefined,
    unmanagedAttributePolicy: policy,
    problems,
  };
  return { check, clients };
}

/** `mapper` as a problem when it emits (or may emit) `claim` from anything but the admin-only attribute. */
function foreignMapper(
  mapper: Mapper,
  { attribute, claim }: LinkAttribute,
  ownerProtocol: string | undefined,
  owner: string,
): LinkAttributeProblem | undefined {
  const protocol = mapper.protocol ?? ownerProtocol ?? "openid-connect";
  if (protocol !== "openid-connect") return undefined; // SAML attributes never reach an OIDC token
  const type = mapper.protocolMapper ?? "";
  const config = mapper.config ?? {};
  // The mirror's own kind of mapper, wherever an administrator put it: it carries the admin-only value.
  if (type === ATTRIBUTE_MAPPER && config["user.attribute"] === attribute) return undefined;
  const where = `mapper "${mapper.name ?? "(unnamed)"}" of ${owner}`;
  const named = config["claim.name"];
  if (named !== undefined && claimsOverlap(named, claim)) {
    return {
      kind: "foreign-mapper",
      where,
      problem: `a ${type || "protocol"} mapper emits the claim "${named}"${describeSource(type, config)}, which tokens would carry as the link claim`,
      fix: `delete ${where} or change its Token Claim Name: only the user attribute "${attribute}" may be mapped to "${claim}"`,
    };
  }
  if (type.startsWith("script-")) {
    return {
      kind: "foreign-mapper",
      where,
      problem: `a script mapper (${type}) can set any claim, "${claim}" included, and its script cannot be checked from the admin API`,
      fix: `delete ${where}, or take the link claim from another realm`,
    };
  }
  return undefined;
}

/** Whether a mapper's claim path and the link claim's name the same claim, or one holds the other (`a.b` nests). */
function claimsOverlap(named: string, claim: string): boolean {
  const a = claimPath(named);
  const b = claimPath(claim);
  const n = Math.min(a.length, b.length);
  return n > 0 && a.slice(0, n).every((segment, i) => segment === b[i]);
}

/** Keycloak's claim path: split on dots, `\.` being a literal dot. */
function claimPath(name: string): string[] {
  return name.split(/(?<!\\)\./).map((s) => s.replace(/\\\./g, "."));
}

function describeSource(type: string, config: Record<string, string>): string {
  if (type === "oidc-hardcoded-claim-mapper") return " with a fixed value";
  if (config["user.attribute"]) return ` from the user's "${config["user.attribute"]}"`;
  return "";
}

/** Every client of the realm, full representations (with their mappers), a page at a time. */
async function allClients(http: KeycloakHttp): Promise<Client[]> {
  const all: Client[] = [];
  for (let first = 0; ; first += CLIENT_PAGE) {
    const page = await http.get<Client[]>(
      `/clients?${new URLSearchParams({ first: String(first), max: String(CLIENT_PAGE) })}`,
    );
    all.push(...page);
    if (page.length < CLIENT_PAGE) return all;
  }
}

/**
 * The `config_invalid` for a realm that cannot be trusted with the link claim: the message names the realm,
 * the attribute and the first fix; `issues` lists every problem with its fix.
 */
export function unsafeLinkAttribute(provider: string, check: LinkAttributeCheck): IdSwitchError {
  const [first] = check.problems;
  const more = check.problems.length > 1 ? ` (and ${check.problems.length - 1} more)` : "";
  return new IdSwitchError(
    "config_invalid",
    `${provider}: realm "${check.realm}" cannot be trusted with the link attribute "${check.attribute}" (claim "${check.claim}"): ${first?.where}: ${first?.fix}${more}`,
    {
      provider,
      reason: "unsafe_link_attribute",
      issues: check.problems.map((p) => ({
        path: `realm "${check.realm}", ${p.where}`,
        message: `${p.problem}. Fix: ${p.fix}`,
      })),
    },
  );
}

/**
 * The steps still needed; an empty list when the realm is ready. Throws `config_invalid` (reason
 * `unsafe_link_attribute`) before listing anything when the realm cannot be trusted with the link claim.
 */
export async function setupSteps(
  http: KeycloakHttp,
  link: LinkAttribute,
  clients: readonly string[],
): Promise<SetupStep[]> {
  const { attribute, claim } = link;
  const { check, clients: all } = await inspectLinkAttribute(http, link);
  if (check.problems.length > 0) throw unsafeLinkAttribute(http.provider, check);
  const steps: SetupStep[] = [];
  if (!check.declared) {
    steps.push({
      kind: "declare-attribute",
      target: attribute,
      apply: () => declareAttribute(http, attribute),
    });
  }
  for (const clientId of clients) {
    const client = all.find((c) => c.clientId === clientId);
    if (!client) throw unknownClient(http, clientId);
    const path = `/clients/${client.id}/protocol-mappers/models`;
    const present = (client.protocolMappers ?? []).some(
      (m) =>
        m.protocolMapper === ATTRIBUTE_MAPPER &&
        m.config?.["user.attribute"] === attribute &&
        m.config["claim.name"] === claim,
    );
    if (!present) {
      steps.push({
        kind: "ensure-mapper",
        target: clientId,
        apply: () => addMapper(http, path, attribute, claim),
      });
    }
  }
  return steps;
}

/** The internal id of a client, by its clientId. */
export async function clientUuid(http: KeycloakHttp, clientId: string): Promise<string> {
  const found = await http.get<Array<{ id: string; clientId: string }>>(
    `/clients?${new URLSearchParams({ clientId, search: "false" })}`,
  );
  const client = found.find((c) => c.clientId === clientId);
  if (!client) throw unknownClient(http, clientId);
  return client.id;
}

function unknownClient(http: KeycloakHttp, clientId: string): IdSwitchError {
  return new IdSwitchError("config_invalid", `${http.provider}: no client "${clientId}" in the realm`, {
    provider: http.provider,
    reason: "unknown_client",
  });
}

async function declareAttribute(http: KeycloakHttp, attribute: string): Promise<void> {
  // Read again right before the write: the profile is one document, and another admin may have changed it.
  const profile = await http.get<UserProfile>("/users/profile");
  if (profile.attributes?.some((a) => a.name === attribute)) return;
  const attributes = [
    ...(profile.attributes ?? []),
    {
      name: attribute,
      displayName: "Entra tenant and object id",
      multivalued: false,
      permissions: { view: ["admin"], edit: ["admin"] },
      validations: { length: { max: 128 } },
    },
  ];
  await http.call("PUT", "/users/profile", { ...profile, attributes });
}

async function addMapper(http: KeycloakHttp, path: string, attribute: string, claim: string): Promise<void> {
  // 409: a mapper of that name exists (a concurrent run made it): nothing left to do.
  await http.call("POST", path, {
    name: `idswitch-${claim}`,
    protocol: "openid-connect",
    protocolMapper: ATTRIBUTE_MAPPER,
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
