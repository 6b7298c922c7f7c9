/**
 * Multi-tenant Entra (docs/reference/entra-id.md §1.4, §1.5): the issuer is a template filled
 * from each token's own `tid`, accepted only for the allowed tenants, in v1
 * and v2 form, and bound to the signing key's own `issuer` member.
 */
import { describe, expect, it } from "vitest";
import { entraId, IdSwitchError } from "../../src/index.js";
import {
  checkKeyIssuer,
  entraIssuers,
  expectedEntraIssuer,
  TENANT_PLACEHOLDER,
} from "../../src/providers/entra/issuers.js";
import { createFakeIssuer } from "../support/fake-issuer.js";
import { idSwitchErrorOf } from "../support/rejection.js";

const A = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const B = "fa15d692-e9c7-4460-a743-29f2956fd429";
const STRANGER = "0c8e2f43-7d0b-4f0c-9a51-2f6d3c9e8b10";
const MSA = "9188040d-6c67-4c5b-b112-36a304b66dad";
const AUTHORITY = "https://login.example.test";
const V1 = "https://sts.example.test";
const TEMPLATE = `${AUTHORITY}/{tenantid}/v2.0`;
const now = Math.floor(Date.now() / 1000);

describe("expectedEntraIssuer: the issuer a token must carry, before any key is fetched", () => {
  const multi = entraIssuers(AUTHORITY, V1, TENANT_PLACEHOLDER);
  const single = entraIssuers(AUTHORITY, V1, A);
  const allowed = new Set([A, B]);
  const cases: [string, typeof multi, ReadonlySet<string>, Record<string, unknown>, string | undefined][] = [
    ["v2 token of an allowed tenant", multi, allowed, { tid: B, ver: "2.0" }, `${AUTHORITY}/${B}/v2.0`],
    ["v1 token of an allowed tenant", multi, allowed, { tid: A, ver: "1.0" }, `${V1}/${A}/`],
    ["no ver: v2", multi, allowed, { tid: A }, `${AUTHORITY}/${A}/v2.0`],
    ["a tenant not on the list", multi, allowed, { tid: STRANGER, ver: "2.0" }, undefined],
    ["the consumer tenant when not listed", multi, allowed, { tid: MSA, ver: "2.0" }, undefined],
    ["tid not a GUID", multi, allowed, { tid: "{tenantid}", ver: "2.0" }, undefined],
    ["tid an array", multi, allowed, { tid: [A], ver: "2.0" }, undefined],
    ["no tid", multi, allowed, { ver: "2.0" }, undefined],
    // The list compares lower-case; the template is filled with the token's own tid, so `iss` must carry it.
    ["upper-case tid", multi, allowed, { tid: A.toUpperCase() }, `${AUTHORITY}/${A.toUpperCase()}/v2.0`],
    ["single tenant: its own tid", single, new Set([A]), { tid: A, ver: "1.0" }, `${V1}/${A}/`],
    ["single tenant: another tid", single, new Set([A]), { tid: B, ver: "2.0" }, undefined],
  ];
  it.each(cases)("%s", (_name, issuers, tenants, claims, expected) => {
    expect(expectedEntraIssuer(issuers, tenants, claims)).toBe(expected);
  });
});

describe("checkKeyIssuer: the signing key's own issuer member (§1.5 steps 2–3, §1.6)", () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown> | undefined, boolean][] = [
    ["template key, matching iss", { tid: A, iss: `${AUTHORITY}/${A}/v2.0` }, { issuer: TEMPLATE }, true],
    [
      "template key, iss of another tenant",
      { tid: A, iss: `${AUTHORITY}/${B}/v2.0` },
      { issuer: TEMPLATE },
      false,
    ],
    [
      "MSA key signing a work tenant",
      { tid: A, iss: `${AUTHORITY}/${A}/v2.0` },
      { issuer: `${AUTHORITY}/${MSA}/v2.0` },
      false,
    ],
    [
      "MSA key signing an MSA token",
      { tid: MSA, iss: `${AUTHORITY}/${MSA}/v2.0` },
      { issuer: `${AUTHORITY}/${MSA}/v2.0` },
      true,
    ],
    ["key without issuer member", { tid: A, iss: `${AUTHORITY}/${A}/v2.0` }, {}, true],
    [
      "v1 token (v1 key sets have no issuer member)",
      { tid: A, iss: `${V1}/${A}/`, ver: "1.0" },
      { issuer: TEMPLATE },
      true,
    ],
  ];
  it.each(cases)("%s", (_name, claims, key, accepted) => {
    expect(checkKeyIssuer(claims, key) === undefined).toBe(accepted);
  });
});

describe("entraId configuration for multi-tenant apps", () => {
  const base = { id: "entra", clientId: "app", authority: AUTHORITY };

  it.each(["organizations", "common"] as const)(
    "%s requires allowedTenants, reported at its path",
    (tenantId) => {
      try {
        entraId({ ...base, tenantId });
        expect.unreachable("configuration accepted without allowedTenants");
      } catch (err) {
        expect(err).toBeInstanceOf(IdSwitchError);
        expect((err as IdSwitchError).issues).toEqual([
          { path: "allowedTenants", message: expect.stringContaining("is required with tenantId") },
        ]);
      }
    },
  );

  it("refuses an empty list, a non-GUID entry, and a list on a single tenant", () => {
    expect(() => entraId({ ...base, tenantId: "organizations", allowedTenants: [] })).toThrow(
      /allowedTenants: must list/,
    );
    expect(() => entraId({ ...base, tenantId: "common", allowedTenants: [A, "contoso.com"] })).toThrow(
      /allowedTenants\[1\]: must be a tenant id/,
    );
    expect(() => entraId({ ...base, tenantId: A, allowedTenants: [B] })).toThrow(
      /allowedTenants: applies to/,
    );
  });

  it("names the v2 template as its issuer and keeps the list in lower case", () => {
    const provider = entraId({ ...base, tenantId: "organizations", allowedTenants: [A.toUpperCase(), B] });
    expect(provider.issuer).toBe(TEMPLATE);
    expect(provider.issuers.v1).toBe("https://sts.windows.net/{tenantid}/");
    expect(provider.allowedTenants).toEqual([A, B]);
  });
});

describe("a multi-tenant provider verifying access tokens", () => {
  async function setup(keyIssuer = TEMPLATE, announced = TEMPLATE) {
    const idp = await createFakeIssuer(`${AUTHORITY}/organizations/v2.0`, { issuer: keyIssuer }, announced);
    const provider = entraId({
      id: "entra",
      tenantId: "organizations",
      allowedTenants: [A, B],
      clientId: "client-app",
      authority: AUTHORITY,
      v1IssuerBase: V1,
      runtime: { fetch: idp.fetch },
    });
    return { idp, provider };
  }
  const claims = (tid: string, extra: Record<string, unknown> = {}) => ({
    aud: "api-app",
    iss: `${AUTHORITY}/${tid}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    azp: "client-app",
    oid: "690222be-ff1a-4d56-abd1-7e4f7d38e474",
    scp: "access_as_user",
    sub: "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
    tid,
    ver: "2.0",
    ...extra,
  });

  it("accepts v2 tokens of each allowed tenant and a v1 token, each under its own tenant", async () => {
    const { idp, provider } = await setup();
    for (const tid of [A, B]) {
      const principal = await provider.verifyAccessToken(await idp.sign(claims(tid)), {
        audience: "api-app",
      });
      expect(principal).toMatchObject({ tenant: tid, issuer: `${AUTHORITY}/${tid}/v2.0` });
    }
    const v1 = await idp.sign(
      claims(B, { iss: `${V1}/${B}/`, ver: "1.0", azp: undefined, appid: "client-app" }),
    );
    expect(await provider.verifyAccessToken(v1, { audience: "api-app" })).toMatchObject({ tenant: B });
    expect(idp.requests.filter((url) => url.includes("/.well-known/"))).toEqual([
      `${AUTHORITY}/organizations/v2.0/.well-known/openid-configuration`,
    ]);
  });

  it("refuses a tenant not on the list before any network call", async () => {
    const { idp, provider } = await setup();
    const token = await idp.sign(claims(STRANGER));
    const err = await idSwitchErrorOf(provider.verifyAccessToken(token, { audience: "api-app" }));
    expect(err).toMatchObject({ code: "token_invalid", reason: "issuer" });
    expect(idp.requests).toEqual([]);
  });

  it("refuses a token whose tid names one allowed tenant and whose iss another", async () => {
    const { idp, provider } = await setup();
    const forged = await idp.sign(claims(A, { iss: `${AUTHORITY}/${B}/v2.0` }));
    const err = await idSwitchErrorOf(provider.verifyAccessToken(forged, { audience: "api-app" }));
    expect(err).toMatchObject({ code: "token_invalid", reason: "issuer" });
    expect(idp.requests).toEqual([]);
  });

  it("refuses a token signed by a key published for another issuer (the MSA key)", async () => {
    const { idp, provider } = await setup(`${AUTHORITY}/${MSA}/v2.0`);
    const err = await idSwitchErrorOf(
      provider.verifyAccessToken(await idp.sign(claims(A)), { audience: "api-app" }),
    );
    expect(err).toMatchObject({ code: "token_invalid", reason: "issuer" });
  });

  it("refuses a discovery document that announces another issuer than the template", async () => {
    const { idp, provider } = await setup(TEMPLATE, `${AUTHORITY}/${A}/v2.0`);
    const err = await idSwitchErrorOf(
      provider.verifyAccessToken(await idp.sign(claims(A)), { audience: "api-app" }),
    );
    expect(err).toMatchObject({ code: "config_invalid", reason: "discovery" });
  });
});
