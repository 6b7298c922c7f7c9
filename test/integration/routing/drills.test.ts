/**
 * Failover drills on the emulators: Entra ID treated as down for a cohort of
 * app users without being touched — the cohort (and only it) signs in at the
 * spare, the same cohort on every instance sharing the store, each move is a
 * `failover` event, the drill is announced and shown by `health()`, its
 * sessions are refused without asking Entra ID, and it ends by itself.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MemoryStateStore } from "../../../src/core/memory-state-store.js";
import type { StateStore } from "../../../src/core/state-store.js";
import {
  createIdentity,
  entraId,
  type Identity,
  type IdentityEvents,
  type IdentitySession,
  IdSwitchError,
  keycloak,
} from "../../../src/index.js";
import {
  createEntraEmulator,
  createKeycloakEmulator,
  type EntraEmulator,
  type KeycloakEmulator,
} from "../../../src/testing/index.js";

const REDIRECT = "http://localhost:3000/callback";
let entra: EntraEmulator;
let kc: KeycloakEmulator;
let tenantId: string;
let clientId: string;
const opened: Identity[] = [];

beforeAll(async () => {
  [entra, kc] = await Promise.all([createEntraEmulator(), createKeycloakEmulator()]);
  tenantId = entra.addTenant({ domain: "contoso.example" }).id;
  clientId = entra.addApp({
    tenantId,
    displayName: "web",
    secret: "s",
    redirectUris: [`${REDIRECT}/entra`],
  }).clientId;
  kc.addRealm({ name: "eu" });
  kc.addClient({ realm: "eu", clientId: "web", secret: "s", redirectUris: [`${REDIRECT}/eu`] });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((identity) => identity.close()));
});
afterAll(async () => {
  await Promise.all([entra?.close(), kc?.close()]);
});

function instance(state: StateStore): Identity {
  const identity = createIdentity({
    providers: [
      entraId({
        id: "entra",
        tenantId,
        clientId,
        clientSecret: "s",
        redirectUri: `${REDIRECT}/entra`,
        authority: entra.url,
        v1IssuerBase: entra.v1IssuerBase,
      }),
      keycloak({
        id: "eu",
        issuer: kc.issuer("eu"),
        clientId: "web",
        clientSecret: "s",
        redirectUri: `${REDIRECT}/eu`,
      }),
    ],
    routing: { order: ["entra", "eu"], health: false },
    state,
  });
  opened.push(identity);
  return identity;
}

const people = Array.from({ length: 1_000 }, (_, i) => `app-user-${i}`);

async function signInPlaces(identity: Identity): Promise<Map<string, string>> {
  const places = new Map<string, string>();
  for (const appUserId of people) places.set(appUserId, (await identity.beginLogin({ appUserId })).provider);
  return places;
}

const movedIn = (places: Map<string, string>) => [...places].filter(([, p]) => p === "eu").map(([id]) => id);

describe("identity.drill", () => {
  it("moves exactly its cohort, the same one on every instance, announces itself, and ends by itself", async () => {
    const shared = new MemoryStateStore();
    const [a, b] = [instance(shared), instance(shared)];
    const events: IdentityEvents["drill"][] = [];
    const failovers: IdentityEvents["failover"][] = [];
    b.on("drill", (e) => events.push(e));
    a.on("failover", (e) => failovers.push(e));
    expect(movedIn(await signInPlaces(a))).toEqual([]);
    const entraRequests = entra.requests.length;

    const until = Date.now() + 2_500;
    const drill = await a.drill({ provider: "entra", until, cohort: { percent: 5 } });
    expect(drill).toMatchObject({ provider: "entra", percent: 5, until });

    const moved = movedIn(await signInPlaces(a));
    expect(moved.length).toBeGreaterThan(30); // 5 % of 1,000, give or take what a hash gives
    expect(moved.length).toBeLessThan(70);
    expect(failovers).toHaveLength(moved.length);
    expect(failovers[0]).toEqual({
      operation: "beginLogin",
      from: "entra",
      to: "eu",
      code: "provider_unavailable",
    });
    // The other instance sees the drill through the store, and picks the very same people.
    expect(movedIn(await signInPlaces(b))).toEqual(moved);
    expect(events).toEqual([{ provider: "entra", state: "started", percent: 5, until }]);
    const [health] = await b.health();
    expect(health?.drill).toMatchObject({ provider: "entra", percent: 5 });
    expect(health?.breaker).toBe("closed"); // a drill never touches the breaker

    // A session of someone in the cohort is refused at once: Entra ID is not asked.
    const session = { provider: "entra", appUserId: moved[0] } as unknown as IdentitySession;
    const refused = await b.refresh(session).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IdSwitchError);
    expect(refused).toMatchObject({ code: "provider_unavailable", reason: "drill", provider: "entra" });
    // Discovery only (b's first sign-in URL, health()'s probe): the refused refresh reached no token endpoint.
    expect(new Set(entra.requests.slice(entraRequests).map((r) => r.path))).toEqual(
      new Set([`/${tenantId}/v2.0/.well-known/openid-configuration`]),
    );

    await new Promise((resolve) => setTimeout(resolve, until - Date.now() + 50));
    expect(movedIn(await signInPlaces(b))).toEqual([]);
    expect(events.at(-1)).toEqual({ provider: "entra", state: "ended", percent: 5, until });
    expect((await b.health())[0]?.drill).toBeUndefined();
  });

  it("a drill for everyone covers the application's own calls and people not yet known; endDrill stops it", async () => {
    const identity = instance(new MemoryStateStore());
    await identity.drill({ provider: "entra", until: new Date(Date.now() + 60_000) });
    expect((await identity.beginLogin()).provider).toBe("eu");
    const explicit = await identity.beginLogin({ provider: "entra" }).catch((e: unknown) => e);
    expect(explicit).toMatchObject({ code: "provider_unavailable", reason: "drill" });
    await identity.endDrill("entra");
    expect((await identity.beginLogin()).provider).toBe("entra");
  });

  it("refuses a drill of an unknown provider, one in the past or over 24 h, and a share out of range", async () => {
    const identity = instance(new MemoryStateStore());
    const now = Date.now();
    await expect(identity.drill({ provider: "nope", until: now + 1_000 })).rejects.toThrow(
      /unknown provider "nope"/,
    );
    await expect(identity.drill({ provider: "entra", until: now - 1 })).rejects.toThrow(/in the future/);
    await expect(identity.drill({ provider: "entra", until: now + 25 * 3_600_000 })).rejects.toThrow(
      /24 hours/,
    );
    await expect(
      identity.drill({ provider: "entra", until: now + 1_000, cohort: { percent: 0 } }),
    ).rejects.toThrow(/between 0.01 and 100/);
  });
});
