/**
 * The organisation's own decision holds everywhere (`routing.authority`):
 * with the real Keycloak ("eu") as the authority and Ada disabled there by
 * her organisation, no provider lets her in as her app user — in every
 * `onSuspension` mode, also when she picks Entra ID explicitly — until the
 * organisation enables her again. While Keycloak cannot be asked, the last
 * known decision stands (`last-known`) or the sign-in is refused (`deny`).
 *
 * Before: "offer" offered her Entra ID, "failover" sent her there, and even
 * "deny" let her pick Entra ID explicitly and land in the same app user.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createIdentity, type Identity, type IdentityOptionsInput } from "../../../src/index.js";
import { freezeProcessGroup } from "../../support/freeze.js";
import { failPasswordLogins } from "../../support/keycloak-admin.js";
import { appProvider, issuerOf, newUser, realmAdmin, type TestUser } from "../../support/keycloak-env.js";
import { idSwitchErrorOf } from "../../support/rejection.js";
import { signInAt, type TwoProviders, twoProviders } from "./two-providers.js";

let world: TwoProviders;
beforeAll(async () => {
  world = await twoProviders();
});
afterAll(() => world.close());

type Routing = NonNullable<IdentityOptionsInput["routing"]>;

/** Keycloak in front and speaking for the organisation; Entra ID second. */
function identityWith(routing: Partial<Routing>, timeoutMs = 5_000): Identity {
  return createIdentity({
    providers: [world.entraWeb(), appProvider({ runtime: { timeoutMs } })],
    routing: { order: ["eu", "entra"], authority: ["eu"], authorityCacheSeconds: 1, ...routing },
  });
}

/** Ada: an account at each provider, one app user. */
async function ada(identity: Identity) {
  const keycloakUser: TestUser = await newUser();
  const entraUser = world.newEntraUser();
  const atKeycloak = await signInAt(identity, keycloakUser, { provider: "eu" });
  const atEntra = await signInAt(identity, entraUser, { provider: "entra", linkTo: atKeycloak });
  expect(atEntra.appUserId).toBe(atKeycloak.appUserId);
  return { keycloakUser, entraUser, atKeycloak, atEntra };
}

const entraTokenRequests = () => world.entra.requests.filter((r) => r.path.endsWith("/token")).length;

describe("Keycloak as the authority: the organisation disables Ada", () => {
  for (const onSuspension of ["offer", "failover", "deny"] as const) {
    it(`onSuspension "${onSuspension}": refused everywhere, Entra ID included, until she is enabled again`, async () => {
      const identity = identityWith({ onSuspension });
      const { keycloakUser, entraUser, atKeycloak, atEntra } = await ada(identity);
      await realmAdmin().setUserEnabled(keycloakUser.id, false);

      // At the authority itself: disabled, and no other provider is offered.
      const atAuthority = await idSwitchErrorOf(identity.refresh(atKeycloak));
      expect(atAuthority).toMatchObject({ code: "account_disabled", provider: "eu", alternatives: [] });
      // Her Entra session is refused without asking Entra ID.
      const before = entraTokenRequests();
      const refresh = await idSwitchErrorOf(identity.refresh(atEntra));
      expect(refresh).toMatchObject({
        code: "account_disabled",
        reason: "authority",
        provider: "eu",
        alternatives: [],
      });
      expect(entraTokenRequests()).toBe(before);
      // Picking Entra ID explicitly, as her app user: refused before any redirect.
      const begin = await idSwitchErrorOf(
        identity.beginLogin({ provider: "entra", appUserId: atEntra.appUserId }),
      );
      expect(begin).toMatchObject({ code: "account_disabled", reason: "authority" });
      // Picking it anonymously (the integrations' /login?provider=entra): the sign-in completes at
      // Entra ID, and is refused the moment it resolves to her app user.
      const anonymous = await idSwitchErrorOf(signInAt(identity, entraUser, { provider: "entra" }));
      expect(anonymous).toMatchObject({ code: "account_disabled", reason: "authority", alternatives: [] });

      // The organisation enables her again: once its answer is fresh, Entra ID lets her in as herself.
      await realmAdmin().setUserEnabled(keycloakUser.id, true);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const back = await signInAt(identity, entraUser, { provider: "entra" });
      expect(back.appUserId).toBe(atEntra.appUserId);
      await identity.close();
    });
  }

  it("a brute-force lock at the authority is not binding: an attacker cannot lock her out everywhere", async () => {
    const identity = identityWith({});
    const { keycloakUser, entraUser, atEntra } = await ada(identity);
    const keycloakBase = issuerOf().replace(/\/realms\/.*$/, "");
    await failPasswordLogins(keycloakBase, "idswitch", keycloakUser.username, 3);
    // Keycloak counts failures on a queue of its own: on a busy machine the lock may need
    // another try, as an attacker would give it.
    await expect
      .poll(
        async () => {
          const locked = (await realmAdmin().bruteForceStatus(keycloakUser.id)).disabled;
          if (!locked) await failPasswordLogins(keycloakBase, "idswitch", keycloakUser.username, 1);
          return locked;
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the authority's earlier answer has expired
    const again = await signInAt(identity, entraUser, { provider: "entra" });
    expect(again.appUserId).toBe(atEntra.appUserId);
    await realmAdmin().clearBruteForce(keycloakUser.id);
    await identity.close();
  });

  it("a disable at Entra ID (not an authority) still offers the EU spare: the mission's story", async () => {
    const identity = identityWith({ order: ["entra", "eu"] });
    const { entraUser, keycloakUser, atEntra } = await ada(identity);
    world.entra.setUserState(entraUser.oid, "disabled", { audit: false });
    const denial = await idSwitchErrorOf(identity.refresh(atEntra));
    expect(denial).toMatchObject({ code: "account_disabled", provider: "entra", alternatives: ["eu"] });
    const again = await signInAt(identity, keycloakUser, { provider: "eu" });
    expect(again.appUserId).toBe(atEntra.appUserId);
    await identity.close();
  });
});

describe("Entra ID as the authority (a tenant that wants it)", () => {
  it("a disable at Entra ID binds at Keycloak too, and lifts when Entra ID enables the account again", async () => {
    world.entra.grantGraphPermissions(world.webClientId, ["User.Read.All"]);
    const identity = createIdentity({
      providers: [world.entraWeb({ graph: { url: world.entra.graphUrl } }), appProvider()],
      routing: { order: ["entra", "eu"], authority: ["entra"], authorityCacheSeconds: 1 },
    });
    const { keycloakUser, entraUser, atKeycloak } = await ada(identity);
    world.entra.setUserState(entraUser.oid, "disabled"); // by the tenant's administrator
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const refresh = await idSwitchErrorOf(identity.refresh(atKeycloak));
    expect(refresh).toMatchObject({
      code: "account_disabled",
      reason: "authority",
      provider: "entra",
      alternatives: [],
    });
    const signIn = await idSwitchErrorOf(signInAt(identity, keycloakUser, { provider: "eu" }));
    expect(signIn).toMatchObject({ code: "account_disabled", reason: "authority" });
    world.entra.setUserState(entraUser.oid, "active");
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const back = await signInAt(identity, keycloakUser, { provider: "eu" });
    expect(back.appUserId).toBe(atKeycloak.appUserId);
    await identity.close();
  });
});

describe("the authority cannot be asked (the real Keycloak frozen)", () => {
  async function whileFrozen<T>(run: () => Promise<T>): Promise<T> {
    const pid = inject("keycloakPid");
    if (pid === null)
      throw new Error("the Keycloak pid is unknown: set KEYCLOAK_PID when reusing KEYCLOAK_URL");
    await freezeProcessGroup(pid);
    try {
      return await run();
    } finally {
      process.kill(-pid, "SIGCONT");
    }
  }

  it('"last-known": never refused before → let in; refused before → still refused', async () => {
    const identity = identityWith({ authorityUnavailable: "last-known" }, 2_000);
    const fine = await ada(identity);
    const disabled = await ada(identity);
    await realmAdmin().setUserEnabled(disabled.keycloakUser.id, false);
    await idSwitchErrorOf(identity.refresh(disabled.atKeycloak)); // the authority's own word, stored
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // and no longer cached
    const [letIn, refused] = await whileFrozen(() =>
      Promise.all([
        signInAt(identity, fine.entraUser, { provider: "entra" }),
        idSwitchErrorOf(signInAt(identity, disabled.entraUser, { provider: "entra" })),
      ]),
    );
    expect(letIn.appUserId).toBe(fine.atEntra.appUserId);
    expect(refused).toMatchObject({ code: "account_disabled", reason: "authority" });
    await realmAdmin().setUserEnabled(disabled.keycloakUser.id, true);
    await identity.close();
  });

  it('"deny": a sign-in elsewhere is refused while the authority cannot answer', async () => {
    const identity = identityWith({ authorityUnavailable: "deny" }, 2_000);
    const person = await ada(identity);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const refused = await whileFrozen(() =>
      idSwitchErrorOf(signInAt(identity, person.entraUser, { provider: "entra" })),
    );
    expect(refused).toMatchObject({
      code: "provider_unavailable",
      reason: "authority_unavailable",
      provider: "eu",
    });
    await identity.close();
  });
});
