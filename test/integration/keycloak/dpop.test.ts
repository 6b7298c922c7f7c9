/**
 * DPoP (RFC 9449) against the real Keycloak 26.7.3, both sides: a client
 * that requires DPoP-bound tokens (`dpop.bound.access.tokens`) signs in,
 * refreshes — after its session went through JSON, as a sealed cookie or a
 * database row takes it — and gets client credentials, each bound to a key
 * (`cnf.jkt`); an API verifying those tokens accepts a correct proof and
 * refuses every proof an attacker holding the token alone could make or
 * replay (SECURITY.md, DPoP rows). Keycloak's `cnf` carries a member of its
 * own (`kc-jkt-type`), which must not get in the way.
 */
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createIdentity,
  type Identity,
  type IdentitySession,
  type KeycloakProvider,
  type KeycloakProviderOptions,
  keycloak,
} from "../../../src/index.js";
import {
  clientProvider,
  createExchangeClients,
  type ExchangeClients,
} from "../../support/keycloak-downstream.js";
import {
  issuerOf,
  masterAdmin,
  newUser,
  REDIRECT_URI,
  rejectionOf,
  type TestUser,
} from "../../support/keycloak-env.js";
import { approveDeviceLogin, signInThroughLoginForm } from "../../support/keycloak-login.js";

const URL_ORDERS = "https://orders.example.eu/orders";

let clients: ExchangeClients;
let user: TestUser;
let web: Identity;
let session: IdentitySession;
/** The API: verifies tokens for audience `orders`, DPoP-bound or not. */
let api: Identity;

function dpopProvider(overrides: Partial<KeycloakProviderOptions> = {}): KeycloakProvider {
  return clientProvider(clients.dpop, { dpop: true, ...overrides });
}

async function signInAt(identity: Identity): Promise<IdentitySession> {
  const request = await identity.beginLogin();
  const result = await signInThroughLoginForm(request.url.href, user, { redirectUriPrefix: REDIRECT_URI });
  if (!("callbackUrl" in result)) throw new Error(`sign-in refused: ${JSON.stringify(result)}`);
  return identity.completeLogin(result.callbackUrl, request.state);
}

const verify = (token: string, dpop: Parameters<Identity["verifyAccessToken"]>[1]["dpop"]) =>
  api.verifyAccessToken(token, { audience: clients.orders.clientId, dpop });

/** A proof made by hand: what an attacker (or a sloppy client) could send. */
async function handMadeProof(
  keyPair: CryptoKeyPair,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const jwk = await exportJWK(keyPair.publicKey);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk, ...header })
    .sign(keyPair.privateKey);
}

async function ath(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Buffer.from(digest).toString("base64url");
}

beforeAll(async () => {
  clients = await createExchangeClients(masterAdmin());
  user = await newUser();
  web = createIdentity({ providers: [dpopProvider()] });
  session = await signInAt(web);
  api = createIdentity({
    providers: [keycloak({ id: "eu", issuer: issuerOf(), clientId: clients.orders.clientId })],
    tokenCache: { maxEntries: 100 },
  });
});
afterAll(() => clients?.remove());

describe("DPoP-bound tokens from the real Keycloak (the client side)", () => {
  it("sign-in: the tokens are DPoP-bound to the session's key, Keycloak's cnf with its own member included", async () => {
    expect(session.tokens.tokenType.toLowerCase()).toBe("dpop");
    const claims = decodeJwt(session.tokens.accessToken) as { typ?: string; cnf?: Record<string, unknown> };
    expect(claims.typ).toBe("DPoP");
    expect(claims.cnf?.jkt).toBe(session.tokens.dpop?.jkt);
    expect(Object.keys(claims.cnf ?? {}).length).toBeGreaterThan(1); // e.g. "kc-jkt-type": "DPoP"
    expect(session.principal.subject).toBe(user.id);
  });

  it("without dpop the same client cannot sign in: Keycloak requires the proof", async () => {
    const plain = createIdentity({ providers: [dpopProvider({ dpop: false })] });
    const error = await rejectionOf(signInAt(plain));
    expect(error).toMatchObject({ code: "config_invalid", reason: "dpop_required", provider: "eu" });
  });

  it("refresh after the session went through JSON (another process): same key, new bound token", async () => {
    const restored = JSON.parse(JSON.stringify(session)) as IdentitySession;
    const elsewhere = createIdentity({ providers: [dpopProvider()] });
    const refreshed = await elsewhere.refresh(restored);
    expect(refreshed.tokens.accessToken).not.toBe(session.tokens.accessToken);
    expect(refreshed.tokens.dpop?.jkt).toBe(session.tokens.dpop?.jkt);
    expect((decodeJwt(refreshed.tokens.accessToken).cnf as { jkt?: string }).jkt).toBe(
      session.tokens.dpop?.jkt,
    );
  });

  it("client credentials: bound to the provider's own key", async () => {
    const tokens = await createIdentity({ providers: [dpopProvider()] }).clientCredentials();
    expect(tokens.tokenType.toLowerCase()).toBe("dpop");
    expect((decodeJwt(tokens.accessToken).cnf as { jkt?: string }).jkt).toBe(tokens.dpop?.jkt);
    expect(tokens.dpop?.jkt).not.toBe(session.tokens.dpop?.jkt);
  });

  it("an app-supplied key (not extractable) binds every token to it", async () => {
    const keyPair = await generateKeyPair("ES256");
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
    const tokens = await createIdentity({
      providers: [dpopProvider({ dpop: { keyPair } })],
    }).clientCredentials();
    expect((decodeJwt(tokens.accessToken).cnf as { jkt?: string }).jkt).toBe(jkt);
    expect(tokens.dpop).toEqual({ jkt }); // the key stays with the app, not in the tokens
  });

  it("a public client's device sign-in: bound tokens, and a refresh token bound to the same key — only that key refreshes it", async () => {
    const cli = () => keycloak({ id: "eu", issuer: issuerOf(), clientId: "cli", dpop: true });
    const provider = cli();
    const handle = await provider.beginDeviceLogin({ scope: "openid" });
    const polling = provider.completeDeviceLogin(handle);
    await approveDeviceLogin(handle.verificationUriComplete as string, user);
    const device = await polling;
    expect(device.tokens.tokenType.toLowerCase()).toBe("dpop");
    expect((decodeJwt(device.tokens.accessToken).cnf as { jkt?: string }).jkt).toBe(device.tokens.dpop?.jkt);
    // A public client's refresh token is bound (RFC 9449 §5): the session's key, read back from JSON, refreshes it…
    const restored = JSON.parse(JSON.stringify(device));
    const refreshed = await cli().refresh(restored);
    expect(refreshed.tokens.dpop?.jkt).toBe(device.tokens.dpop?.jkt);
    // …and a thief with the refresh token but another key does not.
    const { dpop: _key, ...stolen } = refreshed.tokens;
    const refused = await rejectionOf(cli().refresh({ ...refreshed, tokens: stolen }));
    expect(refused).toMatchObject({ code: "session_revoked", reason: "dpop_key_mismatch", provider: "eu" });
  });

  it("Keycloak's own userinfo takes the token with a proof from dpopProof, and refuses it as a bearer token", async () => {
    const userinfo = `${issuerOf()}/protocol/openid-connect/userinfo`;
    const proof = await web.dpopProof(session, { method: "GET", url: userinfo });
    const withProof = await fetch(userinfo, {
      headers: { authorization: `DPoP ${session.tokens.accessToken}`, dpop: proof },
    });
    expect(withProof.status).toBe(200);
    expect(((await withProof.json()) as { sub: string }).sub).toBe(user.id);
    const asBearer = await fetch(userinfo, {
      headers: { authorization: `Bearer ${session.tokens.accessToken}` },
    });
    await asBearer.body?.cancel();
    expect(asBearer.status).toBe(401);
  });
});

describe("an API verifying Keycloak's DPoP-bound tokens (RFC 9449 §4.3, §7.1)", () => {
  const token = () => session.tokens.accessToken;
  const proofFor = (method = "GET", url = URL_ORDERS) => web.dpopProof(session, { method, url });

  it("accepts the token with a correct proof", async () => {
    const principal = await verify(token(), {
      proof: await proofFor(),
      method: "GET",
      url: URL_ORDERS,
      scheme: "DPoP",
    });
    expect(principal.subject).toBe(user.id);
  });

  it("refuses it without a proof, as a bearer token, and without the dpop option — cached or not", async () => {
    await expect(
      verify(token(), { proof: undefined, method: "GET", url: URL_ORDERS, scheme: "DPoP" }),
    ).rejects.toMatchObject({
      code: "token_invalid",
    });
    await expect(
      verify(token(), { proof: await proofFor(), method: "GET", url: URL_ORDERS, scheme: "Bearer" }),
    ).rejects.toMatchObject({ code: "token_invalid", reason: "dpop_binding" });
    await expect(api.verifyAccessToken(token(), { audience: clients.orders.clientId })).rejects.toMatchObject(
      {
        code: "token_invalid",
        reason: "dpop_binding",
      },
    );
  });

  it("refuses a replayed proof (its jti seen before)", async () => {
    const proof = await proofFor();
    await verify(token(), { proof, method: "GET", url: URL_ORDERS, scheme: "DPoP" });
    await expect(
      verify(token(), { proof, method: "GET", url: URL_ORDERS, scheme: "DPoP" }),
    ).rejects.toMatchObject({
      code: "token_invalid",
      reason: "dpop_proof",
    });
  });

  it("refuses a proof for another method or another URL", async () => {
    await expect(
      verify(token(), { proof: await proofFor("POST"), method: "GET", url: URL_ORDERS, scheme: "DPoP" }),
    ).rejects.toMatchObject({
      reason: "dpop_proof",
    });
    await expect(
      verify(token(), {
        proof: await proofFor("GET", "https://orders.example.eu/admin"),
        method: "GET",
        url: URL_ORDERS,
        scheme: "DPoP",
      }),
    ).rejects.toMatchObject({ reason: "dpop_proof" });
  });

  it("refuses a stale proof", async () => {
    const keyPair = (await import("../../../src/providers/oidc/dpop-client.js")).importKeyPair;
    const own = await keyPair(session.tokens.dpop?.jwk ?? {});
    const stale = await handMadeProof(own, {
      jti: crypto.randomUUID(),
      htm: "GET",
      htu: URL_ORDERS,
      iat: Math.floor(Date.now() / 1000) - 600,
      ath: await ath(token()),
    });
    await expect(
      verify(token(), { proof: stale, method: "GET", url: URL_ORDERS, scheme: "DPoP" }),
    ).rejects.toMatchObject({
      reason: "dpop_proof",
    });
  });

  it("refuses a proof signed by another key (a thief's own)", async () => {
    const thief = await generateKeyPair("ES256");
    const proof = await handMadeProof(thief, {
      jti: crypto.randomUUID(),
      htm: "GET",
      htu: URL_ORDERS,
      iat: Math.floor(Date.now() / 1000),
      ath: await ath(token()),
    });
    await expect(
      verify(token(), { proof, method: "GET", url: URL_ORDERS, scheme: "DPoP" }),
    ).rejects.toMatchObject({
      reason: "dpop_binding",
    });
  });

  it("refuses a proof whose ath is for another token", async () => {
    const other = await createIdentity({ providers: [dpopProvider()] }).refresh(session);
    // A proof of the right key, made for the refreshed token, presented with the first one.
    const proof = await web.dpopProof(other, { method: "GET", url: URL_ORDERS });
    await expect(
      verify(token(), { proof, method: "GET", url: URL_ORDERS, scheme: "DPoP" }),
    ).rejects.toMatchObject({
      reason: "dpop_proof",
    });
  });

  it('one API, both kinds: a Keycloak bearer token passes under "allowed", not under "required"', async () => {
    const bearer = await createIdentity({
      providers: [clientProvider(clients.web)],
    });
    const plain = await signInAt(bearer);
    const request = { proof: undefined, method: "GET", url: URL_ORDERS, scheme: "Bearer" } as const;
    const principal = await verify(plain.tokens.accessToken, { ...request, policy: "allowed" });
    expect(principal.subject).toBe(user.id);
    await expect(verify(plain.tokens.accessToken, { ...request, policy: "required" })).rejects.toMatchObject({
      reason: "dpop_binding",
    });
  });
});
