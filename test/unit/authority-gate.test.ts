/**
 * The authority's answers, one by one (routing/authority.ts): what binds,
 * what lifts, and what neither does. The real Keycloak proves the whole
 * path in test/integration/identity/authority.test.ts; these pin the rules.
 */
import { describe, expect, it } from "vitest";
import { IdSwitchError, MemoryLinkStore, MemoryStateStore } from "../../src/index.js";
import type { AccountStatus, Provider } from "../../src/providers/provider.js";
import { AuthorityGate } from "../../src/routing/authority.js";

const T0 = 1_700_000_000_000;

/** A gate whose authority answers whatever `answer.status` says now, counting the questions. */
async function standingGate(unavailable: "last-known" | "deny", cacheMs = 60_000) {
  const answer = { status: "active" as AccountStatus["status"] | "unreachable", asked: 0, clock: T0 };
  const links = new MemoryLinkStore();
  await links.findOrCreate(
    { provider: "eu", tenant: "", subject: "kc-ada" },
    { newAppUserId: "ada", now: T0 },
  );
  const eu = {
    id: "eu",
    async accountStatus(subject: string): Promise<AccountStatus> {
      answer.asked += 1;
      if (answer.status === "unreachable")
        throw new IdSwitchError("provider_unavailable", "eu: timeout", { provider: "eu" });
      return { provider: "eu", subject, status: answer.status };
    },
  } as unknown as Provider;
  const gate = new AuthorityGate({
    authorities: [eu],
    records: links,
    state: new MemoryStateStore({ now: () => answer.clock }),
    cacheMs,
    unavailable,
    now: () => answer.clock,
  });
  return { gate, links, answer };
}

async function gateAnswering(
  status: AccountStatus["status"] | "unreachable",
  unavailable: "last-known" | "deny",
) {
  const { gate, links, answer } = await standingGate(unavailable, 1);
  answer.status = status;
  return { gate, links };
}

const refusal = (gate: AuthorityGate) =>
  gate.admit("ada", "entra").then(
    () => undefined,
    (e: unknown) => e,
  );

describe("the authority gate", () => {
  it("disabled or deleted at the authority: refused and stored", async () => {
    for (const [status, stored] of [
      ["disabled", "disabled"],
      ["not_found", "deleted"],
    ] as const) {
      const { gate, links } = await gateAnswering(status, "last-known");
      expect(await refusal(gate)).toMatchObject({
        code: "account_disabled",
        reason: "authority",
        alternatives: [],
      });
      expect(await links.authorityDecisions("ada")).toMatchObject([{ provider: "eu", status: stored }]);
    }
  });

  it("active at the authority: let in, and a stored decision lifts", async () => {
    const { gate, links } = await gateAnswering("active", "deny");
    await links.recordAuthorityDecision({ appUserId: "ada", provider: "eu", status: "disabled", at: T0 });
    expect(await refusal(gate)).toBeUndefined();
    expect(await links.authorityDecisions("ada")).toEqual([]);
  });

  it("locked at the authority: no decision either way — never refused for it, never lifted by it", async () => {
    const fresh = await gateAnswering("locked", "deny");
    expect(await refusal(fresh.gate)).toBeUndefined();
    const decided = await gateAnswering("locked", "last-known");
    await decided.links.recordAuthorityDecision({
      appUserId: "ada",
      provider: "eu",
      status: "disabled",
      at: T0,
    });
    expect(await refusal(decided.gate)).toMatchObject({ code: "account_disabled", reason: "authority" });
    expect(await decided.links.authorityDecisions("ada")).toHaveLength(1);
  });

  it("unreachable: last-known keeps the stored decision or lets in; deny refuses", async () => {
    const none = await gateAnswering("unreachable", "last-known");
    expect(await refusal(none.gate)).toBeUndefined();
    await none.links.recordAuthorityDecision({ appUserId: "ada", provider: "eu", status: "deleted", at: T0 });
    expect(await refusal(none.gate)).toMatchObject({ code: "account_disabled", reason: "authority" });
    const deny = await gateAnswering("unreachable", "deny");
    expect(await refusal(deny.gate)).toMatchObject({
      code: "provider_unavailable",
      reason: "authority_unavailable",
    });
  });

  it("the authority itself is not asked about its own sign-ins", async () => {
    const { gate } = await gateAnswering("disabled", "deny");
    await expect(gate.admit("ada", "eu")).resolves.toBeUndefined();
  });
});

describe("the authority's standing, asked on every request (identity.isRevoked)", () => {
  it("asks the authority about its own people too: a disable there, which sends no signal, binds", async () => {
    const { gate, links, answer } = await standingGate("last-known", 1);
    answer.status = "disabled";
    expect(await gate.standing("ada")).toEqual({ provider: "eu", status: "disabled" });
    expect(await links.authorityDecisions("ada")).toMatchObject([{ provider: "eu", status: "disabled" }]);
    const deleted = await standingGate("last-known", 1);
    deleted.answer.status = "not_found";
    expect(await deleted.gate.standing("ada")).toEqual({ provider: "eu", status: "deleted" });
  });

  it("a standing answer is cached for the app user; a decision recorded meanwhile counts at once", async () => {
    const { gate, answer } = await standingGate("last-known");
    expect(await gate.standing("ada")).toBeUndefined();
    answer.status = "disabled";
    expect(await gate.standing("ada")).toBeUndefined(); // within the cache time: not asked again
    expect(answer.asked).toBe(1);
    // The authority refused a refresh of hers meanwhile (any instance): the cached answer is dropped.
    await gate.refusedBy("ada", "eu");
    expect(await gate.standing("ada")).toEqual({ provider: "eu", status: "disabled" });
  });

  it("an authority that cannot be asked signs nobody out, whatever routing.authorityUnavailable says", async () => {
    const { gate, links, answer } = await standingGate("deny", 1);
    answer.status = "unreachable";
    expect(await gate.standing("ada")).toBeUndefined();
    await links.recordAuthorityDecision({ appUserId: "ada", provider: "eu", status: "disabled", at: T0 });
    answer.clock += 2; // past the cached standing
    // The last word it said stands.
    expect(await gate.standing("ada")).toEqual({ provider: "eu", status: "disabled" });
  });

  it("no authority configured: nothing is read", async () => {
    const state = new MemoryStateStore();
    const reads: string[] = [];
    const spied = Object.assign(Object.create(state), {
      get: (key: string) => {
        reads.push(key);
        return state.get(key);
      },
    }) as MemoryStateStore;
    const gate = new AuthorityGate({
      authorities: [],
      records: new MemoryLinkStore(),
      state: spied,
      cacheMs: 1,
      unavailable: "last-known",
      now: () => T0,
    });
    expect(await gate.standing("ada")).toBeUndefined();
    expect(reads).toEqual([]);
  });
});
