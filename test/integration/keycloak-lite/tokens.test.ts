/**
 * Token shapes against docs/reference/keycloak.md §3 (the real 26.x dumps): the claim
 * set of a code-flow access token, ID and refresh tokens, service-account
 * tokens, the token response, discovery and the key set.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createKeycloakEmulator } from "../../../src/testing/index.js";
import { LITE_REDIRECT_URI, realmFixture } from "../../support/keycloak-lite-harness.js";
import { codeFlowTokens, decoded, postToken } from "./world.js";

const kc = await createKeycloakEmulator();
const { users } = kc.importRealm(realmFixture("idswitch"));
afterAll(() => kc.close());
const alice = { username: "alice", password: "alice-pw" };
const issuer = kc.issuer("idswitch");

describe("Keycloak-lite: discovery and keys", () => {
  it("serves the realm's discovery document with Keycloak's endpoints (docs/reference/keycloak.md §2)", async () => {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const oidc = `${issuer}/protocol/openid-connect`;
    expect(await response.json()).toMatchObject({
      issuer,
      authorization_endpoint: `${oidc}/auth`,
      token_endpoint: `${oidc}/token`,
      introspection_endpoint: `${oidc}/token/introspect`,
      userinfo_endpoint: `${oidc}/userinfo`,
      end_session_endpoint: `${oidc}/logout`,
      jwks_uri: `${oidc}/certs`,
      revocation_endpoint: `${oidc}/revoke`,
      device_authorization_endpoint: `${oidc}/auth/device`,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ["plain", "S256"],
      grant_types_supported: expect.arrayContaining([
        "authorization_code",
        "refresh_token",
        "client_credentials",
      ]),
    });
  });

  it("publishes an RS256 signing key and an RSA-OAEP encryption key, and the realm's public info", async () => {
    const { keys } = (await (
      await fetch(`${issuer}/protocol/openid-connect/certs`).then((r) => r)
    ).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(keys.map((k) => [k.alg, k.use])).toEqual([
      ["RS256", "sig"],
      ["RSA-OAEP", "enc"],
    ]);
    expect(keys[0]).toEqual({
      kid: expect.any(String),
      kty: "RSA",
      alg: "RS256",
      use: "sig",
      x5c: [expect.any(String)],
      x5t: expect.any(String),
      "x5t#S256": expect.any(String),
      n: expect.any(String),
      e: "AQAB",
    });
    const info = (await (await fetch(issuer)).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ realm: "idswitch", "token-service": `${issuer}/protocol/openid-connect` });
  });

  it("answers 404 'Realm does not exist' for a missing realm's discovery", async () => {
    const response = await fetch(`${kc.issuer("nope")}/.well-known/openid-configuration`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Realm does not exist" });
  });
});

describe("Keycloak-lite: tokens", () => {
  it("a code-flow access token has the claims of a real 26.x one (docs/reference/keycloak.md §3.1)", async () => {
    const body = await codeFlowTokens(kc, alice);
    expect(Object.keys(body)).toEqual([
      "access_token",
      "expires_in",
      "refresh_expires_in",
      "refresh_token",
      "token_type",
      "id_token",
      "not-before-policy",
      "session_state",
      "scope",
    ]);
    expect(body).toMatchObject({ expires_in: 300, refresh_expires_in: 1800, token_type: "Bearer" });
    const { header, claims } = decoded(body.access_token);
    expect(header).toEqual({ alg: "RS256", typ: "JWT", kid: expect.any(String) });
    expect(Object.keys(claims)).toEqual([
      "exp",
      "iat",
      "auth_time",
      "jti",
      "iss",
      "aud",
      "sub",
      "typ",
      "azp",
      "sid",
      "acr",
      "allowed-origins",
      "realm_access",
      "resource_access",
      "scope",
      "email_verified",
      "name",
      "preferred_username",
      "given_name",
      "family_name",
      "email",
      "groups",
    ]);
    expect(claims).toMatchObject({
      iss: issuer,
      aud: ["api", "account"],
      sub: users.alice?.id,
      typ: "Bearer",
      azp: "app",
      sid: body.session_state,
      acr: "1",
      "allowed-origins": ["http://localhost:3000", "http://127.0.0.1:3000"],
      realm_access: { roles: ["default-roles-idswitch", "offline_access", "reader", "uma_authorization"] },
      resource_access: {
        api: { roles: ["read"] },
        account: { roles: ["manage-account", "manage-account-links", "view-profile"] },
      },
      scope: "openid email profile",
      email_verified: true,
      name: "Alice Test",
      preferred_username: "alice",
      email: "alice@example.test",
      groups: ["staff"],
    });
    expect(claims.jti).toMatch(/^onrtac:[0-9a-f-]{36}$/);
    const certs = (await (await fetch(`${issuer}/protocol/openid-connect/certs`)).json()) as {
      keys: { kid: string }[];
    };
    expect(certs.keys.map((k) => k.kid)).toContain(header.kid);
  });

  it("ID token: typ ID, aud the client id, nonce, at_hash; refresh token: HS512, typ Refresh, aud the issuer", async () => {
    const body = await codeFlowTokens(kc, alice);
    const id = decoded(body.id_token).claims;
    expect(id).toMatchObject({ typ: "ID", aud: "app", azp: "app", nonce: "n-1", sid: body.session_state });
    expect(id.at_hash).toEqual(expect.any(String));
    expect(id).not.toHaveProperty("realm_access");
    const refresh = decoded(body.refresh_token);
    expect(refresh.header).toMatchObject({ alg: "HS512", typ: "JWT" });
    expect(refresh.claims).toMatchObject({
      typ: "Refresh",
      aud: issuer,
      azp: "app",
      sid: body.session_state,
    });
  });

  it("client credentials: the service account, no session, no refresh token (docs/reference/keycloak.md §3.1)", async () => {
    const answer = await postToken(kc, "idswitch", {
      grant_type: "client_credentials",
      client_id: "service",
      client_secret: "service-secret",
    });
    expect(answer.status).toBe(200);
    const body = answer.body as Record<string, unknown>;
    expect(body).not.toHaveProperty("refresh_token");
    expect(body).toMatchObject({ refresh_expires_in: 0, scope: "email profile" });
    const { claims } = decoded(body.access_token);
    expect(claims).toMatchObject({
      typ: "Bearer",
      azp: "service",
      aud: ["api", "account"],
      preferred_username: "service-account-service",
      client_id: "service",
      clientHost: expect.any(String),
      clientAddress: expect.any(String),
      resource_access: { api: { roles: ["read"] } },
    });
    expect(claims).not.toHaveProperty("sid");
  });

  it("sends the callback as state, session_state, iss, code (RFC 9207)", async () => {
    const response = await fetch(
      `${issuer}/protocol/openid-connect/auth?${new URLSearchParams({
        client_id: "app",
        response_type: "code",
        redirect_uri: LITE_REDIRECT_URI,
        code_challenge: "x".repeat(43),
        code_challenge_method: "S256",
        scope: "openid nonsense",
        state: "st",
      })}`,
      { redirect: "manual" },
    );
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect([...location.searchParams.keys()]).toEqual(["error", "error_description", "state", "iss"]);
    expect(location.searchParams.get("error")).toBe("invalid_scope");
    expect(location.searchParams.get("iss")).toBe(issuer);
  });
});
