/**
 * The groups phase on a source that says what changed (`/groups/delta` with
 * `members@delta`, docs/reference/entra-id.md §11.8), so a rerun over an
 * unchanged directory compares no group and asks Keycloak nothing.
 *
 * Its state, in the StateStore (a plan writes none of it):
 * - `groups-cursor`: where the groups round continues (`{ link, round }`);
 * - `groups-presence`: the link of a users round that lists only who was
 *   created, restored or removed — Graph does not report the memberships that
 *   go with a deleted user as changes of the groups that held them (§11.8);
 * - `groups-waiting`: groups compared while someone in them was not mirrored
 *   yet; compared again until they are.
 *
 * A full round (the first run, a lost link, 410 Gone) compares every group it
 * lists and checkpoints after each page, as the users round does. A delta
 * round first reads everything that changed — the changed groups, every group
 * above one whose members changed (Keycloak holds transitive members), the
 * groups of people removed or restored — then compares those, and only then
 * moves the links: a run killed in between reads the same changes again.
 * A group deleted at the source takes its memberships with it and can no
 * longer be asked what it sat in, so its round compares every group.
 */
import { IdSwitchError } from "../../core/errors.js";
import type { StateValue } from "../../core/state-store.js";
import type { ResumePoint, UserPresencePage } from "../types.js";
import { eachLimited, type RunContext } from "./context.js";
import { compareAll, compareGroup, MirroredGroups } from "./group-compare.js";

const CURSOR = "groups-cursor";
const PRESENCE = "groups-presence";
const WAITING = "groups-waiting";

type Cursor = ResumePoint & { readonly [key: string]: StateValue };

export async function syncGroupsDelta(ctx: RunContext): Promise<void> {
  const resume = await ctx.read<Cursor>(CURSOR);
  const presence = await ctx.read<string>(PRESENCE);
  // Without the presence link nobody can say who was removed meanwhile: a new full round.
  if (presence === undefined) return fullRound(ctx, undefined, undefined);
  if (resume?.round === "delta") return deltaRound(ctx, resume, presence);
  return fullRound(ctx, resume, presence);
}

/** Every group the round lists, compared once; the checkpoint moves after each page. */
async function fullRound(ctx: RunContext, resume: Cursor | undefined, presence: string | undefined) {
  const source = sourceOf(ctx);
  // Who is removed from now on is read from a users round that starts before any group is compared.
  if (resume === undefined || presence === undefined) await ctx.save(PRESENCE, await presenceFromNow(ctx));
  const groups = new MirroredGroups(ctx);
  const waiting = new Set(resume ? ((await ctx.read<string[]>(WAITING)) ?? []) : []);
  let seen = new Set<string>();
  for await (const page of source.groupPages(resume)) {
    if (page.restarted) seen = new Set();
    // A group listed again (a large membership comes in several objects) was compared the first time.
    const fresh = page.changes.filter((c) => !c.removed && !seen.has(c.id) && seen.add(c.id));
    // Groups are independent of each other: compared `concurrency` at a time, as users are.
    await eachLimited(fresh, ctx.options.concurrency, async (change) => {
      const complete = await compareGroup(ctx, groups, change.id, change.displayName ?? change.id);
      if (complete) waiting.delete(change.id);
      else waiting.add(change.id);
    });
    await ctx.save(WAITING, [...waiting]);
    await ctx.save(CURSOR, { link: page.resumeAt, round: page.last ? "delta" : page.round });
  }
}

/** The link of a users presence round that starts now. */
async function presenceFromNow(ctx: RunContext): Promise<string> {
  let link: string | undefined;
  for await (const page of sourceOf(ctx).userPresencePages(undefined)) link = page.resumeAt;
  if (link === undefined) throw new TypeError("userPresencePages() ended without a link");
  return link;
}

/** What changed since the links, compared; then the links move. */
async function deltaRound(ctx: RunContext, resume: Cursor, presenceLink: string): Promise<void> {
  const source = sourceOf(ctx);
  const groups = new MirroredGroups(ctx);
  const changed = new Changed();
  for (const id of (await ctx.read<string[]>(WAITING)) ?? []) changed.mark(id, undefined);
  let presence = presenceLink;
  for await (const page of source.userPresencePages(presenceLink)) {
    if (page.restarted) changed.everything = true; // 410: whoever was removed before now is unknown
    if (!changed.everything) await peopleMoved(ctx, groups, page, changed);
    presence = page.resumeAt;
  }
  let link = resume.link;
  const membersChanged = new Set<string>();
  for await (const page of source.groupPages(resume)) {
    if (page.round === "full") changed.everything = true; // 410: a new full round lists every group
    for (const change of page.changes) {
      if (change.removed) changed.everything = true;
      if (changed.everything) continue;
      changed.mark(change.id, change.displayName);
      if (change.membersChanged) membersChanged.add(change.id);
    }
    link = page.resumeAt;
  }
  const waiting = changed.everything
    ? await compareAll(ctx, groups)
    : await compareChanged(ctx, groups, changed, membersChanged);
  await ctx.save(WAITING, [...waiting]);
  await ctx.save(PRESENCE, presence);
  await ctx.save(CURSOR, { link, round: "delta" });
}

/** The changed groups and every group above one whose members changed; returns those still waiting. */
async function compareChanged(
  ctx: RunContext,
  groups: MirroredGroups,
  changed: Changed,
  membersChanged: ReadonlySet<string>,
): Promise<Set<string>> {
  const source = sourceOf(ctx);
  // Keycloak holds transitive members: a person added to a nested group joins every group above it.
  for (const id of membersChanged) {
    for await (const above of source.groupAncestors(id)) changed.mark(above.id, above.displayName);
  }
  const waiting = new Set<string>();
  await eachLimited([...changed.groups], ctx.options.concurrency, async ([id, name]) => {
    if (!(await compareGroup(ctx, groups, id, name ?? id))) waiting.add(id);
  });
  return waiting;
}

/**
 * The groups of people removed at the source (their Keycloak groups: the source no longer lists the removed)
 * and of people created or restored (their groups at the source).
 */
async function peopleMoved(
  ctx: RunContext,
  groups: MirroredGroups,
  page: UserPresencePage,
  changed: Changed,
): Promise<void> {
  const { source, target, concurrency } = ctx.options;
  await eachLimited(page.removed, concurrency, async (oid) => {
    const user = await target.findUser(`${source.tenantId}:${oid}`);
    if (!user) return;
    for (const id of await target.userGroups(user.id)) {
      const sourceId = await groups.sourceIdOf(id);
      if (sourceId !== undefined) changed.mark(sourceId, undefined);
    }
  });
  await eachLimited(page.appeared, concurrency, async (oid) => {
    for (const id of await groupsAtSource(ctx, oid)) changed.mark(id, undefined);
  });
}

/** A person's groups at the source; none when they were removed again since the round listed them. */
async function groupsAtSource(ctx: RunContext, oid: string): Promise<string[]> {
  try {
    return await ctx.options.source.userGroups(oid);
  } catch (err) {
    if (err instanceof IdSwitchError && err.reason === "user_not_found") return [];
    throw err;
  }
}

/** The groups to compare (with their name when the round gave it), or all of them. */
class Changed {
  readonly groups = new Map<string, string | undefined>();
  everything = false;

  mark(id: string, displayName: string | undefined): void {
    if (displayName !== undefined || !this.groups.has(id)) this.groups.set(id, displayName);
  }
}

/** The source, with the delta methods this phase runs on (syncGroups checks `groupPages`). */
function sourceOf(ctx: RunContext) {
  const source = ctx.options.source;
  const { groupPages, groupAncestors, userPresencePages } = source;
  if (!groupPages || !groupAncestors || !userPresencePages) {
    throw new TypeError("a source with groupPages() needs groupAncestors() and userPresencePages() too");
  }
  return {
    groupPages: groupPages.bind(source),
    groupAncestors: groupAncestors.bind(source),
    userPresencePages: userPresencePages.bind(source),
  };
}
