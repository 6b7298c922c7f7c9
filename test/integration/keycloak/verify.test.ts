/**
 * verifyAccessToken against real Keycloak tokens: what it accepts, and each
 * way a token can be wrong.
 */
import { base64url, importSPKI, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { keycloak, type Session } from "../../../src/index.js";
import {
  appProvider,
  issuerOf,
  keycloakUrl,
  rejectionOf,
  serviceProvider,
  signIn,
} from "../../support/keycloak-env.js";

let session: Session;
beforeAll(async () => {
  session = await signIn(appProvider(), { username: "alice", password: "alice-pw" });
});

async function reasonFor(token: string, provider = appProvider()): Promise<unknown> {
  const err = await rejectionOf(provider.verifyAccessToken(token, { audience: "api" }));
  expect(err).toMatchObject({ code: "token_invalid", provider: "eu" });
  return (err as { reason: unknown }).reason;
}

describe("verifyAccessToken with real Keycloak tokens", () => {
  it("accepts a user's access token for the API audience", async () => {
    const principal = await appProvider().verifyAccessToken(session.tokens.accessToken, { audience: "api" });
    expect(principal).toMatchObject({
      subject: session.principal.subject,
      tenant: "idswitch",
      username: "alice",
    });
    expect(principal.roles).toContain("api:read");
    expect(principal.scopes).toContain("openid");
  });

  it("accepts a service account's client-credentials token", async () => {
    const tokens = await serviceProvider().clientCredentials();
    const principal = await serviceProvider().verifyAccessToken(tokens.accessToken, { audience: "api" });
    expect(principal.username).toBe("service-account-service");
    expect(principal.roles).toContain("api:read");
  });

  it("rejects a token of the same shape from another realm (cross-realm)", async () => {
    const other = keycloak({
      id: "other",
      issuer: issuerOf("other"),
      clientId: "app",
      clientSecret: "app-secret",
    });
    const foreign = await other.clientCredentials();
    // `other` verifies its own token…
    await expect(other.verifyAccessToken(foreign.accessToken, { audience: "api" })).resolves.toBeTruthy();
    // …and the `idswitch` provider refuses it on its issuer, before fetching anything.
    expect(await reasonFor(foreign.accessToken)).toBe("issuer");
  });

  it("rejects an ID token presented as an access token", async () => {
    const idToken = session.tokens.idToken as string;
    // Even with the ID token's own audience the token type gives it away.
    const err = await rejectionOf(appProvider().verifyAccessToken(idToken, { audience: "app" }));
    expect(err).toMatchObject({ code: "token_invalid", reason: "token_type" });
  });

  it("rejects the wrong audience, and requires one", async () => {
    const err = await rejectionOf(
      appProvider().verifyAccessToken(session.tokens.accessToken, { audience: "billing" }),
    );
    expect(err).toMatchObject({ code: "token_invalid", reason: "audience" });
    await expect(appProvider().verifyAccessToken(session.tokens.accessToken, {} as never)).rejects.toThrow(
      TypeError,
    );
  });

  it("rejects an expired token (injected clock)", async () => {
    const later = appProvider({ runtime: { now: () => Date.now() + 60 * 60_000 } });
    expect(await reasonFor(session.tokens.accessToken, later)).toBe("expired");
  });

  it("rejects a tampered signature", async () => {
    const [h, p, s] = session.tokens.accessToken.split(".") as [string, string, string];
    const flipped = `${s.slice(0, 10)}${s[10] === "A" ? "B" : "A"}${s.slice(11)}`;
    expect(await reasonFor(`${h}.${p}.${flipped}`)).toBe("signature");
  });

  it("rejects a tampered payload", async () => {
    const [h, p, s] = session.tokens.accessToken.split(".") as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p)));
    claims.realm_access = { roles: ["admin"] };
    expect(await reasonFor(`${h}.${base64url.encode(JSON.stringify(claims))}.${s}`)).toBe("signature");
  });

  it("rejects alg none", async () => {
    const [, p] = session.tokens.accessToken.split(".") as [string, string];
    const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
    expect(await reasonFor(`${header}.${p}.`)).toBe("algorithm");
  });

  it("rejects HS256 keyed with the realm's own public key (algorithm confusion)", async () => {
    const realm = (await (await fetch(`${keycloakUrl()}/realms/idswitch`)).json()) as { public_key: string };
    const pem = `-----BEGIN PUBLIC KEY-----\n${realm.public_key}\n-----END PUBLIC KEY-----`;
    await importSPKI(pem, "RS256"); // it really is the realm's RSA key
    const [, p] = session.tokens.accessToken.split(".") as [string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p)));
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode(pem));
    expect(await reasonFor(forged)).toBe("algorithm");
  });

  it("rejects Keycloak's own refresh token (HS512, internal)", async () => {
    expect(await reasonFor(session.tokens.refreshToken as string)).toBe("algorithm");
  });
});
