import { randomUUID } from "node:crypto";
/**
 * Identity linking across the two providers: the directory mirror's link
 * claim (the Entra `tid:oid` in an admin-only Keycloak attribute, mapped into
 * the tokens), explicit linking, and what never links (an email alone).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createIdentity,
  type IdentityEvents,
  IdSwitchError,
  LinkConflictError,
  MemoryLinkStore,
} from "../../../src/index.js";
import { appProvider, masterAdmin, newUser, realmAdmin } from "../../support/keycloak-env.js";
import { declareLinkClaim, signInAt, type TwoProviders, twoProviders, webIdentity } from "./two-providers.js";

const CLAIM = "entra_id";
let world: TwoProviders;

beforeAll(async () => {
  world = await twoProviders();
  await declareLinkClaim(CLAIM);
});
afterAll(() => world.close());

/** A Keycloak account that the mirror made for an Entra user: it carries the Entra `tid:oid`. */
async function mirroredAccount(entraOid: string) {
  const user = await newUser();
  await masterAdmin().setUserAttribute(user.id, CLAIM, `${world.tenantId}:${entraOid}`);
  return user;
}

describe("the mirror's link claim", () => {
  it("a first sign-in at Keycloak joins the app user who has that Entra account", async () => {
    const identity = webIdentity(world, {
      linking: { claim: { name: CLAIM, provider: "entra", from: ["eu"] } },
    });
    const links: IdentityEvents["link-created"][] = [];
    identity.on("link-created", (e) => links.push(e));
    const entraUser = world.newEntraUser();
    const atEntra = await signInAt(identity, entraUser);
    const atKeycloak = await signInAt(identity, await mirroredAccount(entraUser.oid), { provider: "eu" });
    expect(atKeycloak.principal.claims[CLAIM]).toBe(`${world.tenantId}:${entraUser.oid}`);
    expect(atKeycloak.appUserId).toBe(atEntra.appUserId);
    expect(links.map((l) => [l.account.provider, l.method])).toEqual([
      ["entra", "new-user"],
      ["eu", "link-claim"],
    ]);
  });

  it("after an Entra suspension, the mirrored person is offered Keycloak without ever having linked", async () => {
    const identity = webIdentity(world, {
      linking: { claim: { name: CLAIM, provider: "entra", from: ["eu"] } },
    });
    const entraUser = world.newEntraUser();
    const atEntra = await signInAt(identity, entraUser);
    world.entra.setUserState(entraUser.oid, "disabled");
    const denial = await identity.refresh(atEntra).catch((e: unknown) => e);
    expect(denial).toMatchObject({ code: "account_disabled", alternatives: ["eu"] });
    const atKeycloak = await signInAt(identity, await mirroredAccount(entraUser.oid), { provider: "eu" });
    expect(atKeycloak.appUserId).toBe(atEntra.appUserId);
  });

  it("a claim naming an Entra account nobody signed in with reserves it: one new app user, joined later from Entra", async () => {
    const identity = webIdentity(world, {
      linking: { claim: { name: CLAIM, provider: "entra", from: ["eu"] } },
    });
    const entraUser = world.newEntraUser();
    const atKeycloak = await signInAt(identity, await mirroredAccount(entraUser.oid), { provider: "eu" });
    const links = await identity.linksOf(atKeycloak.appUserId);
    expect(links.map((l) => [l.provider, l.subject, l.method]).sort()).toEqual([
      ["entra", entraUser.oid, "link-claim"],
      ["eu", atKeycloak.principal.subject, "link-claim"],
    ]);
    // The person's first Entra sign-in, later, is the same app user (before: a second one).
    const atEntra = await signInAt(identity, entraUser);
    expect(atEntra.appUserId).toBe(atKeycloak.appUserId);
  });

  it("without the option, the claim is ignored", async () => {
    const identity = webIdentity(world);
    const entraUser = world.newEntraUser();
    const atEntra = await signInAt(identity, entraUser);
    const atKeycloak = await signInAt(identity, await mirroredAccount(entraUser.oid), { provider: "eu" });
    expect(atKeycloak.appUserId).not.toBe(atEntra.appUserId);
  });
});

describe("explicit linking", () => {
  it("identity.link joins two fresh sign-ins; the second account's brand-new app user is folded in", async () => {
    const links = new MemoryLinkStore();
    const identity = createIdentity({ providers: [world.entraWeb(), appProvider()], links });
    const atEntra = await signInAt(identity, world.newEntraUser());
    const atKeycloak = await signInAt(identity, await newUser(), { provider: "eu" });
    expect(atKeycloak.appUserId).not.toBe(atEntra.appUserId);
    const link = await identity.link(atEntra, atKeycloak);
    expect(link).toMatchObject({ provider: "eu", appUserId: atEntra.appUserId, method: "explicit" });
    expect((await links.linksOf(atEntra.appUserId)).map((l) => l.provider).sort()).toEqual(["entra", "eu"]);
  });

  it("an account that already belongs to an established app user is never taken", async () => {
    const identity = webIdentity(world);
    const someone = await newUser();
    const first = await signInAt(identity, someone, { provider: "eu" });
    // That app user gains a second account: it is established, not a throwaway.
    await signInAt(identity, world.newEntraUser(), { provider: "entra", linkTo: first });
    const other = await signInAt(identity, world.newEntraUser());
    const again = await signInAt(identity, someone, { provider: "eu" });
    await expect(identity.link(other, again)).rejects.toBeInstanceOf(LinkConflictError);
  });

  it("linking an account again makes no second link and fires link-created once, through both paths", async () => {
    const identity = webIdentity(world);
    const created: IdentityEvents["link-created"][] = [];
    identity.on("link-created", (e) => created.push(e));
    const keycloakUser = await newUser();
    const atEntra = await signInAt(identity, world.newEntraUser());
    // "Also sign in with…": the sign-in begun with linkTo links the account…
    const atKeycloak = await signInAt(identity, keycloakUser, { provider: "eu", linkTo: atEntra });
    expect(atKeycloak.appUserId).toBe(atEntra.appUserId);
    // …and neither doing it again nor identity.link of the same pair links it twice.
    await signInAt(identity, keycloakUser, { provider: "eu", linkTo: atEntra });
    const link = await identity.link(atEntra, atKeycloak);
    expect(link).toMatchObject({ provider: "eu", appUserId: atEntra.appUserId, method: "explicit" });
    const explicit = created.filter((e) => e.method === "explicit");
    expect(explicit).toEqual([
      {
        appUserId: atEntra.appUserId,
        account: expect.objectContaining({ provider: "eu" }),
        method: "explicit",
      },
    ]);
    expect((await identity.linksOf(atEntra.appUserId)).map((l) => l.provider).sort()).toEqual([
      "entra",
      "eu",
    ]);
  });

  it("a sign-in begun with linkTo follows the takeover rule: an established app user's account is refused", async () => {
    const identity = webIdentity(world);
    const someone = await newUser();
    const first = await signInAt(identity, someone, { provider: "eu" });
    await signInAt(identity, world.newEntraUser(), { provider: "entra", linkTo: first });
    const other = await signInAt(identity, world.newEntraUser());
    const error = await signInAt(identity, someone, { provider: "eu", linkTo: other }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LinkConflictError);
    expect(error).toMatchObject({
      code: "link_conflict",
      provider: "eu",
      existingAppUserId: first.appUserId,
    });
    expect((await identity.linksOf(other.appUserId)).map((l) => l.provider)).toEqual(["entra"]);
  });

  it("a sign-in begun with linkTo takes over the throwaway app user the same account made moments ago", async () => {
    const identity = webIdentity(world);
    const keycloakUser = await newUser();
    const throwaway = await signInAt(identity, keycloakUser, { provider: "eu" });
    const atEntra = await signInAt(identity, world.newEntraUser());
    const joined = await signInAt(identity, keycloakUser, { provider: "eu", linkTo: atEntra });
    expect(joined.appUserId).toBe(atEntra.appUserId);
    expect(await identity.linksOf(throwaway.appUserId)).toEqual([]);
  });

  it("a stale session cannot begin a linking sign-in: a typed error, before any provider is called", async () => {
    let now = Date.now();
    const identity = webIdentity(world, { now: () => now });
    const atEntra = await signInAt(identity, world.newEntraUser());
    now += 10 * 60_000;
    const before = world.entra.requests.length;
    const error = await identity.beginLogin({ provider: "eu", linkTo: atEntra }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdSwitchError);
    expect(error).toMatchObject({ code: "interaction_required", reason: "recent_sign_in" });
    expect((error as Error).message).toMatch(/not recent/);
    expect(world.entra.requests.length).toBe(before);
  });

  it("a stale sign-in cannot link", async () => {
    let now = Date.now();
    const identity = webIdentity(world, { now: () => now });
    const atEntra = await signInAt(identity, world.newEntraUser());
    const atKeycloak = await signInAt(identity, await newUser(), { provider: "eu" });
    now += 10 * 60_000;
    await expect(identity.link(atEntra, atKeycloak)).rejects.toThrow(/not recent/);
  });
});

describe("an email alone never links", () => {
  it("same verified email at both providers: two app users unless the app opts in", async () => {
    const identity = webIdentity(world);
    const entraUser = world.newEntraUser();
    const atEntra = await signInAt(identity, entraUser);
    const sameEmail = { username: `kc-${randomUUID().slice(0, 8)}`, password: `pw-${randomUUID()}` };
    await realmAdmin().createUser({ ...sameEmail, email: entraUser.username });
    const atKeycloak = await signInAt(identity, sameEmail, { provider: "eu" });
    expect(atKeycloak.principal).toMatchObject({
      email: entraUser.username.toLowerCase(),
      emailVerified: true,
    });
    expect(atEntra.principal.username?.toLowerCase()).toBe(entraUser.username.toLowerCase());
    expect(atKeycloak.appUserId).not.toBe(atEntra.appUserId);
  });

  it("dangerouslyLinkByVerifiedEmail asks the app, and only for a verified email", async () => {
    const asked: string[] = [];
    const identity = webIdentity(world, {
      linking: {
        dangerouslyLinkByVerifiedEmail: async (email) => {
          asked.push(email);
          return "app-user-by-email";
        },
      },
    });
    const atKeycloak = await signInAt(identity, await newUser(), { provider: "eu" });
    expect(atKeycloak.appUserId).toBe("app-user-by-email");
    expect(asked).toEqual([atKeycloak.principal.email?.toLowerCase()]);
    // Entra's email without xms_edov is not verified: the app is not even asked.
    const atEntra = await signInAt(identity, world.newEntraUser());
    expect(atEntra.principal.emailVerified).toBe(false);
    expect(asked).toHaveLength(1);
    expect(atEntra.appUserId).not.toBe("app-user-by-email");
  });
});
