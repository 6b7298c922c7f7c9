/**
 * `GET /v1.0/users/delta` (docs/reference/entra-id.md §11.3): a first round lists every user
 * and ends with an `@odata.deltaLink`; following it returns the users that
 * changed since, a deleted user as `{"id","@removed":{"reason":"changed"}}`
 * (soft delete, restorable) and a restored one without annotation.
 * `$select` decides which property changes make a user appear. Tokens live
 * seven days; after `resetGraphDelta()` an old token answers 410 Gone with
 * a `Location` that starts a full resync.
 */
import type { Core } from "./core.js";
import type { UserRecord } from "./directory.js";
import type { GraphCaller } from "./graph-auth.js";
import { GraphProblem, graphFail } from "./graph-http.js";
import { parseSelect, userJson } from "./graph-objects.js";
import { contextUrl, cursorOf, linkWith, pageOf } from "./graph-paging.js";
import type { DeltaState } from "./graph-state.js";
import type { RequestContext } from "./http.js";

type Json = Record<string, unknown>;

const TOKEN_LIFETIME_MS = 7 * 86_400_000; // §11.3: seven days for directory objects

export function usersDelta(core: Core, ctx: RequestContext, caller: GraphCaller, pageSize: number): Json {
  const query = ctx.url.searchParams;
  for (const option of ["$top", "$orderby", "$expand"]) {
    // §11.3: unsupported on user delta; the answer's code and text are a [guess].
    if (query.has(option))
      graphFail(400, "Request_UnsupportedQuery", `Unsupported query option '${option}'.`);
  }
  const skipCursor = cursorOf(core, ctx);
  if (skipCursor) return pageOf(core, ctx, skipCursor, contextFor(core, skipCursor.deltaToken));
  const token = query.get("$deltatoken");
  if (token === "latest") return latest(core, ctx, caller, parseSelect(query, "user"), "users");
  const since = token ? previousRound(core, ctx, caller, token, "users") : undefined;
  const select = since ? since.select : parseSelect(query, "user");
  const items = since ? changesSince(core, caller.tid, since) : currentUsers(core, caller.tid, select);
  const deltaToken = core.graph.issueDeltaToken({
    tid: caller.tid,
    seq: core.graph.seq,
    select,
    issuedAt: ctx.now,
  });
  return pageOf(core, ctx, { items, offset: 0, pageSize, deltaToken }, contextUrl(core, "users", select));
}

function contextFor(core: Core, deltaToken: string | undefined): string {
  const state = deltaToken ? core.graph.deltaToken(deltaToken)?.state : undefined;
  return contextUrl(core, "users", state?.select);
}

/** `$deltatoken=latest`: "sync from now" — only a deltaLink (§11.3). */
export function latest(
  core: Core,
  ctx: RequestContext,
  caller: GraphCaller,
  select: string[] | undefined,
  entity: "users" | "groups",
): Json {
  const token = core.graph.issueDeltaToken({
    tid: caller.tid,
    seq: core.graph.seq,
    select,
    issuedAt: ctx.now,
    entity,
  });
  return {
    "@odata.context": contextUrl(core, entity, select),
    "@odata.deltaLink": linkWith(core, ctx, { $deltatoken: token }),
    value: [],
  };
}

/** The round a `$deltatoken` names, refused as Graph refuses a stale, expired or foreign one. */
export function previousRound(
  core: Core,
  ctx: RequestContext,
  caller: GraphCaller,
  token: string,
  entity: "users" | "groups",
): DeltaState {
  const found = core.graph.deltaToken(token);
  // [guess] wording and status for a token the service never issued (or issued for another collection).
  if (!found || found.state.tid !== caller.tid || (found.state.entity ?? "users") !== entity)
    graphFail(400, "Request_BadRequest", "Invalid delta token.");
  if (found.stale) {
    const location = `${core.config.url}/v1.0/${entity}/delta?$deltatoken=`;
    // §11.3: 410 Gone + Location with an empty `$deltatoken`; the error code is a [guess].
    throw new GraphProblem(
      410,
      "resyncRequired",
      "Resync required. Replace any local cached data with a full sync.",
      {
        Location: location,
      },
    );
  }
  if (ctx.now - found.state.issuedAt > TOKEN_LIFETIME_MS) {
    // §11.3 names `syncStateNotFound` for an expired token; the status (4xx) is a [guess] 400.
    graphFail(400, "syncStateNotFound", "The sync state generation is not found. Start a new delta round.");
  }
  return found.state;
}

function usersOf(core: Core, tid: string): UserRecord[] {
  return core.graph
    .userIds()
    .map((oid) => core.directory.user(oid))
    .filter((user): user is UserRecord => user !== undefined && user.tid === tid);
}

/** `id` is always part of a delta item, whatever `$select` says. */
function deltaUser(core: Core, user: UserRecord, select: readonly string[] | undefined): Json {
  return userJson(core, user, select && !select.includes("id") ? [...select, "id"] : select);
}

function currentUsers(core: Core, tid: string, select: readonly string[] | undefined): Json[] {
  return usersOf(core, tid)
    .filter((user) => user.state !== "deleted")
    .map((user) => deltaUser(core, user, select));
}

/**
 * The users whose changes since the round matter: deletions and
 * restorations always, an `accountEnabled` change only when selected.
 */
function changesSince(core: Core, tid: string, round: DeltaState): Json[] {
  const items: Json[] = [];
  for (const user of usersOf(core, tid)) {
    const changes = core.graph.userChangesSince(user.oid, round.seq).map((entry) => entry.change);
    if (changes.length === 0) continue;
    const createdSince = changes.includes("created");
    if (user.state === "deleted") {
      if (!createdSince) items.push({ id: user.oid, "@removed": { reason: "changed" } });
      continue;
    }
    const structural = createdSince || changes.includes("restored") || changes.includes("removed");
    const selected = round.select?.includes("accountEnabled") === true && changes.includes("accountEnabled");
    if (structural || selected) items.push(deltaUser(core, user, round.select));
  }
  return items;
}
