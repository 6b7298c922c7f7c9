/**
 * The groups overage resolved through Microsoft Graph (docs/reference/entra-id.md
 * §5.4): over 200 groups Entra leaves `groups` out of the token and points
 * at Graph instead. The resolver asks
 * `/users/{oid}/transitiveMemberOf/microsoft.graph.group?$select=id` — the
 * transitive groups, as the claim would have counted them — following
 * every page, and keeps the answer for a bounded time per (tenant, user).
 *
 * The cache is per provider instance (no hidden global state), bounded in
 * size, and single-flight: a burst of requests for one user makes one set
 * of Graph calls. Its time to live bounds how long a removal from a group
 * can go unnoticed — keep it short where groups gate access.
 */

import { LruMap } from "../../core/lru-map.js";
import type { GraphClient, GraphPage } from "./graph.js";

/** Requests per `$batch` (Graph's limit). */
const BATCH_SIZE = 20;

export interface GroupResolverOptions {
  /** Seconds an answer is reused (default 300). */
  readonly ttlSeconds: number;
  /** Users remembered at most; the oldest entry goes first (default 10 000). */
  readonly maxEntries: number;
  /** `$top` of each page, 1–999 (default 999: fewest round trips, §11.1). */
  readonly pageSize: number;
  readonly now: () => number;
}

interface Entry {
  readonly groups: readonly string[];
  readonly expiresAt: number;
}

export class GroupResolver {
  readonly #graph: GraphClient;
  readonly #options: GroupResolverOptions;
  readonly #cache: LruMap<string, Entry>;
  readonly #pending = new Map<string, Promise<readonly string[]>>();

  constructor(graph: GraphClient, options: GroupResolverOptions) {
    this.#graph = graph;
    this.#options = options;
    this.#cache = new LruMap(options.maxEntries);
  }

  /** The ids of every group `oid` belongs to, directly or through nesting. */
  async groupsOf(tenantId: string, oid: string): Promise<readonly string[]> {
    const key = this.#key(tenantId, oid);
    const cached = this.#cache.get(key);
    if (cached && cached.expiresAt > this.#options.now()) return cached.groups;
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const lookup = this.#fetch(oid)
      .then((groups) => {
        this.#remember(key, groups);
        return groups;
      })
      .finally(() => this.#pending.delete(key));
    this.#pending.set(key, lookup);
    return lookup;
  }

  /**
   * Several users at once: the first page of every uncached user's groups
   * comes in `$batch`es of 20 (one round trip instead of twenty); further
   * pages follow per user, and a user whose batched answer failed (throttled,
   * say) is asked again on its own, with this client's retry rules.
   */
  async groupsOfMany(tenantId: string, oids: readonly string[]): Promise<Map<string, readonly string[]>> {
    const result = new Map<string, readonly string[]>();
    const missing: string[] = [];
    for (const oid of new Set(oids.map((o) => o.toLowerCase()))) {
      const cached = this.#cache.get(this.#key(tenantId, oid));
      if (cached && cached.expiresAt > this.#options.now()) result.set(oid, cached.groups);
      else missing.push(oid);
    }
    for (let i = 0; i < missing.length; i += BATCH_SIZE) {
      const chunk = missing.slice(i, i + BATCH_SIZE);
      const answers = await this.#graph.batch(chunk.map((oid) => this.#path(oid)));
      await Promise.all(
        chunk.map(async (oid, j) => {
          const answer = answers[j];
          const groups =
            answer?.status === 200
              ? idsOf(await this.#graph.rest(answer.body as GraphPage<{ readonly id?: unknown }>))
              : await this.groupsOf(tenantId, oid);
          this.#remember(this.#key(tenantId, oid), groups);
          result.set(oid, groups);
        }),
      );
    }
    return result;
  }

  /** Forgets one user (after a membership change the app knows of), or everyone. */
  forget(tenantId?: string, oid?: string): void {
    if (tenantId === undefined || oid === undefined) this.#cache.clear();
    else this.#cache.delete(this.#key(tenantId, oid));
  }

  #key(tenantId: string, oid: string): string {
    return `${tenantId.toLowerCase()}:${oid.toLowerCase()}`;
  }

  #path(oid: string): string {
    return `/users/${encodeURIComponent(oid)}/transitiveMemberOf/microsoft.graph.group?$select=id&$top=${this.#options.pageSize}`;
  }

  async #fetch(oid: string): Promise<readonly string[]> {
    return idsOf(await this.#graph.all<{ readonly id?: unknown }>(this.#path(oid)));
  }

  #remember(key: string, groups: readonly string[]): void {
    this.#cache.set(key, { groups, expiresAt: this.#options.now() + this.#options.ttlSeconds * 1000 });
  }
}

function idsOf(items: readonly { readonly id?: unknown }[]): readonly string[] {
  const ids = items.map((item) => item.id).filter((id): id is string => typeof id === "string");
  return Object.freeze([...new Set(ids)]);
}
