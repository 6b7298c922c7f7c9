/**
 * The users phase: the source's users round page by page, each change made
 * idempotent by looking the person up through their key first, and the
 * checkpoint moved only after a page is fully applied. A run killed
 * anywhere re-reads at most one page; what that page already wrote is found
 * by key and not written twice.
 *
 * Disables never happen here: under `propagate` they are queued in the
 * StateStore (before the checkpoint moves, so none is lost) and applied by
 * the disables phase, behind the brake.
 */
import type { SourceUser, UserChange } from "../types.js";
import { eachLimited, type RunContext } from "./context.js";
import { fieldsOf, profileChanges } from "./fields.js";
import type { Pending } from "./pending.js";
import { SeenKeys } from "./seen-keys.js";

/** The Keycloak id a planned creation stands for; only ever read inside writes a plan never runs. */
const PLANNED_ID = "(planned)";

export interface UsersOutcome {
  readonly round: "full" | "delta";
  readonly sweep: "done" | "skipped";
}

export async function syncUsers(ctx: RunContext, pending: Pending): Promise<UsersOutcome> {
  const { source } = ctx.options;
  ctx.phase = "users";
  const resume = await ctx.resumePoint();
  let round: "full" | "delta" = resume?.round ?? "full";
  // Only a full round read from its first page proves who is gone; a resumed one saw part of it.
  const fresh = () => new SeenKeys(source.tenantId);
  let seen: SeenKeys | undefined = resume === undefined ? fresh() : undefined;
  let population = resume === undefined ? 0 : ((await ctx.read<number>("population")) ?? 0);
  for await (const page of source.userPages(resume)) {
    if (page.restarted) {
      seen = fresh();
      population = 0;
    }
    round = page.round;
    const created = ctx.counts["create-user"];
    await eachLimited(page.changes, ctx.options.concurrency, (change) => applyChange(ctx, pending, change));
    // The brake's base: everyone listed in a full round; a delta adds whom it created, takes whom it removed.
    for (const change of page.changes) {
      if (change.kind === "upsert") seen?.add(change.user.key);
      if (page.round === "full" && change.kind === "upsert") population++;
      if (page.round === "delta" && change.kind === "removed") population--;
    }
    if (page.round === "delta") population += ctx.counts["create-user"] - created;
    ctx.processed += page.changes.length;
    await pending.save();
    await ctx.save("population", Math.max(population, 0));
    await ctx.save("cursor", { link: page.resumeAt, round: page.last ? "delta" : page.round });
    ctx.progress();
  }
  if (round === "full" && seen) {
    await sweepRemoved(ctx, pending, seen);
    return { round, sweep: "done" };
  }
  return { round, sweep: "skipped" };
}

async function applyChange(ctx: RunContext, pending: Pending, change: UserChange): Promise<void> {
  if (change.kind === "removed") return goneAtSource(ctx, pending, change.key, "removed-at-source");
  return upsert(ctx, pending, change.user);
}

async function upsert(ctx: RunContext, pending: Pending, user: SourceUser): Promise<void> {
  const { target, policy, emailVerified } = ctx.options;
  const want = fieldsOf(user, emailVerified);
  const have = await target.findUser(user.key);
  if (!have) return create(ctx, user);
  ctx.rememberId(user.key, have.id);
  const changes = profileChanges(want, have);
  if (Object.keys(changes).length > 0) {
    await ctx.write({ kind: "update-user", key: user.key }, () => target.updateUser(have, changes));
  }
  if (user.accountEnabled) {
    pending.drop(user.key); // enabled again at the source before the queued disable ran
    if (!have.enabled && policy === "propagate") {
      await ctx.write({ kind: "enable-user", key: user.key }, () =>
        target.updateUser(have, { enabled: true }),
      );
    }
    return;
  }
  if (have.enabled) await goneAtSource(ctx, pending, user.key, "disabled-at-source", have.id);
}

/** A new person: created with their key, their source state, and the onboarding — never a password. */
async function create(ctx: RunContext, user: SourceUser): Promise<void> {
  const { target, onboarding, emailVerified } = ctx.options;
  const fields = fieldsOf(user, emailVerified);
  let id: string | undefined;
  await ctx.write({ kind: "create-user", key: user.key }, async () => {
    id = await target.createUser(user.key, fields, onboarding.requiredActions);
    // 409: the username or e-mail is taken. If by this very person (a create whose answer was lost,
    // or a run killed after it), the key finds them; if by someone else, that is for a person to sort out.
    id ??= (await target.findUser(user.key))?.id;
  });
  if (ctx.dryRun) {
    // Planned, not made: later phases count this person's joins and grants as apply() would make them.
    ctx.rememberId(user.key, PLANNED_ID);
    return;
  }
  if (id === undefined) {
    ctx.counts["create-user"]--;
    ctx.writes--;
    ctx.divergences.push({ key: user.key, reason: "username-taken" });
    return;
  }
  ctx.rememberId(user.key, id);
  const created = id;
  if (onboarding.email && fields.email && user.accountEnabled && onboarding.requiredActions.length > 0) {
    await ctx.write({ kind: "send-onboarding-email", key: user.key }, () =>
      target.executeActionsEmail(created, onboarding.requiredActions),
    );
  }
}

/**
 * Disabled or removed at the source while enabled in Keycloak: queued under
 * `propagate`, reported under `hold`. Nobody is ever deleted: an account gone
 * at the source may come back (a soft delete is restorable for 30 days), and
 * a deletion would take the person's credentials with it.
 */
async function goneAtSource(
  ctx: RunContext,
  pending: Pending,
  key: string,
  reason: "disabled-at-source" | "removed-at-source",
  knownId?: string,
): Promise<void> {
  let id = knownId;
  if (id === undefined) {
    const have = await ctx.options.target.findUser(key);
    if (!have?.enabled) return;
    id = have.id;
  }
  report(ctx, pending, key, reason, id);
}

function report(
  ctx: RunContext,
  pending: Pending,
  key: string,
  reason: "disabled-at-source" | "removed-at-source",
  id: string,
): void {
  if (ctx.options.policy === "propagate") pending.add(key);
  else ctx.divergences.push({ key, reason, keycloakUserId: id });
}

/** After a full round: mirrored people the source no longer lists are gone there. */
async function sweepRemoved(ctx: RunContext, pending: Pending, seen: SeenKeys): Promise<void> {
  const tenant = `${ctx.options.source.tenantId}:`;
  for await (const user of ctx.options.target.mirroredUsers()) {
    if (!user.key?.startsWith(tenant) || seen.has(user.key) || !user.enabled) continue;
    report(ctx, pending, user.key, "removed-at-source", user.id);
  }
  await pending.save();
}
