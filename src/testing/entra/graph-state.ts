/**
 * The emulator's Microsoft Graph state: groups, the application permissions
 * granted on Graph (docs/reference/entra-id.md §11.7), a change log for delta queries (§11.3),
 * the server side of opaque paging and delta tokens (§11.2), the
 * directory audit log (§13) and the throttling a test asked for (§11.6). One per emulator, on the `Core`.
 */
import { AuditLog } from "./graph-audit-log.js";
import { GroupStore } from "./graph-groups.js";
import { randomBase64Url } from "./ids.js";

/** What a delta query can report about a user (§11.3). */
export type UserChange = "created" | "accountEnabled" | "removed" | "restored";

export interface ChangeEntry {
  readonly seq: number;
  readonly change: UserChange;
  /** Emulator time of the change. */
  readonly at: number;
}

/**
 * What a groups delta query can report about a group: created, a property changed (`displayName`), a direct
 * member added or removed (`memberId`; the group's members now say which), or the group deleted.
 */
export type GroupChange =
  | { readonly kind: "created" | "renamed" | "deleted" }
  | { readonly kind: "member"; readonly memberId: string };

export interface GroupChangeEntry {
  readonly seq: number;
  readonly change: GroupChange;
}

/** A snapshot being paged through: each `$skiptoken` names one. */
export interface PageCursor {
  readonly items: readonly Record<string, unknown>[];
  readonly offset: number;
  readonly pageSize: number;
  /** Set on the pages of a delta round: the deltaLink of its last page. */
  readonly deltaToken?: string;
}

export interface DeltaState {
  readonly tid: string;
  /** Changes after this sequence number are the next round's. */
  readonly seq: number;
  readonly select: readonly string[] | undefined;
  readonly issuedAt: number;
  /** The reset generation it belongs to; an older one gets 410 (§11.3). */
  readonly generation: number;
  /** The collection the token tracks (users when absent). */
  readonly entity?: "users" | "groups";
}

export interface GraphThrottle {
  remaining: number;
  /** Seconds for `Retry-After`; `null` sends none (§11.6: some areas send none). */
  readonly retryAfterSeconds: number | null;
}

export class GraphState {
  readonly groups = new GroupStore();
  /** The tenants' directory audit logs (§13). */
  readonly audit = new AuditLog();
  readonly #permissions = new Map<string, Set<string>>();
  readonly #changes = new Map<string, ChangeEntry[]>();
  readonly #groupChanges = new Map<string, GroupChangeEntry[]>();
  readonly #cursors = new Map<string, PageCursor>();
  readonly #deltaTokens = new Map<string, DeltaState>();
  #seq = 0;
  #generation = 0;
  #throttle: GraphThrottle | undefined;

  /** Application permissions of a client app on Graph: the `roles` of its Graph tokens. */
  grant(clientId: string, permissions: readonly string[]): void {
    const key = clientId.toLowerCase();
    const granted = this.#permissions.get(key) ?? new Set<string>();
    for (const permission of permissions) granted.add(permission);
    this.#permissions.set(key, granted);
  }

  permissionsOf(clientId: string): string[] {
    return [...(this.#permissions.get(clientId.toLowerCase()) ?? [])];
  }

  /** Records a change of a user that Graph can see. */
  recordUser(oid: string, change: UserChange, at: number): void {
    this.#seq += 1;
    const log = this.#changes.get(oid) ?? [];
    log.push({ seq: this.#seq, change, at });
    this.#changes.set(oid, log);
  }

  /** Records a change of a group that a groups delta query can see (§11.3). */
  recordGroup(groupId: string, change: GroupChange): void {
    this.#seq += 1;
    const id = groupId.toLowerCase();
    const log = this.#groupChanges.get(id) ?? [];
    log.push({ seq: this.#seq, change });
    this.#groupChanges.set(id, log);
  }

  /** A group's changes after `seq`, oldest first. */
  groupChangesSince(groupId: string, seq: number): GroupChangeEntry[] {
    return (this.#groupChanges.get(groupId.toLowerCase()) ?? []).filter((entry) => entry.seq > seq);
  }

  /** Every group Graph has seen (deleted ones too), in creation order. */
  groupIds(): string[] {
    return [...this.#groupChanges.keys()];
  }

  /** The sequence number of the latest change: a delta token taken now starts here. */
  get seq(): number {
    return this.#seq;
  }

  /** A user's changes after `seq`, oldest first. */
  userChangesSince(oid: string, seq: number): ChangeEntry[] {
    return (this.#changes.get(oid) ?? []).filter((entry) => entry.seq > seq);
  }

  /** Every user Graph has seen, in creation order. */
  userIds(): string[] {
    return [...this.#changes.keys()];
  }

  /** When a user was created (its first change), for `createdDateTime`. */
  createdAt(oid: string): number | undefined {
    return this.#changes.get(oid)?.[0]?.at;
  }

  saveCursor(cursor: PageCursor): string {
    // Opaque by design (§11.2: follow nextLink verbatim, never parse it).
    const token = `RFNwdAIAAQAAAD8${randomBase64Url(33)}`;
    this.#cursors.set(token, cursor);
    return token;
  }

  cursor(token: string): PageCursor | undefined {
    return this.#cursors.get(token);
  }

  issueDeltaToken(state: Omit<DeltaState, "generation">): string {
    const token = randomBase64Url(48);
    this.#deltaTokens.set(token, { ...state, generation: this.#generation });
    return token;
  }

  /** The state behind a delta token, and whether a reset has made it stale. */
  deltaToken(token: string): { readonly state: DeltaState; readonly stale: boolean } | undefined {
    const state = this.#deltaTokens.get(token);
    return state ? { state, stale: state.generation !== this.#generation } : undefined;
  }

  /** Every delta token issued so far answers 410 Gone from now on (§11.3). */
  resetDelta(): void {
    this.#generation += 1;
  }

  throttle(throttle: GraphThrottle | undefined): void {
    this.#throttle = throttle;
  }

  /** The throttling for one request, counted against its `times`. */
  takeThrottle(): GraphThrottle | undefined {
    const throttle = this.#throttle;
    if (!throttle) return undefined;
    throttle.remaining -= 1;
    if (throttle.remaining <= 0) this.#throttle = undefined;
    return throttle;
  }
}
