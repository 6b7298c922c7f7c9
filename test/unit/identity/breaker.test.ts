import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../../src/routing/breaker.js";

function breakerAt(options: ConstructorParameters<typeof CircuitBreaker>[0] = {}) {
  const clock = { now: 1_000_000 };
  return { breaker: new CircuitBreaker(options, () => clock.now), clock };
}

describe("CircuitBreaker", () => {
  it("opens on consecutive failures, and only then", () => {
    const { breaker } = breakerAt({ consecutiveFailures: 3 });
    expect(breaker.recordFailure()).toBe(false);
    expect(breaker.recordFailure()).toBe(false);
    breaker.recordSuccess(); // the streak is broken
    expect(breaker.recordFailure()).toBe(false);
    expect(breaker.recordFailure()).toBe(false);
    expect(breaker.recordFailure()).toBe(true);
    expect(breaker.state).toBe("open");
    expect(breaker.allowsTraffic()).toBe(false);
  });

  it("opens on a failure ratio once the minimum volume is reached", () => {
    const { breaker } = breakerAt({ consecutiveFailures: 100, failureRatio: 0.5, minimumCalls: 6 });
    const outcomes = [true, false, true, false, true];
    for (const ok of outcomes) ok ? breaker.recordSuccess() : breaker.recordFailure();
    expect(breaker.state).toBe("closed"); // 2 of 5: below the minimum volume anyway
    expect(breaker.recordFailure()).toBe(true); // 3 of 6 = 0.5
  });

  it("forgets outcomes older than the window", () => {
    const { breaker, clock } = breakerAt({ consecutiveFailures: 100, minimumCalls: 4, windowMs: 10_000 });
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordFailure();
    clock.now += 11_000;
    breaker.recordSuccess();
    breaker.recordSuccess();
    breaker.recordSuccess();
    expect(breaker.recordFailure()).toBe(false); // 1 of 4 in the window
  });

  it("turns half-open after the open period; a probe's success closes it, a failure re-opens it quietly", () => {
    const { breaker, clock } = breakerAt({ consecutiveFailures: 1, openMs: 5_000 });
    breaker.recordFailure("token");
    expect(breaker.wantsProbe()).toBe(false);
    clock.now += 5_000;
    expect(breaker.wantsProbe()).toBe(true);
    expect(breaker.state).toBe("half-open");
    expect(breaker.allowsTraffic()).toBe(false);
    expect(breaker.recordFailure("token")).toBe(false); // not a new "down"
    expect(breaker.state).toBe("open");
    clock.now += 5_000;
    expect(breaker.wantsProbe()).toBe(true);
    expect(breaker.recordProbeSuccess("token")).toBe(true);
    expect(breaker.state).toBe("closed");
    expect(breaker.recordProbeSuccess("token")).toBe(false); // already closed: no new "up"
  });

  it("a breaker opened by the token endpoint is not closed by a discovery probe (partial outage)", () => {
    const { breaker, clock } = breakerAt({ consecutiveFailures: 1, openMs: 1_000 });
    breaker.recordFailure("token");
    clock.now += 1_000;
    expect(breaker.wantsProbe()).toBe(true);
    expect(breaker.recordProbeSuccess("discovery")).toBe(false);
    expect(breaker.state).toBe("half-open");
    expect(breaker.failedSurfaces).toEqual(["token"]);
    expect(breaker.recordProbeSuccess("token")).toBe(true);
    expect(breaker.failedSurfaces).toEqual([]);
  });

  it("every surface that failed while open must be proved before it closes", () => {
    const { breaker, clock } = breakerAt({ consecutiveFailures: 1, openMs: 1_000 });
    breaker.recordFailure("keys");
    breaker.recordFailure("token"); // while open: remembered, no new "down"
    clock.now += 1_000;
    breaker.wantsProbe();
    expect(breaker.recordProbeSuccess("token")).toBe(false);
    expect(breaker.recordProbeSuccess("keys")).toBe(true);
  });

  it("live traffic never closes it: a success while open or half-open changes nothing", () => {
    const { breaker, clock } = breakerAt({ consecutiveFailures: 1, openMs: 1_000 });
    breaker.recordFailure("token");
    breaker.recordSuccess();
    expect(breaker.state).toBe("open");
    clock.now += 1_000;
    breaker.wantsProbe();
    breaker.recordSuccess();
    expect(breaker.state).toBe("half-open");
  });

  it("a confirmed probe failure opens a closed breaker at once, without the usual count", () => {
    const { breaker } = breakerAt({ consecutiveFailures: 3 });
    expect(breaker.recordProbeFailure("token")).toBe(true);
    expect(breaker.state).toBe("open");
    expect(breaker.failedSurfaces).toEqual(["token"]);
  });

  it("closed by a discovery probe standing in for the token endpoint: the first real failure re-opens it at once", () => {
    const { breaker, clock } = breakerAt({ consecutiveFailures: 3, openMs: 1_000 });
    breaker.recordFailure("token");
    breaker.recordFailure("token");
    breaker.recordFailure("token");
    clock.now += 1_000;
    expect(breaker.wantsProbe()).toBe(true);
    expect(breaker.recordProbeSuccess("discovery", ["token"])).toBe(true); // a public client: no token probe
    expect(breaker.state).toBe("closed");
    expect(breaker.recordFailure("token")).toBe(true); // the token endpoint is still down
    expect(breaker.state).toBe("open");
  });

  it("a real success after a stand-in probe ends the probation", () => {
    const { breaker, clock } = breakerAt({ consecutiveFailures: 2, openMs: 1_000 });
    breaker.recordFailure("token");
    breaker.recordFailure("token");
    clock.now += 1_000;
    breaker.wantsProbe();
    breaker.recordProbeSuccess("discovery", ["token"]);
    breaker.recordSuccess(); // a real call
    expect(breaker.recordFailure("token")).toBe(false);
    expect(breaker.state).toBe("closed");
  });
});
