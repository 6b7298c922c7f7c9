/**
 * The groups phase: each Entra group becomes a top-level Keycloak group
 * carrying the Entra group id, and its members are the group's transitive
 * user members. Entra nesting is a graph (a group may sit in several
 * groups), Keycloak's is a tree, so nesting is flattened: a person in a
 * nested group is a direct member of every group above it, which is what
 * Entra's own `groups` claim says about them.
 *
 * Only mirrored people are ever removed from a group: members an admin
 * added by hand in Keycloak (no key) are left where they are. One group's
 * member set is in memory at a time.
 */
import type { TargetGroup } from "../types.js";
import type { RunContext } from "./context.js";

export async function syncGroups(ctx: RunContext): Promise<void> {
  ctx.phase = "groups";
  const { source, target } = ctx.options;
  const existing = await target.groups();
  for await (const group of source.groups()) {
    let mirrored = existing.get(group.id);
    if (!mirrored) {
      await ctx.write({ kind: "create-group", target: group.id }, async () => {
        mirrored = await target.createGroup(group.displayName, group.id);
      });
    }
    await syncMembers(ctx, group.id, mirrored);
  }
}

async function syncMembers(ctx: RunContext, sourceId: string, group: TargetGroup | undefined): Promise<void> {
  const { source, target } = ctx.options;
  const want = new Set<string>();
  for await (const oid of source.groupUsers(sourceId, true))
    want.add(`${source.tenantId}:${oid.toLowerCase()}`);
  const have = new Map<string, string>();
  if (group) {
    for await (const member of target.groupMembers(group.id)) if (member.key) have.set(member.key, member.id);
  }
  for (const key of want) {
    if (have.has(key)) continue;
    const userId = await idOf(ctx, key);
    if (userId === undefined) continue; // not mirrored (a username conflict, or a plan before the users exist)
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
}

/** The Keycloak id of a mirrored person, from this run's bounded cache or by key. */
export async function idOf(ctx: RunContext, key: string): Promise<string | undefined> {
  const known = ctx.knownId(key);
  if (known) return known;
  const found = await ctx.options.target.findUser(key);
  if (found) ctx.rememberId(key, found.id);
  return found?.id;
}
