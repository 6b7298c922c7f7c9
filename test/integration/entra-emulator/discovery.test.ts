// Discovery documents field by field against the real captures (docs/reference/entra-id.md §1.4) and headers (§1.7).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectEntraError, get, startWorld, type World } from "./world.js";

const MSA = "9188040d-6c67-4c5b-b112-36a304b66dad";
let world: World;
let url: string;

beforeAll(async () => {
  world = await startWorld();
  url = world.entra.url;
});
afterAll(() => world.entra.close());

/** The captured `/common/v2.0` document (W-COMMON) with the host and segment swapped. */
function v2Capture(segment: string, issuer: string, region: string | null) {
  const base = `${url}/${segment}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer,
    request_uri_parameter_supported: false,
    userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: region,
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
}

describe("v2 discovery", () => {
  it("common: the captured document, with the literal {tenantid} template issuer, in the same field order", async () => {
    const doc = await get(`${url}/common/v2.0/.well-known/openid-configuration`);
    expect(doc.status).toBe(200);
    const expected = v2Capture("common", `${url}/{tenantid}/v2.0`, null);
    expect(doc.json).toStrictEqual(expected);
    expect(Object.keys(doc.json)).toEqual(Object.keys(expected));
  });

  it("organizations: identical except the path segment", async () => {
    const doc = await get(`${url}/organizations/v2.0/.well-known/openid-configuration`);
    expect(doc.json).toStrictEqual(v2Capture("organizations", `${url}/{tenantid}/v2.0`, null));
  });

  it("a GUID tenant: a concrete issuer and a filled tenant_region_scope", async () => {
    const tid = world.tenant.id;
    const doc = await get(`${url}/${tid}/v2.0/.well-known/openid-configuration`);
    expect(doc.json).toStrictEqual(v2Capture(tid, `${url}/${tid}/v2.0`, "EU"));
    expect(doc.json.issuer).toBe(world.entra.issuerV2(tid));
  });

  it("a verified domain: endpoints keep the domain, the issuer names the tenant GUID", async () => {
    const doc = await get(`${url}/contoso.example/v2.0/.well-known/openid-configuration`);
    expect(doc.json.issuer).toBe(`${url}/${world.tenant.id}/v2.0`);
    expect(doc.json.token_endpoint).toBe(`${url}/contoso.example/oauth2/v2.0/token`);
  });

  it("consumers: the MSA tenant's concrete issuer", async () => {
    const doc = await get(`${url}/consumers/v2.0/.well-known/openid-configuration`);
    expect(doc.json).toStrictEqual(v2Capture("consumers", `${url}/${MSA}/v2.0`, null));
  });

  it("advertises neither PKCE methods nor RFC 9207 iss (the real document does not)", async () => {
    const doc = await get(`${url}/common/v2.0/.well-known/openid-configuration`);
    expect(doc.json).not.toHaveProperty("code_challenge_methods_supported");
    expect(doc.json).not.toHaveProperty("authorization_response_iss_parameter_supported");
  });

  it("sends the §1.7 headers; x-ms-request-id is a fresh GUID per request", async () => {
    const first = await get(`${url}/common/v2.0/.well-known/openid-configuration`);
    const second = await get(`${url}/common/v2.0/.well-known/openid-configuration`);
    expect(Object.fromEntries(first.headers)).toMatchObject({
      "cache-control": "max-age=86400, private",
      "content-type": "application/json; charset=utf-8",
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, OPTIONS",
      "strict-transport-security": "max-age=31536000; includeSubDomains",
      "x-content-type-options": "nosniff",
    });
    expect(first.headers.get("x-ms-ests-server")).toMatch(/^2\.1\.\d+\.\d+ - \w+ ProdSlices$/);
    expect(first.headers.get("x-ms-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers.get("x-ms-request-id")).not.toBe(second.headers.get("x-ms-request-id"));
  });

  it("an unknown tenant is 400 invalid_tenant AADSTS90002 naming the tenant", async () => {
    const result = await get(`${url}/nowhere.example/v2.0/.well-known/openid-configuration`);
    const body = expectEntraError(expect, result, 400, "invalid_tenant", 90002);
    expect(body.error_description).toMatch(/^AADSTS90002: Tenant 'nowhere.example' not found\. /);
    expect(body.error_uri).toBe(`${url}/error?code=90002`);
  });

  it("a deleted tenant is unknown (90002); a blocked one still serves discovery", async () => {
    const gone = world.entra.addTenant();
    const blocked = world.entra.addTenant();
    world.entra.setTenantState(gone.id, "deleted");
    world.entra.setTenantState(blocked.id, "blocked");
    expect((await get(`${url}/${gone.id}/v2.0/.well-known/openid-configuration`)).json.error_codes).toEqual([
      90002,
    ]);
    expect((await get(`${url}/${blocked.id}/v2.0/.well-known/openid-configuration`)).status).toBe(200);
  });
});

describe("v1 discovery", () => {
  it("common: the captured v1 document (R-MSIDT), template issuer with a trailing slash", async () => {
    const doc = await get(`${url}/common/.well-known/openid-configuration`);
    const base = `${url}/common`;
    expect(doc.json).toStrictEqual({
      token_endpoint: `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${base}/discovery/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "token id_token", "token"],
      scopes_supported: ["openid"],
      issuer: `${url}/{tenantid}/`,
      microsoft_multi_refresh_token: true,
      authorization_endpoint: `${base}/oauth2/authorize`,
      device_authorization_endpoint: `${base}/oauth2/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/logout`,
      claims_supported: [
        "sub",
        "iss",
        "cloud_instance_name",
        "cloud_instance_host_name",
        "cloud_graph_host_name",
        "msgraph_host",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "acr",
        "amr",
        "nonce",
        "email",
        "given_name",
        "family_name",
        "nickname",
      ],
      check_session_iframe: `${base}/oauth2/checksession`,
      userinfo_endpoint: `${base}/openid/userinfo`,
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: null,
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
      rbac_url: "https://pas.windows.net",
    });
  });

  it("a tenant: the v1 issuer `<base>/<tid>/`, which differs from the v2 one", async () => {
    const tid = world.tenant.id;
    const doc = await get(`${url}/${tid}/.well-known/openid-configuration`);
    expect(doc.json.issuer).toBe(`${url}/${tid}/`);
    expect(doc.json.issuer).toBe(world.entra.issuerV1(tid));
    expect(doc.json.issuer).not.toBe(world.entra.issuerV2(tid));
  });
});

describe("instance discovery (§1.1)", () => {
  it("answers for the emulator's host, with the tenant of the authorization endpoint", async () => {
    const host = new URL(url).host;
    const authorization = encodeURIComponent(`${url}/${world.tenant.id}/oauth2/v2.0/authorize`);
    const doc = await get(
      `${url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${authorization}`,
    );
    expect(doc.json).toStrictEqual({
      tenant_discovery_endpoint: `${url}/${world.tenant.id}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  });
});

describe("the v1 issuer base", () => {
  it("can be the real sts.windows.net host, as the SDK must accept it from configuration", async () => {
    const world2 = await startWorld({ v1IssuerBase: "https://sts.windows.net/" });
    try {
      const tid = world2.tenant.id;
      expect(world2.entra.issuerV1(tid)).toBe(`https://sts.windows.net/${tid}/`);
      expect(world2.entra.v1IssuerBase).toBe("https://sts.windows.net");
      const doc = await get(`${world2.entra.url}/${tid}/.well-known/openid-configuration`);
      expect(doc.json.issuer).toBe(`https://sts.windows.net/${tid}/`);
    } finally {
      await world2.entra.close();
    }
  });
});
