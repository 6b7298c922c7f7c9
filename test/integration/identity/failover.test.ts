/**
 * Outages move traffic: every emulator fault mode on Entra ID, and the real
 * Keycloak stopped (SIGSTOP: the port stays open, nothing answers) and
 * resumed mid-test — the breaker opens, traffic moves, a half-open probe
 * closes it again.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AllProvidersFailedError, createIdentity, type IdentityEvents } from "../../../src/index.js";
import type { EntraFault } from "../../../src/testing/index.js";
import { freezeProcessGroup } from "../../support/freeze.js";
import { serviceProvider } from "../../support/keycloak-env.js";
import { closedLoopbackPort } from "../../support/ports.js";
import { daemonIdentity, type TwoProviders, twoProviders } from "./two-providers.js";

let world: TwoProviders;
beforeAll(async () => {
  world = await twoProviders();
});
afterAll(() => world.close());

const scope = () => ({ entra: world.apiScope });

describe("Entra ID down: client credentials move to Keycloak", () => {
  const modes: EntraFault["mode"][] = [
    "refused",
    "http500",
    "http503",
    "http429",
    "hang",
    "malformed_json",
    "truncated",
  ];
  for (const mode of modes) {
    it(`token endpoint ${mode} → Keycloak answers, and the next call goes straight there`, async () => {
      const identity = daemonIdentity(world, { order: ["entra", "eu"], timeoutMs: 800 });
      const failovers: IdentityEvents["failover"][] = [];
      const down: IdentityEvents["provider-down"][] = [];
      identity.on("failover", (e) => failovers.push(e));
      identity.on("provider-down", (e) => down.push(e));
      await identity.clientCredentials({ scope: scope() }); // warm: discovery done
      world.entra.fault({ endpoint: "token", mode });
      try {
        const before = world.entra.requests.length;
        const first = await identity.clientCredentials({ scope: scope() });
        expect(first.accessToken.split(".")).toHaveLength(3);
        expect(failovers).toEqual([
          { operation: "clientCredentials", from: "entra", to: "eu", code: "provider_unavailable" },
        ]);
        expect(down).toMatchObject([{ provider: "entra", code: "provider_unavailable" }]);
        // The breaker is open: the second call does not touch Entra at all.
        const seen = world.entra.requests.length;
        expect(seen).toBeGreaterThan(before);
        await identity.clientCredentials({ scope: scope() });
        expect(world.entra.requests.length).toBe(seen);
        // It moved too, past the open breaker: every operation that moved is a failover event.
        expect(failovers).toEqual([
          { operation: "clientCredentials", from: "entra", to: "eu", code: "provider_unavailable" },
          { operation: "clientCredentials", from: "entra", to: "eu", code: "provider_unavailable" },
        ]);
        expect(down).toHaveLength(1);
      } finally {
        world.entra.clearFaults();
        await identity.close();
      }
    });
  }

  it("a slow answer within the budget is not an outage", async () => {
    const identity = daemonIdentity(world, { order: ["entra", "eu"], timeoutMs: 2_000 });
    await identity.clientCredentials({ scope: scope() });
    world.entra.fault({ endpoint: "token", mode: "slow", delayMs: 300, times: 1 });
    const failovers: unknown[] = [];
    identity.on("failover", (e) => failovers.push(e));
    const token = await identity.clientCredentials({ scope: scope() });
    expect(failovers).toEqual([]);
    expect(token.accessToken).toBeTruthy();
    const health = await identity.health();
    expect(health.map((h) => [h.provider, h.status, h.breaker])).toEqual([
      ["entra", "up", "closed"],
      ["eu", "up", "closed"],
    ]);
  });

  it("the application's own suspension (wrong secret) moves client credentials, and is remembered", async () => {
    // Entra answers invalid_client (AADSTS7000215): the app itself is refused there, not a person.
    const identity = createIdentity({
      providers: [world.entraDaemon({ clientSecret: "not-the-secret" }), serviceProvider()],
      routing: { order: ["entra", "eu"] },
    });
    const suspended: IdentityEvents["account-suspended"][] = [];
    identity.on("account-suspended", (e) => suspended.push(e));
    const token = await identity.clientCredentials({ scope: scope() });
    expect(token.accessToken).toBeTruthy();
    expect(suspended).toEqual([
      { provider: "entra", code: "client_suspended", scope: "provider", appUserId: undefined },
    ]);
    const health = await identity.health();
    expect(health.find((h) => h.provider === "entra")?.suspended).toBe("client_suspended");
    // Remembered: the next call does not ask Entra again.
    const seen = world.entra.requests.length;
    await identity.clientCredentials({ scope: scope() });
    expect(world.entra.requests.length).toBe(seen);
  });

  it("every provider down: AllProvidersFailedError lists each attempt", async () => {
    const runtime = { timeoutMs: 500 };
    const identity = createIdentity({
      providers: [
        world.entraDaemon({ runtime }),
        serviceProvider({
          issuer: `http://127.0.0.1:${await closedLoopbackPort()}/realms/idswitch`,
          runtime,
        }),
      ],
    });
    world.entra.fault({ endpoint: "all", mode: "refused" });
    try {
      const err = await identity.clientCredentials({ scope: scope() }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AllProvidersFailedError);
      const attempts = (err as AllProvidersFailedError).attempts;
      expect(attempts.map((a) => [a.provider, a.code])).toEqual([
        ["entra", "provider_unavailable"],
        ["eu", "provider_unavailable"],
      ]);
      expect((err as AllProvidersFailedError).retryable).toBe(true);
    } finally {
      world.entra.clearFaults();
    }
  });
});

describe("the real Keycloak stopped and resumed mid-test", () => {
  it("breaker opens, traffic moves to Entra ID, a half-open probe brings Keycloak back", async () => {
    const pid = inject("keycloakPid");
    if (pid === null)
      throw new Error("the Keycloak pid is unknown: set KEYCLOAK_PID when reusing KEYCLOAK_URL");
    const identity = daemonIdentity(world, { order: ["eu", "entra"], timeoutMs: 1_500 });
    const events: string[] = [];
    identity.on("provider-down", (e) => events.push(`down ${e.provider}`));
    identity.on("provider-up", (e) => events.push(`up ${e.provider}`));
    identity.on("failover", (e) => events.push(`failover ${e.from}->${e.to}`));
    const issuerOf = (token: string) =>
      JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).iss;

    const warm = await identity.clientCredentials({ scope: scope() });
    expect(issuerOf(warm.accessToken)).toMatch(/\/realms\/idswitch$/);

    await freezeProcessGroup(pid);
    try {
      const started = performance.now();
      const first = await identity.clientCredentials({ scope: scope() });
      const firstMs = performance.now() - started;
      expect(issuerOf(first.accessToken)).toContain(world.tenantId);
      expect(firstMs).toBeLessThan(1_500 + 1_000); // at most one timeout budget, plus Entra's answer
      const t = performance.now();
      const second = await identity.clientCredentials({ scope: scope() });
      expect(performance.now() - t).toBeLessThan(1_000); // breaker open: Keycloak not waited for
      expect(issuerOf(second.accessToken)).toContain(world.tenantId);
    } finally {
      process.kill(-pid, "SIGCONT");
    }
    expect(events).toEqual(["down eu", "failover eu->entra", "failover eu->entra"]);

    // Once the open period is over, a call triggers a probe of the token endpoint (what failed);
    // when it succeeds, traffic returns.
    await expect
      .poll(
        async () => {
          const token = await identity.clientCredentials({ scope: scope() });
          return issuerOf(token.accessToken);
        },
        { timeout: 20_000, interval: 300 },
      )
      .toMatch(/\/realms\/idswitch$/);
    expect(events.filter((e) => !e.startsWith("failover"))).toEqual(["down eu", "up eu"]);
    expect(events.at(-1)).toBe("up eu"); // no call moved after the probe closed the breaker
    await identity.close();
  });

  it("a background probe finds the frozen Keycloak before any caller does, and the first call goes straight to Entra ID", async () => {
    const pid = inject("keycloakPid");
    if (pid === null)
      throw new Error("the Keycloak pid is unknown: set KEYCLOAK_PID when reusing KEYCLOAK_URL");
    const identity = daemonIdentity(world, {
      order: ["eu", "entra"],
      timeoutMs: 1_500,
      extra: {
        routing: {
          order: ["eu", "entra"],
          breaker: { openMs: 60_000 },
          health: { intervalMs: 1_000, timeoutMs: 400 },
        },
      },
    });
    const events: string[] = [];
    identity.on("provider-down", (e) => events.push(`down ${e.provider} ${e.reason}`));
    identity.on("failover", (e) => events.push(`failover ${e.from}->${e.to} ${e.operation}`));
    const issuerOf = (token: string) =>
      JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).iss;
    expect(issuerOf((await identity.clientCredentials({ scope: scope() })).accessToken)).toMatch(
      /\/realms\/idswitch$/,
    );

    await freezeProcessGroup(pid);
    try {
      await expect.poll(() => events.length, { timeout: 10_000, interval: 100 }).toBe(1);
      expect(events[0]).toMatch(/^down eu probe_(discovery|keys|token)$/);
      const first = await identity.clientCredentials({ scope: scope() });
      expect(issuerOf(first.accessToken)).toContain(world.tenantId);
      // Moved past eu's open breaker: eu was never asked, so the call waited for nothing there.
      expect(events).toEqual([events[0], "failover eu->entra clientCredentials"]);
      const [eu] = await identity.health();
      expect(eu?.failedSurfaces.length).toBeGreaterThan(0);
    } finally {
      process.kill(-pid, "SIGCONT");
      await identity.close();
    }
  });
});
