/**
 * Client credentials and the device authorization grant against the real Keycloak.
 */
import { describe, expect, it } from "vitest";
import { keycloak } from "../../../src/index.js";
import { issuerOf, serviceProvider } from "../../support/keycloak-env.js";
import { approveDeviceLogin } from "../../support/keycloak-login.js";

describe("Keycloak client credentials", () => {
  it("gets a token for the application itself", async () => {
    const tokens = await serviceProvider().clientCredentials();
    expect(tokens.accessToken.split(".")).toHaveLength(3);
    expect(tokens.tokenType.toLowerCase()).toBe("bearer");
    expect(tokens.refreshToken).toBeUndefined();
    expect(tokens.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it("passes a requested scope on", async () => {
    const tokens = await serviceProvider().clientCredentials({ scope: "email" });
    expect(tokens.scope?.split(" ")).toContain("email");
  });
});

describe("Keycloak device authorization grant", () => {
  const cli = () => keycloak({ id: "eu", issuer: issuerOf(), clientId: "cli" });

  it("signs a user in through Keycloak's real device page", async () => {
    const provider = cli();
    const handle = await provider.beginDeviceLogin();
    expect(handle.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(handle.verificationUri).toBe(`${issuerOf()}/device`);
    expect(handle.expiresAt).toBeGreaterThan(Date.now() / 1000);
    // The handle is plain data: a CLI can persist it and poll from another process.
    const restored = JSON.parse(JSON.stringify(handle));

    const polling = provider.completeDeviceLogin(restored);
    await approveDeviceLogin(handle.verificationUriComplete as string, {
      username: "alice",
      password: "alice-pw",
    });
    const session = await polling;
    expect(session.principal).toMatchObject({ username: "alice", tenant: "idswitch" });
    expect(session.tokens.refreshToken).toBeTruthy();
  });

  it("stops polling when asked", async () => {
    const provider = cli();
    const handle = await provider.beginDeviceLogin();
    const controller = new AbortController();
    const polling = provider.completeDeviceLogin(handle, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(polling).rejects.toMatchObject({ name: "AbortError" });
  });

  it("refuses an expired device code without asking Keycloak", async () => {
    const handle = await cli().beginDeviceLogin();
    const later = keycloak({
      id: "eu",
      issuer: issuerOf(),
      clientId: "cli",
      runtime: { now: () => Date.now() + 3_600_000 },
    });
    await expect(later.completeDeviceLogin(handle)).rejects.toMatchObject({
      code: "interaction_required",
      reason: "device_code_expired",
    });
  });
});
