/**
 * Options of `mirror()`, checked with zod when it is called.
 */
import { z } from "zod";
import { callable, nonEmpty, objectWith, stateStoreSchema } from "../../core/schemas.js";
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

export const mirrorSchema = z.strictObject({
  source: directorySourceSchema,
  target: directoryTargetSchema,
  state: stateStoreSchema,
  /** Separates the checkpoints of several mirrors sharing one StateStore. */
  name: nonEmpty.default("default"),
  /**
   * Whose word counts when the source disables or removes a person (docs/concepts.md, "Suspension is not an
   * outage"): `propagate` disables the Keycloak copy (behind the brake); `hold` never does and reports it.
   */
  policy: z.enum(["propagate", "hold"]),
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
});

/**
 * Options of {@link mirror}: source, target, state store, disable `policy` (`propagate` or `hold`) and the mass-disable brake.
 *
 * @example
 * const options: MirrorOptionsInput = {
 *   source,
 *   target,
 *   state, // a StateStore that outlives the run: the checkpoints live there
 *   policy: "hold", // disables at Entra are reported, never copied
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
