/**
 * The verified-token cache: a bearer token seen again skips the signature
 * check — and the decoding: a hit is one map lookup and two string
 * comparisons. Bounded (least recently used goes first), keyed on the whole
 * token string (never on its payload alone: a twin with another signature is
 * another key), answering only the question it was verified for (audience,
 * scopes), never past the token's `exp`, and emptied for a provider whose
 * keys changed (a removed key must stop vouching for tokens at once).
 */
import type { Principal } from "../core/types.js";

interface Entry {
  readonly principal: Principal;
  /** What the token was verified against, as compact keys (see `questionKey`). */
  readonly audience: string;
  readonly scopes: string;
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

  /**
   * The principal of `token`, if it was verified for the same audience and
   * scopes. `audienceFor` names the audience asked for at the provider that
   * verified the token (audiences are per provider).
   */
  get(
    token: string,
    audienceFor: (provider: string) => string | readonly string[] | undefined,
    scopes: readonly string[] | undefined,
  ): Principal | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (entry.until <= this.#now()) {
      this.#entries.delete(token);
      return undefined;
    }
    const audience = audienceFor(entry.principal.provider);
    if (audience === undefined || questionKey(audience) !== entry.audience) return undefined;
    if (questionKey(scopes ?? []) !== entry.scopes) return undefined;
    // Re-insert: Map keeps insertion order, so the first key is the least recently used.
    this.#entries.delete(token);
    this.#entries.set(token, entry);
    return entry.principal;
  }

  set(
    token: string,
    principal: Principal,
    audience: string | readonly string[],
    scopes: readonly string[] | undefined,
  ): void {
    // No `exp`, no caching: "never beyond exp" needs an exp.
    if (principal.expiresAt === undefined) return;
    this.#entries.delete(token);
    this.#entries.set(token, {
      principal,
      audience: questionKey(audience),
      scopes: questionKey(scopes ?? []),
      until: principal.expiresAt * 1000,
    });
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

/** A string that is equal exactly when two audience (or scope) lists are: NUL cannot occur in either. */
function questionKey(value: string | readonly string[]): string {
  return typeof value === "string" ? value : value.join("\u0000");
}
