/**
 * `readiness()`: the exit-readiness report. For every Entra user: could they
 * sign in at Keycloak tomorrow, as the same person with the same rights?
 * That takes an account (found by key), enabled, with a way to prove who
 * they are (a credential, or a linked identity provider), a verified e-mail,
 * and the same groups and app roles. Also: what each person would sign in
 * with, the onboarding funnel, and who could only recover through a mailbox
 * at a domain the organisation may lose. People are read one at a time;
 * the report keeps a short entry for each.
 */

import { z } from "zod";
import { parseConfig } from "../../core/config.js";
import { clockSchema, nonEmpty, stateStoreSchema } from "../../core/schemas.js";
import { directorySourceSchema, directoryTargetSchema, roleMappingSchema } from "../mirror/options.js";
import { quarantinedPeople } from "../mirror/quarantine.js";
import type { QuarantinedPerson } from "../mirror/result.js";
import { checkPerson, expectedRoles } from "./check.js";
import type { CredentialKind } from "./credentials.js";
import { type Invitation, invitations, type ReadinessFunnel } from "./funnel.js";
import { Tally } from "./tally.js";

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
  /** People by the strongest way they would sign in ({@link ReadinessPerson.kind}); the counts add up to `totals.users`. */
  readonly credentials: Readonly<Record<CredentialKind, number>>;
  /** Onboarding of the people enabled at Entra: mirrored → invited → registered. */
  readonly funnel: ReadinessFunnel;
  /** Everyone, in the source's order, with what they would sign in with. */
  readonly people: readonly ReadinessPerson[];
  /**
   * People enabled at Entra whose only way back in is their e-mail (no passkey, OTP or linked identity
   * provider), at a domain given in `recoveryAtRisk`. Empty when that option is.
   */
  readonly recoveryAtRisk: readonly RecoveryAtRisk[];
}

/**
 * One person: what they would sign in with at Keycloak, and how far their onboarding got.
 *
 * @example
 * const report = await readiness({ source, target, state });
 * const passwordOnly = report.people.filter((p) => p.enabledAtSource && p.kind === "password");
 */
export interface ReadinessPerson {
  readonly key: string;
  readonly userPrincipalName: string;
  readonly enabledAtSource: boolean;
  /** Has an account at Keycloak (found by key). */
  readonly mirrored: boolean;
  /** The onboarding campaign's invitation, if it sent one. */
  readonly invited: Invitation | undefined;
  /** The strongest of `kinds` (passkey > otp > password > brokered > other > none). */
  readonly kind: CredentialKind;
  /** Every kind they hold, strongest first; `["none"]` when nothing. */
  readonly kinds: readonly CredentialKind[];
}

/**
 * A person who could only recover through a mailbox at an at-risk domain.
 *
 * @example
 * const report = await readiness({ source, target, recoveryAtRisk: ["contoso.com"] });
 * for (const r of report.recoveryAtRisk) console.log(r.userPrincipalName, r.email, r.kind); // kind: "password" or "none"
 */
export interface RecoveryAtRisk {
  readonly key: string;
  readonly userPrincipalName: string;
  /** Their e-mail at Keycloak (at Entra when they have no account there yet). */
  readonly email: string;
  /** The at-risk domain it is at (the address may be at a subdomain of it). */
  readonly domain: string;
  readonly kind: CredentialKind;
}

/** `contoso.com`, `@Contoso.com` → `contoso.com`. */
const domainSchema = nonEmpty
  .transform((d) => d.replace(/^@/, "").toLowerCase())
  .refine((d) => /^[^\s@/]+$/.test(d), "must be a domain, such as contoso.com");

const readinessSchema = z.strictObject({
  source: directorySourceSchema,
  target: directoryTargetSchema,
  /** Compare group memberships (default true). */
  groups: z.boolean().default(true),
  roles: z.array(roleMappingSchema).default([]),
  now: clockSchema.default(() => Date.now),
  /** The mirror's StateStore: its quarantine and the onboarding campaign's invitations are read from it. */
  state: stateStoreSchema.optional(),
  /** The mirror's `name`, when several share one StateStore (also the onboarding campaign's). */
  name: nonEmpty.default("default"),
  /**
   * E-mail domains the organisation may lose with its Entra tenant (mail hosted there): people whose only
   * recovery is an address at one of these (or a subdomain) are listed in `recoveryAtRisk`.
   */
  recoveryAtRisk: z.array(domainSchema).default([]),
});

/**
 * Options of {@link readiness}: the source and target directories, what to compare, the mirror's StateStore
 * (its quarantine and the onboarding campaign's invitations are read) and the e-mail domains at risk.
 *
 * @example
 * // The same role mappings as the mirror's, or "roles-differ" compares nothing.
 * const report = await readiness({ source, target, groups: true, roles: [{ appId: ordersAppId, client: "orders", roles }] });
 */
export type ReadinessOptionsInput = z.input<typeof readinessSchema>;

/**
 * @example
 * const report = await readiness({ source, target, state, recoveryAtRisk: ["contoso.com"] });
 * console.log(formatReadiness(report));
 */
export async function readiness(options: ReadinessOptionsInput): Promise<ReadinessReport> {
  const o = parseConfig(readinessSchema, options, "readiness");
  const expected = {
    groups: o.groups ? await o.target.groups() : undefined,
    roles: await expectedRoles(o.source, o.target, o.roles),
  };
  const invited = o.state ? await invitations(o.state, o.name) : new Map<string, Invitation>();
  const tally = new Tally(o.recoveryAtRisk);
  for await (const user of o.source.users()) {
    const found = await checkPerson(o.source, o.target, user, expected);
    tally.add(user, found, invited.get(user.key));
  }
  const quarantined = o.state ? await quarantinedPeople(o.state, o.name) : [];
  const { totals, gaps, ...more } = tally.result();
  // The fields of the first reports first: a reader of the JSON finds them where they were.
  return { generatedAt: new Date(o.now()).toISOString(), totals, gaps, quarantined, ...more };
}
