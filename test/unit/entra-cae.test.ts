/**
 * CAE claims challenges (docs/reference/entra-id.md §8.3): parsing `WWW-Authenticate` as
 * resources really send it, and carrying the claims into the next sign-in.
 */
import { describe, expect, it } from "vitest";
import { entraId, mergeClaimsRequests, oidc, parseClaimsChallenge } from "../../src/index.js";
import { createFakeIssuer } from "../support/fake-issuer.js";

// The §8.3 example, verbatim (its claims decode to the revocation-event request below).
const SAMPLE_CLAIMS =
  "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0=";
const SAMPLE_JSON = '{"access_token":{"nbf":{"essential":true, "value":"1604106651"}}}';
const SAMPLE = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="${SAMPLE_CLAIMS}"`;
const base64 = (text: string) => btoa(text);

describe("parseClaimsChallenge", () => {
  it("reads the §8.3 challenge: error, decoded claims, realm, authorization_uri, client_id", () => {
    expect(parseClaimsChallenge(SAMPLE)).toEqual({
      error: "insufficient_claims",
      claims: SAMPLE_JSON,
      realm: "",
      authorizationUri: "https://login.microsoftonline.com/common/oauth2/authorize",
      clientId: "00000003-0000-0000-c000-000000000000",
    });
  });

  it("takes parameters in any order, with tabs, spaces and an unquoted token value", () => {
    const header = `bearer   claims = "${SAMPLE_CLAIMS}" ,\terror=insufficient_claims,realm="contoso"`;
    expect(parseClaimsChallenge(header)).toMatchObject({
      error: "insufficient_claims",
      claims: SAMPLE_JSON,
      realm: "contoso",
    });
  });

  it("finds the Bearer challenge among others, after a token68 and a quoted comma", () => {
    const header = [
      'Basic realm="a, b"',
      "Negotiate YIIB9wYGKwYBBQUCoIIB6zCCAeegDTALBgkqhkiG9xIBAgI=",
      `Bearer error="insufficient_claims", claims="${SAMPLE_CLAIMS}"`,
    ].join(", ");
    expect(parseClaimsChallenge(header)?.claims).toBe(SAMPLE_JSON);
  });

  it("unescapes quoted strings", () => {
    const header = `Bearer error="insufficient_claims", error_description="the \\"session\\", revoked", claims="${SAMPLE_CLAIMS}"`;
    expect(parseClaimsChallenge(header)?.errorDescription).toBe('the "session", revoked');
  });

  it("reads the ARM form (invalid_token + claims) too", () => {
    const arm =
      'Bearer authorization_uri="https://login.windows-ppe.net/", error="invalid_token", error_description="User session has been revoked", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwMzc0MjgwMCJ9fX0="';
    expect(parseClaimsChallenge(arm)).toMatchObject({
      error: "invalid_token",
      claims: '{"access_token":{"nbf":{"essential":true, "value":"1603742800"}}}',
    });
  });

  it("tolerates base64url and missing padding, and keeps UTF-8", () => {
    const json = '{"access_token":{"acrs":{"essential":true,"value":"c1"}},"note":"é?>"}';
    const url = base64(String.fromCharCode(...new TextEncoder().encode(json)))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expect(parseClaimsChallenge(`Bearer error="insufficient_claims", claims="${url}"`)?.claims).toBe(json);
  });

  it.each([
    ["no challenge at all", ""],
    ["another scheme", `Basic error="insufficient_claims", claims="${SAMPLE_CLAIMS}"`],
    ["a Bearer challenge without claims", 'Bearer error="invalid_token", error_description="expired"'],
    ["claims without error", `Bearer claims="${SAMPLE_CLAIMS}"`],
    ["claims that are not base64", 'Bearer error="insufficient_claims", claims="{not base64}"'],
    ["claims that are not JSON", `Bearer error="insufficient_claims", claims="${base64("nbf=1")}"`],
    ["claims that are a JSON array", `Bearer error="insufficient_claims", claims="${base64("[1]")}"`],
    ["an unterminated quote", `Bearer error="insufficient_claims", claims="${SAMPLE_CLAIMS}`],
    [
      "an absurdly long header",
      `Bearer error="insufficient_claims", claims="${SAMPLE_CLAIMS}", x="${"a".repeat(20_000)}"`,
    ],
  ])("nothing to act on: %s", (_name, header) => {
    expect(parseClaimsChallenge(header)).toBeUndefined();
  });
});

describe("mergeClaimsRequests", () => {
  it("keeps the client's capabilities beside the challenge's demands", () => {
    const merged = mergeClaimsRequests('{"access_token":{"xms_cc":{"values":["cp1"]}}}', SAMPLE_JSON);
    expect(JSON.parse(merged)).toEqual({
      access_token: { xms_cc: { values: ["cp1"] }, nbf: { essential: true, value: "1604106651" } },
    });
  });

  it("keeps a __proto__ member as data and refuses non-objects", () => {
    const merged = mergeClaimsRequests("{}", '{"__proto__":{"polluted":true}}');
    expect(JSON.parse(merged)).toEqual({ ["__proto__"]: { polluted: true } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => mergeClaimsRequests("[]")).toThrow(TypeError);
  });
});

describe("beginLogin({ claims })", () => {
  it("sends the claims request as the OIDC claims parameter", async () => {
    const idp = await createFakeIssuer();
    const provider = oidc({
      id: "p",
      issuer: idp.issuer,
      clientId: "app",
      redirectUri: "https://app.example/cb",
      runtime: { fetch: idp.fetch },
    });
    const { url } = await provider.beginLogin({ claims: SAMPLE_JSON });
    expect(url.searchParams.get("claims")).toBe(SAMPLE_JSON);
    expect((await provider.beginLogin()).url.searchParams.has("claims")).toBe(false);
  });

  it("refuses claims that are not the JSON text of an object, before any request", async () => {
    const provider = entraId({
      id: "entra",
      tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      clientId: "app",
      redirectUri: "https://app.example/cb",
      runtime: { fetch: () => Promise.reject(new Error("no network expected")) },
    });
    await expect(provider.beginLogin({ claims: SAMPLE_CLAIMS })).rejects.toThrow(TypeError);
  });
});
