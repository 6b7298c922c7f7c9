/**
 * SECURITY.md #24, failover as a suspension bypass: a person the first
 * provider refuses must never be let in by silently asking the second one.
 * Entra ID emulator first, the real Keycloak second (and the other way
 * round); recording fetches prove the spare's token endpoint was never
 * asked. Outages of the application's own access do fail over.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Identity, IdentityEvents, IdentityOptionsInput } from "../../src/index.js";
import { createIdentity } from "../../src/index.js";
import type { EntraUserState } from "../../src/testing/index.js";
import { signInAt, type TwoProviders, twoProviders } from "../integration/identity/two-providers.js";
import { recordingFetch } from "../support/attacker.js";
import { appProvider, newUser, realmAdmin, serviceProvider } from "../support/keycloak-env.js";
import { idSwitchErrorOf } from "../support/rejection.js";

let world: TwoProviders;
beforeAll(async () => {
  world = await twoProviders();
});
afterAll(() => world.close());

/** Entra first, Keycloak (recorded) second, one app user with an account at each. */
async function linkedAtBoth(routing: IdentityOptionsInput["routing"] = { order: ["entra", "eu"] }) {
  const keycloakFetch = recordingFetch();
  const identity = createIdentity({
    providers: [world.entraWeb(), appProvider({ runtime: { fetch: keycloakFetch.fetch } })],
    routing,
  });
  const entraUser = world.newEntraUser();
  const keycloakUser = await newUser();
  // Keycloak first, Entra last: Entra is the person's last good provider, which routing prefers.
  const atKeycloak = await signInAt(identity, keycloakUser, { provider: "eu" });
  const atEntra = await signInAt(identity, entraUser, { provider: "entra", linkTo: atKeycloak });
  keycloakFetch.requests.length = 0;
  return { identity, keycloakFetch, entraUser, keycloakUser, atEntra, atKeycloak };
}

const denials: [EntraUserState, string, string, string[] | undefined][] = [
  ["disabled", "AADSTS50057", "account_disabled", ["eu"]],
  ["tokens_revoked", "AADSTS50173", "session_revoked", ["eu"]],
  ["blocked_by_conditional_access", "AADSTS53003", "access_blocked", undefined],
  ["mfa_required", "AADSTS50076", "interaction_required", undefined],
  ["deleted", "AADSTS50034", "account_disabled", ["eu"]],
];

describe("A2#24 a person refused at Entra ID is never sent to Keycloak", () => {
  for (const [state, aadsts, code, alternatives] of denials) {
    it(`A2#24 Entra user ${state} (${aadsts}): refresh fails with ${code}, Keycloak's token endpoint is never asked`, async () => {
      const { identity, keycloakFetch, entraUser, atEntra } = await linkedAtBoth();
      const failovers: IdentityEvents["failover"][] = [];
      identity.on("failover", (e) => failovers.push(e));
      world.entra.setUserState(entraUser.oid, state);
      const error = await idSwitchErrorOf(identity.refresh(atEntra));
      expect(error).toMatchObject({ code, provider: "entra" });
      expect(error.alternatives).toEqual(alternatives);
      expect(keycloakFetch.count("/token", "POST")).toBe(0);
      expect(keycloakFetch.requests).toEqual([]);
      expect(failovers).toEqual([]);
    });
  }

  it("A2#24 routing.onSuspension decides what the refusal offers: offer → the spare, deny → nothing, failover → the person's next sign-in", async () => {
    for (const [onSuspension, offered, nextSignIn] of [
      ["offer", ["eu"], "entra"],
      ["deny", [], "entra"],
      ["failover", ["eu"], "eu"],
    ] as const) {
      const { identity, keycloakFetch, entraUser, atEntra } = await linkedAtBoth({
        order: ["entra", "eu"],
        onSuspension,
      });
      world.entra.setUserState(entraUser.oid, "disabled");
      const error = await idSwitchErrorOf(identity.refresh(atEntra));
      expect(error, onSuspension).toMatchObject({ code: "account_disabled", alternatives: offered });
      expect(keycloakFetch.count("/token", "POST")).toBe(0);
      // Only "failover" moves this person's next sign-in; it still goes through Keycloak's own login.
      expect((await identity.beginLogin({ appUserId: atEntra.appUserId })).provider, onSuspension).toBe(
        nextSignIn,
      );
      expect(keycloakFetch.count("/token", "POST")).toBe(0);
    }
  });

  it("A2#24 a refresh relabelled to the spare is refused locally (no request to either provider's token endpoint)", async () => {
    const { identity, keycloakFetch, entraUser, atEntra } = await linkedAtBoth();
    world.entra.setUserState(entraUser.oid, "disabled");
    const before = world.entra.requests.length;
    await expect(identity.refresh({ ...atEntra, provider: "eu" })).rejects.toThrow(TypeError);
    expect(keycloakFetch.requests).toEqual([]);
    expect(world.entra.requests.length).toBe(before);
  });
});

describe("A2#24 a person refused at Keycloak is never sent to Entra ID", () => {
  it("A2#24 Keycloak 'Account disabled': refresh fails with account_disabled and Entra's token endpoint is never asked", async () => {
    const identity: Identity = createIdentity({
      providers: [world.entraWeb(), appProvider()],
      routing: { order: ["eu", "entra"] },
    });
    const entraUser = world.newEntraUser();
    const keycloakUser = await newUser();
    const atKeycloak = await signInAt(identity, keycloakUser, { provider: "eu" });
    await signInAt(identity, entraUser, { provider: "entra", linkTo: atKeycloak });
    await realmAdmin().setUserEnabled(keycloakUser.id, false);
    const before = world.entra.requests.length;
    const error = await idSwitchErrorOf(identity.refresh(atKeycloak));
    expect(error).toMatchObject({ code: "account_disabled", provider: "eu", alternatives: ["entra"] });
    expect(world.entra.requests.slice(before).filter((r) => r.method === "POST")).toEqual([]);
  });
});

describe("A2#24 outages of the application's own access do fail over", () => {
  function daemons(timeoutMs = 1_500) {
    const keycloakFetch = recordingFetch();
    const identity = createIdentity({
      providers: [
        world.entraDaemon({ runtime: { timeoutMs } }),
        serviceProvider({ runtime: { timeoutMs, fetch: keycloakFetch.fetch } }),
      ],
      routing: { order: ["entra", "eu"], breaker: { consecutiveFailures: 1, openMs: 500 } },
    });
    const failovers: IdentityEvents["failover"][] = [];
    identity.on("failover", (e) => failovers.push(e));
    return { identity, keycloakFetch, failovers };
  }

  for (const mode of ["http503", "refused", "hang"] as const) {
    it(`A2#24 Entra token endpoint ${mode}: client credentials come from Keycloak`, async () => {
      const { identity, keycloakFetch, failovers } = daemons();
      world.entra.fault({ endpoint: "token", mode });
      try {
        const tokens = await identity.clientCredentials({ scope: { entra: world.apiScope } });
        expect(tokens.accessToken).toBeTruthy();
        expect(keycloakFetch.count("/token", "POST")).toBe(1);
        expect(failovers).toEqual([
          { operation: "clientCredentials", from: "entra", to: "eu", code: "provider_unavailable" },
        ]);
      } finally {
        world.entra.clearFaults();
      }
    });
  }
});
