/**
 * Back-channel logout from the real Keycloak 26.7.3 to two instances of one
 * Express app sharing Redis: the administrator signs Ada out, Keycloak posts
 * one logout token per session of hers to instance A (before its admin call
 * answers), and her next request is refused on instance B as well — in every
 * browser she used; Bob stays signed in. Disabling a person at Keycloak
 * sends no signal at all, so Keycloak is also the organisation's authority
 * (`routing.authority`): the instances ask it once per cache time, and her
 * next request after that is refused.
 */
import { randomUUID } from "node:crypto";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, type Identity, type KeycloakProviderOptions, keycloak } from "../../../src/index.js";
import { idswitch } from "../../../src/integrations/express/index.js";
import { postgresLinkStore } from "../../../src/stores/postgres/index.js";
import { redisStateStore } from "../../../src/stores/redis/index.js";
import { signInWithPassword } from "../../../src/testing/index.js";
import { TestBrowser } from "../../integrations/support/browser.js";
import { listenFirst, overHttp } from "../../integrations/support/listen.js";
import { POSTGRES_URL, Schemas } from "../../stores/support/postgres.js";
import { issuerOf, masterAdmin, newUser, realmAdmin, type TestUser } from "../../support/keycloak-env.js";

const SECRET = "back-channel-logout-test-secret-0123456789";
const REDIS_URL = "redis://127.0.0.1:6379";

type Listening = Awaited<ReturnType<typeof listenFirst>>;

let a: Listening;
let b: Listening;
let clientUuid: string;
const identities: Identity[] = [];
const stores: Array<{ close(): Promise<void> }> = [];
const revokedAtA: number[] = [];
const revokedBy: string[] = [];
const schemas = new Schemas("bcl_test");
/** How long an instance trusts the authority's answer that a person is enabled. */
const AUTHORITY_CACHE_SECONDS = 1;
let ada: TestUser;
let bob: TestUser;

beforeAll(async () => {
  [a, b] = await Promise.all([listenFirst(), listenFirst()]);
  const clientId = `bcl-${randomUUID().slice(0, 8)}`;
  const clientSecret = `secret-${randomUUID()}`;
  // The app's client as an administrator would register it: Keycloak posts logout tokens to the
  // app's back-channel route, one per session (`backchannel.logout.session.required`: with `sid`).
  const admin = masterAdmin();
  clientUuid = await admin.createClient({
    clientId,
    secret: clientSecret,
    protocol: "openid-connect",
    publicClient: false,
    standardFlowEnabled: true,
    redirectUris: [`${a.origin}/auth/callback/eu`],
    frontchannelLogout: false,
    attributes: {
      "pkce.code.challenge.method": "S256",
      "backchannel.logout.url": `${a.origin}/auth/backchannel-logout`,
      "backchannel.logout.session.required": "true",
      "backchannel.logout.revoke.offline.tokens": "false",
    },
  });
  const prefix = `bcl-test-${randomUUID().slice(0, 8)}:`;
  const schema = schemas.next();
  for (const listening of [a, b]) {
    const state = redisStateStore({ url: REDIS_URL, prefix });
    const links = postgresLinkStore({ connectionString: POSTGRES_URL, schema });
    stores.push(state, links);
    const identity = createIdentity({
      providers: [
        keycloak({
          id: "eu",
          issuer: issuerOf(),
          clientId,
          clientSecret,
          redirectUri: `${a.origin}/auth/callback/eu`,
          // The realm's admin service account: how the authority is asked about a person.
          admin: { clientId: "idswitch-admin", clientSecret: "idswitch-admin-secret" },
        } as KeycloakProviderOptions),
      ],
      routing: { authority: ["eu"], authorityCacheSeconds: AUTHORITY_CACHE_SECONDS },
      links,
      state,
      telemetry: false,
    });
    identities.push(identity);
    const auth = idswitch({ identity, secret: SECRET, chooserPath: "/choose", cookie: { secure: false } });
    const app = express();
    app.use(auth.routes());
    app.get("/me", auth.requireAuth(), (req, res) => {
      res.json({ appUserId: req.idswitch?.session?.appUserId });
    });
    listening.handle(app);
  }
  identities[0]?.on("session-revoked", (e) => revokedAtA.push(e.ended));
  for (const identity of identities) identity.on("session-revoked", (e) => revokedBy.push(e.source));
  [ada, bob] = await Promise.all([newUser(), newUser()]);
});

afterAll(async () => {
  await Promise.all(identities.map((i) => i.close()));
  await Promise.all(stores.map((s) => s.close()));
  await schemas.dropAll();
  await Promise.all([a?.close(), b?.close()]);
  if (clientUuid) await masterAdmin().deleteClient(clientUuid);
});

/** A browser signed in through instance A; `at(b)` is the same browser (cookies) talking to instance B. */
async function signedIn(user: TestUser) {
  const browser = new TestBrowser(a.origin, overHttp);
  const login = await browser.request("/auth/login");
  const result = await signInWithPassword(login.headers.get("location") ?? "", user, {
    redirectUriPrefix: `${a.origin}/auth/callback/eu`,
  });
  if (!("callbackUrl" in result)) throw new Error(`sign-in refused: ${JSON.stringify(result)}`);
  const callback = new URL(result.callbackUrl);
  expect((await browser.request(`${callback.pathname}${callback.search}`)).status).toBe(302);
  const elsewhere = new TestBrowser(b.origin, overHttp);
  for (const [name, value] of browser.jar) elsewhere.jar.set(name, value);
  return { atA: browser, atB: elsewhere };
}

const me = (browser: TestBrowser) => browser.request("/me", { accept: "application/json" });

describe("back-channel logout from the real Keycloak, two app instances sharing Redis", () => {
  it("the administrator signs Ada out: every session of hers ends on both instances; Bob's does not", async () => {
    const adaLaptop = await signedIn(ada);
    const adaPhone = await signedIn(ada); // another browser: another Keycloak session (sid)
    const bobs = await signedIn(bob);
    for (const browser of [adaLaptop.atA, adaLaptop.atB, adaPhone.atB, bobs.atB]) {
      expect((await me(browser)).status).toBe(200);
    }

    // Keycloak sends the logout tokens before it answers this call (observed in 26.7.3).
    await realmAdmin().logoutUser(ada.id);

    expect(revokedAtA).toEqual([1, 1]);
    for (const browser of [adaLaptop.atB, adaPhone.atB, adaLaptop.atA]) {
      const response = await me(browser);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: "unauthenticated" });
    }
    expect((await me(bobs.atB)).status).toBe(200);
    expect((await me(bobs.atA)).status).toBe(200);
  });

  it("Ada signs out in one browser: that session ends everywhere, a copy of its cookie included", async () => {
    const laptop = await signedIn(ada);
    const phone = await signedIn(ada);
    const copied = new Map(laptop.atA.jar);
    const logout = await laptop.atA.request("/auth/logout", { method: "POST" });
    expect(logout.status).toBe(303);
    const thief = new TestBrowser(b.origin, overHttp);
    for (const [name, value] of copied) thief.jar.set(name, value);
    expect((await me(thief)).status).toBe(401);
    expect((await me(phone.atB)).status).toBe(200);
  });

  it("Keycloak disables Carol: no signal, yet her first request once the authority's answer is stale is refused", async () => {
    const carol = await newUser();
    const laptop = await signedIn(carol);
    const bobs = await signedIn(bob);
    // Both instances ask the authority now and trust its "enabled" for the cache time.
    expect((await me(laptop.atA)).status).toBe(200);
    expect((await me(laptop.atB)).status).toBe(200);
    const heard = revokedBy.length;

    await realmAdmin().setUserEnabled(carol.id, false);
    // Keycloak told nobody: no logout token, no session ended.
    expect(revokedBy.slice(heard)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, AUTHORITY_CACHE_SECONDS * 1000 + 100));

    const refused = await me(laptop.atB);
    expect(refused.status).toBe(401);
    expect(revokedBy.slice(heard)).toEqual(["authority"]);
    // Ended in the index: instance A refuses her with one read, without asking Keycloak again.
    expect((await me(laptop.atA)).status).toBe(401);
    expect((await me(bobs.atA)).status).toBe(200);
    expect((await me(bobs.atB)).status).toBe(200);
  });
});
