/**
 * The StateStore contract: short-lived, shared state that may expire —
 * suspension marks, breaker state, logins in flight, last-known-good keys.
 * In memory by default; Redis (`idswitch/stores/redis`) when several app
 * instances must see the same marks.
 *
 * Deliberately tiny (get, set with a time to live, delete, and the atomic
 * operations a race needs) so every backend can honour it exactly; one
 * contract suite runs against each.
 */

/**
 * Any JSON value; stores serialise with JSON, so `Date`, `Map` or class instances do not survive.
 *
 * @example
 * await state.set("app:last-sync", { at: Date.now(), users: 1200 }); // epoch ms: a Date would come back a string
 * const last = await state.get<{ at: number; users: number }>("app:last-sync");
 */
export type StateValue =
  | null
  | boolean
  | number
  | string
  | readonly StateValue[]
  | { readonly [key: string]: StateValue };

/**
 * Options of {@link StateStore.set}.
 *
 * @example
 * // A lock that frees itself: if this instance dies holding it, the key expires.
 * const mine = await state.add("app:lock:nightly-report", instanceId, { ttlMs: 30_000 });
 */
export interface SetOptions {
  /** Forget the value after this many milliseconds; kept until deleted when omitted. */
  readonly ttlMs?: number | undefined;
}

/**
 * Short-lived shared state: suspension marks, breaker state, logins in flight, last-known-good keys. Values may expire.
 *
 * @example
 * import { redisStateStore } from "idswitch/stores/redis";
 *
 * const identity = createIdentity({ providers, state: redisStateStore({ url: env.REDIS_URL }) });
 */
export interface StateStore {
  /** The value under `key`, or `undefined` when absent or expired. */
  get<T extends StateValue = StateValue>(key: string): Promise<T | undefined>;
  /** Stores `value` under `key`, replacing what was there. */
  set(key: string, value: StateValue, options?: SetOptions): Promise<void>;
  /** Removes `key`; no error when absent. */
  delete(key: string): Promise<void>;
  /**
   * Stores `value` only if `key` holds nothing; true if it did. The building
   * block of "exactly one wins" (a login state consumed once, a lock).
   */
  add(key: string, value: StateValue, options?: SetOptions): Promise<boolean>;
  /** Reads and deletes in one atomic step: of many concurrent takers, one gets the value. */
  take<T extends StateValue = StateValue>(key: string): Promise<T | undefined>;
  /**
   * Adds `by` (default 1) to a counter and returns the new value. The time to
   * live is set when the counter is created, not extended by later increments.
   */
  increment(key: string, options?: SetOptions & { readonly by?: number }): Promise<number>;
  /**
   * Replaces the value only while it still equals `expected` (JSON equality;
   * `undefined` = absent); true if replaced.
   */
  compareAndSet(
    key: string,
    expected: StateValue | undefined,
    next: StateValue,
    options?: SetOptions,
  ): Promise<boolean>;
  /**
   * Tells other holders of the same store that something under `channel`
   * changed (an opened breaker, a new suspension mark). Optional: a store
   * without notifications is polled instead.
   */
  publish?(channel: string, message: string): Promise<void>;
  /** Listens to `publish` from any instance; returns the way to stop listening. */
  subscribe?(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;
  /** Releases connections; the store is unusable afterwards. */
  close?(): Promise<void>;
}
