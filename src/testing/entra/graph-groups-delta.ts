/**
 * `GET /v1.0/groups/delta` (docs/reference/entra-id.md §11.3, §11.8): the groups round as the
 * users one (`graph-delta.ts`) — nextLink pages, a final deltaLink, `$deltatoken=latest`,
 * 410 after `resetGraphDelta()`, seven-day tokens — with membership as `members@delta`
 * when `$select` names `members`:
 *
 * - the first round lists every group with all its direct members (users and groups,
 *   each `{"@odata.type","id"}`);
 * - a later round lists a group whose selected properties changed, and, when its
 *   direct members changed, only those members: an added one as in the first round,
 *   a removed one with `"@removed":{"reason":"deleted"}`;
 * - a group with more members than fit in one object is repeated, the same
 *   properties each time, the next members in the next object (on the same page or
 *   a later one);
 * - a deleted group comes as `{"id","@removed":{"reason"}}`: `deleted` for a security
 *   group (deleted for good), `changed` for another (restorable).
 *
 * Membership that goes because a user or a group was deleted is not reported as a
 * change of the groups that held it [guess: users report such removals missing from
 * group delta, microsoftgraph/microsoft-graph-docs#18628 and #7115]; a client must
 * learn of those deletions elsewhere (the users delta, or the group's own `@removed`).
 */
import type { Core } from "./core.js";
import type { GraphCaller } from "./graph-auth.js";
import { latest, previousRound } from "./graph-delta.js";
import type { GroupRecord } from "./graph-groups.js";
import { graphFail } from "./graph-http.js";
import { groupJson, parseSelect } from "./graph-objects.js";
import { contextUrl, cursorOf, pageOf } from "./graph-paging.js";
import type { DeltaState } from "./graph-state.js";
import type { RequestContext } from "./http.js";

type Json = Record<string, unknown>;

interface GroupSelect {
  /** The properties to return; undefined: the default set. */
  readonly properties: string[] | undefined;
  /** Whether `members` is selected: membership is tracked as `members@delta`. */
  readonly members: boolean;
  /** `$select` as the client gave it, for the context URL and the next rounds. */
  readonly raw: string[] | undefined;
}

export function groupsDelta(core: Core, ctx: RequestContext, caller: GraphCaller, pageSize: number): Json {
  const query = ctx.url.searchParams;
  for (const option of ["$top", "$orderby"]) {
    // §11.3: unsupported on group delta as on user delta; the answer's code and text are a [guess].
    if (query.has(option))
      graphFail(400, "Request_UnsupportedQuery", `Unsupported query option '${option}'.`);
  }
  const skipCursor = cursorOf(core, ctx);
  if (skipCursor) {
    const state = skipCursor.deltaToken ? core.graph.deltaToken(skipCursor.deltaToken)?.state : undefined;
    return pageOf(core, ctx, skipCursor, contextUrl(core, "groups", state?.select));
  }
  const token = query.get("$deltatoken");
  if (token === "latest") return latest(core, ctx, caller, selectOf(query).raw, "groups");
  const since = token ? previousRound(core, ctx, caller, token, "groups") : undefined;
  const select = since ? fromRaw(since.select) : selectOf(query);
  const items = since
    ? changesSince(core, caller.tid, since, select)
    : currentGroups(core, caller.tid, select);
  const deltaToken = core.graph.issueDeltaToken({
    tid: caller.tid,
    seq: core.graph.seq,
    select: select.raw,
    issuedAt: ctx.now,
    entity: "groups",
  });
  return pageOf(
    core,
    ctx,
    { items, offset: 0, pageSize, deltaToken },
    contextUrl(core, "groups", select.raw),
  );
}

/** `$select`: group properties (checked as `/groups` checks them) plus the `members` relationship. */
function selectOf(query: URLSearchParams): GroupSelect {
  const raw = query.get("$select");
  if (raw === null) return fromRaw(undefined);
  const names = raw
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const properties = names.filter((name) => name !== "members");
  parseSelect(new URLSearchParams({ $select: properties.join(",") }), "group");
  return fromRaw(names);
}

function fromRaw(raw: readonly string[] | undefined): GroupSelect {
  if (raw === undefined) return { properties: undefined, members: false, raw: undefined };
  const properties = raw.filter((name) => name !== "members");
  // `id` is always part of a delta item, whatever `$select` says.
  return {
    properties: properties.includes("id") ? properties : ["id", ...properties],
    members: raw.includes("members"),
    raw: [...raw],
  };
}

/** A member as `members@delta` lists it; `removed` adds the annotation. */
function memberJson(core: Core, id: string, removed: boolean): Json {
  const type = core.directory.user(id) ? "#microsoft.graph.user" : "#microsoft.graph.group";
  return removed
    ? { "@odata.type": type, id, "@removed": { reason: "deleted" } }
    : { "@odata.type": type, id };
}

/** Whether `id` is a member Graph shows: deleted users and groups drop out of every listing. */
function present(core: Core, id: string): boolean {
  const user = core.directory.user(id);
  if (user) return user.state !== "deleted";
  return core.graph.groups.group(id) !== undefined;
}

/** The group's objects: the properties, then its members in slices, one object per slice. */
function groupObjects(
  core: Core,
  group: GroupRecord,
  select: GroupSelect,
  members: Json[] | undefined,
): Json[] {
  const properties = groupJson(group, select.properties);
  if (members === undefined) return [properties];
  const size = core.config.graphDeltaMembersPerObject;
  const objects: Json[] = [];
  for (let at = 0; at === 0 || at < members.length; at += size) {
    objects.push({ ...properties, "members@delta": members.slice(at, at + size) });
  }
  return objects;
}

/** A group as the first round lists it: every direct member Graph shows. */
function wholeGroup(core: Core, group: GroupRecord, select: GroupSelect): Json[] {
  const members = select.members
    ? core.graph.groups
        .membersOf(group.id)
        .filter((id) => present(core, id))
        .map((id) => memberJson(core, id, false))
    : undefined;
  return groupObjects(core, group, select, members);
}

function currentGroups(core: Core, tid: string, select: GroupSelect): Json[] {
  return core.graph.groups.inTenant(tid).flatMap((group) => wholeGroup(core, group, select));
}

/** The groups that changed since the round, as §11.3 and the notes at the top of this file say. */
function changesSince(core: Core, tid: string, round: DeltaState, select: GroupSelect): Json[] {
  const items: Json[] = [];
  for (const id of core.graph.groupIds()) {
    const changes = core.graph.groupChangesSince(id, round.seq).map((entry) => entry.change);
    if (changes.length === 0) continue;
    const created = changes.some((c) => c.kind === "created");
    const gone = core.graph.groups.deleted(id);
    if (gone) {
      if (gone.tid === tid && !created)
        items.push({ id, "@removed": { reason: gone.securityEnabled ? "deleted" : "changed" } });
      continue;
    }
    const group = core.graph.groups.group(id);
    if (!group || group.tid !== tid) continue;
    if (created) {
      items.push(...wholeGroup(core, group, select));
      continue;
    }
    const renamed =
      changes.some((c) => c.kind === "renamed") &&
      (select.properties === undefined || select.properties.includes("displayName"));
    const touched = new Set(changes.flatMap((c) => (c.kind === "member" ? [c.memberId] : [])));
    const direct = new Set(core.graph.groups.membersOf(id));
    const members =
      select.members && touched.size > 0
        ? [...touched].map((m) => memberJson(core, m, !(direct.has(m) && present(core, m))))
        : undefined;
    if (renamed || members) items.push(...groupObjects(core, group, select, members));
  }
  return items;
}
