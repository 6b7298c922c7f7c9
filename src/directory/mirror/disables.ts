/**
 * The disables phase under `propagate`, behind the mass-disable brake: a
 * source that suddenly disables a large share of the people (a compromised
 * admin account, a sync bug, a foreign provider switching a tenant off) must
 * not lock everyone out of the spare too. Past the threshold the run stops,
 * disables nobody, keeps the queue, and reports; `apply({ confirmDisables: true })`
 * is a person saying "yes, all of them".
 */
import type { RunContext } from "./context.js";
import type { Pending } from "./pending.js";
import type { BrakeReport } from "./result.js";

/** The brake's verdict: undefined to go ahead, or the report of a stop. */
export async function brakeCheck(ctx: RunContext, pending: Pending): Promise<BrakeReport | undefined> {
  const { maxCount, maxPercent } = ctx.options.brake;
  const population = (await ctx.read<number>("population")) ?? 0;
  const byPercent = Math.floor((population * maxPercent) / 100);
  const limit = Math.min(
    maxCount ?? Number.POSITIVE_INFINITY,
    population > 0 ? byPercent : Number.POSITIVE_INFINITY,
  );
  if (pending.size === 0 || pending.size <= limit) return undefined;
  return { disables: pending.size, population, limit };
}

/** Disables each queued person still enabled; each is dropped from the queue once done. */
export async function applyDisables(ctx: RunContext, pending: Pending): Promise<void> {
  ctx.phase = "disables";
  const { target } = ctx.options;
  for (const key of pending.keys()) {
    const have = await target.findUser(key);
    if (have?.enabled) {
      await ctx.write({ kind: "disable-user", key }, () => target.updateUser(have, { enabled: false }));
    }
    pending.drop(key);
    await pending.save();
  }
}
