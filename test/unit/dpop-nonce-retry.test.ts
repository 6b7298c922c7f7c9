/**
 * A token endpoint that demands a DPoP nonce (RFC 9449 §8): the first
 * request is answered `use_dpop_nonce` with a `DPoP-Nonce`; the client must
 * ask again, once, with a fresh proof carrying that nonce and the same key.
 * Keycloak 26.7.3 demands none, so this is proven against a fake issuer.
 */
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from "jose";
import { expect, it } from "vitest";
import { createIdentity, type Identity, oidc } from "../../src/index.js";
import { createFakeIssuer, type FakeIssuer } from "../support/fake-issuer.js";

/** A confidential client of the fake issuer with DPoP on. */
function dpopClient(fake: FakeIssuer): Identity {
  return createIdentity({
    providers: [
      oidc({
        id: "idp",
        issuer: fake.issuer,
        clientId: "app",
        clientSecret: "s3cret",
        dpop: true,
        runtime: { fetch: fake.fetch },
      }),
    ],
  });
}

it("client credentials retry once with the server's nonce, and the token is bound to the proof's key", async () => {
  const fake = await createFakeIssuer();
  const proofs: string[] = [];
  fake.token = async (form, headers) => {
    const proof = headers.get("dpop");
    if (!proof) return Response.json({ error: "invalid_request" }, { status: 400 });
    proofs.push(proof);
    if (decodeJwt(proof).nonce !== "n-1") {
      return Response.json(
        { error: "use_dpop_nonce", error_description: "Authorization server requires nonce in DPoP proof" },
        { status: 400, headers: { "DPoP-Nonce": "n-1" } },
      );
    }
    const jkt = await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as JWK);
    expect(form.get("grant_type")).toBe("client_credentials");
    return Response.json({
      access_token: await fake.sign({
        sub: "svc",
        aud: "api",
        cnf: { jkt },
        exp: Math.floor(Date.now() / 1000) + 300,
      }),
      token_type: "DPoP",
      expires_in: 300,
    });
  };
  const identity = dpopClient(fake);
  const tokens = await identity.clientCredentials();

  expect(proofs).toHaveLength(2);
  const [first, second] = proofs.map((p) => ({ header: decodeProtectedHeader(p), claims: decodeJwt(p) }));
  expect(first?.claims.nonce).toBeUndefined();
  expect(second?.claims.nonce).toBe("n-1");
  expect(second?.claims.jti).not.toBe(first?.claims.jti);
  expect(second?.header.jwk).toEqual(first?.header.jwk); // the same key, asked again
  expect(second?.claims).toMatchObject({ htm: "POST", htu: `${fake.issuer}/protocol/openid-connect/token` });
  expect(tokens.tokenType.toLowerCase()).toBe("dpop");
  expect(tokens.dpop?.jkt).toBe(await calculateJwkThumbprint(second?.header.jwk as JWK));
});

it("a server that answers bearer tokens to a DPoP client binds nothing: no key is kept, and no proof is made for them", async () => {
  const fake = await createFakeIssuer();
  fake.token = async () =>
    Response.json({
      access_token: await fake.sign({ sub: "svc", aud: "api" }),
      token_type: "Bearer",
      expires_in: 300,
    });
  const identity = dpopClient(fake);
  const tokens = await identity.clientCredentials();
  expect(tokens.dpop).toBeUndefined();
  const session = { provider: "idp", tokens } as never;
  await expect(identity.dpopProof(session, { method: "GET", url: "https://api.example/x" })).rejects.toThrow(
    TypeError,
  );
});
