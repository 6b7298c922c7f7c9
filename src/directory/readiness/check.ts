/**
 * One person checked at Keycloak: found by key, enabled, able to sign in (a
 * credential or a linked identity provider), e-mail verified, the same groups
 * and app roles as at Entra; and what they would sign in with.
 */
import type { DirectorySource } from "../entra/source.js";
import type { KeycloakTarget } from "../keycloak/target.js";
import type { RoleMapping } from "../mirror/options.js";
import { wantedRoles } from "../mirror/roles.js";
import type { SourceUser, TargetUser } from "../types.js";
import { type CredentialKind, credentialKinds } from "./credentials.js";
import type { ReadinessProblem } from "./report.js";

/** Per Keycloak client uuid: role name → keys of holders at the source. */
export interface ExpectedRoles {
  readonly clients: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;
}

/** What the check found about one person. */
export interface PersonCheck {
  readonly account: TargetUser | undefined;
  readonly problems: ReadinessProblem[];
  /** Strongest first; `["none"]` without an account. */
  readonly kinds: CredentialKind[];
}

/** What every person is compared against, read once per report. */
export interface Expected {
  readonly groups: ReadonlyMap<string, { id: string }> | undefined;
  readonly roles: ExpectedRoles;
}

export async function expectedRoles(
  source: DirectorySource,
  target: KeycloakTarget,
  mappings: readonly RoleMapping[],
): Promise<ExpectedRoles> {
  const clients = new Map<string, Map<string, Set<string>>>();
  for (const mapping of mappings) {
    const uuid = await target.clientUuid(mapping.client);
    clients.set(uuid, await wantedRoles(source, mapping));
  }
  return { clients };
}

export async function checkPerson(
  source: DirectorySource,
  target: KeycloakTarget,
  user: SourceUser,
  expected: Expected,
): Promise<PersonCheck> {
  const account = await target.findUser(user.key);
  if (!account) return { account, problems: ["missing"], kinds: ["none"] };
  const problems: ReadinessProblem[] = [];
  if (!account.enabled) problems.push("disabled");
  const means = await target.signInMeans(account.id);
  if (!means.brokered && means.credentials.length === 0) problems.push("no-credential");
  if (!account.emailVerified) problems.push("email-unverified");
  if (expected.groups && !(await sameGroups(source, target, user, account.id, expected.groups)))
    problems.push("groups-differ");
  if (await rolesDiffer(target, user, account.id, expected.roles)) problems.push("roles-differ");
  return { account, problems, kinds: credentialKinds(means) };
}

async function rolesDiffer(
  target: KeycloakTarget,
  user: SourceUser,
  accountId: string,
  roles: ExpectedRoles,
): Promise<boolean> {
  for (const [client, byRole] of roles.clients) {
    const have = new Set(await target.userRoles(accountId, client));
    if ([...byRole].some(([name, holders]) => holders.has(user.key) !== have.has(name))) return true;
  }
  return false;
}

async function sameGroups(
  source: DirectorySource,
  target: KeycloakTarget,
  user: SourceUser,
  accountId: string,
  groups: ReadonlyMap<string, { id: string }>,
): Promise<boolean> {
  const want = new Set<string>();
  for (const id of await source.userGroups(user.objectId)) {
    const mirrored = groups.get(id);
    if (!mirrored) return false; // a group Keycloak does not have at all
    want.add(mirrored.id);
  }
  const mirroredIds = new Set([...groups.values()].map((g) => g.id));
  const have = (await target.userGroups(accountId)).filter((id) => mirroredIds.has(id));
  return have.length === want.size && have.every((id) => want.has(id));
}
