import { beforeEach, describe, expect, it } from "vitest";
import { oidc, type Session } from "../../src/index.js";
import { createFakeIssuer, type FakeIssuer } from "../support/fake-issuer.js";

let idp: FakeIssuer;
beforeEach(async () => {
  idp = await createFakeIssuer("https://idp.example.test");
});

const provider = () =>
  oidc({
    id: "partner",
    issuer: idp.issuer,
    clientId: "app",
    clientSecret: "s",
    runtime: { fetch: idp.fetch },
  });

function sessionOf(sub: string): Session {
  const now = Math.floor(Date.now() / 1000);
  return {
    provider: "partner",
    principal: provider().normalizeClaims({ iss: idp.issuer, sub, email: "old@example.test", exp: now }),
    tokens: {
      accessToken: "old",
      tokenType: "Bearer",
      expiresAt: now,
      refreshToken: "rt-1",
      idToken: undefined,
      scope: "openid",
    },
  };
}

describe("refresh (generic OIDC engine)", () => {
  it("keeps the identity when the provider sends no new ID token, and keeps the refresh token it did not rotate", async () => {
    const now = Math.floor(Date.now() / 1000);
    idp.token = async (form) => {
      expect(form.get("grant_type")).toBe("refresh_token");
      expect(form.get("refresh_token")).toBe("rt-1");
      const accessToken = await idp.sign({ sub: "u-1", exp: now + 300, scope: "openid mail" });
      return Response.json({ access_token: accessToken, token_type: "Bearer", expires_in: 300 });
    };
    const refreshed = await provider().refresh(sessionOf("u-1"));
    expect(refreshed.principal).toMatchObject({
      subject: "u-1",
      email: "old@example.test",
      scopes: ["openid", "mail"],
    });
    expect(refreshed.tokens.refreshToken).toBe("rt-1");
    expect(refreshed.tokens.expiresAt).toBeGreaterThanOrEqual(now + 299);
  });

  it("refuses refreshed tokens that name another person", async () => {
    const now = Math.floor(Date.now() / 1000);
    idp.token = async (form) => {
      const idToken = await idp.sign({ sub: "someone-else", aud: "app", exp: now + 300, iat: now });
      return Response.json({
        access_token: "opaque",
        token_type: "Bearer",
        expires_in: 300,
        id_token: idToken,
        refresh_token: form.get("refresh_token"),
      });
    };
    await expect(provider().refresh(sessionOf("u-1"))).rejects.toMatchObject({
      code: "token_invalid",
      reason: "claims",
    });
  });

  it("classifies the provider's refusal", async () => {
    idp.token = async () =>
      Response.json({ error: "invalid_grant", error_description: "refresh token revoked" }, { status: 400 });
    await expect(provider().refresh(sessionOf("u-1"))).rejects.toMatchObject({
      code: "session_revoked",
      provider: "partner",
    });
  });
});
