/**
 * Shared Signals from the real Keycloak 26.7.3 end real app sessions: two
 * instances of one Express app share Redis; instance A mounts the push route
 * (`POST /auth/signals`, the `signals` option), instance B polls. People sign
 * in through Keycloak's own login page in browsers of their own.
 *
 * - Push: the administrator signs Ada out, and later resets her password:
 *   each time Keycloak pushes a CAEP event to A, and every session of hers
 *   is refused on B as well; Bob stays signed in.
 * - Poll: Carol is not on the push stream (its default subjects are NONE),
 *   only on the poll stream (ALL): when the administrator signs her out, B
 *   polls the event and her sessions end on A too.
 *
 * No back-channel logout URL is registered for the app: only the signals
 * can have ended these sessions.
 */
import { randomUUID } from "node:crypto";
import express from "express";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createIdentity,
  type Identity,
  type KeycloakProviderOptions,
  keycloak,
  type SignalReceiver,
} from "../../../src/index.js";
import { idswitch } from "../../../src/integrations/express/index.js";
import { redisStateStore } from "../../../src/stores/redis/index.js";
import { signInWithPassword } from "../../../src/testing/index.js";
import { TestBrowser } from "../../integrations/support/browser.js";
import { listenFirst, overHttp } from "../../integrations/support/listen.js";
import { SsfRealm, waitFor } from "../../support/ssf-keycloak.js";

const SECRET = "shared-signals-sessions-test-secret-0123456789";
const REDIS_URL = "redis://127.0.0.1:6379";
const PUSH_AUTHORIZATION = `Bearer push-${randomUUID()}`;

type Listening = Awaited<ReturnType<typeof listenFirst>>;
type Person = { readonly id: string; readonly username: string; password: string };

const realm = new SsfRealm(inject("keycloakUrl"), inject("keycloakAdmin"));
let a: Listening;
let b: Listening;
let pushAtA: SignalReceiver;
let pollAtB: SignalReceiver;
const identities: Identity[] = [];
const stores: Array<{ close(): Promise<void> }> = [];
/** Every `session-revoked` either instance reported: its source and how many sessions ended. */
const revoked: Array<{ source: string; ended: number }> = [];

async function person(username: string): Promise<Person> {
  const password = `${username}-password-1`;
  return { id: await realm.createUser(username, password), username, password };
}

beforeAll(async () => {
  [a, b] = await Promise.all([listenFirst(), listenFirst()]);
  await realm.create();
  await realm.createClient("app", "app-secret", {
    standardFlowEnabled: true,
    redirectUris: [`${a.origin}/auth/callback/eu`],
    attributes: { "pkce.code.challenge.method": "S256" },
  });
  await realm.createReceiverClient("ssf-push", "ssf-push-secret", { "ssf.validPushUrls": `${a.origin}/*` });
  await realm.createReceiverClient("ssf-poll", "ssf-poll-secret", { "ssf.defaultSubjects": "ALL" });

  const prefix = `ssf-sessions-${randomUUID().slice(0, 8)}:`;
  for (const [listening, delivery] of [
    [a, "push"],
    [b, "poll"],
  ] as const) {
    const state = redisStateStore({ url: REDIS_URL, prefix });
    stores.push(state);
    const identity = createIdentity({
      providers: [
        keycloak({
          id: "eu",
          issuer: realm.issuer,
          clientId: "app",
          clientSecret: "app-secret",
          redirectUri: `${a.origin}/auth/callback/eu`,
        } as KeycloakProviderOptions),
      ],
      state,
      telemetry: false,
    });
    identities.push(identity);
    identity.on("session-revoked", (e) => revoked.push({ source: e.source, ended: e.ended }));
    const signals = identity.signalReceiver({
      transmitters: [
        delivery === "push"
          ? {
              id: "kc-push",
              provider: "eu",
              issuer: realm.issuer,
              delivery: {
                method: "push",
                authorization: PUSH_AUTHORIZATION,
                endpointUrl: `${a.origin}/auth/signals`,
              },
              clientCredentials: { clientId: "ssf-push", clientSecret: "ssf-push-secret" },
            }
          : {
              id: "kc-poll",
              provider: "eu",
              issuer: realm.issuer,
              delivery: { method: "poll", intervalMs: 500 },
              clientCredentials: { clientId: "ssf-poll", clientSecret: "ssf-poll-secret" },
            },
      ],
    });
    if (delivery === "push") pushAtA = signals;
    else pollAtB = signals;
    const auth = idswitch({
      identity,
      secret: SECRET,
      chooserPath: "/choose",
      cookie: { secure: false },
      ...(delivery === "push" ? { signals } : {}),
    });
    const app = express();
    app.use(auth.routes());
    app.get("/me", auth.requireAuth(), (req, res) => {
      res.json({ appUserId: req.idswitch?.session?.appUserId });
    });
    listening.handle(app);
  }
});

afterAll(async () => {
  await pollAtB?.stop();
  await pushAtA
    ?.streams("kc-push")
    .delete()
    .catch(() => {});
  await pollAtB
    ?.streams("kc-poll")
    .delete()
    .catch(() => {});
  await Promise.all(identities.map((i) => i.close()));
  await Promise.all(stores.map((s) => s.close()));
  await Promise.all([a?.close(), b?.close()]);
  await realm.delete().catch(() => {});
});

/** A browser signed in through instance A; `atB` is the same browser (its cookies) talking to B. */
async function signedIn(user: Person) {
  const atA = new TestBrowser(a.origin, overHttp);
  const login = await atA.request("/auth/login");
  const result = await signInWithPassword(login.headers.get("location") ?? "", user, {
    redirectUriPrefix: `${a.origin}/auth/callback/eu`,
  });
  if (!("callbackUrl" in result)) throw new Error(`sign-in refused: ${JSON.stringify(result)}`);
  const callback = new URL(result.callbackUrl);
  expect((await atA.request(`${callback.pathname}${callback.search}`)).status).toBe(302);
  const atB = new TestBrowser(b.origin, overHttp);
  for (const [name, value] of atA.jar) atB.jar.set(name, value);
  return { atA, atB };
}

const status = async (browser: TestBrowser) =>
  (await browser.request("/me", { accept: "application/json" })).status;

/** Resolves once every browser's next request is refused (401), checking every 100 ms. */
async function refusedEverywhere(browsers: readonly TestBrowser[], what: string): Promise<void> {
  let refused = false;
  const check = async () => {
    refused = (await Promise.all(browsers.map(status))).every((s) => s === 401);
  };
  const timer = setInterval(() => void check(), 100);
  try {
    await waitFor(() => refused, what);
  } finally {
    clearInterval(timer);
  }
}

async function untilAfterSecondOf(ms: number): Promise<void> {
  const wait = (Math.floor(ms / 1000) + 1) * 1000 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

describe("Keycloak's Shared Signals end app sessions on both instances", () => {
  let ada: Person;
  let bob: Person;
  let signedOutAt = 0;

  it("sets up the push stream (Ada subscribed) to instance A's /auth/signals, verified", async () => {
    [ada, bob] = await Promise.all([person("ada"), person("bob")]);
    const stream = await pushAtA.streams("kc-push").create();
    expect(stream.delivery).toMatchObject({
      method: "urn:ietf:rfc:8935",
      endpoint_url: `${a.origin}/auth/signals`,
    });
    await pushAtA.streams("kc-push").addSubject({ format: "iss_sub", iss: realm.issuer, sub: ada.id });
  });

  it("push: the administrator signs Ada out — every session of hers ends on A and B; Bob's does not", async () => {
    const laptop = await signedIn(ada);
    const phone = await signedIn(ada);
    const bobs = await signedIn(bob);
    for (const browser of [laptop.atA, laptop.atB, phone.atB, bobs.atB])
      expect(await status(browser)).toBe(200);
    const heard = revoked.length;

    await realm.admin("POST", realm.path(`/users/${ada.id}/logout`));
    signedOutAt = Date.now();

    await refusedEverywhere([laptop.atA, laptop.atB, phone.atA, phone.atB], "Ada's sessions to end");
    expect(revoked.slice(heard)).toEqual([{ source: "session_revoked", ended: 2 }]);
    expect(await status(bobs.atA)).toBe(200);
    expect(await status(bobs.atB)).toBe(200);
  });

  it("push: the administrator resets Ada's password — her new session ends on A and B", async () => {
    // The sign-out is dated to its second (Keycloak's clock is this machine's): a session issued in
    // that second cannot be told from one it ended, so Ada signs in again in a later one.
    await untilAfterSecondOf(signedOutAt);
    const laptop = await signedIn(ada);
    expect(await status(laptop.atB)).toBe(200);
    const heard = revoked.length;

    ada.password = "ada-password-2";
    await realm.admin("PUT", realm.path(`/users/${ada.id}/reset-password`), {
      type: "password",
      value: ada.password,
      temporary: false,
    });

    await refusedEverywhere([laptop.atA, laptop.atB], "Ada's session to end after the reset");
    expect(revoked.slice(heard)).toEqual([{ source: "credential_change", ended: 1 }]);
  });

  it("poll: Carol, on the poll stream only, is signed out by the administrator — ended on A too", async () => {
    const carol = await person("carol");
    await pollAtB.streams("kc-poll").create();
    pollAtB.start();
    const laptop = await signedIn(carol);
    const bobs = await signedIn(bob);
    expect(await status(laptop.atA)).toBe(200);
    const heard = revoked.length;

    await realm.admin("POST", realm.path(`/users/${carol.id}/logout`));

    await refusedEverywhere([laptop.atA, laptop.atB], "Carol's session to end");
    // Bob's earlier sign-out-free sessions stay; his events on the ALL stream are none.
    expect(revoked.slice(heard)).toEqual([{ source: "session_revoked", ended: 1 }]);
    expect(await status(bobs.atA)).toBe(200);
  });
});
