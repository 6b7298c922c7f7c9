/**
 * The users phase: the source's users round page by page, each change made
 * idempotent by looking the person up through their key first, and the
 * checkpoint moved only after a page is fully applied. A run killed
 * anywhere re-reads at most one page; what that page already wrote is found
 * by key and not written twice.
 *
 * Disables never happen here: the ones to copy are queued in the StateStore
 * (before the checkpoint moves, so none is lost) and applied by the disables
 * phase, behind the brake; the others are quarantined (quarantine.ts).
 */
import type { SourceUser, UserChange } from "../types.js";
import { BulkCreate } from "./bulk.js";
import { eachLimited, type RunContext } from "./context.js";
import { fieldsOf, profileChanges } from "./fields.js";
import type { Pending } from "./pending.js";
import { auditWindowStart, decide, type Quarantine, recheckUnknown } from "./quarantine.js";
import { SeenKeys } from "./seen-keys.js";

/** The Keycloak id a planned creation stands for; only ever read inside writes a plan never runs. */
const PLANNED_ID = "(planned)";

export interface UsersOutcome {
  readonly round: "full" | "delta";
  readonly sweep: "done" | "skipped";
}

/** What the users phase works with besides the context: the disables queue and the quarantine. */
export interface Decisions {
  readonly pending: Pending;
  readonly quarantine: Quarantine;
  /** Where the audit log is searched for a disable seen in this run (epoch ms). */
  readonly windowStart: number;
}

export async function syncUsers(
  ctx: RunContext,
  pending: Pending,
  quarantine: Quarantine,
): Promise<UsersOutcome> {
  const { source } = ctx.options;
  ctx.phase = "users";
  const d: Decisions = { pending, quarantine, windowStart: await auditWindowStart(ctx) };
  const resume = await ctx.resumePoint();
  let round: "full" | "delta" = resume?.round ?? "full";
  // Only a full round read from its first page proves who is gone; a resumed one saw part of it.
  const fresh = () => new SeenKeys(source.tenantId);
  let seen: SeenKeys | undefined = resume === undefined ? fresh() : undefined;
  let population = resume === undefined ? 0 : ((await ctx.read<number>("population")) ?? 0);
  // A full round (a first run, a resumed or restarted one) creates the people the realm lacks in bulk.
  let bulk = round === "full" ? await BulkCreate.start(ctx) : undefined;
  for await (const page of source.userPages(resume)) {
    if (page.restarted) {
      seen = fresh();
      population = 0;
      bulk ??= await BulkCreate.start(ctx);
    }
    round = page.round;
    const created = ctx.counts["create-user"];
    let changes = page.changes;
    if (bulk && page.round === "full") {
      const made = await bulk.create(ctx, changes);
      await eachLimited(made.created, ctx.options.concurrency, (c) => welcome(ctx, c.user, c.id));
      changes = made.rest;
    }
    await eachLimited(changes, ctx.options.concurrency, (change) => applyChange(ctx, d, change));
    // The brake's base: everyone listed in a full round; a delta adds whom it created, takes whom it removed.
    for (const change of page.changes) {
      if (change.kind === "upsert") seen?.add(change.user.key);
      if (page.round === "full" && change.kind === "upsert") population++;
      if (page.round === "delta" && change.kind === "removed") population--;
    }
    if (page.round === "delta") population += ctx.counts["create-user"] - created;
    ctx.processed += page.changes.length;
    await pending.save();
    await quarantine.save();
    await ctx.save("population", Math.max(population, 0));
    // The next round lists changes made since this run started: its audit-log window starts there.
    if (page.last) await ctx.save("audit-since", ctx.startedAt);
    await ctx.save("cursor", { link: page.resumeAt, round: page.last ? "delta" : page.round });
    ctx.progress();
  }
  bulk?.done();
  let sweep: UsersOutcome["sweep"] = "skipped";
  if (round === "full" && seen) {
    await sweepRemoved(ctx, d, seen);
    sweep = "done";
  }
  await recheckUnknown(ctx, pending, quarantine);
  await pending.save();
  await quarantine.save();
  return { round, sweep };
}

async function applyChange(ctx: RunContext, d: Decisions, change: UserChange): Promise<void> {
  if (change.kind === "removed") return goneAtSource(ctx, d, change.key, "removed-at-source");
  return upsert(ctx, d, change.user);
}

async function upsert(ctx: RunContext, d: Decisions, user: SourceUser): Promise<void> {
  const { target, emailVerified } = ctx.options;
  const { pending } = d;
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
    d.quarantine.clear(user.key); // and whatever was quarantined or released is over
    if (!have.enabled && ctx.disables.policy === "propagate") {
      await ctx.write({ kind: "enable-user", key: user.key }, () =>
        target.updateUser(have, { enabled: true }),
      );
    }
    return;
  }
  // Disabled at Keycloak too (someone did it there): nothing is left to decide.
  if (!have.enabled) d.quarantine.people.delete(user.key);
  else {
    await goneAtSource(ctx, d, user.key, "disabled-at-source", {
      id: have.id,
      userPrincipalName: user.userPrincipalName,
    });
  }
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
  await welcome(ctx, user, id);
}

/** After a creation: the e-mail that lets the person set up their credential, when onboarding asks for it. */
async function welcome(ctx: RunContext, user: SourceUser, id: string): Promise<void> {
  const { target, onboarding, emailVerified } = ctx.options;
  const { email } = fieldsOf(user, emailVerified);
  if (onboarding.email && email && user.accountEnabled && onboarding.requiredActions.length > 0) {
    await ctx.write({ kind: "send-onboarding-email", key: user.key }, () =>
      target.executeActionsEmail(id, onboarding.requiredActions),
    );
  }
}

/**
 * Disabled or removed at the source while enabled in Keycloak: queued to be
 * copied, quarantined or reported, as `disables` says (quarantine.ts). Nobody
 * is ever deleted: an account gone at the source may come back (a soft delete
 * is restorable for 30 days), and a deletion would take the person's
 * credentials with it.
 */
async function goneAtSource(
  ctx: RunContext,
  d: Decisions,
  key: string,
  reason: "disabled-at-source" | "removed-at-source",
  known?: { id: string; userPrincipalName: string },
): Promise<void> {
  let account = known;
  if (account === undefined) {
    const have = await ctx.options.target.findUser(key);
    if (!have?.enabled) return;
    account = { id: have.id, userPrincipalName: have.username };
  }
  await decide(ctx, d.pending, d.quarantine, d.windowStart, {
    key,
    reason,
    keycloakUserId: account.id,
    userPrincipalName: account.userPrincipalName,
  });
}

/** After a full round: mirrored people the source no longer lists are gone there. */
async function sweepRemoved(ctx: RunContext, d: Decisions, seen: SeenKeys): Promise<void> {
  const tenant = `${ctx.options.source.tenantId}:`;
  for await (const user of ctx.options.target.mirroredUsers()) {
    if (!user.key?.startsWith(tenant) || seen.has(user.key) || !user.enabled) continue;
    await goneAtSource(ctx, d, user.key, "removed-at-source", {
      id: user.id,
      userPrincipalName: user.username,
    });
  }
  await d.pending.save();
  await d.quarantine.save();
}
