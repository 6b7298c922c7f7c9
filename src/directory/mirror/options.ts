/**
 * Options of `mirror()`, checked with zod when it is called.
 */
import { z } from "zod";
import { invalidConfiguration } from "../../core/config.js";
import { callable, clockSchema, nonEmpty, objectWith, stateStoreSchema } from "../../core/schemas.js";
import type { DirectorySource } from "../entra/source.js";
import type { KeycloakTarget } from "../keycloak/target.js";
import type { MirrorProgress } from "./result.js";

/** What `entraDirectory()` returns: `mirror()` and `readiness()` recognise it the same way. */
export const directorySourceSchema = objectWith<DirectorySource>(
  ["userPages", "users", "groups", "groupUsers", "roleAssignments", "userGroups"],
  "must be a directory source (entraDirectory())",
);

/** What `keycloakDirectory()` returns. */
export const directoryTargetSchema = objectWith<KeycloakTarget>(
  ["findUser"],
  "must be a directory target (keycloakDirectory())",
);

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
  trustedInitiators: z.array(nonEmpty).default([]),
  /** Where the audit entry of a disable is looked for. */
  evidence: z
    .strictObject({
      /**
       * How far back to look when no earlier run bounds the window (the first round): the log keeps 30 days
       * with Entra ID P1/P2, 7 with Free.
       */
      maxAgeDays: z.number().positive().max(30).default(30),
      /** Looked for from this long before the previous run started: clocks differ, and the log lags (§13.4). */
      slackMinutes: z.number().min(0).max(1440).default(15),
    })
    .prefault({}),
});

export const mirrorSchema = z.strictObject({
  source: directorySourceSchema,
  target: directoryTargetSchema,
  state: stateStoreSchema,
  /** Separates the checkpoints of several mirrors sharing one StateStore. */
  name: nonEmpty.default("default"),
  /**
   * Whose word counts when the source disables or removes a person (docs/concepts.md, "Whose word counts"):
   * `{ policy: "propagate", trustedInitiators: [...] }` copies only the disables the audit log shows the
   * organisation made and quarantines the others; `{ policy: "hold" }` quarantines every disable. The plain
   * strings keep the behaviour of `policy`: `"propagate"` copies every disable, Microsoft's too (unsafe:
   * prefer the object form), `"hold"` copies none. Give `disables` or `policy`, not both.
   */
  disables: z.union([disablePolicy, trustedDisablesSchema]).optional(),
  /**
   * The earlier form of `disables`: `propagate` disables the Keycloak copy of whoever Entra disables, for
   * whatever reason (behind the brake); `hold` never does and reports it.
   */
  policy: disablePolicy.optional(),
  /** The mass-disable brake: a run that would disable more than this stops and asks (`confirmDisables`). */
  brake: z
    .strictObject({
      maxCount: z.int().min(0).optional(),
      /** Percent of the mirrored population. */
      maxPercent: z.number().min(0).max(100).default(10),
    })
    .prefault({}),
  /** What a new Keycloak user must do first. No password is ever copied: they set their own. */
  onboarding: z
    .strictObject({
      requiredActions: z.array(nonEmpty).default(["UPDATE_PASSWORD"]),
      /** Send Keycloak's execute-actions e-mail to each new user (the realm needs SMTP). */
      email: z.boolean().default(false),
    })
    .prefault({}),
  /** Entra's `mail` of a member is set by the organisation; mark it verified in Keycloak. */
  emailVerified: z.boolean().default(true),
  /** Mirror groups and their (transitive) user members. */
  groups: z.boolean().default(true),
  roles: z.array(roleMappingSchema).default([]),
  /** Keycloak calls in flight at once. */
  concurrency: z.int().min(1).max(32).default(4),
  onProgress: callable<(progress: MirrorProgress) => void>().optional(),
  /** Clock in epoch milliseconds (tests inject one): bounds the audit-log window. */
  now: clockSchema.default(() => Date.now),
});

/** `disables` and `policy` in one shape: what the mirror does with a disable at the source. */
export interface DisableRule {
  readonly policy: "propagate" | "hold";
  /** Whether the audit log is read to find who disabled someone (the object form of `disables`). */
  readonly audited: boolean;
  /** Lower-cased. */
  readonly trusted: ReadonlySet<string>;
  readonly maxAgeMs: number;
  readonly slackMs: number;
}

/** The one rule `disables` or `policy` gives; a `config_invalid` when both or neither is given. */
export function disableRule(o: {
  disables?: MirrorOptions["disables"];
  policy?: MirrorOptions["policy"];
}): DisableRule {
  const issue = (message: string) => invalidConfiguration([{ path: "mirror.disables", message }]);
  if (o.disables !== undefined && o.policy !== undefined)
    throw issue("give disables or policy, not both (policy is the earlier form of disables)");
  const given = o.disables ?? o.policy;
  if (given === undefined)
    throw issue(
      'missing: { policy: "propagate", trustedInitiators: [...] }, { policy: "hold" }, or "propagate" / "hold"',
    );
  if (typeof given === "string") {
    return { policy: given, audited: false, trusted: new Set(), maxAgeMs: 0, slackMs: 0 };
  }
  return {
    policy: given.policy,
    audited: true,
    trusted: new Set(given.trustedInitiators.map((t) => t.toLowerCase())),
    maxAgeMs: given.evidence.maxAgeDays * 86_400_000,
    slackMs: given.evidence.slackMinutes * 60_000,
  };
}

/**
 * Options of {@link mirror}: source, target, state store, what happens to a disable at Entra (`disables`) and the
 * mass-disable brake.
 *
 * @example
 * const options: MirrorOptionsInput = {
 *   source,
 *   target,
 *   state, // a StateStore that outlives the run: the checkpoints and the quarantine live there
 *   // Copied only when the audit log shows an administrator or the HR app made it; quarantined otherwise.
 *   disables: { policy: "propagate", trustedInitiators: ["it-admin@contoso.com", "5b3c9a1e-2f4d-4c6b-8a7e-9d0f1e2a3b4c"] },
 *   brake: { maxPercent: 5 },
 *   roles: [{ appId: ordersAppId, client: "orders", roles: { [readerRoleId]: "reader" } }],
 * };
 */
export type MirrorOptionsInput = z.input<typeof mirrorSchema>;
export type MirrorOptions = z.output<typeof mirrorSchema>;
/**
 * Which Entra app's roles become which Keycloak client's roles.
 *
 * @example
 * // Only the listed appRoleIds are mirrored; other role assignments in Keycloak are left alone.
 * const orders: RoleMapping = { appId: ordersAppId, client: "orders", roles: { "8f0b2e4a-3c1d-4e5f-9a6b-7c8d9e0f1a2b": "reader" } };
 */
export type RoleMapping = z.output<typeof roleMappingSchema>;
