/**
 * The public shape of the emulator's Microsoft Graph control API. Kept free
 * of the emulator's internals (and of Node types), so the declarations of
 * `idswitch/testing` stay self-contained.
 */
import type { EntraGraphThrottle, EntraGroup, EntraGroupOptions } from "./types.js";

/**
 * Graph's part of a running emulator (see `EntraEmulator`).
 *
 * @example
 * import { entraDirectory } from "idswitch/directory";
 * const staff = entra.addGroup({ tenantId: tenant.id, displayName: "Staff" });
 * entra.addMember(staff.id, user.oid);
 * entra.grantGraphPermissions(mirrorApp.clientId, ["User.Read.All", "GroupMember.Read.All", "Application.Read.All"]);
 * const source = entraDirectory({ tenantId: tenant.id, clientId: mirrorApp.clientId, clientSecret: "s3cret",
 *   authority: entra.url, graphUrl: entra.graphUrl });
 */
export interface EntraGraphControl {
  /**
   * Stands in for `https://graph.microsoft.com`: Graph is served on the emulator's own origin, under
   * `/v1.0`. Tokens come from client credentials with `scope=https://graph.microsoft.com/.default`.
   *
   * @example
   * await fetch(`${entra.graphUrl}/v1.0/users?$select=id,accountEnabled`, { headers: { authorization } });
   */
  readonly graphUrl: string;

  /**
   * Creates a group in a tenant.
   *
   * @example
   * const staff = entra.addGroup({ tenantId: tenant.id, displayName: "Staff" });
   */
  addGroup(options: EntraGroupOptions): EntraGroup;

  /**
   * Makes a user or a group a direct member of a group. Nested groups count for `transitiveMemberOf`, the
   * `groups` claim and its overage (over 200 groups, docs/reference/entra-id.md §5.4).
   *
   * @example
   * entra.addMember(staff.id, user.oid);
   * entra.addMember(everyone.id, staff.id); // user is now transitively in "everyone"
   */
  addMember(groupId: string, memberId: string): void;

  /**
   * @example
   * entra.removeMember(staff.id, user.oid);
   */
  removeMember(groupId: string, memberId: string): void;

  /**
   * Changes a group's `displayName`: a groups delta round lists the group again (§11.3).
   *
   * @example
   * entra.renameGroup(staff.id, "All staff");
   */
  renameGroup(groupId: string, displayName: string): void;

  /**
   * Deletes a group (permanently for a security group: a groups delta round reports it `@removed` with
   * reason `deleted`; other groups with `changed`, §11.3). Its memberships go with it.
   *
   * @example
   * entra.deleteGroup(staff.id);
   */
  deleteGroup(groupId: string): void;

  /**
   * Gives an app role of `apiClientId` to a user or a group (an app role assignment, docs/reference/entra-id.md §11.5). A
   * group's role reaches its direct members only, in their tokens' `roles` and in Graph's
   * `appRoleAssignedTo`.
   *
   * @example
   * const api = entra.addApp({ tenantId: tenant.id, appRoles: ["Case.Read"] });
   * entra.assignAppRole(staff.id, api.clientId, "Case.Read"); // staff's direct members hold it
   */
  assignAppRole(principalId: string, apiClientId: string, role: string): void;

  /**
   * Takes an app role assignment away again.
   *
   * @example
   * entra.unassignAppRole(user.oid, api.clientId, "Case.Read");
   */
  unassignAppRole(principalId: string, apiClientId: string, role: string): void;

  /**
   * The `appRoleId` Graph reports for a role value: a role mapping of the directory mirror is keyed on it.
   *
   * @example
   * const roles = { [entra.appRoleId(api.clientId, "Case.Read")]: "case-reader" };
   */
  appRoleId(apiClientId: string, role: string): string;

  /**
   * Grants Microsoft Graph application permissions (admin consent) to a client app: they are the `roles`
   * of its Graph tokens and decide what Graph answers (§11.7).
   *
   * @example
   * entra.grantGraphPermissions(mirrorApp.clientId, ["User.Read.All", "GroupMember.Read.All"]);
   */
  grantGraphPermissions(clientId: string, permissions: readonly string[]): void;

  /**
   * The next Graph requests answer 429 (§11.6); `throttleGraph(undefined)` stops it.
   *
   * @example
   * entra.throttleGraph({ times: 2, retryAfterSeconds: 0.5 });
   */
  throttleGraph(throttle: EntraGraphThrottle | undefined): void;

  /**
   * Every delta token issued so far answers 410 Gone with a `Location` for a full resync (§11.3).
   *
   * @example
   * entra.resetGraphDelta();
   */
  resetGraphDelta(): void;
}
