/**
 * Back-channel logout from the real Keycloak 26.7.3 to two instances of one
 * Express app sharing Redis: the administrator signs Ada out, Keycloak posts
 * one logout token per session of hers to instance A (before its admin call
 * answers), and her next request is refused on instance B as well — in every
 * browser she used; Bob stays signed in.
 */
import { randomUUID } from "node:crypto";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, type Identity, type KeycloakProviderOptions, keycloak } from "../../../src/index.js";
import { idswitch } from "../../../src/integrations/express/index.js";
import { redisStateStore } from "../../../src/stores/redis/index.js";
import { signInWithPassword } from "../../../src/testing/index.js";
import { TestBrowser } from "../../integrations/support/browser.js";
import { listenFirst, overHttp } from "../../integrations/support/listen.js";
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
  for (const listening of [a, b]) {
    const state = redisStateStore({ url: REDIS_URL, prefix });
    stores.push(state);
    const identity = createIdentity({
      providers: [
        keycloak({
          id: "eu",
          issuer: issuerOf(),
          clientId,
          clientSecret,
          redirectUri: `${a.origin}/auth/callback/eu`,
        } as KeycloakProviderOptions),
      ],
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
  [ada, bob] = await Promise.all([newUser(), newUser()]);
});

afterAll(async () => {
  await Promise.all(identities.map((i) => i.close()));
  await Promise.all(stores.map((s) => s.close()));
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
});
