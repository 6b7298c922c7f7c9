/**
 * A link claim is trusted only from the providers named in
 * `linking.claim.from` (docs/concepts.md, "Whose word counts"). Another
 * provider — a partner realm run by someone else — can put a claim of the
 * same name holding a victim's Entra `tid:oid` into its tokens; it must not
 * join the victim's app user.
 *
 * Before the fix every provider but the one the claim names was trusted:
 * the partner's sign-in landed in the victim's app user (account takeover).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, keycloak } from "../../src/index.js";
import {
  declareLinkClaim,
  signInAt,
  type TwoProviders,
  twoProviders,
} from "../integration/identity/two-providers.js";
import { appProvider, issuerOf, masterAdmin, newUser } from "../support/keycloak-env.js";

const CLAIM = "entra_id";
let world: TwoProviders;

beforeAll(async () => {
  world = await twoProviders();
  await declareLinkClaim(CLAIM);
});
afterAll(() => world.close());

/** The organisation's spare, configured but not used here: the one provider whose claim counts. */
const spare = () =>
  keycloak({ id: "spare", issuer: issuerOf("other"), clientId: "app", clientSecret: "app-secret" });

describe("a link claim from a provider not in linking.claim.from", () => {
  it("a partner realm asserting a victim's Entra id gets an app user of its own", async () => {
    // The real Keycloak realm plays the partner here ("partner"): its tokens carry the claim.
    const identity = createIdentity({
      providers: [world.entraWeb(), appProvider({ id: "partner" }), spare()],
      routing: { order: ["entra", "partner", "spare"] },
      linking: { claim: { name: CLAIM, provider: "entra", from: ["spare"] } },
    });
    const victim = world.newEntraUser();
    const atEntra = await signInAt(identity, victim);
    const forger = await newUser();
    await masterAdmin().setUserAttribute(forger.id, CLAIM, `${world.tenantId}:${victim.oid}`);
    const atPartner = await signInAt(identity, forger, { provider: "partner" });
    expect(atPartner.principal.claims[CLAIM]).toBe(`${world.tenantId}:${victim.oid}`);
    expect(atPartner.appUserId).not.toBe(atEntra.appUserId);
    expect((await identity.linksOf(atEntra.appUserId)).map((l) => l.provider)).toEqual(["entra"]);
    await identity.close();
  });

  it("the same claim from a provider in `from` joins, as the mirror intends", async () => {
    const identity = createIdentity({
      providers: [world.entraWeb(), appProvider(), spare()],
      routing: { order: ["entra", "eu", "spare"] },
      linking: { claim: { name: CLAIM, provider: "entra", from: ["eu"] } },
    });
    const person = world.newEntraUser();
    const atEntra = await signInAt(identity, person);
    const mirrored = await newUser();
    await masterAdmin().setUserAttribute(mirrored.id, CLAIM, `${world.tenantId}:${person.oid}`);
    const atKeycloak = await signInAt(identity, mirrored, { provider: "eu" });
    expect(atKeycloak.appUserId).toBe(atEntra.appUserId);
    await identity.close();
  });
});
