/**
 * `readiness()`: the exit-readiness report. For every Entra user: could they
 * sign in at Keycloak tomorrow, as the same person with the same rights?
 * That takes an account (found by key), enabled, with a way to prove who
 * they are (a credential, or a linked identity provider), a verified e-mail,
 * and the same groups and app roles. One user in memory at a time.
 */

import { z } from "zod";
import { parseConfig } from "../../core/config.js";
import { clockSchema, nonEmpty, stateStoreSchema } from "../../core/schemas.js";
import type { DirectorySource } from "../entra/source.js";
import type { KeycloakTarget } from "../keycloak/target.js";
import {
  directorySourceSchema,
  directoryTargetSchema,
  type RoleMapping,
  roleMappingSchema,
} from "../mirror/options.js";
import { quarantinedPeople } from "../mirror/quarantine.js";
import type { QuarantinedPerson } from "../mirror/result.js";
import { wantedRoles } from "../mirror/roles.js";
import type { SourceUser } from "../types.js";

/**
 * Why a person could not sign in at the spare today.
 *
 * @example
 * const report = await readiness({ source, target });
 * const onboarding = report.gaps.filter((g) => g.problems.includes("no-credential")); // no password set yet
 */
export type ReadinessProblem =
  | "missing"
  | "disabled"
  | "no-credential"
  | "email-unverified"
  | "groups-differ"
  | "roles-differ";

/**
 * One person who is not ready, with every problem found.
 *
 * @example
 * // People disabled at Entra are not expected to sign in anywhere: look at the others first.
 * for (const gap of report.gaps) if (gap.enabledAtSource) console.log(gap.userPrincipalName, gap.problems.join(", "));
 */
export interface ReadinessGap {
  readonly key: string;
  readonly userPrincipalName: string;
  /** Disabled at Entra: not expected to sign in anywhere, counted apart. */
  readonly enabledAtSource: boolean;
  readonly problems: readonly ReadinessProblem[];
}

/**
 * The exit-readiness report: who could sign in at the spare, and what stops the others.
 *
 * @example
 * const report = await readiness({ source, target });
 * console.log(report.totals.ready, "of", report.totals.users, "ready");
 */
export interface ReadinessReport {
  readonly generatedAt: string;
  readonly totals: {
    readonly users: number;
    readonly ready: number;
    readonly notReady: number;
  } & Readonly<Record<ReadinessProblem, number>>;
  readonly gaps: readonly ReadinessGap[];
  /**
   * People disabled or removed at Entra whose Keycloak copy the mirror keeps enabled until a person settles it
   * (`idswitch mirror release|confirm`): read from the mirror's StateStore when `state` is given, else empty.
   */
  readonly quarantined: readonly QuarantinedPerson[];
}

const readinessSchema = z.strictObject({
  source: directorySourceSchema,
  target: directoryTargetSchema,
  /** Compare group memberships (default true). */
  groups: z.boolean().default(true),
  roles: z.array(roleMappingSchema).default([]),
  now: clockSchema.default(() => Date.now),
  /** The mirror's StateStore: its quarantine is listed in the report. */
  state: stateStoreSchema.optional(),
  /** The mirror's `name`, when several share one StateStore. */
  name: nonEmpty.default("default"),
});

/**
 * Options of {@link readiness}: the source and target directories, what to compare, and the mirror's StateStore
 * (its quarantine is listed).
 *
 * @example
 * // The same role mappings as the mirror's, or "roles-differ" compares nothing.
 * const report = await readiness({ source, target, groups: true, roles: [{ appId: ordersAppId, client: "orders", roles }] });
 */
export type ReadinessOptionsInput = z.input<typeof readinessSchema>;

const PROBLEMS: readonly ReadinessProblem[] = [
  "missing",
  "disabled",
  "no-credential",
  "email-unverified",
  "groups-differ",
  "roles-differ",
];

/**
 * @example
 * const report = await readiness({ source, target });
 * console.log(formatReadiness(report));
 */
export async function readiness(options: ReadinessOptionsInput): Promise<ReadinessReport> {
  const o = parseConfig(readinessSchema, options, "readiness");
  const totals = {
    users: 0,
    ready: 0,
    notReady: 0,
    ...Object.fromEntries(PROBLEMS.map((p) => [p, 0])),
  } as Record<string, number>;
  const gaps: ReadinessGap[] = [];
  const groups = o.groups ? await o.target.groups() : new Map();
  const roles = await expectedRoles(o.source, o.target, o.roles);
  for await (const user of o.source.users()) {
    const problems = await check(o.source, o.target, user, o.groups ? groups : undefined, roles);
    totals.users = (totals.users ?? 0) + 1;
    if (problems.length === 0) totals.ready = (totals.ready ?? 0) + 1;
    else {
      totals.notReady = (totals.notReady ?? 0) + 1;
      for (const p of problems) totals[p] = (totals[p] ?? 0) + 1;
      gaps.push({
        key: user.key,
        userPrincipalName: user.userPrincipalName,
        enabledAtSource: user.accountEnabled,
        problems,
      });
    }
  }
  const quarantined = o.state ? await quarantinedPeople(o.state, o.name) : [];
  return {
    generatedAt: new Date(o.now()).toISOString(),
    totals: totals as ReadinessReport["totals"],
    gaps,
    quarantined,
  };
}

interface ExpectedRoles {
  readonly clients: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;
}

/** Per Keycloak client uuid: role name → keys of holders at the source. */
async function expectedRoles(
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

async function check(
  source: DirectorySource,
  target: KeycloakTarget,
  user: SourceUser,
  groups: ReadonlyMap<string, { id: string }> | undefined,
  roles: ExpectedRoles,
): Promise<ReadinessProblem[]> {
  const account = await target.findUser(user.key);
  if (!account) return ["missing"];
  const problems: ReadinessProblem[] = [];
  if (!account.enabled) problems.push("disabled");
  const means = await target.signInMeans(account.id);
  if (!means.brokered && means.credentials.length === 0) problems.push("no-credential");
  if (!account.emailVerified) problems.push("email-unverified");
  if (groups && !(await sameGroups(source, target, user, account.id, groups))) problems.push("groups-differ");
  for (const [client, byRole] of roles.clients) {
    const have = new Set(await target.userRoles(account.id, client));
    const differ = [...byRole].some(([name, holders]) => holders.has(user.key) !== have.has(name));
    if (differ) {
      problems.push("roles-differ");
      break;
    }
  }
  return problems;
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
