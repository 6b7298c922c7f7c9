/**
 * The groups phase: each Entra group becomes a top-level Keycloak group
 * carrying the Entra group id, and its members are the group's transitive
 * user members. Entra nesting is a graph (a group may sit in several
 * groups), Keycloak's is a tree, so nesting is flattened: a person in a
 * nested group is a direct member of every group above it, which is what
 * Entra's own `groups` claim says about them.
 *
 * Which groups are compared: all of them when the source cannot say what
 * changed; otherwise only the changed ones and those above them
 * (groups-delta.ts). A group removed at the source is left in Keycloak as it
 * is. Only mirrored people are ever removed from a group: members an admin
 * added by hand in Keycloak (no key) are left where they are.
 */
import type { RunContext } from "./context.js";
import { compareAll, MirroredGroups } from "./group-compare.js";
import { syncGroupsDelta } from "./groups-delta.js";

export { idOf } from "./group-compare.js";

export async function syncGroups(ctx: RunContext): Promise<void> {
  ctx.phase = "groups";
  if (ctx.options.source.groupPages) return syncGroupsDelta(ctx);
  await compareAll(ctx, new MirroredGroups(ctx));
}
