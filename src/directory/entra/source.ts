/**
 * `entraDirectory()`: Microsoft Entra ID as the mirror's source, through
 * Microsoft Graph (docs/reference/entra-id.md §11) with the least-privileged app permissions
 * (`User.Read.All`, `GroupMember.Read.All`, `Application.Read.All`, §11.7), and
 * `AuditLog.Read.All` (Microsoft also lists `Directory.Read.All`, §13.1) when
 * the mirror's `disables.trustedInitiators` asks who disabled someone.
 *
 * Users come from `/users/delta`: the first round lists everyone and ends
 * with a deltaLink; the next round asks only for what changed since. The
 * link to resume at is handed out after every page, so the caller can
 * checkpoint it and a killed run continues where it stopped. Groups come
 * the same way from `/groups/delta` with `members@delta` (§11.8), and who
 * was removed or restored from a users round of ids only: Graph does not
 * list a deleted person's groups as changed.
 */
import { parseConfig } from "../../core/config.js";
import { IdSwitchError } from "../../core/errors.js";
import { createRuntime } from "../../core/runtime.js";
import { GraphClient } from "../../providers/entra/graph.js";
import type {
  AccountEvent,
  GroupChange,
  GroupPage,
  ResumePoint,
  SourceGroup,
  SourceRoleAssignment,
  SourceUser,
  UserChange,
  UserPage,
  UserPresencePage,
} from "../types.js";
import { accountEvents } from "./audit.js";
import { type EntraDirectoryOptionsInput, entraDirectorySchema } from "./options.js";
import { type DeltaPage, items, malformed, nextLink } from "./pages.js";
import { graphAppToken } from "./token.js";

/** §11.1: `accountEnabled` is only returned when selected; `id` is the immutable object id. */
export const USER_SELECT = "id,userPrincipalName,mail,displayName,givenName,surname,accountEnabled";

/** §11.8: `members` selected, so a membership change lists the group with only the members that changed. */
export const GROUP_DELTA_SELECT = "displayName,members";

interface GraphGroupDelta {
  readonly id: string;
  readonly displayName?: string | null;
  readonly "members@delta"?: readonly unknown[];
  readonly "@removed"?: { readonly reason?: string };
}

/** A page of a delta round, whatever it lists. */
interface RoundPage<C> {
  readonly changes: C[];
  readonly resumeAt: string;
  readonly last: boolean;
  readonly round: "full" | "delta";
  readonly restarted: boolean;
}

export interface GraphUser {
  readonly id: string;
  readonly userPrincipalName?: string | null;
  readonly mail?: string | null;
  readonly displayName?: string | null;
  readonly givenName?: string | null;
  readonly surname?: string | null;
  readonly accountEnabled?: boolean | null;
  readonly "@removed"?: { readonly reason?: string };
}

/**
 * A directory the mirror can read from. `entraDirectory()` is the one
 * implementation; tests may hand the mirror their own.
 *
 * @example
 * // The current directory, one user at a time; the mirror itself reads the resumable userPages().
 * for await (const user of source.users()) if (!user.accountEnabled) console.log(user.userPrincipalName);
 */
export interface DirectorySource {
  readonly id: string;
  readonly tenantId: string;
  /** Users, page by page, from `resumeAt` (a link a previous page gave) or from a new full round. */
  userPages(resumeAt: ResumePoint | undefined): AsyncGenerator<UserPage>;
  /** Every user, current state only (no checkpoint): what `readiness()` walks. */
  users(): AsyncGenerator<SourceUser>;
  /** Every security group of the directory. */
  groups(): AsyncGenerator<SourceGroup>;
  /**
   * Groups that changed, page by page, from `resumeAt` or from a new full round (`/groups/delta`, §11.8).
   * Optional: without it the mirror compares every group on every run.
   */
  groupPages?(resumeAt: ResumePoint | undefined): AsyncGenerator<GroupPage>;
  /** The groups a group sits in, through nesting (`/groups/{id}/transitiveMemberOf`, §11.4); none once it is gone. */
  groupAncestors?(groupId: string): AsyncGenerator<SourceGroup>;
  /**
   * Users created or restored and users removed since `link` (a link a previous page gave), by object id
   * (`/users/delta?$select=id`); without a link, a round that starts now (`$deltatoken=latest`).
   */
  userPresencePages?(link: string | undefined): AsyncGenerator<UserPresencePage>;
  /** The users in a group, through nested groups too (`/transitiveMembers`, §11.4). */
  groupUsers(groupId: string, transitive: boolean): AsyncGenerator<string>;
  /** Who holds roles of an app (`appRoleAssignedTo` of its service principal, §11.5). */
  roleAssignments(appId: string): AsyncGenerator<SourceRoleAssignment>;
  /** The ids of the groups a user is in, transitively. */
  userGroups(objectId: string): Promise<string[]>;
  /**
   * The changes of one account's state since `since` (epoch ms), newest first, from the directory audit log
   * (`AuditLog.Read.All`, §13). Optional: a source without it cannot prove who disabled anyone, and the
   * mirror's `trustedInitiators` then quarantines every disable.
   */
  accountEvents?(objectId: string, since: number): AsyncGenerator<AccountEvent>;
}

/**
 * @example
 * const source = entraDirectory({ tenantId, clientId, clientSecret: env.MIRROR_SECRET });
 */
export function entraDirectory(options: EntraDirectoryOptionsInput): DirectorySource {
  const o = parseConfig(entraDirectorySchema, options, "entraDirectory");
  const runtime = createRuntime(o.runtime);
  const graph = new GraphClient({
    provider: o.id,
    baseUrl: o.graphUrl,
    runtime,
    ...o.throttle,
    appToken: () =>
      graphAppToken({
        provider: o.id,
        authority: o.authority,
        tenantId: o.tenantId,
        clientId: o.clientId,
        clientSecret: o.clientSecret,
        scope: "https://graph.microsoft.com/.default",
        runtime,
      }),
  });
  return new EntraSource(o.id, o.tenantId.toLowerCase(), graph);
}

/** The HTTP status behind a Graph failure, when there was one. */
function statusOf(err: unknown): number | undefined {
  return err instanceof IdSwitchError ? (err.cause as { status?: number } | undefined)?.status : undefined;
}

class EntraSource implements DirectorySource {
  constructor(
    readonly id: string,
    readonly tenantId: string,
    readonly graph: GraphClient,
  ) {}

  userPages(resumeAt: ResumePoint | undefined): AsyncGenerator<UserPage> {
    const start = this.graph.url(`/users/delta?$select=${USER_SELECT}`);
    return this.#rounds<GraphUser, UserChange>(resumeAt, start, (u) => this.#change(u));
  }

  groupPages(resumeAt: ResumePoint | undefined): AsyncGenerator<GroupPage> {
    const start = this.graph.url(`/groups/delta?$select=${GROUP_DELTA_SELECT}`);
    return this.#rounds<GraphGroupDelta, GroupChange>(resumeAt, start, (g) => this.#groupChange(g));
  }

  async *userPresencePages(link: string | undefined): AsyncGenerator<UserPresencePage> {
    // §11.3 "sync from now": a deltaLink without listing anyone; a 410 starts over from now as well.
    const now = this.graph.url("/users/delta?$select=id&$deltatoken=latest");
    const rounds = this.#rounds<GraphUser, GraphUser>({ link: link ?? now, round: "delta" }, now, (u) => {
      if (typeof u?.id !== "string") throw malformed(this.id);
      return u;
    });
    for await (const page of rounds) {
      const ids = (removed: boolean) =>
        page.changes.filter((u) => (u["@removed"] !== undefined) === removed).map((u) => u.id.toLowerCase());
      yield {
        appeared: ids(false),
        removed: ids(true),
        resumeAt: page.resumeAt,
        last: page.last,
        restarted: page.restarted,
      };
    }
  }

  async *groupAncestors(groupId: string): AsyncGenerator<SourceGroup> {
    const path = `/groups/${encodeURIComponent(groupId)}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName&$top=999`;
    try {
      for await (const g of items<{ id: string; displayName?: string | null }>(this.graph, path, this.id)) {
        yield { id: g.id, displayName: g.displayName || g.id };
      }
    } catch (err) {
      // Deleted since the round listed it: its own `@removed` comes in the next round.
      if (statusOf(err) !== 404) throw err;
    }
  }

  /** A delta round page by page; a 410 Gone (§11.3: the service lost our sync state) starts over at `start`. */
  async *#rounds<T, C>(
    resumeAt: ResumePoint | undefined,
    start: string,
    map: (item: T) => C,
  ): AsyncGenerator<RoundPage<C>> {
    let url = resumeAt?.link ?? start;
    let round: RoundPage<C>["round"] = resumeAt?.round ?? "full";
    let restarted = false;
    for (;;) {
      const page = await this.#deltaPage<T>(url);
      if (page === "resync") {
        if (restarted && url === start) throw malformed(this.id); // a fresh round refused as stale
        url = start;
        round = "full";
        restarted = true;
        continue;
      }
      const next = nextLink(page["@odata.nextLink"], this.graph, this.id);
      const delta = nextLink(page["@odata.deltaLink"], this.graph, this.id);
      const resume = next ?? delta;
      if (resume === undefined || !Array.isArray(page.value)) throw malformed(this.id);
      yield { changes: page.value.map(map), resumeAt: resume, last: next === undefined, round, restarted };
      if (next === undefined) return;
      url = next;
      restarted = false;
    }
  }

  async *users(): AsyncGenerator<SourceUser> {
    for await (const u of items<GraphUser>(this.graph, `/users?$select=${USER_SELECT}&$top=999`, this.id)) {
      yield this.#user(u);
    }
  }

  async *groups(): AsyncGenerator<SourceGroup> {
    for await (const g of items<{ id: string; displayName?: string | null }>(
      this.graph,
      "/groups?$select=id,displayName&$top=999",
      this.id,
    )) {
      yield { id: g.id, displayName: g.displayName || g.id };
    }
  }

  async *groupUsers(groupId: string, transitive: boolean): AsyncGenerator<string> {
    const relation = transitive ? "transitiveMembers" : "members";
    const path = `/groups/${encodeURIComponent(groupId)}/${relation}?$select=id&$top=999`;
    for await (const m of items<{ id: string; "@odata.type"?: string }>(this.graph, path, this.id)) {
      if (m["@odata.type"] === "#microsoft.graph.user") yield m.id;
    }
  }

  async *roleAssignments(appId: string): AsyncGenerator<SourceRoleAssignment> {
    const path = `/servicePrincipals(appId='${encodeURIComponent(appId)}')/appRoleAssignedTo?$top=999`;
    yield* items<SourceRoleAssignment>(this.graph, path, this.id);
  }

  async userGroups(objectId: string): Promise<string[]> {
    const path = `/users/${encodeURIComponent(objectId)}/transitiveMemberOf/microsoft.graph.group?$select=id&$top=999`;
    const ids: string[] = [];
    for await (const g of items<{ id: string }>(this.graph, path, this.id)) ids.push(g.id);
    return ids;
  }

  accountEvents(objectId: string, since: number): AsyncGenerator<AccountEvent> {
    return accountEvents(this.graph, this.id, objectId, since);
  }

  /** One delta page, or "resync" when Graph answers 410 Gone. */
  async #deltaPage<T>(url: string): Promise<DeltaPage<T> | "resync"> {
    try {
      return await this.graph.get<DeltaPage<T>>(url);
    } catch (err) {
      if (statusOf(err) === 410) return "resync";
      throw err;
    }
  }

  #groupChange(g: GraphGroupDelta): GroupChange {
    if (typeof g?.id !== "string") throw malformed(this.id);
    const id = g.id; // as `groups()` gives it: the mirrored group carries it
    if (g["@removed"]) return { id, displayName: undefined, removed: true, membersChanged: false };
    const members = g["members@delta"];
    return {
      id,
      displayName: typeof g.displayName === "string" && g.displayName ? g.displayName : undefined,
      removed: false,
      membersChanged: Array.isArray(members) && members.length > 0,
    };
  }

  #change(u: GraphUser): UserChange {
    if (typeof u?.id !== "string") throw malformed(this.id);
    const key = `${this.tenantId}:${u.id.toLowerCase()}`;
    if (u["@removed"]) return { kind: "removed", key, permanent: u["@removed"].reason === "deleted" };
    return { kind: "upsert", user: this.#user(u) };
  }

  #user(u: GraphUser): SourceUser {
    if (typeof u?.id !== "string" || typeof u.userPrincipalName !== "string") throw malformed(this.id);
    const oid = u.id.toLowerCase();
    return {
      key: `${this.tenantId}:${oid}`,
      tenantId: this.tenantId,
      objectId: oid,
      userPrincipalName: u.userPrincipalName,
      mail: u.mail ?? undefined,
      givenName: u.givenName ?? undefined,
      surname: u.surname ?? undefined,
      displayName: u.displayName ?? undefined,
      // Absent only if `$select` lost it; an unknown state must not enable anyone.
      accountEnabled: u.accountEnabled === true,
    };
  }
}
