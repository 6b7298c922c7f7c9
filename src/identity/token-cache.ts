/**
 * The verified-token cache: a bearer token seen again skips the signature
 * check. Bounded (least recently used goes first), keyed on the whole token
 * string plus what it was checked against (audience, scopes), never used
 * past the token's `exp`, and emptied for a provider whose keys changed
 * (a removed key must stop vouching for tokens at once).
 */
import type { Principal } from "../core/types.js";

interface Entry {
  readonly principal: Principal;
  /** Epoch ms after which the entry is dead. */
  readonly until: number;
}

export class VerifiedTokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(maxEntries: number, now: () => number) {
    this.#max = maxEntries;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): Principal | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    // Re-insert: Map keeps insertion order, so the oldest key is the least recently used.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.principal;
  }

  set(key: string, principal: Principal): void {
    // No `exp`, no caching: "never beyond exp" needs an exp.
    if (principal.expiresAt === undefined) return;
    this.#entries.delete(key);
    this.#entries.set(key, { principal, until: principal.expiresAt * 1000 });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** Forgets every token of one provider (its keys changed). */
  dropProvider(provider: string): void {
    for (const [key, entry] of this.#entries) {
      if (entry.principal.provider === provider) this.#entries.delete(key);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
