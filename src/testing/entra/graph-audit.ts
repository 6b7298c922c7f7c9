/**
 * `GET /v1.0/auditLogs/directoryAudits` and `/auditLogs/directoryAudits/{id}` (docs/reference/entra-id.md
 * §13): the caller's tenant's audit entries, newest first unless `$orderby` says otherwise, narrowed by
 * `$filter` — the documented properties and operators, clauses joined with `and` — projected by
 * `$select`, and paged by `$top` with opaque `$skiptoken` next links like every other collection.
 */
import type { Core } from "./core.js";
import type { AuditRecord } from "./graph-audit-log.js";
import type { GraphCaller } from "./graph-auth.js";
import { graphFail } from "./graph-http.js";
import { collection, contextUrl } from "./graph-paging.js";
import type { RequestContext } from "./http.js";

type Json = Record<string, unknown>;

const ENTITY_SET = "auditLogs/directoryAudits";

/** The properties of a directoryAudit, in the order Graph returns them (§13.2). */
const PROPERTIES = new Set([
  "id",
  "category",
  "correlationId",
  "result",
  "resultReason",
  "activityDisplayName",
  "activityDateTime",
  "loggedByService",
  "operationType",
  "initiatedBy",
  "targetResources",
  "additionalDetails",
]);

/** [guess] the code and text of an unsupported or malformed query option on the audit log. */
function badQuery(message: string): never {
  graphFail(400, "BadRequest", message);
}

function visibleRecords(core: Core, ctx: RequestContext, caller: GraphCaller): AuditRecord[] {
  const { auditLogLatencyMs, auditLogRetentionMs } = core.config;
  return core.graph.audit.visible(caller.tid, ctx.now, auditLogLatencyMs, auditLogRetentionMs);
}

export function listDirectoryAudits(core: Core, ctx: RequestContext, caller: GraphCaller): Json {
  const query = ctx.url.searchParams;
  const select = parseAuditSelect(query.get("$select"));
  const context = contextUrl(core, ENTITY_SET, select);
  return collection(core, ctx, context, () => {
    const keep = parseAuditFilter(query.get("$filter"));
    const descending = parseOrderBy(query.get("$orderby"));
    const records = visibleRecords(core, ctx, caller).filter((record) => keep(record));
    records.sort((a, b) => (a.at - b.at || a.seq - b.seq) * (descending ? -1 : 1));
    return records.map((record) => project(record.entry, select));
  });
}

export function getDirectoryAudit(core: Core, ctx: RequestContext, caller: GraphCaller, id: string): Json {
  const select = parseAuditSelect(ctx.url.searchParams.get("$select"));
  const record = visibleRecords(core, ctx, caller).find((r) => r.entry.id === id);
  // [guess] Graph's answer for an audit entry that does not exist (or has aged out).
  if (!record) graphFail(404, "Request_ResourceNotFound", `Resource '${id}' does not exist.`);
  return {
    "@odata.context": `${contextUrl(core, ENTITY_SET, select)}/$entity`,
    ...project(record.entry, select),
  };
}

function project(entry: Json, select: readonly string[] | undefined): Json {
  if (!select) return entry;
  return Object.fromEntries([...PROPERTIES].filter((p) => select.includes(p)).map((p) => [p, entry[p]]));
}

function parseAuditSelect(raw: string | null): string[] | undefined {
  if (raw === null) return undefined;
  const names = raw
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.find((name) => !PROPERTIES.has(name));
  if (unknown !== undefined) {
    // [guess] wording, as for users (graph-objects.ts).
    graphFail(
      400,
      "Request_BadRequest",
      `Parsing OData Select and Expand failed: Could not find a property named '${unknown}' on type 'microsoft.graph.directoryAudit'.`,
    );
  }
  return names;
}

/** `$orderby`: only `activityDateTime` (§13.5), `desc` by default when absent. `true`: newest first. */
function parseOrderBy(raw: string | null): boolean {
  if (raw === null) return true;
  const match = /^\s*activityDateTime(?:\s+(asc|desc))?\s*$/i.exec(raw);
  if (!match) badQuery(`Invalid orderby clause: '${raw}'. Only activityDateTime can be ordered by.`);
  return match[1]?.toLowerCase() === "desc";
}

type Predicate = (record: AuditRecord) => boolean;

/** The string properties `$filter` may compare (§13.5), by path, with the operators each supports. */
const STRING_FILTERS: Readonly<Record<string, { readonly ops: readonly string[]; readonly get: Getter }>> = {
  id: { ops: ["eq"], get: (e) => e.id },
  correlationId: { ops: ["eq"], get: (e) => e.correlationId },
  activityDisplayName: { ops: ["eq", "startswith"], get: (e) => e.activityDisplayName },
  loggedByService: { ops: ["eq"], get: (e) => e.loggedByService },
  "initiatedBy/user/id": { ops: ["eq"], get: (e) => initiator(e, "user")?.id },
  "initiatedBy/user/displayName": { ops: ["eq"], get: (e) => initiator(e, "user")?.displayName },
  "initiatedBy/user/userPrincipalName": {
    ops: ["eq", "startswith"],
    get: (e) => initiator(e, "user")?.userPrincipalName,
  },
  "initiatedBy/app/appId": { ops: ["eq"], get: (e) => initiator(e, "app")?.appId },
  "initiatedBy/app/displayName": { ops: ["eq"], get: (e) => initiator(e, "app")?.displayName },
};

/** Inside `targetResources/any(t: …)`: `t/id eq`, `t/displayName eq`, `startswith(t/displayName, …)`. */
const TARGET_FILTERS: Readonly<Record<string, readonly string[]>> = {
  id: ["eq"],
  displayName: ["eq", "startswith"],
};

type Getter = (entry: Json) => unknown;

function initiator(entry: Json, kind: "user" | "app"): Json | null | undefined {
  return (entry.initiatedBy as Json | undefined)?.[kind] as Json | null | undefined;
}

/**
 * `$filter` as a predicate. Supported: `activityDateTime` with `eq`/`ge`/`le` and an unquoted
 * date or date-time; the string properties above with `eq '…'` and, where documented,
 * `startswith(property, '…')`; `targetResources/any(t: …)`. Clauses are joined with `and`; `or`,
 * `not`, parentheses and other properties or operators are refused with a 400 [guess: Graph may
 * accept some of them]. String comparison ignores case [guess].
 */
export function parseAuditFilter(raw: string | null): Predicate {
  if (raw === null || raw.trim() === "") return () => true;
  const clauses = splitAnd(raw).map((clause) => parseClause(clause.trim(), raw));
  return (record) => clauses.every((clause) => clause(record));
}

function invalidFilter(raw: string): never {
  badQuery(`Invalid filter clause: '${raw}'.`);
}

/** Splits on ` and ` outside quotes and parentheses. */
function splitAnd(raw: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === "'")
      quoted = !quoted; // '' (an escaped quote) toggles twice
    else if (!quoted && c === "(") depth += 1;
    else if (!quoted && c === ")") depth -= 1;
    else if (!quoted && depth === 0 && /\s/.test(c ?? "")) {
      const word = /^\s+and\s+/i.exec(raw.slice(i));
      if (word) {
        parts.push(raw.slice(start, i));
        i += word[0].length - 1;
        start = i + 1;
      }
    }
  }
  if (quoted || depth !== 0) invalidFilter(raw);
  parts.push(raw.slice(start));
  return parts;
}

const QUOTED = "'((?:[^']|'')*)'";
const unquote = (text: string) => text.replace(/''/g, "'");

function parseClause(clause: string, raw: string): Predicate {
  const any = /^targetResources\/any\(\s*(\w+)\s*:\s*(.*)\)$/i.exec(clause);
  if (any) return targetPredicate(any[1] ?? "", (any[2] ?? "").trim(), raw);
  const starts = new RegExp(`^startswith\\(\\s*([\\w/]+)\\s*,\\s*${QUOTED}\\s*\\)$`, "i").exec(clause);
  if (starts) {
    const filter = STRING_FILTERS[starts[1] ?? ""];
    if (!filter?.ops.includes("startswith")) invalidFilter(raw);
    const prefix = unquote(starts[2] ?? "").toLowerCase();
    return (record) => lower(filter.get(record.entry))?.startsWith(prefix) === true;
  }
  const compare = /^([\w/]+)\s+(eq|ge|le|gt|lt|ne)\s+(.+)$/i.exec(clause);
  if (!compare) invalidFilter(raw);
  const [, path = "", opText = "", literal = ""] = compare;
  const op = opText.toLowerCase();
  if (path === "activityDateTime") return datePredicate(op, literal.trim(), raw);
  const filter = STRING_FILTERS[path];
  if (!filter?.ops.includes(op)) invalidFilter(raw);
  const value = stringLiteral(literal.trim(), path === "correlationId" || path.endsWith("/id"), raw);
  return (record) => lower(filter.get(record.entry)) === value;
}

function lower(value: unknown): string | undefined {
  return typeof value === "string" ? value.toLowerCase() : undefined;
}

/** `'text'`; a GUID may also be written bare (an OData Guid literal). Lower-cased. */
function stringLiteral(literal: string, guidAllowed: boolean, raw: string): string {
  const quoted = new RegExp(`^${QUOTED}$`).exec(literal);
  if (quoted) return unquote(quoted[1] ?? "").toLowerCase();
  if (guidAllowed && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(literal))
    return literal.toLowerCase();
  return invalidFilter(raw);
}

/** `activityDateTime ge 2024-01-01` / `… le 2024-01-01T12:00:00.1234567Z` (§13.5: eq, ge, le). */
function datePredicate(op: string, literal: string, raw: string): Predicate {
  if (!["eq", "ge", "le"].includes(op)) invalidFilter(raw);
  const iso = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2}))?$/.exec(
    literal,
  );
  // Date.parse keeps milliseconds: the 7-digit fractions of activityDateTime are cut to 3 on both sides.
  const when = iso
    ? Date.parse(iso[2] ? literal.replace(/(\.\d{3})\d+/, "$1") : `${iso[1]}T00:00:00Z`)
    : Number.NaN;
  if (Number.isNaN(when)) invalidFilter(raw);
  if (op === "ge") return (record) => record.at >= when;
  if (op === "le") return (record) => record.at <= when;
  return (record) => record.at === when;
}

function targetPredicate(variable: string, body: string, raw: string): Predicate {
  const v = variable.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const starts = new RegExp(`^startswith\\(\\s*${v}/(\\w+)\\s*,\\s*${QUOTED}\\s*\\)$`, "i").exec(body);
  const compare = new RegExp(`^${v}/(\\w+)\\s+(eq)\\s+(.+)$`, "i").exec(body);
  const property = (starts ?? compare)?.[1] ?? "";
  const op = starts ? "startswith" : (compare?.[2]?.toLowerCase() ?? "");
  if (!TARGET_FILTERS[property]?.includes(op)) invalidFilter(raw);
  const value = starts
    ? unquote(starts[2] ?? "").toLowerCase()
    : stringLiteral((compare?.[3] ?? "").trim(), property === "id", raw);
  const targets = (record: AuditRecord) =>
    ((record.entry.targetResources as Json[] | undefined) ?? []).map((t) => lower(t[property]));
  return starts
    ? (record) => targets(record).some((t) => t?.startsWith(value) === true)
    : (record) => targets(record).some((t) => t === value);
}
