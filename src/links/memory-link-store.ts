/**
 * The in-memory LinkStore: for tests and demos only. It forgets every link
 * when the process ends — production needs `idswitch/stores/sqlite` (one
 * machine) or `idswitch/stores/postgres` (several instances).
 */
import {
  type AuthorityDecision,
  accountKey,
  type FindOrCreateOptions,
  type Link,
  LinkConflictError,
  type LinkMethod,
  type LinkResult,
  type LinkStore,
  type ListLinksOptions,
  type ProviderAccount,
} from "./link-store.js";

/**
 * The in-memory {@link LinkStore}, the default: forgets every link when the process ends. For tests and demos only.
 *
 * @example
 * const identity = createIdentity({ providers, links: new MemoryLinkStore() });
 */
export class MemoryLinkStore implements LinkStore {
  readonly #links = new Map<string, Link>();
  readonly #decisions = new Map<string, AuthorityDecision>();

  async find(account: ProviderAccount): Promise<Link | undefined> {
    return this.#links.get(accountKey(account));
  }

  async findOrCreate(account: ProviderAccount, options: FindOrCreateOptions): Promise<LinkResult> {
    // Single-threaded: no await between the read and the write, so this is atomic.
    const existing = this.#links.get(accountKey(account));
    if (existing) return { link: existing, created: false };
    const link = this.#store(account, options.newAppUserId, options.method ?? "new-user", options.now);
    return { link, created: true };
  }

  async link(
    account: ProviderAccount,
    appUserId: string,
    options: { readonly method: LinkMethod; readonly now: number },
  ): Promise<Link> {
    const existing = this.#links.get(accountKey(account));
    if (existing) {
      if (existing.appUserId === appUserId) return existing;
      throw new LinkConflictError(account, existing.appUserId);
    }
    return this.#store(account, appUserId, options.method, options.now);
  }

  async unlink(account: ProviderAccount): Promise<boolean> {
    return this.#links.delete(accountKey(account));
  }

  async linksOf(appUserId: string): Promise<readonly Link[]> {
    return [...this.#links.values()]
      .filter((link) => link.appUserId === appUserId)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async list(options: ListLinksOptions = {}): Promise<readonly Link[]> {
    const sorted = [...this.#links.values()].sort(compareLinks);
    const after = options.after;
    const start = after === undefined ? 0 : sorted.findIndex((link) => compareLinks(link, after) > 0);
    return start < 0 ? [] : sorted.slice(start, start + (options.limit ?? 1000));
  }

  async authorityDecisions(appUserId: string): Promise<readonly AuthorityDecision[]> {
    return [...this.#decisions.values()].filter((d) => d.appUserId === appUserId);
  }

  async recordAuthorityDecision(decision: AuthorityDecision): Promise<void> {
    this.#decisions.set(decisionKey(decision.appUserId, decision.provider), { ...decision });
  }

  async clearAuthorityDecision(appUserId: string, provider: string): Promise<boolean> {
    return this.#decisions.delete(decisionKey(appUserId, provider));
  }

  #store(account: ProviderAccount, appUserId: string, method: LinkMethod, now: number): Link {
    const link: Link = {
      provider: account.provider,
      tenant: account.tenant,
      subject: account.subject,
      appUserId,
      method,
      createdAt: now,
    };
    this.#links.set(accountKey(account), Object.freeze(link));
    return link;
  }
}

type LinkOrder = ProviderAccount & { readonly appUserId: string };

/** Code-unit order, the same as SQL `COLLATE "C"` / SQLite BINARY, so every store pages alike. */
function compareLinks(a: LinkOrder, b: LinkOrder): number {
  return (
    cmp(a.appUserId, b.appUserId) ||
    cmp(a.provider, b.provider) ||
    cmp(a.tenant, b.tenant) ||
    cmp(a.subject, b.subject)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function decisionKey(appUserId: string, provider: string): string {
  return JSON.stringify([appUserId, provider]);
}
