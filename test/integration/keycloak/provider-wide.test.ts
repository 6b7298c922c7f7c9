/**
 * Keycloak refusing the application or the whole realm, and Keycloak not
 * answering at all. These are provider-wide: the app's own identity, not a
 * person's (docs/concepts.md, "Suspension is not an outage").
 */
import { createServer, type Server } from "node:net";
import { afterAll, describe, expect, inject, it } from "vitest";
import { keycloak } from "../../../src/index.js";
import { freezeProcessGroup } from "../../support/freeze.js";
import {
  appProvider,
  issuerOf,
  keycloakUrl,
  masterAdmin,
  newUser,
  realmAdmin,
  rejectionOf,
  serviceProvider,
  signIn,
} from "../../support/keycloak-env.js";
import { closedLoopbackPort } from "../../support/ports.js";

describe("the application suspended", () => {
  it("a wrong client secret is client_suspended", async () => {
    const err = await rejectionOf(serviceProvider({ clientSecret: "revoked-secret" }).clientCredentials());
    expect(err).toMatchObject({
      code: "client_suspended",
      retryable: false,
      providerAnswer: {
        status: 401,
        error: "unauthorized_client",
        description: "Invalid client or Invalid client credentials",
      },
    });
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain("revoked-secret");
  });

  it("a refresh with a rotated-away secret is client_suspended", async () => {
    const user = await newUser();
    const session = await signIn(appProvider(), user);
    const err = await rejectionOf(appProvider({ clientSecret: "rotated-away" }).refresh(session));
    expect(err).toMatchObject({ code: "client_suspended" });
  });

  it("a disabled client is client_suspended", async () => {
    const admin = realmAdmin();
    await admin.setClientEnabled("service", false);
    try {
      const err = await rejectionOf(serviceProvider().clientCredentials());
      expect(err).toMatchObject({
        code: "client_suspended",
        providerAnswer: { status: 401, error: "invalid_client" },
      });
    } finally {
      await admin.setClientEnabled("service", true);
    }
    await expect(serviceProvider().clientCredentials()).resolves.toHaveProperty("accessToken");
  });
});

describe("the tenant (realm) unavailable", () => {
  it("a realm that does not exist is tenant_unavailable", async () => {
    const ghost = keycloak({
      id: "eu",
      issuer: issuerOf("no-such-realm"),
      clientId: "service",
      clientSecret: "x",
    });
    const err = await rejectionOf(ghost.clientCredentials());
    expect(err).toMatchObject({
      code: "tenant_unavailable",
      reason: "realm_not_found",
      providerAnswer: { status: 404 },
    });
  });

  it("a realm disabled by its operator is tenant_unavailable", async () => {
    const realm = `closing-${Date.now()}`;
    const admin = masterAdmin(realm);
    await admin.createRealm({
      realm,
      enabled: true,
      sslRequired: "none",
      clients: [
        {
          clientId: "service",
          publicClient: false,
          secret: "service-secret",
          serviceAccountsEnabled: true,
          standardFlowEnabled: false,
        },
      ],
    });
    try {
      const provider = keycloak({
        id: "eu",
        issuer: issuerOf(realm),
        clientId: "service",
        clientSecret: "service-secret",
      });
      await expect(provider.clientCredentials()).resolves.toHaveProperty("accessToken");
      await admin.setRealmEnabled(realm, false);
      const err = await rejectionOf(provider.clientCredentials());
      expect(err).toMatchObject({ code: "tenant_unavailable", providerAnswer: { status: 403 } });
      // A provider that has not discovered yet meets the disabled realm at discovery.
      const fresh = keycloak({
        id: "eu",
        issuer: issuerOf(realm),
        clientId: "service",
        clientSecret: "service-secret",
      });
      await expect(fresh.clientCredentials()).rejects.toMatchObject({ code: "tenant_unavailable" });
    } finally {
      await admin.deleteRealm(realm);
    }
  });
});

describe("Keycloak not answering", () => {
  let silent: Server | undefined;
  afterAll(() => silent?.close());

  it("a refused connection is provider_unavailable, retryable", async () => {
    const closed = await closedLoopbackPort();
    const down = keycloak({
      id: "eu",
      issuer: `http://localhost:${closed}/realms/idswitch`,
      clientId: "service",
      clientSecret: "s",
    });
    const err = await rejectionOf(down.clientCredentials());
    expect(err).toMatchObject({ code: "provider_unavailable", reason: "network", retryable: true });
    await expect(down.health()).resolves.toMatchObject({ status: "down", error: "provider_unavailable" });
  });

  it("a hanging server is provider_unavailable within the time budget, not a hang", async () => {
    silent = createServer(() => {}); // accepts connections, never answers
    await new Promise<void>((resolve) => silent?.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const hung = keycloak({
      id: "eu",
      issuer: `http://127.0.0.1:${port}/realms/idswitch`,
      clientId: "service",
      clientSecret: "s",
      runtime: { timeoutMs: 1_000 },
    });
    const started = performance.now();
    const err = await rejectionOf(hung.clientCredentials());
    expect(err).toMatchObject({ code: "provider_unavailable", reason: "timeout" });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("health reports the real Keycloak up", async () => {
    await expect(appProvider().health()).resolves.toMatchObject({ provider: "eu", status: "up" });
    // Production mode serves https only (docs/reference/keycloak.md §7.2), dev mode http.
    const scheme = inject("keycloakMode") === "production" ? "https" : "http";
    expect(keycloakUrl()).toMatch(new RegExp(`^${scheme}://localhost:\\d+$`));
  });
});

describe("the real Keycloak stopped", () => {
  it("a frozen Keycloak is provider_unavailable within the time budget, and recovers", async () => {
    const pid = inject("keycloakPid");
    if (pid === null)
      throw new Error("the Keycloak pid is unknown: set KEYCLOAK_PID when reusing KEYCLOAK_URL");
    const provider = serviceProvider({ runtime: { timeoutMs: 1_500 } });
    await expect(provider.clientCredentials()).resolves.toHaveProperty("accessToken"); // discovered, warm

    // SIGSTOP the whole process group: the port stays open, nothing answers — the worst outage.
    await freezeProcessGroup(pid);
    let err: unknown;
    const started = performance.now();
    try {
      err = await rejectionOf(provider.clientCredentials());
    } finally {
      process.kill(-pid, "SIGCONT");
    }
    const elapsed = performance.now() - started;
    expect(err).toMatchObject({ code: "provider_unavailable", reason: "timeout", retryable: true });
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(elapsed).toBeLessThan(6_000);
    await expect(provider.health()).resolves.toMatchObject({ status: "up" });
  });
});
