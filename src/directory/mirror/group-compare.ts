/**
 * Comparing one group of the source with its Keycloak copy: the group made
 * when missing, then its members — the source's transitive user members
 * against the Keycloak group's mirrored members (groups.ts says why
 * transitive). One group's member set is in memory at a time.
 */
import { IdSwitchError } from "../../core/errors.js";
import type { TargetGroup } from "../types.js";
import { eachLimited, type RunContext } from "./context.js";

/** Compares every group the source lists; returns those that wait for people not mirrored yet. */
export async function compareAll(ctx: RunContext, groups: MirroredGroups): Promise<Set<string>> {
  const waiting = new Set<string>();
  const all = [];
  for await (const group of ctx.options.source.groups()) all.push(group);
  // Groups are independent of each other: compared `concurrency` at a time, as users are.
  await eachLimited(all, ctx.options.concurrency, async (group) => {
    if (!(await compareGroup(ctx, groups, group.id, group.displayName))) waiting.add(group.id);
  });
  return waiting;
}

/**
 * The Keycloak groups the mirror made, by Entra group id; read from Keycloak the first time one is needed, so a
 * run with nothing to compare reads none.
 */
export class MirroredGroups {
  #bySource: Promise<Map<string, TargetGroup>> | undefined;
  #byTarget: Promise<Map<string, string>> | undefined;

  constructor(readonly ctx: RunContext) {}

  async get(sourceId: string): Promise<TargetGroup | undefined> {
    return (await this.#all()).get(sourceId);
  }

  /** A group just made (known to be missing until now, so already read). */
  async set(group: TargetGroup): Promise<void> {
    (await this.#all()).set(group.sourceId, group);
    (await this.#byTarget)?.set(group.id, group.sourceId);
  }

  /** The Entra id of a Keycloak group, if the mirror made it. */
  async sourceIdOf(targetId: string): Promise<string | undefined> {
    this.#byTarget ??= this.#all().then((all) => new Map([...all.values()].map((g) => [g.id, g.sourceId])));
    return (await this.#byTarget).get(targetId);
  }

  /** Read once, shared by concurrent callers. */
  #all(): Promise<Map<string, TargetGroup>> {
    this.#bySource ??= this.ctx.options.target.groups();
    return this.#bySource;
  }
}

/**
 * Brings one group in line: created when missing, then its members. False when someone the source lists in it
 * is not mirrored yet (a username conflict, or a person the users phase has not reached): the group is
 * compared again by the next run.
 */
export async function compareGroup(
  ctx: RunContext,
  groups: MirroredGroups,
  sourceId: string,
  displayName: string,
): Promise<boolean> {
  const want = await wantedMembers(ctx, sourceId);
  // Deleted at the source since it was listed: left in Keycloak as it is, as every removed group is.
  if (want === undefined) return true;
  let mirrored = await groups.get(sourceId);
  if (!mirrored) {
    await ctx.write({ kind: "create-group", target: sourceId }, async () => {
      mirrored = await ctx.options.target.createGroup(displayName, sourceId);
      if (mirrored) await groups.set(mirrored);
    });
  } else if (!namedAfter(mirrored, displayName)) {
    const group = mirrored;
    // Renamed at Entra: tokens carry group names, so the Keycloak group follows (matched on the id, not the name).
    await ctx.write({ kind: "rename-group", target: sourceId }, () =>
      ctx.options.target.renameGroup(group, displayName),
    );
  }
  return syncMembers(ctx, sourceId, mirrored, want);
}

/** Whether a Keycloak group carries the Entra name, or that name with the id that creation appends on a clash. */
function namedAfter(group: TargetGroup, displayName: string): boolean {
  return group.name === displayName || group.name === `${displayName} (${group.sourceId})`;
}

/** The keys of the group's transitive user members at the source; undefined when the group is gone (404). */
async function wantedMembers(ctx: RunContext, sourceId: string): Promise<Set<string> | undefined> {
  const { source } = ctx.options;
  const want = new Set<string>();
  try {
    for await (const oid of source.groupUsers(sourceId, true))
      want.add(`${source.tenantId}:${oid.toLowerCase()}`);
  } catch (err) {
    // Graph's 404 is translated with the reason it has for a user; here it is the group that is missing.
    if (err instanceof IdSwitchError && err.reason === "user_not_found") return undefined;
    throw err;
  }
  return want;
}

async function syncMembers(
  ctx: RunContext,
  sourceId: string,
  group: TargetGroup | undefined,
  want: ReadonlySet<string>,
): Promise<boolean> {
  const { target } = ctx.options;
  const have = new Map<string, string>();
  if (group) {
    for await (const member of target.groupMembers(group.id)) if (member.key) have.set(member.key, member.id);
  }
  let complete = true;
  for (const key of want) {
    if (have.has(key)) continue;
    const userId = await idOf(ctx, key);
    if (userId === undefined) {
      complete = false; // not mirrored (a username conflict, or a plan before the users exist)
      continue;
    }
    await ctx.write({ kind: "join-group", key, target: sourceId }, () =>
      target.joinGroup(userId, group?.id ?? ""),
    );
  }
  for (const [key, userId] of have) {
    if (want.has(key) || !group) continue;
    await ctx.write({ kind: "leave-group", key, target: sourceId }, () =>
      target.leaveGroup(userId, group.id),
    );
  }
  return complete;
}

/** The Keycloak id of a mirrored person, from this run's bounded cache or by key. */
export async function idOf(ctx: RunContext, key: string): Promise<string | undefined> {
  const known = ctx.knownId(key);
  if (known) return known;
  const found = await ctx.options.target.findUser(key);
  if (found) ctx.rememberId(key, found.id);
  return found?.id;
}
