/**
 * "Suspension is not an outage", end to end: the Entra ID emulator as the
 * primary, the real Keycloak as the EU spare.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdentityEvents, IdentitySession } from "../../../src/index.js";
import { appProvider, newUser, REDIRECT_URI, realmAdmin } from "../../support/keycloak-env.js";
import { signInThroughLoginForm } from "../../support/keycloak-login.js";
import { idSwitchErrorOf } from "../../support/rejection.js";
import { signInAt, type TwoProviders, twoProviders, webIdentity } from "./two-providers.js";

let world: TwoProviders;
beforeAll(async () => {
  world = await twoProviders();
});
afterAll(() => world.close());

/** One person with an account at each provider, linked explicitly to one app user. */
async function linkedPerson(identity: ReturnType<typeof webIdentity>) {
  const entraUser = world.newEntraUser();
  const keycloakUser = await newUser();
  const atEntra = await signInAt(identity, entraUser);
  const atKeycloak = await signInAt(identity, keycloakUser, { provider: "eu", linkTo: atEntra });
  return { entraUser, keycloakUser, atEntra, atKeycloak };
}

describe("a person suspended at Entra ID", () => {
  it("is offered the spare, signs in there, and is the same app user", async () => {
    const identity = webIdentity(world);
    const suspended: IdentityEvents["account-suspended"][] = [];
    identity.on("account-suspended", (e) => suspended.push(e));
    const { entraUser, keycloakUser, atEntra, atKeycloak } = await linkedPerson(identity);
    expect(atEntra.provider).toBe("entra");
    expect(atKeycloak.appUserId).toBe(atEntra.appUserId);

    world.entra.setUserState(entraUser.oid, "disabled");
    const denial = await idSwitchErrorOf(identity.refresh(atEntra));
    expect(denial).toMatchObject({ code: "account_disabled", provider: "entra", alternatives: ["eu"] });
    expect(suspended).toEqual([
      { provider: "entra", code: "account_disabled", scope: "user", appUserId: atEntra.appUserId },
    ]);

    const again = await signInAt(identity, keycloakUser, { provider: denial.alternatives?.[0] });
    expect(again.provider).toBe("eu");
    expect(again.appUserId).toBe(atEntra.appUserId);
  });

  it("is not let in when the organisation's own Keycloak disabled the person too", async () => {
    const identity = webIdentity(world);
    const { entraUser, keycloakUser, atEntra, atKeycloak } = await linkedPerson(identity);
    world.entra.setUserState(entraUser.oid, "disabled");
    await realmAdmin().setUserEnabled(keycloakUser.id, false);

    const atEntraDenied = await idSwitchErrorOf(identity.refresh(atEntra));
    expect(atEntraDenied).toMatchObject({ code: "account_disabled", alternatives: ["eu"] });
    // The spare applies its own account state: its login form refuses…
    const request = await identity.beginLogin({ provider: "eu" });
    const attempt = await signInThroughLoginForm(request.url.href, keycloakUser, {
      redirectUriPrefix: REDIRECT_URI,
    });
    expect(attempt).toMatchObject({ error: expect.stringMatching(/disabled/i) });
    // …and its live session ends, with nowhere left to go.
    const atKeycloakDenied = await idSwitchErrorOf(identity.refresh(atKeycloak));
    expect(atKeycloakDenied).toMatchObject({ code: "account_disabled", provider: "eu", alternatives: [] });
  });

  it("with onSuspension 'failover', the person's next sign-in goes to the spare by itself", async () => {
    const identity = webIdentity(world, { routing: { order: ["entra", "eu"], onSuspension: "failover" } });
    const { entraUser, atEntra } = await linkedPerson(identity);
    world.entra.setUserState(entraUser.oid, "disabled");
    await idSwitchErrorOf(identity.refresh(atEntra));
    const request = await identity.beginLogin({ appUserId: atEntra.appUserId });
    expect(request.provider).toBe("eu");
    // Someone else still starts at Entra ID.
    expect((await identity.beginLogin()).provider).toBe("entra");
  });

  it("with onSuspension 'deny', no alternative is named", async () => {
    const identity = webIdentity(world, { routing: { order: ["entra", "eu"], onSuspension: "deny" } });
    const { entraUser, atEntra } = await linkedPerson(identity);
    world.entra.setUserState(entraUser.oid, "disabled");
    expect(await idSwitchErrorOf(identity.refresh(atEntra))).toMatchObject({
      code: "account_disabled",
      alternatives: [],
    });
  });

  it("a wrong password is not a suspension: no mark, no alternative", async () => {
    const identity = webIdentity(world);
    const suspended: unknown[] = [];
    identity.on("account-suspended", (e) => suspended.push(e));
    const user = world.newEntraUser();
    await expect(signInAt(identity, { ...user, password: "wrong" })).rejects.toThrow(/refused/);
    expect(suspended).toEqual([]);
  });
});

describe("sessions stay with the provider that issued them", () => {
  it("refresh of an Entra session is never sent to Keycloak, even with Entra down", async () => {
    const keycloakRequests: string[] = [];
    const recording = appProvider({
      runtime: {
        fetch: (input, init) => {
          keycloakRequests.push(
            `${init?.method ?? "GET"} ${String(input instanceof Request ? input.url : input)}`,
          );
          return fetch(input, init);
        },
      },
    });
    const identity = webIdentity(world, {}, recording);
    const { atEntra }: { atEntra: IdentitySession } = await linkedPerson(identity);
    keycloakRequests.length = 0;
    world.entra.fault({ endpoint: "token", mode: "http503" });
    try {
      const outage = await idSwitchErrorOf(identity.refresh(atEntra));
      expect(outage).toMatchObject({ code: "provider_unavailable", provider: "entra", alternatives: ["eu"] });
    } finally {
      world.entra.clearFaults();
    }
    expect(keycloakRequests.filter((r) => r.startsWith("POST"))).toEqual([]);
    await expect(identity.refresh({ ...atEntra, provider: "eu" })).rejects.toThrow(TypeError);
    expect(keycloakRequests.filter((r) => r.startsWith("POST"))).toEqual([]);
  });

  it("a replayed login state is refused", async () => {
    const identity = webIdentity(world);
    const user = world.newEntraUser();
    const request = await identity.beginLogin();
    const { signInThroughSignInPage } = await import("../../support/entra-login.js");
    const result = await signInThroughSignInPage(request.url.href, user, {
      redirectUriPrefix: "http://localhost:3000/callback/entra",
    });
    if (!("callbackUrl" in result)) throw new Error("sign-in failed");
    await identity.completeLogin(result.callbackUrl, request.state);
    expect(await idSwitchErrorOf(identity.completeLogin(result.callbackUrl, request.state))).toMatchObject({
      code: "token_invalid",
      reason: "state",
    });
  });
});
