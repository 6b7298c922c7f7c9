/**
 * One verifier for tokens of both providers: the real Keycloak's and the
 * Entra emulator's, each verified only by its own issuer's keys.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, type IdentityEvents } from "../../../src/index.js";
import { serviceProvider } from "../../support/keycloak-env.js";
import { idSwitchErrorOf } from "../../support/rejection.js";
import { type TwoProviders, twoProviders } from "./two-providers.js";

let world: TwoProviders;
let keycloakToken: string;
let entraToken: string;

/** Counts requests per provider, to see what verification costs on the network. */
function counting() {
  const counts = { entra: 0, eu: 0 };
  const through = (id: keyof typeof counts) => ({
    fetch: (input: string | URL | Request, init?: RequestInit) => {
      counts[id] += 1;
      return fetch(input, init);
    },
  });
  return { counts, through };
}

beforeAll(async () => {
  world = await twoProviders();
  keycloakToken = (await serviceProvider().clientCredentials()).accessToken;
  entraToken = (await world.entraDaemon().clientCredentials({ scope: world.apiScope })).accessToken;
});
afterAll(() => world.close());

function identityWith(options: { cache?: boolean; now?: () => number } = {}) {
  const { counts, through } = counting();
  const runtime = (id: "entra" | "eu") => ({ ...through(id), ...(options.now ? { now: options.now } : {}) });
  const identity = createIdentity({
    providers: [world.entraWeb({ runtime: runtime("entra") }), serviceProvider({ runtime: runtime("eu") })],
    tokenCache: options.cache ? { maxEntries: 100 } : false,
    ...(options.now ? { now: options.now } : {}),
  });
  return { identity, counts };
}

const audience = () => ({ entra: world.apiAudience, eu: "api" });

describe("verifyAccessToken with two providers", () => {
  it("accepts each provider's token, with each provider's audience", async () => {
    const { identity } = identityWith();
    const fromKeycloak = await identity.verifyAccessToken(keycloakToken, { audience: audience() });
    const fromEntra = await identity.verifyAccessToken(entraToken, { audience: audience() });
    expect(fromKeycloak).toMatchObject({ provider: "eu", tenant: "idswitch" });
    expect(fromEntra).toMatchObject({ provider: "entra", tenant: world.tenantId });
  });

  it("a provider without an audience accepts no token at that call", async () => {
    const { identity, counts } = identityWith();
    const err = await idSwitchErrorOf(identity.verifyAccessToken(entraToken, { audience: { eu: "api" } }));
    expect(err).toMatchObject({ code: "token_invalid", reason: "audience", provider: "entra" });
    expect(counts.entra).toBe(0);
  });

  it("an unknown issuer is refused before any request to either provider", async () => {
    const { identity, counts } = identityWith();
    const [header, , signature] = keycloakToken.split(".");
    const claims = { iss: "https://evil.example/realms/idswitch", aud: "api", exp: 9_999_999_999, sub: "x" };
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
    const err = await idSwitchErrorOf(identity.verifyAccessToken(forged, { audience: audience() }));
    expect(err).toMatchObject({ code: "token_invalid", reason: "issuer", provider: undefined });
    expect(counts).toEqual({ entra: 0, eu: 0 });
  });

  it("the verified-token cache answers a repeated token without verifying it again", async () => {
    const { identity } = identityWith({ cache: true });
    const first = await identity.verifyAccessToken(keycloakToken, { audience: audience() });
    const second = await identity.verifyAccessToken(keycloakToken, { audience: audience() });
    expect(second).toBe(first); // the same object: served from the cache
    // A different audience is a different question: not answered from the cache.
    await expect(identity.verifyAccessToken(keycloakToken, { audience: "other" })).rejects.toMatchObject({
      reason: "audience",
    });
    // A tampered signature is a different token string: verified, and refused.
    const tampered = `${keycloakToken.slice(0, -4)}AAAA`;
    await expect(identity.verifyAccessToken(tampered, { audience: audience() })).rejects.toMatchObject({
      reason: "signature",
    });
  });

  it("the cache never answers past the token's expiry", async () => {
    let now = Date.now();
    const { identity } = identityWith({ cache: true, now: () => now });
    const principal = await identity.verifyAccessToken(keycloakToken, { audience: audience() });
    now = (principal.expiresAt ?? 0) * 1000 + 60_000;
    await expect(identity.verifyAccessToken(keycloakToken, { audience: audience() })).rejects.toMatchObject({
      code: "token_invalid",
      reason: "expired",
    });
  });
});

describe("keys while Entra ID is unreachable", () => {
  it("last-known-good keys keep verifying for up to 24 h, with a warning", async () => {
    let now = Date.now();
    const { identity } = identityWith({ now: () => now });
    const warnings: IdentityEvents["warning"][] = [];
    identity.on("warning", (w) => warnings.push(w));
    await identity.verifyAccessToken(entraToken, { audience: audience() });
    world.entra.fault({ endpoint: "all", mode: "refused" });
    try {
      now += 30 * 60_000; // the keys are stale (older than 10 min); the token is still valid
      await expect(identity.verifyAccessToken(entraToken, { audience: audience() })).resolves.toMatchObject({
        provider: "entra",
      });
      expect(warnings.filter((w) => w.reason === "stale_keys")).toHaveLength(1);
    } finally {
      world.entra.clearFaults();
    }
  });
});

describe("key rotation", () => {
  it("a new kid is fetched once, announced, and verifies", async () => {
    const { counts, through } = counting();
    const identity = createIdentity({
      providers: [world.entraWeb({ keySetCooldownSeconds: 0, runtime: through("entra") }), serviceProvider()],
    });
    const rotated: IdentityEvents["key-rotated"][] = [];
    identity.on("key-rotated", (e) => rotated.push(e));
    await identity.verifyAccessToken(entraToken, { audience: audience() });
    const fetchesBefore = counts.entra;
    const { kid } = await world.entra.rotateSigningKey();
    const newToken = (await world.entraDaemon().clientCredentials({ scope: world.apiScope })).accessToken;
    await expect(identity.verifyAccessToken(newToken, { audience: audience() })).resolves.toMatchObject({
      provider: "entra",
    });
    expect(counts.entra - fetchesBefore).toBe(1); // one key-set request, nothing else
    expect(rotated).toEqual([{ provider: "entra", added: [kid], removed: [] }]);
  });
});
