/**
 * Graph paging (docs/reference/entra-id.md §11.1, §11.2): `$top` 1–999 (default 100),
 * `$skip` refused, and `@odata.nextLink` carrying every original query
 * option plus an opaque `$skiptoken`. The first request snapshots the whole
 * result; each skiptoken names the snapshot and an offset, so a client that
 * follows nextLink verbatim sees a consistent listing.
 */
import type { Core } from "./core.js";
import { graphFail } from "./graph-http.js";
import type { PageCursor } from "./graph-state.js";
import type { RequestContext } from "./http.js";

const DEFAULT_PAGE = 100;
const MAX_PAGE = 999;

type Json = Record<string, unknown>;

/** `$top`, checked as Graph checks it (§11.1). */
export function pageSize(query: URLSearchParams): number {
  if (query.has("$skip")) {
    // [guess] §11.1 says `$skip` is unsupported on users; the answer's wording is not quoted.
    graphFail(400, "Request_BadRequest", "'$skip' is not supported by the service.");
  }
  const raw = query.get("$top");
  if (raw === null) return DEFAULT_PAGE;
  const top = Number(raw);
  if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE) {
    // §11.1 quotes the message; the code is a [guess].
    graphFail(
      400,
      "Request_UnsupportedQuery",
      `Invalid page size specified: '${raw}'. Must be between 1 and 999 inclusive.`,
    );
  }
  return top;
}

/** `https://graph.microsoft.com/v1.0/$metadata#users(id,accountEnabled)` against the emulator's origin. */
export function contextUrl(core: Core, entitySet: string, select: readonly string[] | undefined): string {
  const projection = select ? `(${select.join(",")})` : "";
  return `${core.config.url}/v1.0/$metadata#${entitySet}${projection}`;
}

/** The request's own URL with its query options, `$skiptoken`/`$deltatoken` replaced by `extra`. */
export function linkWith(core: Core, ctx: RequestContext, extra: Record<string, string>): string {
  const pairs: string[] = [];
  for (const [key, value] of ctx.url.searchParams) {
    if (key === "$skiptoken" || key === "$deltatoken") continue;
    pairs.push(`${key}=${encodeURIComponent(value)}`);
  }
  for (const [key, value] of Object.entries(extra)) pairs.push(`${key}=${encodeURIComponent(value)}`);
  return `${core.config.url}${ctx.url.pathname}${pairs.length > 0 ? `?${pairs.join("&")}` : ""}`;
}

/** The cursor a `$skiptoken` names; an unknown one is a bad request [guess: wording]. */
export function cursorOf(core: Core, ctx: RequestContext): PageCursor | undefined {
  const token = ctx.url.searchParams.get("$skiptoken");
  if (token === null) return undefined;
  const cursor = core.graph.cursor(token);
  if (!cursor)
    graphFail(400, "Request_BadRequest", "The specified page token value has expired or is invalid.");
  return cursor;
}

/**
 * One page of `cursor`: its items from the offset, a nextLink while more
 * remain, and — on the last page of a delta round — the deltaLink.
 */
export function pageOf(core: Core, ctx: RequestContext, cursor: PageCursor, context: string): Json {
  const end = cursor.offset + cursor.pageSize;
  const value = cursor.items.slice(cursor.offset, end);
  const body: Json = { "@odata.context": context };
  if (end < cursor.items.length) {
    const token = core.graph.saveCursor({ ...cursor, offset: end });
    body["@odata.nextLink"] = linkWith(core, ctx, { $skiptoken: token });
  } else if (cursor.deltaToken !== undefined) {
    body["@odata.deltaLink"] = linkWith(core, ctx, { $deltatoken: cursor.deltaToken });
  }
  body.value = value;
  return body;
}

/** A collection answer: the first page of a fresh snapshot, or the page a `$skiptoken` names. */
export function collection(
  core: Core,
  ctx: RequestContext,
  context: string,
  items: () => readonly Json[],
): Json {
  const cursor = cursorOf(core, ctx) ?? {
    items: items(),
    offset: 0,
    pageSize: pageSize(ctx.url.searchParams),
  };
  return pageOf(core, ctx, cursor, context);
}
