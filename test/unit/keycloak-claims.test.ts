import { describe, expect, it } from "vitest";
import { keycloak } from "../../src/index.js";

// The access token shape Keycloak 26 issues (docs/reference/keycloak.md §3.1).
const accessTokenClaims = {
  exp: 1766847520,
  iat: 1766847220,
  auth_time: 1766847219,
  jti: "onrtro:88d69f57-2c99-7e3a-2245-47464740e829",
  iss: "http://localhost:8180/realms/sdk-test",
  aud: ["sdk-api", "account"],
  sub: "8befeac4-8963-49da-a9ac-f310e8d922d8",
  typ: "Bearer",
  azp: "sdk-app",
  sid: "54db1502-a5dc-4a27-af62-eeef0694a628",
  realm_access: { roles: ["default-roles-sdk-test", "offline_access", "uma_authorization"] },
  resource_access: { account: { roles: ["manage-account", "view-profile"] }, "sdk-api": { roles: ["read"] } },
  scope: "openid email profile",
  email_verified: true,
  name: "Alice Test",
  preferred_username: "alice",
  email: "alice@example.test",
  groups: ["staff"],
};

const provider = keycloak({ id: "eu", issuer: "http://localhost:8180/realms/sdk-test", clientId: "sdk-app" });

describe("Keycloak claims", () => {
  it("normalises realm roles, client roles as client:role, groups, scopes and the realm as tenant", () => {
    const principal = provider.normalizeClaims(accessTokenClaims);
    expect(principal).toMatchObject({
      provider: "eu",
      issuer: "http://localhost:8180/realms/sdk-test",
      subject: "8befeac4-8963-49da-a9ac-f310e8d922d8",
      tenant: "sdk-test",
      email: "alice@example.test",
      emailVerified: true,
      name: "Alice Test",
      username: "alice",
      groups: ["staff"],
      scopes: ["openid", "email", "profile"],
      expiresAt: 1766847520,
    });
    expect(principal.roles).toEqual([
      "default-roles-sdk-test",
      "offline_access",
      "uma_authorization",
      "account:manage-account",
      "account:view-profile",
      "sdk-api:read",
    ]);
  });

  it("treats email as verified only on an explicit true", () => {
    expect(provider.normalizeClaims({ ...accessTokenClaims, email_verified: "true" }).emailVerified).toBe(
      false,
    );
    expect(provider.normalizeClaims({ ...accessTokenClaims, email_verified: undefined }).emailVerified).toBe(
      false,
    );
  });

  it("explains a missing sub (the `basic` scope trap)", () => {
    const { sub: _sub, ...withoutSub } = accessTokenClaims;
    expect(() => provider.normalizeClaims(withoutSub)).toThrow(/basic/);
  });

  it("tolerates absent or malformed role claims", () => {
    const principal = provider.normalizeClaims({
      ...accessTokenClaims,
      realm_access: "x",
      resource_access: null,
      groups: [1, "a"],
    });
    expect(principal.roles).toEqual([]);
    expect(principal.groups).toEqual(["a"]);
  });
});
