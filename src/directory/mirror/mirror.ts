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
 * - Whose word counts on a disable is `disables`: with `trustedInitiators`,
 *   only the organisation's own disables (the audit log says who) are copied
 *   and the others quarantined until a person releases or confirms them; a
 *   mass disable stops at the brake. Nobody is ever deleted and no password
 *   is ever copied.
 */
import { parseConfig } from "../../core/config.js";
import { RunContext } from "./context.js";
import { applyDisables, brakeCheck } from "./disables.js";
import { syncGroups } from "./groups.js";
import { disableRule, type MirrorOptionsInput, mirrorSchema } from "./options.js";
import { Pending } from "./pending.js";
import { Quarantine } from "./quarantine.js";
import type { BrakeReport, MirrorPlan, MirrorResult, QuarantinedPerson } from "./result.js";
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
 * A mirror run, made by {@link mirror}: look first (`plan`), then write (`apply`); settle a quarantined
 * disable with `release` or `confirm`.
 *
 * @example
 * const run = mirror({ source, target, state, disables: { policy: "propagate", trustedInitiators: ["it-admin@contoso.com"] } });
 * console.log((await run.plan()).counts);
 * const result = await run.apply();
 * for (const q of result.quarantined) console.log(q.userPrincipalName, q.why);
 */
export interface Mirror {
  /** What `apply()` would write now, as data. Reads both sides, writes nothing, moves no checkpoint. */
  plan(): Promise<MirrorPlan>;
  /** Brings Keycloak in line with the source. Throws an `IdSwitchError` on failure; run again to resume. */
  apply(options?: ApplyOptions): Promise<MirrorResult>;
  /** Everyone quarantined now (read from the StateStore; nothing else is asked). */
  quarantined(): Promise<QuarantinedPerson[]>;
  /**
   * Keeps the Keycloak copy of a quarantined person enabled and ends the quarantine: the same disable is not
   * quarantined again (only a disable the audit log shows after this moment is). `person` is the UPN or the
   * `tid:oid` key. Undefined when nobody by that name is quarantined.
   */
  release(person: string): Promise<QuarantinedPerson | undefined>;
  /**
   * Copies a quarantined disable to Keycloak (disables the copy) and ends the quarantine. `person` is the UPN
   * or the `tid:oid` key. Undefined when nobody by that name is quarantined.
   */
  confirm(person: string): Promise<QuarantinedPerson | undefined>;
}

/**
 * @example
 * const run = mirror({ source, target, state, disables: { policy: "propagate", trustedInitiators: ["it-admin@contoso.com"] } });
 * const result = await run.apply();
 * if (result.status === "braked") askSomeone(result.brake);
 * // Microsoft's suspension, not the organisation's: keep the spare open for this person.
 * if (result.quarantined.some((q) => q.userPrincipalName === "ada@contoso.com")) await run.release("ada@contoso.com");
 */
export function mirror(options: MirrorOptionsInput): Mirror {
  const o = parseConfig(mirrorSchema, options, "mirror");
  disableRule(o); // disables / policy are checked now, not at the first run
  return {
    plan: async () => {
      const ctx = new RunContext(o, true);
      const result = await run(ctx, false);
      return { ...result, actions: ctx.actions ?? [] };
    },
    apply: (applyOptions = {}) => run(new RunContext(o, false), applyOptions.confirmDisables === true),
    quarantined: async () => (await Quarantine.load(o.state, o.name, true)).list(),
    release: (person) =>
      settle(new RunContext(o, false), person, async (q, quarantine, ctx) => {
        quarantine.people.delete(q.key);
        quarantine.released.set(q.key, {
          at: new Date(ctx.options.now()).toISOString(),
          auditEntryId: q.auditEntryId,
        });
      }),
    confirm: (person) =>
      settle(new RunContext(o, false), person, async (q, quarantine, ctx) => {
        const have = await ctx.options.target.findUser(q.key);
        if (have?.enabled) await ctx.options.target.updateUser(have, { enabled: false });
        quarantine.clear(q.key);
      }),
  };
}

/** Finds a quarantined person by UPN (any case) or key, settles them, saves. */
async function settle(
  ctx: RunContext,
  person: string,
  how: (q: QuarantinedPerson, quarantine: Quarantine, ctx: RunContext) => Promise<void>,
): Promise<QuarantinedPerson | undefined> {
  const quarantine = await Quarantine.load(ctx.options.state, ctx.options.name, false);
  const wanted = person.trim().toLowerCase();
  const found = quarantine
    .list()
    .find((q) => q.key.toLowerCase() === wanted || q.userPrincipalName?.toLowerCase() === wanted);
  if (!found) return undefined;
  await how(found, quarantine, ctx);
  await quarantine.save();
  return found;
}

async function run(ctx: RunContext, confirmDisables: boolean): Promise<MirrorResult> {
  const { target } = ctx.options;
  for (const step of await target.setup()) {
    await ctx.write({ kind: step.kind, target: step.target }, step.apply);
  }
  const pending = await Pending.load(ctx);
  const quarantine = await Quarantine.load(ctx.options.state, ctx.options.name, ctx.dryRun);
  const users = await syncUsers(ctx, pending, quarantine);
  let brake: BrakeReport | undefined;
  if (ctx.disables.policy === "propagate") {
    brake = await brakeCheck(ctx, pending);
    // Braked: stop here, disable nobody, keep the queue for a person to confirm.
    if (brake && !confirmDisables) return report(ctx, users, "braked", brake, quarantine);
    await applyDisables(ctx, pending);
  }
  if (ctx.options.groups) await syncGroups(ctx);
  await syncRoles(ctx);
  return report(ctx, users, "done", brake, quarantine);
}

function report(
  ctx: RunContext,
  users: { round: "full" | "delta"; sweep: "done" | "skipped" },
  status: MirrorResult["status"],
  brake: BrakeReport | undefined,
  quarantine: Quarantine,
): MirrorResult {
  return {
    status,
    round: users.round,
    counts: { ...ctx.counts },
    writes: ctx.writes,
    divergences: ctx.divergences,
    brake,
    sweep: users.sweep,
    quarantined: quarantine.list(),
  };
}
