/**
 * The process's memory of spent DPoP proofs: a replay is refused for as long
 * as the proof lives, and dead proofs are forgotten without ever being asked
 * for again (the memory state store kept every one: a leak of ~250 bytes per
 * request, found by the re-review).
 */
import { describe, expect, it } from "vitest";
import { ProofMemory } from "../../src/tokens/dpop-state.js";

describe("ProofMemory", () => {
  it("refuses a key again for at least its lifetime, across generations", () => {
    let now = 0;
    const memory = new ProofMemory(() => now);
    for (const added of [0, 60_000, 119_999, 150_000]) {
      now = added;
      const key = `k-${added}`;
      expect(memory.add(key, 91_000)).toBe(true);
      for (const later of [1, 45_000, 90_999]) {
        now = added + later;
        expect(memory.add(key, 91_000), `${key} at +${later} ms`).toBe(false);
      }
    }
  });

  it("forgets dead proofs on its own: memory stays at two lifetimes' worth", () => {
    let now = 0;
    const memory = new ProofMemory(() => now);
    for (let i = 0; i < 10_000; i++) memory.add(`old-${i}`, 91_000);
    expect(memory.size).toBe(10_000);
    now = 120_000;
    memory.add("a", 91_000);
    now = 240_000;
    memory.add("b", 91_000);
    expect(memory.size).toBe(2);
    now = 1_000_000; // long quiet: both generations dead
    memory.add("c", 91_000);
    expect(memory.size).toBe(1);
  });

  it("a proof kept longer than a generation stretches the generations", () => {
    let now = 0;
    const memory = new ProofMemory(() => now);
    expect(memory.add("long", 600_000)).toBe(true);
    now = 599_000;
    expect(memory.add("long", 600_000)).toBe(false);
  });
});
