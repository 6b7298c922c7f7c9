/**
 * Two app instances sharing the machine's Redis: one of them probes a
 * provider (it holds the lease), the other books the rounds it shares, so N
 * instances do not multiply probe traffic; when the holder goes away its
 * lease runs out and the other takes over. A store that fails makes every
 * instance probe for itself.
 */
import { afterAll, describe, expect, it } from "vitest";
import { EventBus } from "../../src/core/events.js";
import type { StateStore } from "../../src/core/state-store.js";
import type { ProbeSurface, ProviderHealth } from "../../src/core/types.js";
import type { Provider } from "../../src/providers/provider.js";
import { BreakerBoard } from "../../src/routing/breaker-board.js";
import { Prober } from "../../src/routing/prober.js";
import { redisStateStore } from "../../src/stores/redis/index.js";
import { Prefixes, REDIS_URL } from "./support/redis.js";

const prefixes = new Prefixes("prober-lease");
afterAll(() => prefixes.cleanUp());

/** A provider whose probes are counted, and whose token endpoint can be "down". */
function countedProvider(id: string) {
  const probes: string[] = [];
  let tokenDown = false;
  const answer = (surface: ProbeSurface, down: boolean): ProviderHealth => ({
    provider: id,
    surface,
    latencyMs: 1,
    checkedAt: Date.now(),
    ...(down ? { status: "down", error: "provider_unavailable" } : { status: "up" }),
  });
  const provider = {
    id,
    health: async () => {
      probes.push("discovery");
      return answer("discovery", false);
    },
    probe: async (surface: "keys" | "token") => {
      probes.push(surface);
      return answer(surface, surface === "token" && tokenDown);
    },
  } as unknown as Provider;
  return {
    provider,
    probes,
    setTokenDown(down: boolean) {
      tokenDown = down;
    },
  };
}

function instance(provider: Provider, state: StateStore, clock: { now: number }) {
  const board = new BreakerBoard({
    providers: [provider.id],
    breaker: { openMs: 1_000 },
    state,
    events: new EventBus(),
    now: () => clock.now,
  });
  const prober = new Prober({
    providers: [provider],
    board,
    state,
    now: () => clock.now,
    health: { intervalMs: 1_000, timeoutMs: 500 },
    book: async (id, result, standsInFor) => {
      if (result.status === "up") board.probed(id, result.surface, standsInFor);
      else board.probeFailed(id, "provider_unavailable", result.surface);
    },
  });
  return { board, prober };
}

describe("health checks shared through Redis", () => {
  it("one instance probes; the other books its rounds, and takes over when the lease runs out", async () => {
    const prefix = prefixes.next();
    const [storeA, storeB] = [
      redisStateStore({ url: REDIS_URL, prefix }),
      redisStateStore({ url: REDIS_URL, prefix }),
    ];
    const eu = countedProvider("eu");
    const clock = { now: Date.now() };
    const a = instance(eu.provider, storeA, clock);
    const b = instance(eu.provider, storeB, clock);
    try {
      for (let round = 0; round < 3; round++) {
        await a.prober.round();
        clock.now += 10;
        await b.prober.round();
      }
      // Three rounds of two instances: one instance's worth of probes.
      expect(eu.probes).toEqual(Array(3).fill(["discovery", "keys", "token"]).flat());
      expect(b.prober.latest("eu").map((r) => r.surface)).toEqual(["discovery", "keys", "token"]);

      // The token endpoint goes down: the holder's probe (confirmed once) opens both breakers.
      eu.setTokenDown(true);
      await a.prober.round();
      expect(a.board.state("eu")).toBe("open");
      clock.now += 10;
      await b.prober.round();
      expect(b.board.state("eu")).toBe("open");
      expect(b.board.failedSurfaces("eu")).toEqual(["token"]);

      // A goes away; its lease (3 intervals) runs out in Redis, and B probes from then on.
      eu.setTokenDown(false);
      const seen = eu.probes.length;
      await new Promise((resolve) => setTimeout(resolve, 3_100));
      clock.now += 3_100;
      await b.prober.round();
      expect(eu.probes.slice(seen)).toEqual(["token"]); // only what B's open breaker needs proved
      expect(b.board.state("eu")).toBe("closed");
    } finally {
      await Promise.all([a.prober.stop(), b.prober.stop(), storeA.close?.(), storeB.close?.()]);
    }
  });

  it("a store that does not answer: each instance probes for itself", async () => {
    const failing = new Proxy({} as StateStore, {
      get: () => async () => {
        throw new Error("store unreachable");
      },
    });
    const eu = countedProvider("eu");
    const clock = { now: Date.now() };
    const a = instance(eu.provider, failing, clock);
    const b = instance(eu.provider, failing, clock);
    await a.prober.round();
    await b.prober.round();
    expect(eu.probes).toEqual(Array(2).fill(["discovery", "keys", "token"]).flat());
  });
});
