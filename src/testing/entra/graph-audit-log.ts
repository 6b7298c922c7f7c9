/**
 * The directory audit log of the emulator's tenants (docs/reference/entra-id.md §13): the
 * `directoryAudit` entries that `GET /v1.0/auditLogs/directoryAudits` lists. A user state change
 * made with `setUserState` writes them — `Update user` with the `AccountEnabled` change and
 * `Disable account` / `Enable account` for a disable or an enable, `Delete user` and
 * `Restore user` — naming the initiator the test gave (or the tenant's administrator), unless
 * the test said `audit: false`. Entries are kept as the JSON Graph returns, oldest first.
 */
import { randomInt } from "node:crypto";
import type { Core } from "./core.js";
import type { UserRecord } from "./directory.js";
import { stableGuid } from "./graph-objects.js";
import { dotnetIso, guid } from "./ids.js";
import type { EntraAuditInitiator, EntraUserStateOptions } from "./types.js";

type Json = Record<string, unknown>;
type State = UserRecord["state"];

export interface AuditRecord {
  /** Write order: breaks ties between entries of the same instant. */
  readonly seq: number;
  readonly tid: string;
  /** `activityDateTime`, epoch ms. */
  readonly at: number;
  /** The entry as Graph returns it. */
  readonly entry: Json;
}

export class AuditLog {
  readonly #records: AuditRecord[] = [];
  #seq = 0;

  add(tid: string, at: number, entry: Json): void {
    this.#seq += 1;
    this.#records.push({ seq: this.#seq, tid, at, entry });
  }

  /**
   * The entries of a tenant a reader sees at `now`: written at least `latencyMs` ago (§13.4:
   * entries show up minutes late) and not older than the retention. Oldest first.
   */
  visible(tid: string, now: number, latencyMs: number, retentionMs: number): AuditRecord[] {
    return this.#records.filter((r) => r.tid === tid && r.at + latencyMs <= now && r.at > now - retentionMs);
  }
}

/** The `initiatedBy` of an entry: exactly one of `user` and `app` is set, the other is `null` (§13.2). */
type InitiatorJson =
  | { readonly user: Json; readonly app: null }
  | { readonly user: null; readonly app: Json };

/**
 * Checks `setUserState`'s audit options and resolves the initiator — before the state changes, so
 * a bad argument changes nothing. `undefined`: the change writes no entry.
 */
export function auditInitiator(
  core: Core,
  user: UserRecord,
  options: EntraUserStateOptions,
): InitiatorJson | undefined {
  const caller = "setUserState";
  if (options.audit === false) {
    if (options.initiatedBy !== undefined)
      throw new TypeError(`${caller}: initiatedBy names who wrote an audit entry; audit: false writes none`);
    return undefined;
  }
  const activities = options.activities ?? "both";
  if (!["both", "account", "update"].includes(activities))
    throw new TypeError(`${caller}: activities must be "both", "account" or "update", got "${activities}"`);
  return resolveInitiator(core, user.tid, options.initiatedBy ?? defaultInitiator(core, user.tid), caller);
}

/** The tenant's administrator `admin@<domain>`: the emulator's user of that name, or a stand-in [guess]. */
function defaultInitiator(core: Core, tid: string): EntraAuditInitiator {
  const domain = core.directory.tenant(tid)?.domain ?? "";
  const upn = `admin@${domain}`;
  if (core.directory.userByUpn(upn)) return { user: upn };
  return {
    user: { id: stableGuid(`tenant-admin|${tid}`), displayName: "Administrator", userPrincipalName: upn },
  };
}

function resolveInitiator(
  core: Core,
  tid: string,
  initiator: EntraAuditInitiator,
  caller: string,
): InitiatorJson {
  if ("user" in initiator) {
    const { user: who } = initiator;
    if (typeof who !== "string") {
      return {
        user: {
          id: who.id,
          displayName: who.displayName ?? null,
          userPrincipalName: who.userPrincipalName ?? null,
          ipAddress: who.ipAddress ?? initiator.ipAddress ?? "",
        },
        app: null,
      };
    }
    const found = core.directory.user(who) ?? core.directory.userByUpn(who);
    if (!found) throw new TypeError(`${caller}: initiatedBy names an unknown user ${who}`);
    // §13.2: userIdentity has id, displayName, userPrincipalName and the client's ipAddress ("" when
    // the service has none, as in Microsoft's `Update user` example).
    return {
      user: {
        id: found.oid,
        displayName: found.displayName,
        userPrincipalName: found.upn,
        ipAddress: initiator.ipAddress ?? "",
      },
      app: null,
    };
  }
  if ("app" in initiator) {
    const { app: which } = initiator;
    if (typeof which !== "string") {
      return {
        user: null,
        app: {
          appId: which.appId,
          displayName: which.displayName ?? null,
          servicePrincipalId: which.servicePrincipalId ?? null,
          servicePrincipalName: which.servicePrincipalName ?? null,
        },
      };
    }
    const key = which.toLowerCase();
    const app =
      core.directory.app(key) ??
      core.directory.apps().find((a) => [...a.servicePrincipals.values()].includes(key));
    if (!app) throw new TypeError(`${caller}: initiatedBy names an unknown app ${which}`);
    return {
      user: null,
      app: {
        appId: app.clientId,
        displayName: app.displayName,
        servicePrincipalId: core.directory.servicePrincipalId(app, tid),
        // [guess] §13.2 says "the Application name in the tenant": the emulator's apps have one name.
        servicePrincipalName: app.displayName,
      },
    };
  }
  throw new TypeError(`${caller}: initiatedBy needs a user or an app`);
}

interface Activity {
  readonly name: string;
  readonly operationType: string;
  readonly modifiedProperties: readonly Json[];
  readonly additionalDetails: readonly Json[];
  /** The target's UPN as the entry records it. */
  readonly upn: (user: UserRecord) => string;
}

const asIs = (user: UserRecord) => user.upn;

/** `[true]` / `[false]`: a modified property's values are JSON-encoded arrays, as strings (§13.3). */
function accountEnabledUpdate(enabled: boolean): Activity {
  return {
    name: "Update user",
    operationType: "Update",
    // Microsoft's `Update user` example: the changed property, then "Included Updated Properties" naming it
    // and the target's user type, with the `UserType` additional detail.
    modifiedProperties: [
      { displayName: "AccountEnabled", oldValue: `[${!enabled}]`, newValue: `[${enabled}]` },
      { displayName: "Included Updated Properties", oldValue: null, newValue: '"AccountEnabled"' },
      { displayName: "TargetId.UserType", oldValue: null, newValue: '"Member"' },
    ],
    additionalDetails: [{ key: "UserType", value: "Member" }],
    upn: asIs,
  };
}

/** `Disable account` / `Enable account` (§13.3). [guess] operation type, no modified properties, no details. */
function accountSwitch(enabled: boolean): Activity {
  return {
    name: enabled ? "Enable account" : "Disable account",
    operationType: "Update",
    modifiedProperties: [],
    additionalDetails: [],
    upn: asIs,
  };
}

/**
 * `Delete user` (§13.3). [guess] from a published capture: "Is Hard Deleted" `"False"` for a soft
 * delete, and the UPN already renamed to the object id without dashes + the old UPN.
 */
const DELETE_USER: Activity = {
  name: "Delete user",
  operationType: "Delete",
  modifiedProperties: [{ displayName: "Is Hard Deleted", oldValue: null, newValue: '"False"' }],
  additionalDetails: [],
  upn: (user) => `${user.oid.replace(/-/g, "")}${user.upn}`,
};

/** `Restore user` (§13.3). [guess] operation type, properties and details. */
const RESTORE_USER: Activity = {
  name: "Restore user",
  operationType: "Update",
  modifiedProperties: [],
  additionalDetails: [],
  upn: asIs,
};

/** What the audit log records of a state change: only what changes the directory object (§13.3). */
function activitiesOf(previous: State, next: State, which: "both" | "account" | "update"): Activity[] {
  if (previous !== "deleted" && next === "deleted") return [DELETE_USER];
  if (previous === "deleted" && next !== "deleted") return [RESTORE_USER];
  const wasEnabled = previous !== "disabled";
  const enabled = next !== "disabled";
  if (wasEnabled === enabled) return []; // lockout, MFA, password expiry…: not directory changes
  const found: Activity[] = [];
  if (which !== "account") found.push(accountEnabledUpdate(enabled));
  if (which !== "update") found.push(accountSwitch(enabled));
  return found;
}

/**
 * `Directory_<correlationId>_<5 characters>_<number>`: the shape of the ids in Microsoft's examples;
 * the parts after the correlation id are opaque [guess: their meaning].
 */
function auditId(correlationId: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let tag = "";
  for (let i = 0; i < 5; i++) tag += alphabet[randomInt(alphabet.length)];
  return `Directory_${correlationId}_${tag}_${randomInt(10_000_000, 999_999_999)}`;
}

/** Writes the entries of a user's state change (after it happened), all with one correlation id. */
export function recordUserStateChange(
  core: Core,
  user: UserRecord,
  previous: State,
  initiator: InitiatorJson,
  options: EntraUserStateOptions,
): void {
  const activities = activitiesOf(previous, user.state, options.activities ?? "both");
  if (activities.length === 0) return;
  const at = core.now();
  const correlationId = guid();
  for (const activity of activities) {
    // §13.2: the member order of Microsoft's v1.0 example.
    core.graph.audit.add(user.tid, at, {
      id: auditId(correlationId),
      category: "UserManagement",
      correlationId,
      result: "success",
      resultReason: "",
      activityDisplayName: activity.name,
      activityDateTime: dotnetIso(at),
      loggedByService: "Core Directory",
      operationType: activity.operationType,
      initiatedBy: initiator,
      targetResources: [
        {
          id: user.oid,
          displayName: null,
          type: "User",
          userPrincipalName: activity.upn(user),
          groupType: null,
          modifiedProperties: activity.modifiedProperties,
        },
      ],
      additionalDetails: activity.additionalDetails,
    });
  }
}
