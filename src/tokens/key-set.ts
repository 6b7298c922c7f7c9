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
 *   of made-up `kid`s costs the provider nothing;
 * - keys are told apart by their material — the RFC 7638 thumbprint — never
 *   by `kid` alone: a key replaced under the same `kid`, or one published
 *   without a `kid`, is a rotation, and whatever was verified with the old
 *   key can be bound to it (the verified-token cache does).
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
  /** Told when a fetch brings key material that differs from the previous one. */
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

/**
 * A change of key material. A key replaced under the same `kid` names that
 * `kid` in both lists; a key without `kid` shows only in the thumbprints.
 */
export interface KeyRotation {
  readonly provider: string;
  /** `kid`s of the keys that appeared and disappeared. */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** RFC 7638 (SHA-256) thumbprints of the keys that appeared and disappeared. */
  readonly addedThumbprints: readonly string[];
  readonly removedThumbprints: readonly string[];
}

/** A key resolver for one verification that remembers which published key it handed out. */
export interface KeyResolution {
  readonly getKey: jose.JWTVerifyGetKey;
  /**
   * The RFC 7638 (SHA-256) thumbprint of the published key `getKey` resolved;
   * undefined before it did, or for a key whose thumbprint cannot be computed.
   */
  readonly thumbprint: string | undefined;
}

type Resolver = ReturnType<typeof jose.createLocalJWKSet>;

interface PublishedKey {
  readonly kid: string | undefined;
  readonly thumbprint: string | undefined;
  /** jose's selection over this key alone: it answers exactly when jose would pick this key. */
  readonly resolve: Resolver;
}

interface Snapshot {
  readonly jwks: jose.JSONWebKeySet;
  readonly fetchedAt: number;
  readonly resolve: Resolver;
  readonly keys: readonly PublishedKey[];
  /** The published keys by `kid` (those without one are not in it). */
  readonly byKid: ReadonlyMap<string, readonly PublishedKey[]>;
  readonly thumbprints: ReadonlySet<string>;
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

  /** The RFC 7638 thumbprints of the keys in use; undefined before any were fetched. */
  thumbprints(): ReadonlySet<string> | undefined {
    return this.#current?.thumbprints;
  }

  /** A key resolver for `jose.jwtVerify`. */
  readonly getKey = async (
    header: jose.JWSHeaderParameters,
    token: jose.FlattenedJWSInput,
  ): Promise<CryptoKey> => (await this.#resolve(header, token)).key;

  /**
   * A key resolver for one `jose.jwtVerify` that also tells which published
   * key it resolved, so what is derived from the token can be bound to that
   * key material (and dropped once it is no longer published).
   */
  resolution(): KeyResolution {
    let thumbprint: string | undefined;
    return {
      getKey: async (header, token) => {
        const { key, snapshot } = await this.#resolve(header, token);
        // The common case — one published key under the token's kid — needs no second selection.
        const named = namedKeys(snapshot, header, token);
        thumbprint =
          named.length === 1 ? named[0]?.thumbprint : (await chosenKey(named, header, token))?.thumbprint;
        return key;
      },
      get thumbprint() {
        return thumbprint;
      },
    };
  }

  async #resolve(
    header: jose.JWSHeaderParameters,
    token: jose.FlattenedJWSInput,
  ): Promise<{ key: CryptoKey; snapshot: Snapshot }> {
    // Fresh keys (the common case) skip the async refresh logic altogether.
    const snapshot = this.#fresh() ?? (await this.#usable());
    try {
      return { key: await snapshot.resolve(header, token), snapshot };
    } catch (err) {
      if (!(err instanceof jose.errors.JWKSNoMatchingKey) || !this.#mayRefetch()) throw err;
      // A kid we do not know: perhaps the provider rotated. Ask once, then decide.
      const refreshed = await this.#refresh().catch(() => undefined);
      if (!refreshed) throw err;
      return { key: await refreshed.resolve(header, token), snapshot: refreshed };
    }
  }

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
      const restored = await snapshotOf(saved.jwks, saved.fetchedAt);
      this.#current ??= restored;
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
    const snapshot = await snapshotOf(jwks, this.#options.now());
    this.#current = snapshot;
    if (previous) this.#reportRotation(previous, snapshot);
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

  /**
   * Compares key material, not `kid`s: a provider may reuse a `kid` for a new
   * key or publish none, and a stolen key replaced that way must still count
   * as gone. A `kid` moved to the same material changes nothing that verifies.
   */
  #reportRotation(before: Snapshot, after: Snapshot): void {
    const addedThumbprints = [...after.thumbprints].filter((t) => !before.thumbprints.has(t));
    const removedThumbprints = [...before.thumbprints].filter((t) => !after.thumbprints.has(t));
    if (addedThumbprints.length === 0 && removedThumbprints.length === 0) return;
    this.#options.onRotation?.({
      provider: this.#options.provider,
      added: kidsOf(after, addedThumbprints),
      removed: kidsOf(before, removedThumbprints),
      addedThumbprints,
      removedThumbprints,
    });
  }
}

/**
 * A key set ready for use. A key whose thumbprint cannot be computed (an
 * unknown `kty`, a missing member) cannot be imported by jose either; it has
 * none, and nothing verified with it could be bound to it.
 */
async function snapshotOf(jwks: jose.JSONWebKeySet, fetchedAt: number): Promise<Snapshot> {
  const keys = await Promise.all(
    jwks.keys.map(async (jwk) => ({
      kid: typeof jwk.kid === "string" ? jwk.kid : undefined,
      thumbprint: await jose.calculateJwkThumbprint(jwk, "sha256").catch(() => undefined),
      resolve: jose.createLocalJWKSet({ keys: [jwk] }),
    })),
  );
  const thumbprints = new Set(keys.flatMap((key) => (key.thumbprint === undefined ? [] : [key.thumbprint])));
  const byKid = new Map<string, PublishedKey[]>();
  for (const key of keys) if (key.kid !== undefined) byKid.set(key.kid, [...(byKid.get(key.kid) ?? []), key]);
  return { jwks, fetchedAt, resolve: jose.createLocalJWKSet(jwks), keys, byKid, thumbprints };
}

/**
 * The published key jose chose for `header`, which it found to be the only
 * match: the one key the header's `kid` names — or, with several candidates
 * (no `kid`, or a `kid` shared by keys of different types), the one that
 * jose's own selection accepts when given that key alone.
 */
async function chosenKey(
  named: readonly PublishedKey[],
  header: jose.JWSHeaderParameters,
  token: jose.FlattenedJWSInput,
): Promise<PublishedKey | undefined> {
  if (named.length === 1) return named[0];
  for (const key of named) {
    if (await key.resolve(header, token).catch(() => undefined)) return key;
  }
  return undefined;
}

/** The published keys the token's `kid` names: all of them when it names none (jose's selection). */
function namedKeys(
  snapshot: Snapshot,
  header: jose.JWSHeaderParameters,
  token: jose.FlattenedJWSInput,
): readonly PublishedKey[] {
  // jose selects on the protected header merged with the unprotected one, which wins.
  const unprotected = token.header;
  const kid = unprotected !== undefined && "kid" in unprotected ? unprotected.kid : header.kid;
  if (kid === undefined) return snapshot.keys;
  return snapshot.byKid.get(kid) ?? NONE;
}

const NONE: readonly PublishedKey[] = [];

/** The distinct `kid`s of the keys with these thumbprints, where they have one. */
function kidsOf(snapshot: Snapshot, thumbprints: readonly string[]): string[] {
  const wanted = new Set(thumbprints);
  const kids = snapshot.keys.flatMap((key) =>
    key.kid !== undefined && key.thumbprint !== undefined && wanted.has(key.thumbprint) ? [key.kid] : [],
  );
  return [...new Set(kids)];
}
