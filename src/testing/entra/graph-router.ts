/**
 * `/v1.0/...`: the emulator's Microsoft Graph (docs/reference/entra-id.md §11). Every request
 * is authenticated (a Graph token of this emulator), checked against the
 * permissions Graph documents for it, counted against a throttle a test
 * set (§11.6), answered from the directory of the token's tenant, and
 * labelled with its resource-unit cost. `POST /v1.0/$batch` runs up to 20
 * requests in one round trip, each answered (and throttled) on its own.
 */
import type { Core } from "./core.js";
import { getDirectoryAudit, listDirectoryAudits } from "./graph-audit.js";
import {
  auditLogDenied,
  authenticateGraph,
  type GraphCaller,
  PERMISSIONS,
  requirePermission,
} from "./graph-auth.js";
import { usersDelta } from "./graph-delta.js";
import * as graph from "./graph-endpoints.js";
import { groupsDelta } from "./graph-groups-delta.js";
import {
  GraphProblem,
  graphErrorReply,
  graphFail,
  graphJson,
  resourceUnits,
  throttledReply,
} from "./graph-http.js";
import type { Reply, RequestContext } from "./http.js";
import { guid } from "./ids.js";

type Json = Record<string, unknown>;

interface GraphRoute {
  readonly method: "GET" | "POST";
  readonly permissions: readonly string[];
  /** Base resource units (§11.6). */
  readonly cost: number;
  readonly run: (core: Core, ctx: RequestContext, caller: GraphCaller) => Json;
  /** The 403 when the caller holds none of `permissions` (default: `Authorization_RequestDenied`). */
  readonly denied?: () => GraphProblem;
}

const get = (permissions: readonly string[], cost: number, run: GraphRoute["run"]): GraphRoute => ({
  method: "GET",
  permissions,
  cost,
  run,
});

/** The route of `/v1.0/<segments>`, or undefined. */
function match(segments: readonly string[], deltaPageSize: number): GraphRoute | undefined {
  const [collection, id, relation, cast] = segments;
  if (collection?.toLowerCase() === "auditlogs") return auditRoute(segments);
  if (segments.length > 4 || (cast !== undefined && cast !== "microsoft.graph.group")) return undefined;
  if (collection === "users") {
    if (id === undefined) return get(PERMISSIONS.users, 2, graph.listUsers);
    if (id === "delta" && relation === undefined) {
      return get(PERMISSIONS.users, 1, (c, x, caller) => usersDelta(c, x, caller, deltaPageSize));
    }
    return userRoute(id, relation, cast !== undefined);
  }
  if (collection === "groups") {
    if (id === undefined) return get(PERMISSIONS.groups, 1, graph.listGroups);
    if (id === "delta" && relation === undefined) {
      return get(PERMISSIONS.groups, 1, (c, x, caller) => groupsDelta(c, x, caller, deltaPageSize));
    }
    if (relation === "memberOf" || relation === "transitiveMemberOf") {
      const transitive = relation === "transitiveMemberOf";
      return get(PERMISSIONS.groups, 1, (c, x, caller) =>
        graph.groupMemberOf(c, x, caller, id, transitive, cast !== undefined),
      );
    }
    if (cast !== undefined) return undefined;
    if (relation === undefined)
      return get(PERMISSIONS.groups, 1, (c, x, caller) => graph.getGroup(c, x, caller, id));
    if (relation === "members" || relation === "transitiveMembers") {
      const transitive = relation === "transitiveMembers";
      return get(PERMISSIONS.groups, transitive ? 5 : 3, (c, x, caller) =>
        graph.groupMembers(c, x, caller, id, transitive),
      );
    }
    return undefined;
  }
  const spKey = collection?.startsWith("servicePrincipals(")
    ? collection.slice("servicePrincipals".length)
    : id;
  const spRelation = collection?.startsWith("servicePrincipals(") ? id : relation;
  if (
    collection?.startsWith("servicePrincipals") &&
    spKey !== undefined &&
    spRelation === "appRoleAssignedTo"
  ) {
    return get(PERMISSIONS.appRoleAssignments, 2, (c, x, caller) =>
      graph.appRoleAssignedTo(c, x, caller, spKey),
    );
  }
  return undefined;
}

/**
 * `/auditLogs/directoryAudits[/{id}]` (§13; Microsoft writes the path in either case). [guess] cost 1:
 * the audit log is not among the identity requests whose resource units §11.6 lists.
 */
function auditRoute(segments: readonly string[]): GraphRoute | undefined {
  const [, set, id, more] = segments;
  if (set?.toLowerCase() !== "directoryaudits" || more !== undefined) return undefined;
  const run: GraphRoute["run"] =
    id === undefined ? listDirectoryAudits : (c, x, caller) => getDirectoryAudit(c, x, caller, id);
  return { ...get(PERMISSIONS.auditLogs, 1, run), denied: auditLogDenied };
}

function userRoute(id: string, relation: string | undefined, groupsOnly: boolean): GraphRoute | undefined {
  if (relation === undefined)
    return get(PERMISSIONS.users, 1, (c, x, caller) => graph.getUser(c, x, caller, id));
  if (relation === "memberOf" || relation === "transitiveMemberOf") {
    const transitive = relation === "transitiveMemberOf";
    return get(PERMISSIONS.memberships, 1, (c, x, caller) =>
      graph.userMemberOf(c, x, caller, id, transitive, groupsOnly),
    );
  }
  if (relation === "getMemberGroups" || relation === "getMemberObjects") {
    return {
      method: "POST",
      permissions: PERMISSIONS.memberships,
      cost: 1,
      run: (c, x, k) => graph.memberIds(c, x, k, id),
    };
  }
  // [guess] docs/reference/entra-id.md names no permission for a user's own assignments; Directory.Read.All is Graph's usual one.
  if (relation === "appRoleAssignments") {
    return get(
      ["Directory.Read.All", "AppRoleAssignment.ReadWrite.All", "Directory.ReadWrite.All"],
      2,
      (c, x, k) => graph.userAppRoleAssignments(c, x, k, id),
    );
  }
  return undefined;
}

function segmentsOf(ctx: RequestContext): string[] {
  return ctx.url.pathname
    .replace(/^\/v1\.0\/?/, "")
    .split("/")
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
}

/** One Graph request, caller already known. */
function dispatch(core: Core, ctx: RequestContext, caller: GraphCaller, deltaPageSize: number): Reply {
  try {
    const segments = segmentsOf(ctx);
    const route = match(segments, deltaPageSize);
    // [guess] Graph's answer for an unknown path; docs/reference/entra-id.md does not quote it.
    if (!route)
      graphFail(400, "BadRequest", `Resource not found for the segment '${segments.at(-1) ?? ""}'.`);
    if (route.method !== ctx.method)
      graphFail(405, "Request_BadRequest", `The HTTP method '${ctx.method}' is not allowed.`);
    requirePermission(caller, route.permissions, route.denied);
    const throttle = core.graph.takeThrottle();
    if (throttle) {
      return throttledReply(
        ctx,
        throttle.retryAfterSeconds,
        `Tenant_Application/ReadWrite/${caller.appId}/${caller.tid}`,
      );
    }
    const units = String(resourceUnits(route.cost, ctx.url.searchParams));
    return graphJson(ctx, route.run(core, ctx, caller), { "x-ms-resource-unit": units });
  } catch (problem) {
    if (problem instanceof GraphProblem) return graphErrorReply(ctx, problem);
    throw problem;
  }
}

export async function graphReply(core: Core, ctx: RequestContext, deltaPageSize: number): Promise<Reply> {
  let caller: GraphCaller;
  try {
    caller = await authenticateGraph(core, ctx);
  } catch (problem) {
    if (problem instanceof GraphProblem) return graphErrorReply(ctx, problem);
    throw problem;
  }
  if (ctx.url.pathname === "/v1.0/$batch") return batchReply(core, ctx, caller, deltaPageSize);
  return dispatch(core, ctx, caller, deltaPageSize);
}

interface BatchRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly body?: unknown;
}

/** JSON batching: at most 20 requests, relative URLs, one response each with its own status. */
function batchReply(core: Core, ctx: RequestContext, caller: GraphCaller, deltaPageSize: number): Reply {
  try {
    if (ctx.method !== "POST") graphFail(405, "Request_BadRequest", "The HTTP method is not allowed.");
    const requests = parseBatch(ctx.body);
    const responses = requests.map((request) => {
      const url = new URL(`/v1.0/${request.url.replace(/^\/+/, "")}`, ctx.url);
      const body = request.body === undefined ? "" : JSON.stringify(request.body);
      const sub: RequestContext = {
        ...ctx,
        method: request.method.toUpperCase(),
        url,
        body,
        requestId: guid(),
      };
      const reply = dispatch(core, sub, caller, deltaPageSize);
      const { "Content-Type": type, "Retry-After": retryAfter } = reply.headers as Record<
        string,
        string | undefined
      >;
      const headers: Record<string, string> = type ? { "Content-Type": type } : {};
      if (retryAfter !== undefined) headers["Retry-After"] = retryAfter;
      return { id: request.id, status: reply.status, headers, body: JSON.parse(reply.body) };
    });
    return graphJson(ctx, { responses });
  } catch (problem) {
    if (problem instanceof GraphProblem) return graphErrorReply(ctx, problem);
    throw problem;
  }
}

function parseBatch(text: string): BatchRequest[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const requests = (parsed as { requests?: unknown } | undefined)?.requests;
  const valid =
    Array.isArray(requests) &&
    requests.every(
      (r) => typeof r?.id === "string" && typeof r?.method === "string" && typeof r?.url === "string",
    );
  // [guess] wording; the 20-request limit is Graph's documented JSON-batching limit.
  if (!valid) graphFail(400, "BadRequest", "Invalid batch payload format.");
  if (requests.length > 20)
    graphFail(400, "BadRequest", "The number of batch requests exceeds the limit of 20.");
  return requests as BatchRequest[];
}
