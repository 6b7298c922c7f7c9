/**
 * The control API of the emulator's Microsoft Graph: groups and members,
 * Graph application permissions, throttling and delta resets — and the
 * bridge from the user state machine to what Graph shows (`disabled` →
 * `accountEnabled: false`; `deleted` → gone from `/users`, `@removed` in
 * delta; back to active → restored).
 */
export type { EntraGraphControl } from "./graph-types.js";

import type { Core } from "./core.js";
import type { UserRecord } from "./directory.js";
import { stableGuid } from "./graph-objects.js";
import type { EntraGraphControl } from "./graph-types.js";

export function graphControl(core: Core): EntraGraphControl {
  const { groups } = core.graph;
  const sameTenant = (groupId: string, memberId: string, caller: string) => {
    const group = groups.group(groupId);
    const tid = core.directory.user(memberId)?.tid ?? groups.group(memberId)?.tid;
    if (!group) throw new TypeError(`${caller}: unknown group ${groupId}`);
    if (tid === undefined) throw new TypeError(`${caller}: ${memberId} is neither a user nor a group`);
    if (tid !== group.tid) throw new TypeError(`${caller}: ${memberId} is in another tenant than the group`);
  };
  return {
    graphUrl: core.config.url,
    addGroup(options) {
      if (!core.directory.tenant(options.tenantId))
        throw new TypeError(`addGroup: unknown tenant ${options.tenantId}`);
      const group = groups.add({
        id: options.id,
        tid: options.tenantId.toLowerCase(),
        displayName:
          options.displayName ?? `group-${core.graph.groups.inTenant(options.tenantId).length + 1}`,
        description: options.description ?? null,
        securityEnabled: options.securityEnabled ?? true,
        createdAt: core.now(),
      });
      core.graph.recordGroup(group.id, { kind: "created" });
      return { id: group.id, tenantId: group.tid, displayName: group.displayName };
    },
    addMember(groupId, memberId) {
      sameTenant(groupId, memberId, "addMember");
      groups.addMember(groupId, memberId);
      core.graph.recordGroup(groupId, { kind: "member", memberId: memberId.toLowerCase() });
    },
    removeMember(groupId, memberId) {
      groups.removeMember(groupId, memberId);
      core.graph.recordGroup(groupId, { kind: "member", memberId: memberId.toLowerCase() });
    },
    renameGroup(groupId, displayName) {
      if (!displayName) throw new TypeError("renameGroup: displayName must not be empty");
      groups.rename(groupId, displayName);
      core.graph.recordGroup(groupId, { kind: "renamed" });
    },
    deleteGroup(groupId) {
      // Only the group itself is reported (`@removed`); the memberships that go with it are not
      // changes of the groups that held it [guess: as for a deleted user's memberships, see graph-groups-delta.ts].
      groups.remove(groupId);
      core.graph.recordGroup(groupId, { kind: "deleted" });
    },
    assignAppRole: (principalId, apiClientId, role) => setAppRole(core, principalId, apiClientId, role, true),
    unassignAppRole: (principalId, apiClientId, role) =>
      setAppRole(core, principalId, apiClientId, role, false),
    appRoleId: (apiClientId, role) =>
      stableGuid(`${core.directory.requireApp(apiClientId, "appRoleId").clientId}|${role}`),
    grantGraphPermissions(clientId, permissions) {
      if (!core.directory.app(clientId))
        throw new TypeError(`grantGraphPermissions: unknown app ${clientId}`);
      core.graph.grant(clientId, permissions);
    },
    throttleGraph(throttle) {
      if (!throttle) {
        core.graph.throttle(undefined);
        return;
      }
      const times = throttle.times ?? 1;
      if (!(times > 0)) throw new TypeError("throttleGraph: times must be a positive number");
      const retryAfter = throttle.retryAfterSeconds === undefined ? 2 : throttle.retryAfterSeconds;
      core.graph.throttle({ remaining: times, retryAfterSeconds: retryAfter });
    },
    resetGraphDelta: () => core.graph.resetDelta(),
  };
}

/** A user's role goes on the user; a group's on the group, for its direct members (§11.5). */
function setAppRole(
  core: Core,
  principalId: string,
  apiClientId: string,
  role: string,
  assigned: boolean,
): void {
  if (core.directory.user(principalId)) {
    core.directory.setUserAppRole(principalId, apiClientId, role, assigned);
    return;
  }
  const caller = assigned ? "assignAppRole" : "unassignAppRole";
  if (!core.graph.groups.group(principalId))
    throw new TypeError(`${caller}: ${principalId} is neither a user nor a group`);
  core.directory.setGroupAppRole(principalId, apiClientId, role, assigned);
}

/**
 * A new user: Graph sees it (a delta `created` change), and the group ids of
 * `addUser({ groups })` become memberships — groups created on the fly when
 * unknown, named after their id [guess: tests that predate `addGroup`].
 */
export function userAdded(core: Core, user: UserRecord): void {
  core.graph.recordUser(user.oid, "created", core.now());
  for (const id of user.groups) {
    if (!core.graph.groups.group(id)) {
      core.graph.groups.add({
        id,
        tid: user.tid,
        displayName: `group-${id.slice(0, 8)}`,
        description: null,
        securityEnabled: true,
        createdAt: core.now(),
      });
      core.graph.recordGroup(id, { kind: "created" });
    }
    core.graph.groups.addMember(id, user.oid);
    core.graph.recordGroup(id, { kind: "member", memberId: user.oid });
  }
}

/** A state change as Graph sees it: only `accountEnabled` and deletion are visible (§11.1, §11.3). */
export function userStateChanged(core: Core, user: UserRecord, previous: UserRecord["state"]): void {
  const at = core.now();
  if (previous !== "deleted" && user.state === "deleted") {
    core.graph.recordUser(user.oid, "removed", at);
    return;
  }
  if (previous === "deleted" && user.state !== "deleted") core.graph.recordUser(user.oid, "restored", at);
  if ((previous === "disabled") !== (user.state === "disabled"))
    core.graph.recordUser(user.oid, "accountEnabled", at);
}
