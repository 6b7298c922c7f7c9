/**
 * Exchanged tokens, per (subject token, downstream API), until shortly
 * before they expire: an API that calls the next one for every request
 * asks its provider once per person and token lifetime instead of once per
 * request. Concurrent identical exchanges share one request. Bounded (least
 * recently used goes first), in memory only: the tokens never leave the
 * process, and nothing here outlives a restart.
 */
import { LruMap } from "../core/lru-map.js";
import type { TokenSet } from "../core/types.js";

/** How long before expiry an exchanged token stops being handed out: time for the downstream call itself. */
const MARGIN_SECONDS = 30;
const MAX_ENTRIES = 1_000;

export class ExchangeCache {
  readonly #entries = new LruMap<string, TokenSet>(MAX_ENTRIES);
  readonly #pending = new Map<string, Promise<TokenSet>>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /**
   * The cached token for `key`, else the one `exchange` gets (once, however
   * many ask at the same time). `subjectExpiresAt` (epoch seconds): the
   * subject token's `exp` — past it, nothing is answered for it from here.
   * What it hands out is frozen: every caller gets the same object.
   */
  async get(
    key: string,
    subjectExpiresAt: number | undefined,
    exchange: () => Promise<TokenSet>,
  ): Promise<TokenSet> {
    const cached = this.#entries.get(key);
    if (cached && this.#fresh(cached, subjectExpiresAt)) return cached;
    if (cached) this.#entries.delete(key);
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const request = exchange()
      .then((answer) => {
        const tokens = Object.freeze({
          ...answer,
          ...(answer.dpop ? { dpop: Object.freeze({ ...answer.dpop }) } : {}),
        });
        if (this.#fresh(tokens, subjectExpiresAt)) this.#entries.set(key, tokens);
        return tokens;
      })
      .finally(() => this.#pending.delete(key));
    this.#pending.set(key, request);
    return request;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** A token without `expires_in` is never cached: nothing says how long it lives. */
  #fresh(tokens: TokenSet, subjectExpiresAt: number | undefined): boolean {
    const now = this.#now() / 1000;
    if (subjectExpiresAt !== undefined && subjectExpiresAt <= now) return false;
    return tokens.expiresAt !== undefined && tokens.expiresAt - MARGIN_SECONDS > now;
  }
}

/** The cache key of one exchange: the subject token and every word naming the downstream API. */
export function exchangeKey(
  provider: string,
  subjectToken: string,
  request: {
    readonly audience?: string | undefined;
    readonly scope?: string | undefined;
    readonly resource?: string | undefined;
  },
): string {
  return JSON.stringify([
    provider,
    subjectToken,
    request.audience ?? null,
    request.scope ?? null,
    request.resource ?? null,
  ]);
}
