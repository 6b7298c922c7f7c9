/**
 * `mirror()`: keeps every Entra user, group and app role ready in Keycloak,
 * so the EU provider is a hot spare and a migration is a configuration
 * change (docs/concepts.md, "mirror").
 *
 * - Idempotent: people are matched on their immutable `tid:oid`, stored in an
 *   admin-only Keycloak attribute; a second run over an unchanged directory
 *   writes nothing.
 * - Incremental and resumable: Graph delta, checkpointed in the StateStore
 *   after every page; a run killed at any point is finished by the next.
 * - Whose word counts on a disable is the `policy`; a mass disable stops at
 *   the brake. Nobody is ever deleted and no password is ever copied.
 */
import { parseConfig } from "../../core/config.js";
import { RunContext } from "./context.js";
import { applyDisables, brakeCheck } from "./disables.js";
import { syncGroups } from "./groups.js";
import { type MirrorOptionsInput, mirrorSchema } from "./options.js";
import { Pending } from "./pending.js";
import type { BrakeReport, MirrorPlan, MirrorResult } from "./result.js";
import { syncRoles } from "./roles.js";
import { syncUsers } from "./users.js";

/**
 * Options of {@link Mirror.apply}.
 *
 * @example
 * const result = await run.apply();
 * // A person has read result.brake and agrees: let the mass disable through.
 * if (result.status === "braked" && (await approve(result.brake))) await run.apply({ confirmDisables: true });
 */
export interface ApplyOptions {
  /** Let disables past the brake through: a person has looked at `brake` and agrees. */
  readonly confirmDisables?: boolean;
}

/**
 * A mirror run, made by {@link mirror}: look first (`plan`), then write (`apply`).
 *
 * @example
 * const run = mirror({ source, target, state, policy: "hold" });
 * console.log((await run.plan()).counts);
 * await run.apply();
 */
export interface Mirror {
  /** What `apply()` would write now, as data. Reads both sides, writes nothing, moves no checkpoint. */
  plan(): Promise<MirrorPlan>;
  /** Brings Keycloak in line with the source. Throws an `IdSwitchError` on failure; run again to resume. */
  apply(options?: ApplyOptions): Promise<MirrorResult>;
}

/**
 * @example
 * const run = mirror({ source, target, state, policy: "propagate" });
 * const result = await run.apply();
 * if (result.status === "braked") askSomeone(result.brake);
 */
export function mirror(options: MirrorOptionsInput): Mirror {
  const o = parseConfig(mirrorSchema, options, "mirror");
  return {
    plan: async () => {
      const ctx = new RunContext(o, true);
      const result = await run(ctx, false);
      return { ...result, actions: ctx.actions ?? [] };
    },
    apply: (applyOptions = {}) => run(new RunContext(o, false), applyOptions.confirmDisables === true),
  };
}

async function run(ctx: RunContext, confirmDisables: boolean): Promise<MirrorResult> {
  const { target, policy } = ctx.options;
  for (const step of await target.setup()) {
    await ctx.write({ kind: step.kind, target: step.target }, step.apply);
  }
  const pending = await Pending.load(ctx);
  const users = await syncUsers(ctx, pending);
  let brake: BrakeReport | undefined;
  if (policy === "propagate") {
    brake = await brakeCheck(ctx, pending);
    // Braked: stop here, disable nobody, keep the queue for a person to confirm.
    if (brake && !confirmDisables) return report(ctx, users, "braked", brake);
    await applyDisables(ctx, pending);
  }
  if (ctx.options.groups) await syncGroups(ctx);
  await syncRoles(ctx);
  return report(ctx, users, "done", brake);
}

function report(
  ctx: RunContext,
  users: { round: "full" | "delta"; sweep: "done" | "skipped" },
  status: MirrorResult["status"],
  brake: BrakeReport | undefined,
): MirrorResult {
  return {
    status,
    round: users.round,
    counts: { ...ctx.counts },
    writes: ctx.writes,
    divergences: ctx.divergences,
    brake,
    sweep: users.sweep,
  };
}
