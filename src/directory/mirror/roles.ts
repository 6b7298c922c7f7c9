/**
 * The roles phase: each configured Entra app's role assignments become
 * client roles of a Keycloak client. A role given to a group reaches the
 * group's direct members only — Entra's own rule (docs/reference/entra-id.md §11.5). Only
 * mapped role ids are touched, and only mirrored people lose a role.
 */
import type { DirectorySource } from "../entra/source.js";
import type { RunContext } from "./context.js";
import { idOf } from "./groups.js";
import type { RoleMapping } from "./options.js";

export async function syncRoles(ctx: RunContext): Promise<void> {
  ctx.phase = "roles";
  for (const mapping of ctx.options.roles) await syncApp(ctx, mapping);
}

/** Role name → keys of the people who hold it at the source. */
export async function wantedRoles(
  source: DirectorySource,
  mapping: RoleMapping,
): Promise<Map<string, Set<string>>> {
  const want = new Map<string, Set<string>>(
    Object.values(mapping.roles).map((name) => [name, new Set<string>()]),
  );
  const keyOf = (oid: string) => `${source.tenantId}:${oid.toLowerCase()}`;
  for await (const assignment of source.roleAssignments(mapping.appId)) {
    const role = mapping.roles[assignment.appRoleId.toLowerCase()] ?? mapping.roles[assignment.appRoleId];
    const holders = role === undefined ? undefined : want.get(role);
    if (!holders) continue;
    if (assignment.principalType === "User") holders.add(keyOf(assignment.principalId));
    if (assignment.principalType === "Group") {
      for await (const oid of source.groupUsers(assignment.principalId, false)) holders.add(keyOf(oid));
    }
  }
  return want;
}

async function syncApp(ctx: RunContext, mapping: RoleMapping): Promise<void> {
  const { target } = ctx.options;
  const client = await target.clientUuid(mapping.client);
  for (const [name, holders] of await wantedRoles(ctx.options.source, mapping)) {
    const roleName = `${mapping.client}/${name}`;
    let role = await target.clientRole(client, name, true);
    if (!role) {
      await ctx.write({ kind: "create-role", target: roleName }, async () => {
        role = await target.clientRole(client, name, false);
      });
    }
    const have = new Map<string, string>();
    if (role)
      for await (const user of target.roleMembers(client, name)) if (user.key) have.set(user.key, user.id);
    for (const key of holders) {
      if (have.has(key)) continue;
      const userId = await idOf(ctx, key);
      if (userId === undefined) continue;
      await ctx.write({ kind: "grant-role", key, target: roleName }, () =>
        target.grantRole(userId, client, role ?? {}),
      );
    }
    for (const [key, userId] of have) {
      if (holders.has(key)) continue;
      await ctx.write({ kind: "revoke-role", key, target: roleName }, () =>
        target.revokeRole(userId, client, role ?? {}),
      );
    }
  }
}
