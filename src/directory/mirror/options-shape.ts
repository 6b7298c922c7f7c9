/**
 * The mirror's rules that can be written down — `mirror()`'s options but
 * the source, target, store and callbacks — in `zod/mini`, shared by the
 * configuration file's `directory` section (root entry) and `mirror()`.
 */
import * as z from "zod/mini";
import { nonEmpty } from "../../core/mini-schemas.js";

export const roleMappingSchema = z.strictObject({
  /** The Entra application (its appId) whose role assignments are mirrored. */
  appId: nonEmpty,
  /** The Keycloak client (clientId) whose client roles receive them. */
  client: nonEmpty,
  /** Entra `appRoleId` → Keycloak client role name. Assignments of other role ids are left alone. */
  roles: z.record(z.guid("must be an appRoleId GUID"), nonEmpty),
});

const disablePolicy = z.enum(["propagate", "hold"]);

/**
 * `disables` in its safe form: a disable at Entra reaches Keycloak only when the tenant's directory audit log
 * shows that one of `trustedInitiators` made it; any other is quarantined (docs/concepts.md, "Whose word counts").
 */
export const trustedDisablesSchema = z.strictObject({
  /** `propagate`: copy the disables of trusted initiators, quarantine the rest; `hold`: quarantine every disable. */
  policy: disablePolicy,
  /**
   * Whose disables are the organisation's: UPNs or object ids of users (its administrators), appIds or
   * service principal ids of apps (its HR provisioning). Compared without regard to case.
   */
  trustedInitiators: z._default(z.array(nonEmpty), []),
  /** Where the audit entry of a disable is looked for. */
  evidence: z.prefault(
    z.strictObject({
      /**
       * How far back to look when no earlier run bounds the window (the first round): the log keeps 30 days
       * with Entra ID P1/P2, 7 with Free.
       */
      maxAgeDays: z._default(z.number().check(z.positive(), z.lte(30)), 30),
      /** Looked for from this long before the previous run started: clocks differ, and the log lags (§13.4). */
      slackMinutes: z._default(z.number().check(z.gte(0), z.lte(1440)), 15),
    }),
    {},
  ),
});

export const mirrorRulesShape = {
  /** Separates the checkpoints of several mirrors sharing one StateStore. */
  name: z._default(nonEmpty, "default"),
  /**
   * Whose word counts when the source disables or removes a person (docs/concepts.md, "Whose word counts"):
   * `{ policy: "propagate", trustedInitiators: [...] }` copies only the disables the audit log shows the
   * organisation made and quarantines the others; `{ policy: "hold" }` quarantines every disable. The plain
   * strings keep the behaviour of `policy`: `"propagate"` copies every disable, Microsoft's too (unsafe:
   * prefer the object form), `"hold"` copies none. Give `disables` or `policy`, not both.
   */
  disables: z.optional(z.union([disablePolicy, trustedDisablesSchema])),
  /**
   * The earlier form of `disables`: `propagate` disables the Keycloak copy of whoever Entra disables, for
   * whatever reason (behind the brake); `hold` never does and reports it.
   */
  policy: z.optional(disablePolicy),
  /** The mass-disable brake: a run that would disable more than this stops and asks (`confirmDisables`). */
  brake: z.prefault(
    z.strictObject({
      maxCount: z.optional(z.int().check(z.gte(0))),
      /** Percent of the mirrored population. */
      maxPercent: z._default(z.number().check(z.gte(0), z.lte(100)), 10),
    }),
    {},
  ),
  /** What a new Keycloak user must do first. No password is ever copied: they set their own. */
  onboarding: z.prefault(
    z.strictObject({
      requiredActions: z._default(z.array(nonEmpty), ["UPDATE_PASSWORD"]),
      /** Send Keycloak's execute-actions e-mail to each new user (the realm needs SMTP). */
      email: z._default(z.boolean(), false),
    }),
    {},
  ),
  /** Entra's `mail` of a member is set by the organisation; mark it verified in Keycloak. */
  emailVerified: z._default(z.boolean(), true),
  /** Mirror groups and their (transitive) user members. */
  groups: z._default(z.boolean(), true),
  roles: z._default(z.array(roleMappingSchema), []),
  /** Keycloak calls in flight at once. */
  concurrency: z._default(z.int().check(z.gte(1), z.lte(32)), 4),
};
