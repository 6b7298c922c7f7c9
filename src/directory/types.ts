/**
 * The shapes the mirror moves between a directory source (Entra through
 * Microsoft Graph) and a target (Keycloak through its Admin API). Plain data,
 * JSON-serialisable, so a plan or a report can be stored, diffed or printed.
 */

/**
 * A person as the source knows them. `key` is the immutable `tid:oid` (never a UPN or an email).
 *
 * @example
 * for await (const user of source.users()) console.log(user.key, user.userPrincipalName); // key: "tid:oid"; the UPN is display only
 */
export interface SourceUser {
  readonly key: string;
  readonly tenantId: string;
  readonly objectId: string;
  readonly userPrincipalName: string;
  readonly mail: string | undefined;
  readonly givenName: string | undefined;
  readonly surname: string | undefined;
  readonly displayName: string | undefined;
  readonly accountEnabled: boolean;
}

/**
 * One change of a users round: a person to create or bring up to date, or one gone at the source.
 *
 * @example
 * for await (const page of source.userPages(undefined)) {
 *   for (const change of page.changes) console.log(change.kind === "upsert" ? change.user.key : `gone: ${change.key}`);
 * }
 */
export type UserChange =
  | { readonly kind: "upsert"; readonly user: SourceUser }
  | { readonly kind: "removed"; readonly key: string; readonly permanent: boolean };

/**
 * Where a users round continues: a link a page gave, and the kind of round it belongs to.
 *
 * @example
 * let resumeAt: ResumePoint | undefined = await loadCheckpoint();
 * for await (const page of source.userPages(resumeAt)) {
 *   await applyPage(page);
 *   // Saved only once the page is applied; after the last page, the next round is an incremental one.
 *   await saveCheckpoint({ link: page.resumeAt, round: page.last ? "delta" : page.round });
 * }
 */
export interface ResumePoint {
  readonly link: string;
  readonly round: "full" | "delta";
}

/**
 * A page of a users round. `resumeAt` is where to continue once this page is
 * applied: the next page's link, or, on the last page, the link of the next
 * incremental round.
 *
 * @example
 * for await (const page of source.userPages(checkpoint)) {
 *   if (page.restarted) forgetSeenUsers(); // 410 Gone: the source started a full round over
 *   await applyPage(page);
 * }
 */
export interface UserPage {
  readonly changes: readonly UserChange[];
  readonly resumeAt: string;
  /** The last page of its round. */
  readonly last: boolean;
  /** `full`: every user is listed (a first round or a resync); `delta`: only changes. */
  readonly round: "full" | "delta";
  /** True on the first page of a full round that the source restarted (410 Gone: resync). */
  readonly restarted: boolean;
}

/**
 * A group as the source directory lists it.
 *
 * @example
 * for await (const group of source.groups()) console.log(group.id, group.displayName);
 */
export interface SourceGroup {
  readonly id: string;
  readonly displayName: string;
}

/**
 * One group of a groups delta round (`/groups/delta`): listed because it is new, one of its properties changed,
 * its direct members changed, or it was removed. A round can list a group more than once (Graph splits a large
 * membership over several objects), so a reader merges by `id`.
 *
 * @example
 * for await (const page of source.groupPages!(checkpoint)) {
 *   for (const g of page.changes) console.log(g.id, g.removed ? "removed" : g.membersChanged ? "members changed" : g.displayName);
 * }
 */
export interface GroupChange {
  readonly id: string;
  /** When the round carries it (the group is not removed). */
  readonly displayName: string | undefined;
  /** Deleted at the source (`@removed`, whether restorable or not). */
  readonly removed: boolean;
  /** Direct members were added or removed (`members@delta`); a full round lists every member. */
  readonly membersChanged: boolean;
}

/**
 * A page of a groups delta round; `resumeAt`, `last`, `round` and `restarted` mean what they mean on a {@link UserPage}.
 *
 * @example
 * for await (const page of source.groupPages!(resumeAt)) {
 *   if (page.restarted) compareEveryGroup(); // 410 Gone: the source lost the round
 *   await applyGroups(page.changes);
 *   if (page.last) await saveCheckpoint({ link: page.resumeAt, round: "delta" });
 * }
 */
export interface GroupPage {
  readonly changes: readonly GroupChange[];
  readonly resumeAt: string;
  readonly last: boolean;
  readonly round: "full" | "delta";
  readonly restarted: boolean;
}

/**
 * A page of a users round that tracks only who appeared (created or restored) and who was removed, by object id:
 * what a groups reader needs, because memberships that go with a deleted user are not reported as changes
 * of the groups that held them.
 *
 * @example
 * for await (const page of source.userPresencePages!(link)) console.log(page.removed.length, "removed");
 */
export interface UserPresencePage {
  readonly appeared: readonly string[];
  readonly removed: readonly string[];
  readonly resumeAt: string;
  readonly last: boolean;
  /** True when the source lost the link given (410 Gone): this round starts from now and misses what came before. */
  readonly restarted: boolean;
}

/**
 * An app role assignment (docs/reference/entra-id.md §11.5): a role of an app given to a user or a group.
 *
 * @example
 * for await (const a of source.roleAssignments(ordersAppId)) console.log(a.principalType, a.principalId, a.appRoleId);
 */
export interface SourceRoleAssignment {
  readonly principalId: string;
  readonly principalType: string;
  readonly appRoleId: string;
}

/**
 * A mirrored person as the target holds them.
 *
 * @example
 * const user = await target.findUser(sourceUser.key);
 * if (user && !user.enabled) console.log(`${user.username} is disabled in Keycloak`);
 */
export interface TargetUser {
  readonly id: string;
  readonly key: string | undefined;
  readonly username: string;
  readonly enabled: boolean;
  readonly email: string | undefined;
  readonly emailVerified: boolean;
  readonly firstName: string | undefined;
  readonly lastName: string | undefined;
}

/**
 * The fields of a target user the mirror writes.
 *
 * @example
 * // Only the fields given are written; the rest of the Keycloak user (credentials, other attributes) is kept.
 * await target.updateUser(user, { enabled: false });
 */
export interface UserFields {
  readonly username: string;
  readonly email: string | undefined;
  readonly emailVerified: boolean;
  readonly firstName: string;
  readonly lastName: string;
  readonly enabled: boolean;
}

/**
 * A mirrored group as the target holds it; `sourceId` is the Entra group id.
 *
 * @example
 * const groups = await target.groups(); // keyed by Entra group id, not by name: names change
 * const staff = groups.get(staffGroupId)?.name;
 */
export interface TargetGroup {
  readonly id: string;
  readonly name: string;
  readonly sourceId: string;
}

/**
 * Who made a change, as the tenant's directory audit log names them (`initiatedBy`, docs/reference/entra-id.md §13.2):
 * a user (by UPN and object id), an app (by appId and service principal id), or nobody the log names.
 *
 * @example
 * const who = (i: AuditInitiator) => (i.kind === "user" ? i.userPrincipalName : i.kind === "app" ? (i.displayName ?? i.appId) : "unknown");
 */
export type AuditInitiator =
  | {
      readonly kind: "user";
      readonly id: string | undefined;
      readonly userPrincipalName: string | undefined;
      readonly displayName: string | undefined;
    }
  | {
      readonly kind: "app";
      readonly appId: string | undefined;
      readonly servicePrincipalId: string | undefined;
      readonly displayName: string | undefined;
    }
  | { readonly kind: "unknown" };

/**
 * One change of an account's state in the directory audit log: `Disable account`, `Update user` with
 * `AccountEnabled` changed, `Enable account`, `Delete user`, `Restore user` (docs/reference/entra-id.md §13.3).
 *
 * @example
 * for await (const event of source.accountEvents?.(sourceUser.objectId, Date.now() - 86_400_000) ?? []) {
 *   console.log(event.at, event.change, event.initiator.kind);
 * }
 */
export interface AccountEvent {
  /** The audit entry's id. */
  readonly id: string;
  /** Its `activityDisplayName`. */
  readonly activity: string;
  /** Its `activityDateTime`, ISO 8601. */
  readonly at: string;
  readonly change: "disabled" | "enabled" | "deleted" | "restored";
  readonly initiator: AuditInitiator;
}
