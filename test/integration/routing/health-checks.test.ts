/**
 * Failover you do not feel, on the emulators (Entra ID in front, Keycloak-lite
 * as the spare): background health checks find a partial outage (discovery
 * answers, the token endpoint hangs) before any caller does; callers are
 * routed around it without meeting the hang; a discovery answer does not close
 * the breaker, a token-endpoint probe does. And routing's outcomes are the
 * provider's word only: naming a provider whose breaker is open does not
 * close it; every operation that moved is a `failover` event; one error
 * shape per situation.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AllProvidersFailedError,
  createIdentity,
  entraId,
  type Identity,
  type IdentityEvents,
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
let entraApp: { clientId: string };
let apiScope: string;
const opened: Identity[] = [];

beforeAll(async () => {
  [entra, kc] = await Promise.all([createEntraEmulator(), createKeycloakEmulator()]);
  const tenant = entra.addTenant({ domain: "contoso.example" });
  tenantId = tenant.id;
  const api = entra.addApp({ tenantId, displayName: "api", accessTokenVersion: 2 });
  apiScope = `${api.identifierUri}/.default`;
  entraApp = entra.addApp({
    tenantId,
    displayName: "sync",
    secret: "entra-secret",
    redirectUris: [`${REDIRECT}/entra`],
  });
  kc.addRealm({ name: "eu" });
  kc.addClient({
    realm: "eu",
    clientId: "sync",
    secret: "eu-secret",
    serviceAccount: true,
    redirectUris: [`${REDIRECT}/eu`],
  });
});
afterEach(async () => {
  entra.clearFaults();
  kc.clearFaults();
  await Promise.all(opened.splice(0).map((identity) => identity.close()));
});
afterAll(async () => {
  await Promise.all([entra?.close(), kc?.close()]);
});

function identityOf(routing: Parameters<typeof createIdentity>[0]["routing"]): Identity {
  const runtime = { timeoutMs: 3_000 };
  const identity = createIdentity({
    providers: [
      entraId({
        id: "entra",
        tenantId,
        clientId: entraApp.clientId,
        clientSecret: "entra-secret",
        redirectUri: `${REDIRECT}/entra`,
        authority: entra.url,
        v1IssuerBase: entra.v1IssuerBase,
        runtime,
      }),
      keycloak({
        id: "eu",
        issuer: kc.issuer("eu"),
        clientId: "sync",
        clientSecret: "eu-secret",
        redirectUri: `${REDIRECT}/eu`,
        runtime,
      }),
    ],
    routing,
  });
  opened.push(identity);
  return identity;
}

function recorder(identity: Identity) {
  const down: IdentityEvents["provider-down"][] = [];
  const up: IdentityEvents["provider-up"][] = [];
  const failovers: IdentityEvents["failover"][] = [];
  identity.on("provider-down", (e) => down.push(e));
  identity.on("provider-up", (e) => up.push(e));
  identity.on("failover", (e) => failovers.push(e));
  return { down, up, failovers };
}

const tokenRequests = () => entra.requests.filter((r) => r.path.endsWith("/oauth2/v2.0/token")).length;
const issuerOf = (token: string) =>
  String(JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).iss);
const scope = () => ({ entra: apiScope });

async function errorOf(promise: Promise<unknown>): Promise<IdSwitchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof IdSwitchError)) throw new Error(`expected an IdSwitchError, got ${String(error)}`);
  return error;
}

describe("background health checks", () => {
  it("a hung token endpoint is found by a probe, callers never meet it, and only a token probe closes the breaker", async () => {
    const identity = identityOf({
      order: ["entra", "eu"],
      health: { intervalMs: 1_000, timeoutMs: 1_000 },
      breaker: { openMs: 2_500 },
    });
    const { down, up } = recorder(identity);
    expect(issuerOf((await identity.clientCredentials({ scope: scope() })).accessToken)).toContain(tenantId);

    entra.fault({ endpoint: "token", mode: "hang" });
    // No caller: the background probe finds it (and confirms it once) on its own.
    await expect.poll(() => down.length, { timeout: 10_000, interval: 100 }).toBe(1);
    expect(down[0]).toMatchObject({ provider: "entra", code: "provider_unavailable", reason: "probe_token" });

    const before = tokenRequests();
    for (let i = 0; i < 5; i++) {
      const tokens = await identity.clientCredentials({ scope: scope() });
      expect(issuerOf(tokens.accessToken)).toBe(kc.issuer("eu"));
    }
    expect(tokenRequests()).toBe(before); // no live call went to the hung endpoint

    // Discovery answers: that is not the token endpoint answering.
    const [health] = await identity.health();
    expect(health).toMatchObject({ provider: "entra", status: "up", failedSurfaces: ["token"] });
    expect(health?.breaker).not.toBe("closed");
    // Past the open period the prober asks the token endpoint again; still hung, still open.
    await expect.poll(() => tokenRequests(), { timeout: 10_000, interval: 100 }).toBeGreaterThan(before);
    expect(up).toEqual([]);

    entra.clearFaults();
    await expect.poll(() => up.length, { timeout: 10_000, interval: 100 }).toBe(1);
    expect(issuerOf((await identity.clientCredentials({ scope: scope() })).accessToken)).toContain(tenantId);
    expect(down).toHaveLength(1);
  });

  it("close() does not wait for a probe that meets a hang", async () => {
    // Budgets longer than the test's own timeout: a close() that waited for the probe would never return in time.
    const identity = createIdentity({
      providers: [
        entraId({
          id: "entra",
          tenantId,
          clientId: entraApp.clientId,
          clientSecret: "entra-secret",
          authority: entra.url,
          v1IssuerBase: entra.v1IssuerBase,
          runtime: { timeoutMs: 120_000 },
        }),
      ],
      routing: { health: { intervalMs: 1_000, timeoutMs: 60_000 } },
    });
    entra.fault({ endpoint: "token", mode: "hang" });
    const before = tokenRequests();
    await expect.poll(() => tokenRequests(), { timeout: 10_000, interval: 50 }).toBeGreaterThan(before);
    await identity.close();
  });

  it("health() reports the last round of probes per surface", async () => {
    const identity = identityOf({ health: { intervalMs: 1_000, timeoutMs: 500 } });
    await expect
      .poll(
        async () => (await identity.health()).map((h) => h.probes.map((p) => `${p.surface}:${p.status}`)),
        {
          timeout: 10_000,
          interval: 200,
        },
      )
      .toEqual([
        ["discovery:up", "keys:up", "token:up"],
        ["discovery:up", "keys:up", "token:up"],
      ]);
  });
});

describe("routing outcomes are the provider's word", () => {
  async function euOpen(identity: Identity) {
    kc.fault({ endpoint: "token", mode: "refused" });
    const tokens = await identity.clientCredentials({ scope: scope() });
    expect(issuerOf(tokens.accessToken)).toContain(tenantId);
    kc.clearFaults();
    expect((await identity.health()).find((h) => h.provider === "eu")?.breaker).toBe("open");
  }

  it("naming a provider whose breaker is open refuses at once and does not close it", async () => {
    const identity = identityOf({
      order: ["eu", "entra"],
      health: false,
      breaker: { consecutiveFailures: 1, openMs: 60_000 },
    });
    const { up } = recorder(identity);
    await euOpen(identity);
    const error = await errorOf(identity.beginLogin({ provider: "eu" }));
    expect(error).toMatchObject({
      code: "provider_unavailable",
      provider: "eu",
      reason: "breaker_open",
      alternatives: ["entra"],
    });
    expect(up).toEqual([]);
    expect((await identity.health()).find((h) => h.provider === "eu")?.breaker).toBe("open");
  });

  it("a sign-in routed past an open breaker is a failover event, like client credentials", async () => {
    const identity = identityOf({
      order: ["eu", "entra"],
      health: false,
      breaker: { consecutiveFailures: 1, openMs: 60_000 },
    });
    const { failovers } = recorder(identity);
    await euOpen(identity);
    failovers.splice(0);
    const request = await identity.beginLogin();
    expect(request.provider).toBe("entra");
    expect(failovers).toEqual([
      { operation: "beginLogin", from: "eu", to: "entra", code: "provider_unavailable" },
    ]);
  });

  it("a routed call that finds no provider is AllProvidersFailedError naming each, tried or not, in routing order", async () => {
    const identity = identityOf({
      order: ["eu", "entra"],
      health: false,
      breaker: { consecutiveFailures: 1, openMs: 60_000 },
    });
    await euOpen(identity);
    entra.fault({ endpoint: "token", mode: "refused" });
    const error = await errorOf(identity.clientCredentials({ scope: scope() }));
    expect(error).toBeInstanceOf(AllProvidersFailedError);
    expect((error as AllProvidersFailedError).attempts.map((a) => [a.provider, a.code, a.reason])).toEqual([
      ["eu", "provider_unavailable", "not_tried"],
      ["entra", "provider_unavailable", expect.any(String)],
    ]);
    // And the same shape once entra's breaker is open too: nothing tried at all.
    const none = await errorOf(identity.clientCredentials({ scope: scope() }));
    expect((none as AllProvidersFailedError).attempts.map((a) => [a.provider, a.reason])).toEqual([
      ["eu", "not_tried"],
      ["entra", "not_tried"],
    ]);
  });
});
