/**
 * What a mirror run reports: counts, the writes it made or would make, the
 * people whose state differs and who decides, and whether the brake held it.
 * Plain data (JSON-serialisable).
 */
import type { AuditInitiator } from "../types.js";

/**
 * What a write of the mirror does: one of a closed set, so a plan can be counted and reviewed by kind.
 *
 * @example
 * const plan = await run.plan();
 * console.log(`${plan.counts["create-user"]} to create, ${plan.counts["disable-user"]} to disable`);
 */
export type MirrorActionKind =
  | "declare-attribute"
  | "ensure-mapper"
  | "create-user"
  | "update-user"
  | "enable-user"
  | "disable-user"
  | "send-onboarding-email"
  | "create-group"
  | "rename-group"
  | "join-group"
  | "leave-group"
  | "create-role"
  | "grant-role"
  | "revoke-role";

/**
 * One write. `key` is the person's `tid:oid`; `target` names a group, role or client.
 *
 * @example
 * for (const action of (await run.plan()).actions) console.log(action.kind, action.key ?? action.target ?? "");
 */
export interface MirrorAction {
  readonly kind: MirrorActionKind;
  readonly key?: string;
  readonly target?: string;
}

/**
 * A person whose Keycloak state the mirror did not align, for a person to decide:
 * `hold` leaves disables to people; a conflict is a username taken by an account the mirror did not make.
 *
 * @example
 * // With disables "hold", people disabled at Entra stay enabled in Keycloak and are listed here instead.
 * for (const d of result.divergences) console.log(d.key, d.reason);
 */
export interface Divergence {
  readonly key: string;
  readonly reason: "disabled-at-source" | "removed-at-source" | "username-taken";
  readonly keycloakUserId?: string;
}

/**
 * Why a disable at Entra was not copied to Keycloak: the audit log names an initiator who is not on
 * `trustedInitiators`, has no entry for it within the window, could not be read, or the policy is `hold`.
 *
 * @example
 * const unexplained = result.quarantined.filter((q) => q.why !== "untrusted-initiator"); // nobody the log names
 */
export type QuarantineReason = "untrusted-initiator" | "no-audit-entry" | "audit-unreadable" | "hold";

/**
 * A person disabled or removed at Entra whose Keycloak copy the mirror keeps enabled until a person settles it
 * (`Mirror.release` or `Mirror.confirm`; `idswitch mirror release|confirm <upn>`). Kept in the StateStore:
 * every later run reports it again until it is settled, or until Entra enables the person again.
 *
 * @example
 * for (const q of result.quarantined) console.log(q.userPrincipalName ?? q.key, q.why, q.initiator.kind);
 */
export interface QuarantinedPerson {
  /** `tid:oid`. */
  readonly key: string;
  readonly userPrincipalName: string | undefined;
  readonly keycloakUserId: string | undefined;
  readonly reason: "disabled-at-source" | "removed-at-source";
  readonly why: QuarantineReason;
  /** Who the audit log says made the change; `{ kind: "unknown" }` when it names nobody (see `detail`). */
  readonly initiator: AuditInitiator;
  /** The audit entry that names the initiator. */
  readonly auditEntryId: string | undefined;
  /** Its `activityDateTime`. */
  readonly activityDateTime: string | undefined;
  /** Why the initiator is unknown, in words (the permission missing, the log throttled…). */
  readonly detail: string | undefined;
  /** When the mirror first quarantined this disable (ISO 8601). */
  readonly since: string;
  /** The audit log was searched from here (ISO 8601). */
  readonly windowStart: string;
}

/**
 * Progress of a run, reported to the `onProgress` callback.
 *
 * @example
 * const run = mirror({ source, target, state, disables: "hold", onProgress: (p) => console.log(p.phase, p.processed, p.writes) });
 */
export interface MirrorProgress {
  readonly phase: "setup" | "users" | "disables" | "groups" | "roles";
  /** Source changes handled so far in this run. */
  readonly processed: number;
  /** Writes made (or planned) so far in this run. */
  readonly writes: number;
}

/**
 * Why a run stopped before disabling anyone: `disables` out of `population` exceeds `limit`.
 *
 * @example
 * if (result.brake) console.log(`would disable ${result.brake.disables} of ${result.brake.population} (limit ${result.brake.limit})`);
 */
export interface BrakeReport {
  readonly disables: number;
  readonly population: number;
  readonly limit: number;
}

/**
 * What a run did (or, as {@link MirrorPlan}, would do).
 *
 * @example
 * const result = await run.apply();
 * if (result.status === "braked") console.log(result.brake);
 */
export interface MirrorResult {
  /** `braked`: the run stopped before disabling anyone; `apply({ confirmDisables: true })` goes ahead. */
  readonly status: "done" | "braked";
  /** The kind of users round this run read: everyone (`full`) or changes (`delta`). */
  readonly round: "full" | "delta";
  readonly counts: Readonly<Record<MirrorActionKind, number>>;
  readonly writes: number;
  readonly divergences: readonly Divergence[];
  readonly brake: BrakeReport | undefined;
  /** Users gone from a full round checked against Keycloak (`done`), or not (a resumed round). */
  readonly sweep: "done" | "skipped";
  /** Everyone quarantined now (this run's and earlier runs', until settled): enabled at Keycloak, disabled at Entra. */
  readonly quarantined: readonly QuarantinedPerson[];
}

/**
 * `plan()`: the same report, with every write it would make.
 *
 * @example
 * // Writes nothing and moves no checkpoint: safe to run against production before the first apply().
 * const plan = await mirror({ source, target, state, disables: { policy: "propagate", trustedInitiators: ["it-admin@contoso.com"] } }).plan();
 * console.log(plan.actions.length, "writes pending");
 */
export interface MirrorPlan extends MirrorResult {
  readonly actions: readonly MirrorAction[];
}
