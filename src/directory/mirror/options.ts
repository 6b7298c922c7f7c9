/**
 * Options of `mirror()`, checked with zod when it is called.
 */
import { z } from "zod";
import { invalidConfiguration } from "../../core/config.js";
import { callable, clockSchema, objectWith, stateStoreSchema } from "../../core/schemas.js";
import type { DirectorySource } from "../entra/source.js";
import type { KeycloakTarget } from "../keycloak/target.js";
import { mirrorRulesShape, type roleMappingSchema } from "./options-shape.js";
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

export { roleMappingSchema, trustedDisablesSchema } from "./options-shape.js";

export const mirrorSchema = z.strictObject({
  source: directorySourceSchema,
  target: directoryTargetSchema,
  state: stateStoreSchema,
  ...mirrorRulesShape,
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
