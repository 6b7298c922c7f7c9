/**
 * The verified-token cache: a bearer token seen again skips the signature
 * check — and the decoding: a hit is one map lookup, two string comparisons
 * and one set lookup. Bounded (least recently used goes first), keyed on the
 * whole token string (never on its payload alone: a twin with another
 * signature is another key), answering only the question it was verified for
 * (audience, scopes), and only while
 *
 * - the key that verified the token is still published: each entry is bound
 *   to that key's RFC 7638 thumbprint, so a key replaced under the same `kid`
 *   (or one without a `kid`) stops vouching for what it signed as soon as
 *   the provider's key set shows it gone — even for a verification that
 *   finished after the rotation had emptied the provider's entries;
 * - the token is not past its `exp`, nor the entry older than `maxAgeSeconds`:
 *   a token minted with a stolen key and a far-away `exp` is verified again
 *   at least that often, instead of living on in the cache for years.
 *
 * What it hands out is deeply frozen (`frozenPrincipal`): one caller that
 * changed a principal would otherwise change every later answer.
 */
import type { Principal } from "../core/types.js";

export interface TokenCacheLimits {
  readonly maxEntries: number;
  /** The longest an entry answers, whatever the token's `exp`. */
  readonly maxAgeSeconds: number;
}

/** A provider as the cache sees it: what names the RFC 7638 thumbprints of its signing keys now. */
export interface KeyHolder {
  signingKeys?(): ReadonlySet<string> | undefined;
}

interface Entry {
  readonly principal: Principal;
  /** Thumbprint of the published key that verified the token. */
  readonly key: string;
  /** What the token was verified against, as compact keys (see `questionKey`). */
  readonly audience: string;
  readonly scopes: string;
  /** Epoch ms after which the entry is dead. */
  readonly until: number;
}

export class VerifiedTokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #limits: TokenCacheLimits;
  readonly #now: () => number;

  constructor(limits: TokenCacheLimits, now: () => number) {
    this.#limits = limits;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The principal of `token`, if it was verified for the same audience and
   * scopes by a key its provider still publishes. `audience` as the caller
   * gave it (one for every provider, or a record by provider id: audiences
   * are per provider) and the providers by id, which name their signing keys;
   * no callback per call, as this is the hot path.
   */
  lookup(
    token: string,
    audience: string | readonly string[] | Readonly<Record<string, string | readonly string[]>>,
    scopes: readonly string[] | undefined,
    providers: ReadonlyMap<string, KeyHolder>,
  ): Principal | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    const provider = entry.principal.provider;
    const asked =
      typeof audience === "string" || Array.isArray(audience)
        ? (audience as string | readonly string[])
        : (audience as Readonly<Record<string, string | readonly string[]>>)[provider];
    return this.#answer(token, entry, asked, scopes, providers.get(provider)?.signingKeys?.());
  }

  #answer(
    token: string,
    entry: Entry,
    audience: string | readonly string[] | undefined,
    scopes: readonly string[] | undefined,
    signingKeys: ReadonlySet<string> | undefined,
  ): Principal | undefined {
    if (entry.until <= this.#now() || !signingKeys?.has(entry.key)) {
      this.#entries.delete(token);
      return undefined;
    }
    if (audience === undefined || questionKey(audience) !== entry.audience) return undefined;
    if ((scopes === undefined ? "" : questionKey(scopes)) !== entry.scopes) return undefined;
    // Re-insert: Map keeps insertion order, so the first key is the least recently used.
    this.#entries.delete(token);
    this.#entries.set(token, entry);
    return entry.principal;
  }

  /**
   * Keeps `principal` (frozen by the caller: it is handed out again as is)
   * for `token`, bound to `key`, the thumbprint of the key that verified it.
   */
  set(
    token: string,
    principal: Principal,
    key: string | undefined,
    audience: string | readonly string[],
    scopes: readonly string[] | undefined,
  ): void {
    // "Never beyond exp" needs an exp; "only while its key is published" needs to know the key.
    if (principal.expiresAt === undefined || key === undefined) return;
    this.#entries.delete(token);
    this.#entries.set(token, {
      principal,
      key,
      audience: questionKey(audience),
      scopes: scopes === undefined ? "" : questionKey(scopes),
      until: Math.min(principal.expiresAt * 1000, this.#now() + this.#limits.maxAgeSeconds * 1000),
    });
    if (this.#entries.size > this.#limits.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** Forgets every token of one provider (its key material changed). */
  dropProvider(provider: string): void {
    for (const [key, entry] of this.#entries) {
      if (entry.principal.provider === provider) this.#entries.delete(key);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}

/**
 * `principal` frozen all the way down — its arrays, its claims and every
 * object or array inside them — and returned. Only plain objects and arrays
 * are frozen (claims are JSON); anything else a provider added is left as is.
 */
export function frozenPrincipal(principal: Principal): Principal {
  // Claims are a tree (parsed JSON): walk it without bookkeeping. Only a value nested deeper than
  // any token's claims (a cycle a provider's enrichment made, say) takes the walk that remembers.
  if (freezable(principal) && !freezeTree(principal, 0)) deepFreeze(principal, new WeakSet());
  return principal;
}

/** Deeper than any claims set (`peekJwt` refuses more than 32 levels). */
const TREE_DEPTH = 64;

/** Freezes a tree of plain objects and arrays; false if it is deeper than `TREE_DEPTH` (perhaps a cycle). */
function freezeTree(value: object, depth: number): boolean {
  if (depth > TREE_DEPTH) return false;
  if (Array.isArray(value)) {
    Object.freeze(value);
    for (const child of value) {
      if (typeof child === "object" && child !== null && freezable(child) && !freezeTree(child, depth + 1))
        return false;
    }
    return true;
  }
  Object.freeze(value);
  for (const name in value) {
    if (!Object.hasOwn(value, name)) continue;
    const child = (value as Record<string, unknown>)[name];
    if (typeof child === "object" && child !== null && freezable(child) && !freezeTree(child, depth + 1))
      return false;
  }
  return true;
}

/** Only plain objects and arrays are frozen (claims are JSON); anything else a provider added is left as is. */
function freezable(value: object): boolean {
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function deepFreeze(value: unknown, seen: WeakSet<object>): void {
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  const prototype = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return;
  seen.add(value);
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child, seen);
}

/** A string that is equal exactly when two audience (or scope) lists are: NUL cannot occur in either. */
function questionKey(value: string | readonly string[]): string {
  return typeof value === "string" ? value : value.join("\u0000");
}
