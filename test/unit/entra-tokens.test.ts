import { describe, expect, it } from "vitest";
import { entraId } from "../../src/index.js";
import { createFakeIssuer } from "../support/fake-issuer.js";
import { idSwitchErrorOf } from "../support/rejection.js";

const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TID = "fa15d692-e9c7-4460-a743-29f2956fd429";
const AUTHORITY = "https://login.example.test";
const V1_BASE = "https://sts.example.test";
const now = Math.floor(Date.now() / 1000);

async function setup(keyIssuer = `${AUTHORITY}/{tenantid}/v2.0`) {
  const idp = await createFakeIssuer(`${AUTHORITY}/${TID}/v2.0`, { issuer: keyIssuer });
  const provider = entraId({
    id: "entra",
    tenantId: TID,
    clientId: "client-app",
    authority: AUTHORITY,
    v1IssuerBase: V1_BASE,
    runtime: { fetch: idp.fetch },
  });
  return { idp, provider };
}

// docs/reference/entra-id.md §5.3: a v2 delegated access token for an API.
const v2AccessClaims = (extra: Record<string, unknown> = {}) => ({
  aud: "api-app",
  iss: `${AUTHORITY}/${TID}/v2.0`,
  iat: now,
  nbf: now,
  exp: now + 3600,
  azp: "client-app",
  azpacr: "1",
  name: "Abe Lincoln",
  oid: "690222be-ff1a-4d56-abd1-7e4f7d38e474",
  preferred_username: "abeli@contoso.example",
  scp: "access_as_user",
  sub: "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
  tid: TID,
  uti: "fqiBqXLPj0eQa82S-IYFAA",
  ver: "2.0",
  ...extra,
});

describe("Entra access-token verification", () => {
  it("accepts a v2 token: subject is tid+oid, never sub or email", async () => {
    const { idp, provider } = await setup();
    const principal = await provider.verifyAccessToken(await idp.sign(v2AccessClaims()), {
      audience: "api-app",
    });
    expect(principal).toMatchObject({
      tenant: TID,
      subject: "690222be-ff1a-4d56-abd1-7e4f7d38e474",
      username: "abeli@contoso.example",
      scopes: ["access_as_user"],
      emailVerified: false,
    });
  });

  it("accepts a v1 token under the v1 issuer", async () => {
    const { idp, provider } = await setup();
    const token = await idp.sign({
      ...v2AccessClaims({ iss: `${V1_BASE}/${TID}/`, ver: "1.0", appid: "client-app" }),
      azp: undefined,
    });
    const principal = await provider.verifyAccessToken(token, { audience: "api-app" });
    expect(principal.issuer).toBe(`${V1_BASE}/${TID}/`);
  });

  it("accepts a v1 token with several audiences that names its client in appid only", async () => {
    const { idp, provider } = await setup();
    const token = await idp.sign({
      ...v2AccessClaims({
        iss: `${V1_BASE}/${TID}/`,
        ver: "1.0",
        appid: "client-app",
        aud: ["api-app", "x"],
      }),
      azp: undefined,
    });
    expect(await provider.verifyAccessToken(token, { audience: "api-app" })).toMatchObject({ tenant: TID });
  });

  it("refuses a token from another tenant before any network call (cross-tenant)", async () => {
    const { idp, provider } = await setup();
    const token = await idp.sign(v2AccessClaims({ tid: OTHER_TID, iss: `${AUTHORITY}/${OTHER_TID}/v2.0` }));
    const err = await idSwitchErrorOf(provider.verifyAccessToken(token, { audience: "api-app" }));
    expect(err.reason).toBe("issuer");
    expect(idp.requests).toEqual([]);
  });

  it("refuses a tid that is not a GUID, and a v2 iss under a v1 ver", async () => {
    const { idp, provider } = await setup();
    const notGuid = await idp.sign(v2AccessClaims({ tid: "contoso" }));
    expect((await idSwitchErrorOf(provider.verifyAccessToken(notGuid, { audience: "api-app" }))).reason).toBe(
      "issuer",
    );
    const mixed = await idp.sign(v2AccessClaims({ ver: "1.0" }));
    expect((await idSwitchErrorOf(provider.verifyAccessToken(mixed, { audience: "api-app" }))).reason).toBe(
      "issuer",
    );
  });

  it("honours the signing key's own issuer member (a consumer-tenant key cannot sign for a work tenant)", async () => {
    const { idp, provider } = await setup(`${AUTHORITY}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0`);
    const err = await idSwitchErrorOf(
      provider.verifyAccessToken(await idp.sign(v2AccessClaims()), { audience: "api-app" }),
    );
    expect(err).toMatchObject({ reason: "issuer" });
    expect(err.message).toContain("signing key");
  });

  it("applies the key-issuer rule to ID tokens at sign-in and refresh too, not only to access tokens", async () => {
    const { idp, provider } = await setup(`${AUTHORITY}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0`);
    idp.token = async () => {
      const idToken = await idp.sign({
        ...v2AccessClaims({ aud: "client-app" }),
        azp: undefined,
        scp: undefined,
      });
      return Response.json({
        access_token: "opaque",
        token_type: "Bearer",
        expires_in: 3599,
        id_token: idToken,
      });
    };
    const session = {
      provider: "entra",
      principal: provider.normalizeClaims(v2AccessClaims()),
      tokens: {
        accessToken: "a",
        tokenType: "Bearer",
        expiresAt: now,
        refreshToken: "rt",
        idToken: undefined,
        scope: undefined,
      },
    };
    const err = await idSwitchErrorOf(provider.refresh(session));
    expect(err).toMatchObject({ code: "token_invalid", reason: "issuer" });
    expect(err.message).toContain("signing key");
  });

  it("refuses an Entra ID token presented as an access token", async () => {
    const { idp, provider } = await setup();
    const idToken = await idp.sign({
      ...v2AccessClaims({ aud: "client-app", nonce: "n" }),
      azp: undefined,
      scp: undefined,
    });
    const err = await idSwitchErrorOf(provider.verifyAccessToken(idToken, { audience: "client-app" }));
    expect(err.reason).toBe("token_type");
  });

  it("treats email as verified only with xms_edov (nOAuth)", async () => {
    const { idp, provider } = await setup();
    const unverified = await idp.sign(v2AccessClaims({ email: "ceo@victim.example" }));
    expect((await provider.verifyAccessToken(unverified, { audience: "api-app" })).emailVerified).toBe(false);
    const verified = await idp.sign(v2AccessClaims({ email: "abe@contoso.example", xms_edov: true }));
    expect((await provider.verifyAccessToken(verified, { audience: "api-app" })).emailVerified).toBe(true);
  });

  it("requires a GUID tenant, or organizations/common, in its configuration", async () => {
    expect(() => entraId({ id: "entra", tenantId: "contoso.example", clientId: "app" })).toThrow(
      /tenantId: must be the tenant id \(a GUID\), 'organizations' or 'common'/,
    );
  });
});
