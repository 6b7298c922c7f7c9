// Proves the Keycloak test bed itself: fixtures imported, tokens as expected, headless login,
// admin client and brute-force driver working. SDK behaviour is tested elsewhere.

import { createHash, randomBytes, randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { failPasswordLogins, KeycloakAdmin } from "../../support/keycloak-admin.js";
import { signInThroughLoginForm } from "../../support/keycloak-login.js";

const baseUrl = inject("keycloakUrl");
const realmUrl = `${baseUrl}/realms/idswitch`;
const tokenEndpoint = `${realmUrl}/protocol/openid-connect/token`;
const redirectUri = "http://localhost:3000/callback";

function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const payload = jwt.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

async function postForm(url: string, fields: Record<string, string>) {
  const response = await fetch(url, { method: "POST", body: new URLSearchParams(fields) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function pkcePair() {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

function uniqueUsername(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

describe("Keycloak test bed", () => {
  it("serves the idswitch realm with the fixed issuer", async () => {
    const response = await fetch(`${realmUrl}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const discovery = (await response.json()) as { issuer: string };
    expect(discovery.issuer).toBe(`${baseUrl}/realms/idswitch`);
  });

  it("issues client_credentials tokens with sub and the api audience", async () => {
    const { status, body } = await postForm(tokenEndpoint, {
      grant_type: "client_credentials",
      client_id: "service",
      client_secret: "service-secret",
    });
    expect(status).toBe(200);
    const claims = decodeJwtPayload(String(body.access_token));
    expect(claims.sub).toEqual(expect.any(String));
    expect([claims.aud].flat()).toContain("api");
  });

  it("signs alice in through the real login form and exchanges the code", async () => {
    const { verifier, challenge } = pkcePair();
    const state = randomBytes(16).toString("base64url");
    const authorizationUrl = `${realmUrl}/protocol/openid-connect/auth?${new URLSearchParams({
      client_id: "app",
      response_type: "code",
      redirect_uri: redirectUri,
      scope: "openid profile email",
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
    })}`;

    const result = await signInThroughLoginForm(
      authorizationUrl,
      { username: "alice", password: "alice-pw" },
      { redirectUriPrefix: redirectUri },
    );
    if (!("callbackUrl" in result)) throw new Error(`sign-in failed: ${JSON.stringify(result)}`);
    const callback = new URL(result.callbackUrl).searchParams;
    expect(callback.get("state")).toBe(state);
    expect(callback.get("iss")).toBe(realmUrl);
    const code = callback.get("code");
    expect(code).toEqual(expect.any(String));

    const { status, body } = await postForm(tokenEndpoint, {
      grant_type: "authorization_code",
      client_id: "app",
      client_secret: "app-secret",
      code: code ?? "",
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(status).toBe(200);
    const claims = decodeJwtPayload(String(body.access_token));
    expect(claims).toMatchObject({ preferred_username: "alice", azp: "app", groups: ["staff"] });
    expect([claims.aud].flat()).toContain("api");
  });

  it("reports a wrong password as the login page's error text", async () => {
    const authorizationUrl = `${realmUrl}/protocol/openid-connect/auth?${new URLSearchParams({
      client_id: "app",
      response_type: "code",
      redirect_uri: redirectUri,
      scope: "openid",
      code_challenge: pkcePair().challenge,
      code_challenge_method: "S256",
    })}`;
    const result = await signInThroughLoginForm(
      authorizationUrl,
      { username: "bob", password: "not-bobs-password" },
      { redirectUriPrefix: redirectUri },
    );
    expect(result).toEqual({ error: "Invalid username or password." });
  });

  it("lets the admin client create and disable a user", async () => {
    const admin = KeycloakAdmin.forRealmServiceAccount(baseUrl);
    const username = uniqueUsername("disabled");
    const id = await admin.createUser({ username, password: "pw-1" });
    expect(await admin.findUserId(username)).toBe(id);

    await admin.setUserEnabled(id, false);
    expect(await admin.getUser(id)).toMatchObject({ username, enabled: false });
  });

  it("locks a fresh user after failureFactor (3) wrong passwords", async () => {
    const admin = KeycloakAdmin.forRealmServiceAccount(baseUrl);
    const username = uniqueUsername("locked");
    const id = await admin.createUser({ username, password: "right-pw" });

    const answers = await failPasswordLogins(baseUrl, "idswitch", username, 3);
    // Keycloak 26.7.3 answers a wrong password with 400 (not 401), same body as a lock.
    const wrongPassword = {
      status: 400,
      body: { error: "invalid_grant", error_description: "Invalid user credentials" },
    };
    expect(answers).toEqual([wrongPassword, wrongPassword, wrongPassword]);

    // Failures are recorded by Keycloak in the background; the lock shows up a moment later.
    await expect
      .poll(() => admin.bruteForceStatus(id), { timeout: 10_000 })
      .toMatchObject({ disabled: true });
  });
});
