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

async function gateAnswering(
  status: AccountStatus["status"] | "unreachable",
  unavailable: "last-known" | "deny",
) {
  const links = new MemoryLinkStore();
  await links.findOrCreate(
    { provider: "eu", tenant: "", subject: "kc-ada" },
    { newAppUserId: "ada", now: T0 },
  );
  const eu = {
    id: "eu",
    async accountStatus(subject: string): Promise<AccountStatus> {
      if (status === "unreachable")
        throw new IdSwitchError("provider_unavailable", "eu: timeout", { provider: "eu" });
      return { provider: "eu", subject, status };
    },
  } as unknown as Provider;
  const gate = new AuthorityGate({
    authorities: [eu],
    records: links,
    state: new MemoryStateStore({ now: () => T0 }),
    cacheMs: 1,
    unavailable,
    now: () => T0,
  });
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
