/**
 * A generic OIDC provider must not take an ID token for an access token when
 * the API's audience is the client id (an ID token's audience is always the
 * client, OpenID Connect Core 1.0 §2). An ID token need not carry a `nonce`
 * in the code flow, so the other ID-token-only claims must give it away too:
 * `at_hash` (§3.1.3.6), `c_hash` (§3.3.2.11) and, without any of the claims
 * an access token has (`scope`, `scp`, RFC 9068 `client_id`), `auth_time`.
 * Tested through `createIdentity().verifyAccessToken`, as an API would call it.
 */
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createIdentity, type Identity, oidc } from "../../src/index.js";
import { idSwitchErrorOf } from "../support/rejection.js";

const ISSUER = "https://partner.example.test";
const CLIENT_ID = "app";
const now = Math.floor(Date.now() / 1000);

let identity: Identity;
let sign: (payload: JWTPayload, typ: string | undefined) => Promise<string>;

/** Discovery and keys of a partner issuer through an injected fetch; its signer can leave `typ` out. */
beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const documents: Record<string, unknown> = {
    [`${ISSUER}/.well-known/openid-configuration`]: {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      jwks_uri: `${ISSUER}/jwks`,
      response_types_supported: ["code"],
      id_token_signing_alg_values_supported: ["RS256"],
    },
    [`${ISSUER}/jwks`]: { keys: [jwk] },
  };
  const fetch = async (input: string | URL | Request) => {
    const body = documents[input instanceof Request ? input.url : String(input)];
    return body ? Response.json(body) : new Response("not found", { status: 404 });
  };
  sign = (payload, typ) =>
    new SignJWT({ iss: ISSUER, sub: "u-1", aud: CLIENT_ID, iat: now, exp: now + 300, ...payload })
      .setProtectedHeader(typ === undefined ? { alg: "RS256", kid: "k1" } : { alg: "RS256", kid: "k1", typ })
      .sign(privateKey);
  identity = createIdentity({
    providers: [oidc({ id: "partner", issuer: ISSUER, clientId: CLIENT_ID, runtime: { fetch } })],
  });
});

const verify = (token: string) => identity.verifyAccessToken(token, { audience: CLIENT_ID });

describe("generic OIDC: an ID token without a nonce is not an access token", () => {
  const idTokens: [string, JWTPayload][] = [
    ["at_hash", { at_hash: "x3MUmC5XcqYr1qY4H9Q1FA", azp: CLIENT_ID }],
    ["c_hash", { c_hash: "LDktKdoQak3Pk0cnXxCltA" }],
    ["auth_time, audience the client, no scope or client_id", { auth_time: now - 60, azp: CLIENT_ID }],
    ["nonce", { nonce: "n-1" }],
  ];
  for (const typ of [undefined, "JWT"]) {
    for (const [marker, claims] of idTokens) {
      it(`refuses one with ${marker} (typ ${typ ?? "absent"})`, async () => {
        const err = await idSwitchErrorOf(verify(await sign(claims, typ)));
        expect(err.code).toBe("token_invalid");
        expect(err.reason).toBe("token_type");
      });
    }
  }

  it("refuses auth_time when the client id is one of several audiences", async () => {
    const token = await sign({ aud: ["other-api", CLIENT_ID], azp: CLIENT_ID, auth_time: now - 60 }, "JWT");
    expect((await idSwitchErrorOf(verify(token))).reason).toBe("token_type");
  });

  it("refuses at_hash even in a token typed at+jwt", async () => {
    const token = await sign(
      { at_hash: "x3MUmC5XcqYr1qY4H9Q1FA", scope: "read", client_id: "spa" },
      "at+jwt",
    );
    expect((await idSwitchErrorOf(verify(token))).reason).toBe("token_type");
  });
});

describe("generic OIDC: access tokens still pass", () => {
  for (const typ of ["at+jwt", "application/at+jwt"]) {
    it(`accepts an RFC 9068 ${typ} token with auth_time`, async () => {
      const token = await sign({ client_id: "spa", auth_time: now - 60, scope: "read" }, typ);
      await expect(verify(token)).resolves.toMatchObject({ provider: "partner", subject: "u-1" });
    });
  }

  it("accepts an at+jwt token with auth_time and neither scope nor client_id", async () => {
    await expect(verify(await sign({ auth_time: now - 60 }, "at+jwt"))).resolves.toMatchObject({
      subject: "u-1",
    });
  });

  it("accepts a plain JWT access token with scope, client_id and auth_time", async () => {
    const token = await sign({ scope: "read write", client_id: "spa", auth_time: now - 60 }, "JWT");
    await expect(verify(token)).resolves.toMatchObject({ scopes: ["read", "write"] });
  });

  it("accepts a plain JWT access token with scp and auth_time", async () => {
    const token = await sign({ scp: ["read"], auth_time: now - 60 }, undefined);
    await expect(verify(token)).resolves.toMatchObject({ subject: "u-1" });
  });

  it("accepts a plain JWT access token with client_id and auth_time but no scope", async () => {
    await expect(verify(await sign({ client_id: "spa", auth_time: now - 60 }, "JWT"))).resolves.toMatchObject(
      {
        subject: "u-1",
      },
    );
  });

  it("accepts auth_time when the audience is an API, not the client", async () => {
    const token = await sign({ aud: "orders-api", auth_time: now - 60 }, "JWT");
    await expect(identity.verifyAccessToken(token, { audience: "orders-api" })).resolves.toMatchObject({
      subject: "u-1",
    });
  });
});
