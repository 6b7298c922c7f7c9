/**
 * The Graph requests the emulator answers (docs/reference/entra-id.md §11.1, §11.4, §11.5),
 * each scoped to the caller's tenant: users, groups, members (direct and
 * transitive), a user's memberships and app role assignments. Each handler
 * returns the JSON body; the router adds headers, auth and throttling.
 */
import type { Core } from "./core.js";
import type { UserRecord } from "./directory.js";
import type { GraphCaller } from "./graph-auth.js";
import { graphFail } from "./graph-http.js";
import {
  type Assignment,
  assignmentJson,
  directoryObjectJson,
  groupJson,
  parseSelect,
  userJson,
} from "./graph-objects.js";
import { collection, contextUrl } from "./graph-paging.js";
import type { RequestContext } from "./http.js";

type Json = Record<string, unknown>;

/** §11.1: 404 for a missing or deleted object. */
function notFound(id: string): never {
  graphFail(
    404,
    "Request_ResourceNotFound",
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

/** A user of the caller's tenant by object id or UPN; deleted users are gone from `/users`. */
export function requireUser(core: Core, caller: GraphCaller, idOrUpn: string): UserRecord {
  const user = core.directory.user(idOrUpn) ?? core.directory.userByUpn(idOrUpn);
  if (!user || user.tid !== caller.tid || user.state === "deleted") notFound(idOrUpn);
  return user;
}

function requireGroup(core: Core, caller: GraphCaller, id: string) {
  const group = core.graph.groups.group(id);
  if (!group || group.tid !== caller.tid) notFound(id);
  return group;
}

export function listUsers(core: Core, ctx: RequestContext, caller: GraphCaller): Json {
  const select = parseSelect(ctx.url.searchParams, "user");
  return collection(core, ctx, contextUrl(core, "users", select), () =>
    core.graph
      .userIds()
      .map((oid) => core.directory.user(oid))
      .filter((u): u is UserRecord => u !== undefined && u.tid === caller.tid && u.state !== "deleted")
      .map((user) => userJson(core, user, select)),
  );
}

export function getUser(core: Core, ctx: RequestContext, caller: GraphCaller, id: string): Json {
  const select = parseSelect(ctx.url.searchParams, "user");
  const user = requireUser(core, caller, id);
  return {
    "@odata.context": `${contextUrl(core, "users", select)}/$entity`,
    ...userJson(core, user, select),
  };
}

export function listGroups(core: Core, ctx: RequestContext, caller: GraphCaller): Json {
  const select = parseSelect(ctx.url.searchParams, "group");
  return collection(core, ctx, contextUrl(core, "groups", select), () =>
    core.graph.groups.inTenant(caller.tid).map((group) => groupJson(group, select)),
  );
}

export function getGroup(core: Core, ctx: RequestContext, caller: GraphCaller, id: string): Json {
  const select = parseSelect(ctx.url.searchParams, "group");
  const group = requireGroup(core, caller, id);
  return { "@odata.context": `${contextUrl(core, "groups", select)}/$entity`, ...groupJson(group, select) };
}

/** Users that are deleted drop out of every listing. */
function visible(core: Core, id: string): boolean {
  return core.directory.user(id)?.state !== "deleted";
}

/** `/groups/{id}/members` (direct) or `/transitiveMembers` (nesting followed), §11.4. */
export function groupMembers(
  core: Core,
  ctx: RequestContext,
  caller: GraphCaller,
  id: string,
  transitive: boolean,
): Json {
  const group = requireGroup(core, caller, id);
  const select = parseSelect(ctx.url.searchParams, "directoryObject");
  const ids = transitive
    ? core.graph.groups.transitiveMembersOf(group.id)
    : core.graph.groups.membersOf(group.id);
  return collection(core, ctx, contextUrl(core, "directoryObjects", select), () =>
    ids.filter((member) => visible(core, member)).map((member) => directoryObjectJson(core, member, select)),
  );
}

/**
 * `/users/{id}/memberOf` or `/transitiveMemberOf`, optionally cast to
 * groups (`/microsoft.graph.group`): the groups above the user, §11.4.
 */
export function userMemberOf(
  core: Core,
  ctx: RequestContext,
  caller: GraphCaller,
  id: string,
  transitive: boolean,
  groupsOnly: boolean,
): Json {
  return memberOf(core, ctx, requireUser(core, caller, id).oid, transitive, groupsOnly);
}

/**
 * `/groups/{id}/memberOf` or `/transitiveMemberOf`, optionally cast to groups: the groups a group sits in,
 * directly or through nesting (§11.4).
 */
export function groupMemberOf(
  core: Core,
  ctx: RequestContext,
  caller: GraphCaller,
  id: string,
  transitive: boolean,
  groupsOnly: boolean,
): Json {
  return memberOf(core, ctx, requireGroup(core, caller, id).id, transitive, groupsOnly);
}

/** The groups above a user or a group, as either memberOf endpoint answers them. */
function memberOf(
  core: Core,
  ctx: RequestContext,
  objectId: string,
  transitive: boolean,
  groupsOnly: boolean,
): Json {
  const select = parseSelect(ctx.url.searchParams, groupsOnly ? "group" : "directoryObject");
  const ids = transitive
    ? core.graph.groups.transitiveMemberOf(objectId)
    : core.graph.groups.memberOf(objectId);
  return collection(core, ctx, contextUrl(core, groupsOnly ? "groups" : "directoryObjects", select), () =>
    ids.map((group) => directoryObjectJson(core, group, select)),
  );
}

/** `POST /users/{id}/getMemberGroups` / `getMemberObjects`: every group id, transitive, unpaged (§11.4). */
export function memberIds(core: Core, ctx: RequestContext, caller: GraphCaller, id: string): Json {
  const user = requireUser(core, caller, id);
  let body: unknown;
  try {
    body = JSON.parse(ctx.body || "null");
  } catch {
    body = undefined;
  }
  const flag = (body as { securityEnabledOnly?: unknown } | undefined)?.securityEnabledOnly;
  // [guess] Graph's text for a missing parameter.
  if (typeof flag !== "boolean")
    graphFail(400, "Request_BadRequest", "Invalid request body: securityEnabledOnly is required.");
  const groups = core.graph.groups
    .transitiveMemberOf(user.oid)
    .filter((g) => !flag || core.graph.groups.group(g)?.securityEnabled !== false);
  return { "@odata.context": `${core.config.url}/v1.0/$metadata#Collection(Edm.String)`, value: groups };
}

/** Every app role assignment in the caller's tenant: users' roles and apps' application permissions (§11.5). */
function assignments(core: Core, tid: string): Assignment[] {
  const found: Assignment[] = [];
  for (const oid of core.graph.userIds()) {
    const user = core.directory.user(oid);
    if (!user || user.tid !== tid || user.state === "deleted") continue;
    for (const [apiId, roles] of user.appRoles) {
      const api = core.directory.appIn(apiId, tid);
      if (!api) continue;
      const resourceId = core.directory.servicePrincipalId(api, tid);
      for (const role of roles) {
        const at = core.graph.createdAt(oid) ?? core.now();
        found.push({
          principalId: oid,
          principalType: "User",
          principalDisplayName: user.displayName,
          resource: api,
          resourceId,
          role,
          createdAt: at,
        });
      }
    }
  }
  for (const group of core.graph.groups.inTenant(tid)) {
    for (const [apiId, roles] of core.directory.groupAppRoles(group.id)) {
      const api = core.directory.appIn(apiId, tid);
      if (!api) continue;
      const resourceId = core.directory.servicePrincipalId(api, tid);
      for (const role of roles) {
        found.push({
          principalId: group.id,
          principalType: "Group",
          principalDisplayName: group.displayName,
          resource: api,
          resourceId,
          role,
          createdAt: core.now(), // [guess] the emulator keeps no assignment time
        });
      }
    }
  }
  for (const client of core.directory.apps()) {
    const principalId = client.servicePrincipals.get(tid);
    if (!principalId) continue;
    for (const api of core.directory.apps()) {
      const resourceId = api.servicePrincipals.get(tid);
      if (!resourceId) continue;
      for (const role of core.directory.grantedAppRoles(client.clientId, api.clientId)) {
        found.push({
          principalId,
          principalType: "ServicePrincipal",
          principalDisplayName: client.displayName,
          resource: api,
          resourceId,
          role,
          createdAt: core.now(),
        });
      }
    }
  }
  return found;
}

export function userAppRoleAssignments(
  core: Core,
  ctx: RequestContext,
  caller: GraphCaller,
  id: string,
): Json {
  const user = requireUser(core, caller, id);
  return collection(core, ctx, contextUrl(core, "appRoleAssignments", undefined), () =>
    assignments(core, caller.tid)
      .filter((a) => a.principalId === user.oid)
      .map(assignmentJson),
  );
}

/** `/servicePrincipals/{id}/appRoleAssignedTo` or `/servicePrincipals(appId='{appId}')/appRoleAssignedTo`. */
export function appRoleAssignedTo(core: Core, ctx: RequestContext, caller: GraphCaller, key: string): Json {
  const byAppId = /^\(appId='([^']+)'\)$/.exec(key)?.[1];
  const app = byAppId
    ? core.directory.appIn(byAppId, caller.tid)
    : core.directory
        .apps()
        .find((a) => a.servicePrincipals.get(caller.tid) === key.replace(/^\//, "").toLowerCase());
  const resourceId = app?.servicePrincipals.get(caller.tid);
  if (!app || !resourceId) notFound(byAppId ?? key.replace(/^\//, ""));
  return collection(core, ctx, contextUrl(core, "appRoleAssignments", undefined), () =>
    assignments(core, caller.tid)
      .filter((a) => a.resourceId === resourceId)
      .map(assignmentJson),
  );
}
