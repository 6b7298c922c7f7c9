/**
 * The shared StateStore must not become a new single point of failure. Every
 * call gets its own budget (`stateTimeoutMs`, shorter than a provider's);
 * a call that misses it, or fails, is served by process memory instead, and
 * for a cool-down after that every call goes to memory at once — nothing
 * waits for a dead store twice. Sign-ins keep working (a login state is
 * spent in this instance's memory, breakers and marks are this instance's
 * own); once the store answers again, every instance reads the same state
 * once more. Each change is told once as a `warning` event.
 */
import type { EventBus } from "../core/events.js";
import { MemoryStateStore } from "../core/memory-state-store.js";
import type { SetOptions, StateStore, StateValue } from "../core/state-store.js";

export interface GuardedStateOptions {
  /** The most one store call may take before memory answers instead. */
  readonly budgetMs: number;
  /** How long calls skip the store after it failed. Default 5 s. */
  readonly coolDownMs?: number;
  readonly events: EventBus;
  readonly now: () => number;
}

class StoreTimeout extends Error {
  override readonly name = "StoreTimeout";
}

export class GuardedStateStore implements StateStore {
  readonly #store: StateStore;
  readonly #memory: MemoryStateStore;
  readonly #options: GuardedStateOptions;
  #downUntil = 0;
  #down = false;

  constructor(store: StateStore, options: GuardedStateOptions) {
    this.#store = store;
    this.#options = options;
    this.#memory = new MemoryStateStore({ now: options.now });
  }

  /** Best effort, as everywhere it is used: within the budget, or not at all. */
  publish(channel: string, message: string): Promise<void> {
    return this.#guard(() => this.#store.publish?.(channel, message));
  }

  /** Set up once, by the store itself (a store without publish/subscribe leaves each instance on its own). */
  async subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>> {
    return this.#store.subscribe ? this.#store.subscribe(channel, listener) : async () => {};
  }

  /** Whether calls are being served from memory now (the store failed within the cool-down). */
  get degraded(): boolean {
    return this.#options.now() < this.#downUntil;
  }

  get<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    return this.#run((s) => s.get<T>(key));
  }

  set(key: string, value: StateValue, options?: SetOptions): Promise<void> {
    return this.#run((s) => s.set(key, value, options));
  }

  delete(key: string): Promise<void> {
    return this.#run((s) => s.delete(key));
  }

  add(key: string, value: StateValue, options?: SetOptions): Promise<boolean> {
    return this.#run((s) => s.add(key, value, options));
  }

  take<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    return this.#run((s) => s.take<T>(key));
  }

  increment(key: string, options?: SetOptions & { readonly by?: number }): Promise<number> {
    return this.#run((s) => s.increment(key, options));
  }

  compareAndSet(
    key: string,
    expected: StateValue | undefined,
    next: StateValue,
    options?: SetOptions,
  ): Promise<boolean> {
    return this.#run((s) => s.compareAndSet(key, expected, next, options));
  }

  async close(): Promise<void> {
    await this.#store.close?.();
  }

  async #run<T>(call: (store: StateStore) => Promise<T>): Promise<T> {
    if (this.degraded) return call(this.#memory);
    try {
      const value = await this.#within(call(this.#store));
      if (this.#down) this.#recovered();
      return value;
    } catch (err) {
      this.#failed(err);
      return call(this.#memory);
    }
  }

  async #guard(call: () => Promise<unknown> | undefined): Promise<void> {
    if (this.degraded) return;
    try {
      await this.#within(Promise.resolve(call()));
    } catch (err) {
      this.#failed(err);
    }
  }

  #within<T>(promise: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreTimeout()), this.#options.budgetMs);
    });
    // The store's own call may still fail after the budget: nobody is waiting for it then.
    promise.catch(() => {});
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  #failed(err: unknown): void {
    this.#downUntil = this.#options.now() + (this.#options.coolDownMs ?? 5_000);
    if (this.#down) return;
    this.#down = true;
    const why = err instanceof StoreTimeout ? `no answer within ${this.#options.budgetMs} ms` : "it failed";
    this.#options.events.emit("warning", {
      provider: undefined,
      reason: "state_store_unavailable",
      message: `the StateStore did not answer (${why}): marks, breakers and logins in flight are kept in this instance's memory until it does`,
    });
  }

  #recovered(): void {
    this.#down = false;
    this.#options.events.emit("warning", {
      provider: undefined,
      reason: "state_store_recovered",
      message: "the StateStore answers again: state is shared between instances once more",
    });
  }
}
