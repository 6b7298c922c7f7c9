/**
 * Who changed an account, from the tenant's directory audit log (Graph
 * `GET /auditLogs/directoryAudits`, docs/reference/entra-id.md §13): the
 * entries that enable, disable, delete or restore one user, newest first,
 * read page by page with the Graph client's throttling and retries. The
 * mirror uses them to tell the organisation's own disables from anyone
 * else's (docs/concepts.md, "Whose word counts").
 *
 * Reading the log takes the application permission `AuditLog.Read.All`
 * (Microsoft also lists `Directory.Read.All`, for a licence check): without
 * it Graph answers 403, which is reported here with the permission named.
 */
import { IdSwitchError } from "../../core/errors.js";
import type { GraphClient } from "../../providers/entra/graph.js";
import type { AccountEvent, AuditInitiator } from "../types.js";
import { items } from "./pages.js";

/** The permission named in the docs and in the error when Graph refuses the log. */
export const AUDIT_PERMISSION =
  "the application permission AuditLog.Read.All (Microsoft also lists Directory.Read.All)";

interface AuditEntry {
  readonly id?: unknown;
  readonly activityDisplayName?: unknown;
  readonly activityDateTime?: unknown;
  readonly result?: unknown;
  readonly initiatedBy?: {
    readonly user?: Record<string, unknown> | null;
    readonly app?: Record<string, unknown> | null;
  } | null;
  readonly targetResources?: ReadonlyArray<{
    readonly id?: unknown;
    readonly modifiedProperties?: ReadonlyArray<{
      readonly displayName?: unknown;
      readonly newValue?: unknown;
    }> | null;
  }> | null;
}

/** More audit entries about one person than a window can hold: a guard against an endless chain. */
const MAX_ENTRIES = 5000;

/** The account events of `objectId` since `since` (epoch ms), newest first. */
export async function* accountEvents(
  graph: GraphClient,
  provider: string,
  objectId: string,
  since: number,
): AsyncGenerator<AccountEvent> {
  const oid = objectId.toLowerCase().replace(/'/g, "''");
  const filter = `targetResources/any(t: t/id eq '${oid}') and activityDateTime ge ${new Date(since).toISOString()}`;
  const path = `/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter)}&$top=100`;
  let seen = 0;
  try {
    for await (const entry of items<AuditEntry>(graph, path, provider)) {
      if (++seen > MAX_ENTRIES) return;
      const event = eventOf(entry, oid);
      if (event) yield event;
    }
  } catch (err) {
    throw explained(err, provider);
  }
}

function eventOf(entry: AuditEntry, oid: string): AccountEvent | undefined {
  if (entry?.result !== "success" || typeof entry.id !== "string") return undefined;
  const at = typeof entry.activityDateTime === "string" ? Date.parse(entry.activityDateTime) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  const target = entry.targetResources?.find((t) => typeof t?.id === "string" && t.id.toLowerCase() === oid);
  if (!target) return undefined;
  const change = changeOf(String(entry.activityDisplayName), target.modifiedProperties ?? []);
  if (!change) return undefined;
  return {
    id: entry.id,
    activity: String(entry.activityDisplayName),
    at: new Date(at).toISOString(),
    change,
    initiator: initiatorOf(entry.initiatedBy),
  };
}

/** §13.3: a disable shows as `Disable account` or as `Update user` with `AccountEnabled` "[true]" → "[false]". */
function changeOf(
  activity: string,
  properties: ReadonlyArray<{ readonly displayName?: unknown; readonly newValue?: unknown }>,
): AccountEvent["change"] | undefined {
  switch (activity) {
    case "Disable account":
      return "disabled";
    case "Enable account":
      return "enabled";
    case "Delete user":
    case "Hard Delete user":
      return "deleted";
    case "Restore user":
      return "restored";
    case "Update user": {
      const enabled = properties.find((p) => p?.displayName === "AccountEnabled");
      if (typeof enabled?.newValue !== "string") return undefined;
      const value = parseJson(enabled.newValue);
      const flag = Array.isArray(value) ? value[0] : value;
      if (flag === false) return "disabled";
      if (flag === true) return "enabled";
      return undefined;
    }
    default:
      return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const str = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value : undefined;

function initiatorOf(by: AuditEntry["initiatedBy"]): AuditInitiator {
  const user = by?.user;
  if (user && (str(user.userPrincipalName) || str(user.id))) {
    return {
      kind: "user",
      id: str(user.id),
      userPrincipalName: str(user.userPrincipalName),
      displayName: str(user.displayName),
    };
  }
  const app = by?.app;
  if (app && (str(app.appId) || str(app.servicePrincipalId) || str(app.displayName))) {
    return {
      kind: "app",
      appId: str(app.appId),
      servicePrincipalId: str(app.servicePrincipalId),
      displayName: str(app.displayName),
    };
  }
  return { kind: "unknown" };
}

/** A refusal of the log says which permission is missing; other failures keep their code. */
function explained(err: unknown, provider: string): unknown {
  if (!(err instanceof IdSwitchError)) return err;
  if (err.code === "client_suspended" && err.reason === "missing_permission") {
    return new IdSwitchError(
      "client_suspended",
      `${provider}: the directory audit log (Graph /auditLogs/directoryAudits) needs ${AUDIT_PERMISSION}; Graph answered 403`,
      { provider, reason: "missing_permission", cause: err },
    );
  }
  return err;
}
