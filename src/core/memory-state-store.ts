/**
 * The in-memory StateStore: the default for one process and for tests.
 * Expiry is checked on read against the injected clock, so tests can move
 * time instead of waiting, and nothing runs on a timer.
 */
import type { SetOptions, StateStore, StateValue } from "./state-store.js";

interface Entry {
  readonly value: StateValue;
  /** Epoch milliseconds; undefined = no expiry. */
  readonly expiresAt: number | undefined;
}

/**
 * Options of {@link MemoryStateStore}.
 *
 * @example
 * // Tests move the clock instead of waiting: expiry is checked on read, against it.
 * let now = 0;
 * const state = new MemoryStateStore({ now: () => now });
 * await state.set("k", 1, { ttlMs: 1000 });
 * now += 1000; // await state.get("k") is now undefined
 */
export interface MemoryStateStoreOptions {
  /** Clock in epoch milliseconds (tests inject one). */
  readonly now?: (() => number) | undefined;
  /** What to start with, as {@link MemoryStateStore.entries} gave it (a store persisted elsewhere). */
  readonly entries?: Readonly<Record<string, StoredEntry>> | undefined;
}

/** A value and when it expires (epoch ms; absent: never). */
type StoredEntry = { readonly value: StateValue; readonly expiresAt?: number | undefined };

/**
 * The in-memory {@link StateStore}: the default for one process, and for tests. Not shared between instances.
 *
 * @example
 * const identity = createIdentity({ providers, state: new MemoryStateStore() });
 */
export class MemoryStateStore implements StateStore {
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Map<string, Set<(message: string) => void>>();
  readonly #now: () => number;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    for (const [key, entry] of Object.entries(options.entries ?? {})) {
      this.#entries.set(key, { value: structuredClone(entry.value), expiresAt: entry.expiresAt });
    }
  }

  /** Every live entry, copied: what a store persisting this one writes out. */
  entries(): Record<string, StoredEntry> {
    const live: Record<string, StoredEntry> = {};
    for (const key of [...this.#entries.keys()]) {
      const entry = this.#live(key);
      if (entry) live[key] = { value: structuredClone(entry.value), expiresAt: entry.expiresAt };
    }
    return live;
  }

  async get<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    return this.#read(key) as T | undefined;
  }

  async set(key: string, value: StateValue, options?: SetOptions): Promise<void> {
    this.#write(key, value, options);
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async add(key: string, value: StateValue, options?: SetOptions): Promise<boolean> {
    if (this.#read(key) !== undefined) return false;
    this.#write(key, value, options);
    return true;
  }

  async take<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    const value = this.#read(key);
    this.#entries.delete(key);
    return value as T | undefined;
  }

  async increment(key: string, options: SetOptions & { readonly by?: number } = {}): Promise<number> {
    const entry = this.#live(key);
    const current = typeof entry?.value === "number" ? entry.value : 0;
    const next = current + (options.by ?? 1);
    // The time to live belongs to the counter's creation (a fixed window).
    this.#entries.set(key, {
      value: next,
      expiresAt: entry ? entry.expiresAt : expiry(this.#now(), options.ttlMs),
    });
    return next;
  }

  async compareAndSet(
    key: string,
    expected: StateValue | undefined,
    next: StateValue,
    options?: SetOptions,
  ): Promise<boolean> {
    if (JSON.stringify(this.#read(key)) !== JSON.stringify(expected)) return false;
    this.#write(key, next, options);
    return true;
  }

  async publish(channel: string, message: string): Promise<void> {
    for (const listener of this.#listeners.get(channel) ?? []) listener(message);
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>> {
    const listeners = this.#listeners.get(channel) ?? new Set();
    listeners.add(listener);
    this.#listeners.set(channel, listeners);
    return async () => {
      listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#listeners.clear();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #read(key: string): StateValue | undefined {
    // A copy, as a networked store would give: callers cannot mutate what is stored.
    const entry = this.#live(key);
    return entry === undefined ? undefined : structuredClone(entry.value);
  }

  #write(key: string, value: StateValue, options?: SetOptions): void {
    this.#entries.set(key, { value: structuredClone(value), expiresAt: expiry(this.#now(), options?.ttlMs) });
  }
}

function expiry(now: number, ttlMs: number | undefined): number | undefined {
  if (ttlMs === undefined) return undefined;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new TypeError("ttlMs must be a positive number");
  return now + ttlMs;
}
