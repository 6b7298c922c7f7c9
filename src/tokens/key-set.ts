/**
 * One issuer's published signing keys, kept the way providers' key-rollover
 * guidance asks (docs/reference/entra-id.md §10) rather than the way jose's remote key set
 * does by default:
 *
 * - fresh keys are used without a request; stale ones are refetched;
 * - a refetch that fails leaves the last-known-good keys in use for a bounded
 *   time (24 h by default), so an outage of the provider — or a bad key
 *   publication like one a large provider made in March 2021 — does not stop verification;
 * - every refetch is single-flight: a thousand verifications that all meet a
 *   new `kid` make one request;
 * - an unknown `kid` may trigger a refetch only once per cooldown, so a flood
 *   of made-up `kid`s costs the provider nothing.
 *
 * Key selection itself (kid, alg, kty, use; exactly one match) is jose's.
 */
import * as jose from "jose";
import { IdSwitchError } from "../core/errors.js";
import type { FetchLike } from "../core/runtime.js";

export interface KeySetOptions {
  /** The provider id, for errors and events. */
  readonly provider: string;
  /** The provider's guarded fetch (time budget, outage classification). */
  readonly fetch: FetchLike;
  readonly now: () => number;
  /** Keys younger than this are used without asking the provider. Default 10 min. */
  readonly maxAgeMs?: number;
  /** How long last-known-good keys stand in while the provider cannot be reached. Default 24 h. */
  readonly lastKnownGoodMs?: number;
  /** After a fetch, an unknown `kid` waits this long before it may cause another. Default 30 s. */
  readonly cooldownMs?: number;
  /** Told when a fetch brings keys that differ from the previous ones. */
  readonly onRotation?: (change: KeyRotation) => void;
  /** Told when stale keys are used because the provider could not be reached. */
  readonly onStale?: (ageMs: number, cause: IdSwitchError) => void;
  /**
   * Where the last good keys survive a restart (and are shared between app
   * instances): read once before the first fetch, written after each.
   */
  readonly persisted?: PersistedKeys | undefined;
}

export interface KeySnapshot {
  readonly jwks: jose.JSONWebKeySet;
  /** Epoch ms. */
  readonly fetchedAt: number;
}

export interface PersistedKeys {
  load(): Promise<KeySnapshot | undefined>;
  save(snapshot: KeySnapshot): Promise<void>;
}

export interface KeyRotation {
  readonly provider: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

interface Snapshot {
  readonly jwks: jose.JSONWebKeySet;
  readonly fetchedAt: number;
  readonly resolve: ReturnType<typeof jose.createLocalJWKSet>;
}

const MINUTE = 60_000;

export class KeySet {
  readonly #uri: URL;
  readonly #options: KeySetOptions;
  #current: Snapshot | undefined;
  #inFlight: Promise<Snapshot> | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #restored: Promise<void> | undefined;

  constructor(jwksUri: string, options: KeySetOptions) {
    this.#uri = new URL(jwksUri);
    this.#options = options;
  }

  /** The keys in use, as published. */
  jwks(): jose.JSONWebKeySet | undefined {
    return this.#current?.jwks;
  }

  /** The published key that `kid` names, with members jose ignores (a key's own `issuer`, say). */
  find(kid: string | undefined): Readonly<Record<string, unknown>> | undefined {
    return this.#current?.jwks.keys.find((key) => key.kid === kid) as Record<string, unknown> | undefined;
  }

  /** A key resolver for `jose.jwtVerify`. */
  readonly getKey = async (
    header: jose.JWSHeaderParameters,
    token: jose.FlattenedJWSInput,
  ): Promise<CryptoKey> => {
    // Fresh keys (the common case) skip the async refresh logic altogether.
    const snapshot = this.#fresh() ?? (await this.#usable());
    try {
      return await snapshot.resolve(header, token);
    } catch (err) {
      if (!(err instanceof jose.errors.JWKSNoMatchingKey) || !this.#mayRefetch()) throw err;
      // A kid we do not know: perhaps the provider rotated. Ask once, then decide.
      const refreshed = await this.#refresh().catch(() => undefined);
      if (!refreshed) throw err;
      return refreshed.resolve(header, token);
    }
  };

  /** Fetches now (single-flight), regardless of age: the key check of `diagnose`. */
  async reload(): Promise<void> {
    await this.#refresh();
  }

  #fresh(): Snapshot | undefined {
    const current = this.#current;
    if (!current || this.#options.now() - current.fetchedAt >= (this.#options.maxAgeMs ?? 10 * MINUTE))
      return undefined;
    return current;
  }

  /** Fresh keys; or stale but last-known-good ones while the provider is unreachable. */
  async #usable(): Promise<Snapshot> {
    if (!this.#current && this.#options.persisted) {
      this.#restored ??= this.#restore();
      await this.#restored;
    }
    const current = this.#current;
    const age = current ? this.#options.now() - current.fetchedAt : Number.POSITIVE_INFINITY;
    if (current && age < (this.#options.maxAgeMs ?? 10 * MINUTE)) return current;
    try {
      return await this.#refresh();
    } catch (err) {
      const cause = err as IdSwitchError;
      if (!current || age >= (this.#options.lastKnownGoodMs ?? 24 * 60 * MINUTE)) throw err;
      this.#options.onStale?.(age, cause);
      return current;
    }
  }

  /** Keys another instance (or this one, before a restart) fetched: used like our own, by their age. */
  async #restore(): Promise<void> {
    try {
      const saved = await this.#options.persisted?.load();
      if (!saved || this.#current || !Array.isArray(saved.jwks?.keys)) return;
      this.#current = { ...saved, resolve: jose.createLocalJWKSet(saved.jwks) };
    } catch {
      // A store that cannot answer leaves us where we would be without one: fetching.
    }
  }

  #mayRefetch(): boolean {
    return this.#options.now() - this.#lastAttempt >= (this.#options.cooldownMs ?? 30_000);
  }

  #refresh(): Promise<Snapshot> {
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #fetch(): Promise<Snapshot> {
    this.#lastAttempt = this.#options.now();
    const response = await this.#options.fetch(this.#uri, { headers: { accept: "application/json" } });
    const jwks = await this.#parse(response);
    const previous = this.#current;
    const snapshot = { jwks, fetchedAt: this.#options.now(), resolve: jose.createLocalJWKSet(jwks) };
    this.#current = snapshot;
    if (previous) this.#reportRotation(previous.jwks, jwks);
    void this.#options.persisted?.save({ jwks, fetchedAt: snapshot.fetchedAt }).catch(() => {});
    return snapshot;
  }

  async #parse(response: Response): Promise<jose.JSONWebKeySet> {
    const unavailable = (why: string, cause?: unknown) =>
      new IdSwitchError("provider_unavailable", `${this.#options.provider}: key set ${why}`, {
        provider: this.#options.provider,
        reason: "jwks",
        cause: cause ?? { status: response.status },
      });
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw unavailable(`answered HTTP ${response.status}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (err) {
      throw unavailable("is not valid JSON", err);
    }
    // A set without keys would make every token "unknown_key": treat it as a broken answer, keep the old keys.
    const keys = (body as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === "object" && k)) {
      throw unavailable("is not a JSON Web Key Set");
    }
    return body as jose.JSONWebKeySet;
  }

  #reportRotation(before: jose.JSONWebKeySet, after: jose.JSONWebKeySet): void {
    const kids = (set: jose.JSONWebKeySet) => new Set(set.keys.map((key) => key.kid ?? ""));
    const old = kids(before);
    const now = kids(after);
    const added = [...now].filter((kid) => !old.has(kid));
    const removed = [...old].filter((kid) => !now.has(kid));
    if (added.length > 0 || removed.length > 0) {
      this.#options.onRotation?.({ provider: this.#options.provider, added, removed });
    }
  }
}
