/**
 * The certificate assertion entraId sends (docs/reference/entra-id.md §9.2), read off the
 * token request: header, claims, signature — and the configuration rules.
 */
import { base64url, decodeJwt, decodeProtectedHeader, importPKCS8, importX509, jwtVerify } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { entraId, IdSwitchError } from "../../src/index.js";
import { type ClientCertificate, createClientCertificate } from "../../src/testing/index.js";
import { createFakeIssuer, type FakeIssuer } from "../support/fake-issuer.js";
import { idSwitchErrorOf } from "../support/rejection.js";

const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const AUTHORITY = "https://login.example.test";
const CLIENT = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
let cert: ClientCertificate;

beforeAll(async () => {
  cert = await createClientCertificate();
});

/** A fake Entra tenant whose token endpoint records each request's form. */
async function tenant(): Promise<{ idp: FakeIssuer; forms: URLSearchParams[] }> {
  const idp = await createFakeIssuer(`${AUTHORITY}/${TID}/v2.0`);
  const forms: URLSearchParams[] = [];
  idp.token = async (form) => {
    forms.push(form);
    return Response.json({ token_type: "Bearer", expires_in: 3599, access_token: "opaque" });
  };
  return { idp, forms };
}

function provider(idp: FakeIssuer, clientCertificate: Record<string, unknown>) {
  return entraId({
    id: "entra",
    tenantId: TID,
    clientId: CLIENT,
    authority: AUTHORITY,
    clientCertificate: clientCertificate as never,
    runtime: { fetch: idp.fetch },
  });
}

async function sentAssertion(clientCertificate: Record<string, unknown>) {
  const { idp, forms } = await tenant();
  await provider(idp, clientCertificate).clientCredentials({ scope: "api://orders/.default" });
  const form = forms[0];
  if (!form) throw new Error("no token request");
  expect(form.get("client_assertion_type")).toBe("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  expect(form.get("client_secret")).toBeNull();
  const jwt = form.get("client_assertion") ?? "";
  return {
    jwt,
    header: decodeProtectedHeader(jwt),
    claims: decodeJwt(jwt),
    tokenEndpoint: `${idp.issuer}/protocol/openid-connect/token`,
  };
}

describe("the client assertion", () => {
  it("PS256 by default, naming the certificate by x5t#S256, aud = the token endpoint", async () => {
    const { jwt, header, claims, tokenEndpoint } = await sentAssertion({
      privateKey: cert.privateKey,
      certificate: cert.certificate,
    });
    expect(header).toEqual({ alg: "PS256", typ: "JWT", "x5t#S256": cert.thumbprints.sha256 });
    expect(claims).toMatchObject({ aud: tokenEndpoint, iss: CLIENT, sub: CLIENT });
    expect(claims.jti).toEqual(expect.any(String));
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(600);
    expect(claims.nbf).toBe(claims.iat);
    // Signed by the certificate's own key.
    await expect(jwtVerify(jwt, await importX509(cert.certificate, "PS256"))).resolves.toBeTruthy();
  });

  it("RS256 names it by x5t (SHA-1), for the certificate given as x5c DER", async () => {
    const { jwt, header } = await sentAssertion({
      privateKey: cert.privateKey,
      certificate: cert.x5c,
      algorithm: "RS256",
    });
    expect(header).toEqual({ alg: "RS256", typ: "JWT", x5t: cert.thumbprints.sha1 });
    await expect(jwtVerify(jwt, await importX509(cert.certificate, "RS256"))).resolves.toBeTruthy();
  });

  it("accepts a CryptoKey for the algorithm, and a fresh jti per request", async () => {
    const key = await importPKCS8(cert.privateKey, "PS256");
    const { idp, forms } = await tenant();
    const entra = provider(idp, { privateKey: key, certificate: cert.certificate });
    await entra.clientCredentials({ scope: "api://orders/.default" });
    await entra.clientCredentials({ scope: "api://orders/.default" });
    const jtis = forms.map((f) => decodeJwt(f.get("client_assertion") ?? "").jti);
    expect(new Set(jtis).size).toBe(2);
  });

  it("the thumbprints are the certificate DER's SHA-1 and SHA-256", async () => {
    const der = Uint8Array.from(atob(cert.x5c), (c) => c.charCodeAt(0));
    const sha = async (alg: string) => base64url.encode(new Uint8Array(await crypto.subtle.digest(alg, der)));
    expect(cert.thumbprints).toEqual({ sha1: await sha("SHA-1"), sha256: await sha("SHA-256") });
  });
});

describe("certificate configuration", () => {
  const base = { id: "entra", tenantId: TID, clientId: CLIENT };

  function issuesOf(options: Record<string, unknown>) {
    try {
      entraId({ ...base, ...options } as never);
    } catch (err) {
      expect(err).toBeInstanceOf(IdSwitchError);
      return (err as IdSwitchError).issues?.map((i) => i.path);
    }
    return expect.unreachable("configuration accepted");
  }

  it("takes either a secret or a certificate, not both", () => {
    expect(
      issuesOf({
        clientSecret: "s",
        clientCertificate: { privateKey: cert.privateKey, certificate: cert.certificate },
      }),
    ).toEqual(["clientCertificate"]);
  });

  it("refuses a key that is not PKCS#8 PEM and a certificate that is not one, without echoing them", () => {
    const pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----";
    expect(issuesOf({ clientCertificate: { privateKey: pkcs1, certificate: "not a certificate" } })).toEqual([
      "clientCertificate.privateKey",
      "clientCertificate.certificate",
    ]);
    const thrown = (() => {
      try {
        entraId({ ...base, clientCertificate: { privateKey: pkcs1, certificate: cert.certificate } });
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    expect(thrown?.message).toMatch(/clientCertificate\.privateKey: must be a PKCS#8 PEM/);
    expect(thrown?.message).not.toContain("MIIB");
  });

  it("a CryptoKey for another algorithm fails at first use as config_invalid", async () => {
    const rsassa = await importPKCS8(cert.privateKey, "RS256");
    const { idp } = await tenant();
    const err = await idSwitchErrorOf(
      provider(idp, { privateKey: rsassa, certificate: cert.certificate }).clientCredentials({
        scope: "api://x/.default",
      }),
    );
    expect(err).toMatchObject({ code: "config_invalid", reason: "client_certificate" });
  });
});
