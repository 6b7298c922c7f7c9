/**
 * The JSON of Graph's directory objects (docs/reference/entra-id.md §11.1, §11.4, §11.5):
 * users with the default property set unless `$select` names others —
 * `accountEnabled` is returned only when selected — groups, directory
 * objects in member lists (with `@odata.type`) and app role assignments.
 */
import { createHash } from "node:crypto";
import type { Core } from "./core.js";
import type { AppRecord, UserRecord } from "./directory.js";
import type { GroupRecord } from "./graph-groups.js";
import { graphFail } from "./graph-http.js";

type Json = Record<string, unknown>;

/** §11.1: what `GET /users` returns without `$select` (Graph puts `id` last). */
const USER_DEFAULT = [
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "id",
] as const;

/** Returned only on `$select` (§11.1). */
const USER_SELECT_ONLY = ["accountEnabled", "createdDateTime", "identities", "otherMails", "userType"];
const USER_PROPERTIES = new Set<string>([...USER_DEFAULT, ...USER_SELECT_ONLY]);

const GROUP_DEFAULT = [
  "id",
  "createdDateTime",
  "description",
  "displayName",
  "groupTypes",
  "mail",
  "mailEnabled",
  "mailNickname",
  "securityEnabled",
] as const;
const GROUP_PROPERTIES = new Set<string>(GROUP_DEFAULT);

/** `$select` as a list, checked against the type's properties (400 for an unknown one). */
export function parseSelect(
  query: URLSearchParams,
  type: "user" | "group" | "directoryObject",
): string[] | undefined {
  const raw = query.get("$select");
  if (raw === null) return undefined;
  const names = raw
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  // Member lists mix users and groups: a name either type knows is accepted [guess].
  const known = (name: string) =>
    (type !== "group" && USER_PROPERTIES.has(name)) || (type !== "user" && GROUP_PROPERTIES.has(name));
  const unknown = names.find((name) => !known(name));
  if (unknown !== undefined) {
    // [guess] Graph's wording for an unknown property; docs/reference/entra-id.md does not quote it.
    graphFail(
      400,
      "Request_BadRequest",
      `Parsing OData Select and Expand failed: Could not find a property named '${unknown}' on type 'microsoft.graph.${type}'.`,
    );
  }
  return names;
}

function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function userValues(core: Core, user: UserRecord): Json {
  const tenant = core.directory.tenant(user.tid);
  return {
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName ?? null,
    jobTitle: null,
    mail: user.mail ?? null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname ?? null,
    userPrincipalName: user.upn,
    id: user.oid,
    // The user state machine shows through here: only an admin disable clears accountEnabled.
    accountEnabled: user.state !== "disabled",
    createdDateTime: isoSeconds(core.graph.createdAt(user.oid) ?? core.now()),
    identities: [
      { signInType: "userPrincipalName", issuer: tenant?.domain ?? "", issuerAssignedId: user.upn },
    ],
    otherMails: [],
    userType: "Member",
  };
}

function pick(values: Json, names: readonly string[]): Json {
  return Object.fromEntries(names.map((name) => [name, values[name] ?? null]));
}

export function userJson(core: Core, user: UserRecord, select: readonly string[] | undefined): Json {
  const values = userValues(core, user);
  return pick(values, select ?? USER_DEFAULT);
}

function groupValues(group: GroupRecord): Json {
  return {
    id: group.id,
    createdDateTime: isoSeconds(group.createdAt),
    description: group.description,
    displayName: group.displayName,
    groupTypes: [],
    mail: null,
    mailEnabled: false,
    mailNickname: group.displayName.replace(/[^A-Za-z0-9]/g, "").slice(0, 64) || group.id.slice(0, 8),
    securityEnabled: group.securityEnabled,
  };
}

export function groupJson(group: GroupRecord, select: readonly string[] | undefined): Json {
  return pick(groupValues(group), select ?? GROUP_DEFAULT);
}

/**
 * A member-list item: a `directoryObject` with its `@odata.type` (§11.4).
 * `$select` applies to the properties both types share [guess: only `id`
 * and `displayName` are checked here].
 */
export function directoryObjectJson(core: Core, id: string, select: readonly string[] | undefined): Json {
  const user = core.directory.user(id);
  if (user) return { "@odata.type": "#microsoft.graph.user", ...userJson(core, user, select) };
  const group = core.graph.groups.group(id);
  if (group) return { "@odata.type": "#microsoft.graph.group", ...groupJson(group, select) };
  return { "@odata.type": "#microsoft.graph.directoryObject", id };
}

/** A stable GUID from text: the `appRoleId` of a role value (the emulator's roles have no ids). */
export function stableGuid(text: string): string {
  const hex = createHash("sha256").update(text).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface Assignment {
  readonly principalId: string;
  readonly principalType: "User" | "Group" | "ServicePrincipal";
  readonly principalDisplayName: string;
  readonly resource: AppRecord;
  readonly resourceId: string;
  readonly role: string;
  readonly createdAt: number;
}

/** §11.5, the item's fields in the documented order. */
export function assignmentJson(a: Assignment): Json {
  return {
    id: createHash("sha256").update(`${a.principalId}|${a.resourceId}|${a.role}`).digest("base64url"),
    deletedDateTime: null,
    appRoleId: stableGuid(`${a.resource.clientId}|${a.role}`),
    createdDateTime: `${new Date(a.createdAt).toISOString().replace(/Z$/, "")}0000Z`,
    principalDisplayName: a.principalDisplayName,
    principalId: a.principalId,
    principalType: a.principalType,
    resourceDisplayName: a.resource.displayName,
    resourceId: a.resourceId,
  };
}
