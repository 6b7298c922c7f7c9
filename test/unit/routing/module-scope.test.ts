/**
 * Cloudflare Workers refuse timers and random values outside a request
 * ("Disallowed operation called within global scope"), and apps create their
 * identity at module scope. Here both are refused while the identity is
 * created, as workerd does: creation succeeds, and the health checks start
 * with the first call, inside a request. (The packed package in the real
 * workerd: scripts/runtimes/smoke.mjs.)
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createIdentity, type Identity, oidc } from "../../../src/index.js";
import { createFakeIssuer } from "../../support/fake-issuer.js";

const ISSUER = "https://idp.example.test/realms/acme";
const INTERVAL_MS = 60_000;
const disallowed = () => {
  throw new Error("Disallowed operation called within global scope.");
};

let identity: Identity | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await identity?.close();
});

describe("an identity created at a Worker's module scope", () => {
  it("is created without timers or random values, and starts its health checks at its first call", async () => {
    const idp = await createFakeIssuer(ISSUER);
    const timers = vi.spyOn(globalThis, "setTimeout").mockImplementation(disallowed as never);
    const random = vi.spyOn(crypto, "randomUUID").mockImplementation(disallowed as never);
    identity = createIdentity({
      providers: [
        oidc({
          id: "eu",
          issuer: ISSUER,
          clientId: "app",
          clientSecret: "s",
          redirectUri: "https://app.example.test/callback",
          runtime: { fetch: idp.fetch },
        }),
      ],
      routing: { health: { intervalMs: INTERVAL_MS, timeoutMs: 1_000 } },
      telemetry: false,
    });
    timers.mockRestore();
    random.mockRestore();

    // Inside a request now: the first operation through the router schedules the first round.
    const scheduled = vi.spyOn(globalThis, "setTimeout");
    const rounds = () => scheduled.mock.calls.filter(([, ms]) => Number(ms) >= INTERVAL_MS * 0.8);
    expect(rounds()).toHaveLength(0);
    await identity.beginLogin();
    expect(rounds()).toHaveLength(1);
    await identity.beginLogin();
    expect(rounds()).toHaveLength(1); // once
  });
});
