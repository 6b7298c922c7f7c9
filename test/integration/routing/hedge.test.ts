/**
 * Hedged client credentials on the emulators (Entra ID in front, Keycloak-lite
 * as the spare): a hung primary costs the hedge delay, not a timeout — the
 * spare's token wins and the primary's request is aborted; a provider that
 * keeps losing opens its breaker; a primary that answers in time is the only
 * one asked; an answer that refuses the application is an answer, not
 * slowness.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, entraId, type Identity, type IdentityEvents, keycloak } from "../../../src/index.js";
import { HedgeDelays } from "../../../src/routing/hedge.js";
import {
  createEntraEmulator,
  createKeycloakEmulator,
  type EntraEmulator,
  type KeycloakEmulator,
} from "../../../src/testing/index.js";

let entra: EntraEmulator;
let kc: KeycloakEmulator;
let tenantId: string;
let clientId: string;
let apiScope: string;
const opened: Identity[] = [];
/** The signal of every token-endpoint request the Entra provider made. */
const entraTokenSignals: AbortSignal[] = [];

beforeAll(async () => {
  [entra, kc] = await Promise.all([createEntraEmulator(), createKeycloakEmulator()]);
  tenantId = entra.addTenant({ domain: "contoso.example" }).id;
  const api = entra.addApp({ tenantId, displayName: "api", accessTokenVersion: 2 });
  apiScope = `${api.identifierUri}/.default`;
  clientId = entra.addApp({ tenantId, displayName: "sync", secret: "s" }).clientId;
  kc.addRealm({ name: "eu" });
  kc.addClient({ realm: "eu", clientId: "sync", secret: "s", serviceAccount: true });
});
afterEach(async () => {
  entra.clearFaults();
  entra.setAppState(clientId, "enabled");
  entraTokenSignals.splice(0);
  await Promise.all(opened.splice(0).map((identity) => identity.close()));
});
afterAll(async () => {
  await Promise.all([entra?.close(), kc?.close()]);
});

function identityOf(afterMs: number | "auto", breaker = { consecutiveFailures: 3 }): Identity {
  const identity = createIdentity({
    providers: [
      entraId({
        id: "entra",
        tenantId,
        clientId,
        clientSecret: "s",
        authority: entra.url,
        v1IssuerBase: entra.v1IssuerBase,
        runtime: {
          // Longer than the test's own timeout: only the hedge can end a call that meets the hang.
          timeoutMs: 60_000,
          fetch: (input, init) => {
            if (String(input).endsWith("/oauth2/v2.0/token") && init?.signal)
              entraTokenSignals.push(init.signal);
            return globalThis.fetch(input, init);
          },
        },
      }),
      keycloak({ id: "eu", issuer: kc.issuer("eu"), clientId: "sync", clientSecret: "s" }),
    ],
    routing: { order: ["entra", "eu"], health: false, hedge: { afterMs }, breaker },
  });
  opened.push(identity);
  return identity;
}

const scope = () => ({ entra: apiScope });
const issuerOf = (token: string) =>
  String(JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).iss);
const euTokenRequests = () =>
  kc.requests.filter((r) => r.path.endsWith("/protocol/openid-connect/token")).length;

describe("routing.hedge", () => {
  it("a hung primary: the spare's token wins after the hedge delay and the primary's request is aborted", async () => {
    const identity = identityOf(150);
    const failovers: IdentityEvents["failover"][] = [];
    identity.on("failover", (e) => failovers.push(e));
    // Warm, at Entra directly: a cold first call (discovery and keys) may itself be slower than 150 ms.
    await identity.providers[0]?.clientCredentials({ scope: apiScope });

    entra.fault({ endpoint: "token", mode: "hang" });
    const tokens = await identity.clientCredentials({ scope: scope() });
    expect(issuerOf(tokens.accessToken)).toBe(kc.issuer("eu"));
    expect(failovers).toEqual([
      { operation: "clientCredentials", from: "entra", to: "eu", code: "provider_unavailable" },
    ]);
    // Without the abort this request would stay open for the provider's 10 s budget.
    const hung = entraTokenSignals.at(-1);
    expect(hung?.aborted).toBe(true);
    expect((await identity.health())[0]?.breaker).toBe("closed"); // one lost race is a soft failure, not an outage
  });

  it("a provider that keeps losing the race opens its breaker, and is then not asked at all", async () => {
    const identity = identityOf(100, { consecutiveFailures: 3 });
    const down: IdentityEvents["provider-down"][] = [];
    identity.on("provider-down", (e) => down.push(e));
    await identity.clientCredentials({ scope: scope() });
    entra.fault({ endpoint: "token", mode: "hang" });
    for (let i = 0; i < 3; i++) await identity.clientCredentials({ scope: scope() });
    expect(down).toMatchObject([{ provider: "entra", code: "provider_unavailable", reason: "hedged" }]);
    const asked = entraTokenSignals.length;
    await identity.clientCredentials({ scope: scope() });
    expect(entraTokenSignals.length).toBe(asked);
  });

  it("a primary that answers within the delay is the only provider asked", async () => {
    const identity = identityOf(2_000);
    const before = euTokenRequests();
    for (let i = 0; i < 5; i++) {
      expect(issuerOf((await identity.clientCredentials({ scope: scope() })).accessToken)).toContain(
        tenantId,
      );
    }
    expect(euTokenRequests()).toBe(before);
  });

  it("a refusal of the application is an answer, not slowness: it fails over without waiting for a hedge", async () => {
    const identity = identityOf(60_000); // a hedge would never fire within this test
    const suspended: IdentityEvents["account-suspended"][] = [];
    identity.on("account-suspended", (e) => suspended.push(e));
    await identity.clientCredentials({ scope: scope() });
    entra.setAppState(clientId, "disabled");
    const tokens = await identity.clientCredentials({ scope: scope() });
    expect(issuerOf(tokens.accessToken)).toBe(kc.issuer("eu"));
    expect(suspended).toMatchObject([{ provider: "entra", code: "client_suspended", scope: "provider" }]);
  });
});

describe("HedgeDelays, auto", () => {
  it("waits the upper bound until it has seen enough answers, then twice the p99, within 100–2,000 ms", () => {
    const delays = new HedgeDelays({ afterMs: "auto" });
    expect(delays.delay("entra")).toBe(2_000);
    for (let i = 0; i < 19; i++) delays.observe("entra", 20);
    expect(delays.delay("entra")).toBe(2_000);
    delays.observe("entra", 20);
    expect(delays.delay("entra")).toBe(100); // 2 × 20 ms, raised to the lower bound
    for (let i = 0; i < 200; i++) delays.observe("entra", i < 196 ? 300 : 900);
    expect(delays.delay("entra")).toBe(1_800); // p99 of the last 200 is 900 ms
    for (let i = 0; i < 200; i++) delays.observe("entra", 5_000);
    expect(delays.delay("entra")).toBe(2_000);
    expect(new HedgeDelays({ afterMs: 250 }).delay("entra")).toBe(250);
  });
});
