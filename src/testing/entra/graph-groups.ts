/**
 * Groups and memberships of the emulator's directory, as Microsoft Graph
 * shows them (docs/reference/entra-id.md §11.4): a group's members are users or other groups;
 * `/members` lists direct members, `/transitiveMembers` and a user's
 * `/transitiveMemberOf` follow nesting. The same memberships feed the
 * `groups` claim of tokens (and its overage, §5.4), so what a token says and
 * what Graph answers never disagree.
 */
import { GUID, guid } from "./ids.js";

export interface GroupRecord {
  readonly id: string;
  readonly tid: string;
  readonly displayName: string;
  readonly description: string | null;
  readonly securityEnabled: boolean;
  readonly createdAt: number;
}

export class GroupStore {
  readonly #groups = new Map<string, GroupRecord>();
  /** Deleted groups: gone from every listing, still known to a delta round that reports them removed. */
  readonly #deleted = new Map<string, GroupRecord>();
  /** group id → direct member ids (users and groups), in insertion order. */
  readonly #members = new Map<string, Set<string>>();
  /** member id → the groups it is a direct member of. */
  readonly #parents = new Map<string, Set<string>>();

  add(fields: Omit<GroupRecord, "id"> & { readonly id?: string | undefined }): GroupRecord {
    const id = (fields.id ?? guid()).toLowerCase();
    if (!GUID.test(id)) throw new TypeError(`addGroup: id must be a GUID, got "${id}"`);
    if (this.#groups.has(id) || this.#deleted.has(id))
      throw new TypeError(`addGroup: group ${id} already exists`);
    const group: GroupRecord = { ...fields, id };
    this.#groups.set(id, group);
    this.#members.set(id, new Set());
    return group;
  }

  group(id: string): GroupRecord | undefined {
    return this.#groups.get(id.toLowerCase());
  }

  /** A group deleted by `remove()`. */
  deleted(id: string): GroupRecord | undefined {
    return this.#deleted.get(id.toLowerCase());
  }

  rename(id: string, displayName: string): GroupRecord {
    const group = this.#require(id, "renameGroup");
    const renamed: GroupRecord = { ...group, displayName };
    this.#groups.set(group.id, renamed);
    return renamed;
  }

  /** Deletes a group: its own memberships and its members' go with it. */
  remove(id: string): GroupRecord {
    const group = this.#require(id, "deleteGroup");
    for (const member of this.membersOf(group.id)) this.#parents.get(member)?.delete(group.id);
    for (const parent of this.memberOf(group.id)) this.#members.get(parent)?.delete(group.id);
    this.#members.delete(group.id);
    this.#parents.delete(group.id);
    this.#groups.delete(group.id);
    this.#deleted.set(group.id, group);
    return group;
  }

  inTenant(tid: string): GroupRecord[] {
    return [...this.#groups.values()].filter((g) => g.tid === tid);
  }

  addMember(groupId: string, memberId: string): void {
    const group = this.#require(groupId, "addMember");
    const member = memberId.toLowerCase();
    if (member === group.id) throw new TypeError("addMember: a group cannot be its own member");
    this.#members.get(group.id)?.add(member);
    const parents = this.#parents.get(member) ?? new Set<string>();
    parents.add(group.id);
    this.#parents.set(member, parents);
  }

  removeMember(groupId: string, memberId: string): void {
    const group = this.#require(groupId, "removeMember");
    const member = memberId.toLowerCase();
    this.#members.get(group.id)?.delete(member);
    this.#parents.get(member)?.delete(group.id);
  }

  /** Direct member ids of a group. */
  membersOf(groupId: string): string[] {
    return [...(this.#members.get(groupId.toLowerCase()) ?? [])];
  }

  /** Every member below a group, nesting followed, each once (cycles are harmless). */
  transitiveMembersOf(groupId: string): string[] {
    return walk(groupId.toLowerCase(), (id) => this.#members.get(id));
  }

  /** Groups a user or group is a direct member of. */
  memberOf(memberId: string): string[] {
    return [...(this.#parents.get(memberId.toLowerCase()) ?? [])];
  }

  /** Every group above a user or group, nesting followed: what the `groups` claim lists. */
  transitiveMemberOf(memberId: string): string[] {
    return walk(memberId.toLowerCase(), (id) => this.#parents.get(id));
  }

  #require(id: string, caller: string): GroupRecord {
    const group = this.group(id);
    if (!group) throw new TypeError(`${caller}: unknown group ${id} (call addGroup first)`);
    return group;
  }
}

/** Breadth-first from `start` (excluded), nearest first. */
function walk(start: string, next: (id: string) => ReadonlySet<string> | undefined): string[] {
  const seen = new Set<string>([start]);
  const found: string[] = [];
  let frontier = [start];
  while (frontier.length > 0) {
    const upcoming: string[] = [];
    for (const id of frontier) {
      for (const neighbour of next(id) ?? []) {
        if (seen.has(neighbour)) continue;
        seen.add(neighbour);
        found.push(neighbour);
        upcoming.push(neighbour);
      }
    }
    frontier = upcoming;
  }
  return found;
}
