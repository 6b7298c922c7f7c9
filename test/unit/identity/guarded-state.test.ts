import { describe, expect, it } from "vitest";
import { EventBus, type IdentityEvents } from "../../../src/core/events.js";
import { MemoryStateStore } from "../../../src/core/memory-state-store.js";
import type { StateStore } from "../../../src/core/state-store.js";
import { GuardedStateStore } from "../../../src/identity/guarded-state.js";

/** A store that answers like memory, or hangs (as a Redis behind a dropped link does), counting every call. */
function switchable() {
  const memory = new MemoryStateStore();
  const state = { hang: false, calls: 0 };
  const store = new Proxy(memory, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (typeof value !== "function" || name === "close") return value;
      return (...args: unknown[]) => {
        state.calls += 1;
        return state.hang ? new Promise(() => {}) : value.apply(target, args);
      };
    },
  }) as StateStore;
  return { store, state };
}

function guarded(store: StateStore, clock: { now: number }) {
  const events = new EventBus();
  const warnings: IdentityEvents["warning"][] = [];
  events.on("warning", (w) => warnings.push(w));
  const guard = new GuardedStateStore(store, {
    budgetMs: 50,
    coolDownMs: 5_000,
    events,
    now: () => clock.now,
  });
  return { guard, warnings };
}

describe("GuardedStateStore", () => {
  it("passes calls through while the store answers", async () => {
    const { store, state } = switchable();
    const { guard, warnings } = guarded(store, { now: 0 });
    await guard.set("k", 1);
    expect(await guard.add("k", 2)).toBe(false);
    expect(await store.get("k")).toBe(1);
    expect(state.calls).toBe(3);
    expect(warnings).toEqual([]);
  });

  it("a hung store costs one budget, once: memory answers, and the store is not asked again during the cool-down", async () => {
    const { store, state } = switchable();
    const clock = { now: 0 };
    const { guard, warnings } = guarded(store, clock);
    state.hang = true;
    // The store never answers: without the budget this call would never return.
    expect(await guard.add("idswitch:login:s1", 1)).toBe(true);
    expect(guard.degraded).toBe(true);
    const calls = state.calls;
    // Replay protection still holds within this instance; the store is not asked.
    expect(await guard.add("idswitch:login:s1", 1)).toBe(false);
    await guard.set("mark", "x");
    expect(await guard.get("mark")).toBe("x");
    await guard.publish("channel", "message");
    expect(state.calls).toBe(calls);
    expect(warnings.map((w) => w.reason)).toEqual(["state_store_unavailable"]);
    expect(warnings[0]?.message).toContain("no answer within 50 ms");

    // After the cool-down the store is asked again; when it answers, that is told once.
    state.hang = false;
    clock.now += 5_000;
    await guard.set("mark", "shared");
    expect(await store.get("mark")).toBe("shared");
    expect(guard.degraded).toBe(false);
    expect(warnings.map((w) => w.reason)).toEqual(["state_store_unavailable", "state_store_recovered"]);
  });

  it("a store that throws is treated like one that hangs, without waiting", async () => {
    const failing = new Proxy({} as StateStore, {
      get: () => async () => {
        throw new Error("ECONNREFUSED");
      },
    });
    const { guard, warnings } = guarded(failing, { now: 0 });
    expect(await guard.increment("n")).toBe(1);
    expect(await guard.increment("n")).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain("it failed");
  });
});
