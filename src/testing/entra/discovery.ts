/**
 * OpenID discovery documents, v2 and v1, field for field as captured from
 * the real service (docs/reference/entra-id.md §1.4) — including what is NOT there
 * (`code_challenge_methods_supported`, `authorization_response_iss_parameter_supported`).
 * Endpoints keep the tenant segment as requested (`common`, a GUID, a domain).
 */
import { type Core, issuerV1, issuerV2 } from "./core.js";
import { type Authority, MSA_TENANT_ID } from "./directory.js";
import { json, metadataHeaders, type Reply, type RequestContext } from "./http.js";

const TEMPLATE = "{tenantid}";

/** The issuer a document announces: the literal `{tenantid}` template on common/organizations (§1.4). */
function issuerTid(authority: Authority): string {
  if (authority.kind === "tenant") return authority.tenant.id;
  if (authority.kind === "consumers") return MSA_TENANT_ID;
  return TEMPLATE;
}

function regionScope(authority: Authority): string | null {
  return authority.kind === "tenant" ? authority.tenant.regionScope : null;
}

const CLOUD = {
  cloud_instance_name: "microsoftonline.com",
  cloud_graph_host_name: "graph.windows.net",
  msgraph_host: "graph.microsoft.com",
  rbac_url: "https://pas.windows.net",
} as const;

export function v2Document(core: Core, authority: Authority): Record<string, unknown> {
  const base = `${core.config.url}/${authority.segment}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: issuerV2(core, issuerTid(authority)),
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
    tenant_region_scope: regionScope(authority),
    ...CLOUD,
  };
}

export function v1Document(core: Core, authority: Authority): Record<string, unknown> {
  const base = `${core.config.url}/${authority.segment}`;
  return {
    token_endpoint: `${base}/oauth2/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "token id_token", "token"],
    scopes_supported: ["openid"],
    issuer: issuerV1(core, issuerTid(authority)),
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
    tenant_region_scope: regionScope(authority),
    ...CLOUD,
  };
}

export function discoveryReply(core: Core, ctx: RequestContext, authority: Authority, version: 1 | 2): Reply {
  const body = version === 2 ? v2Document(core, authority) : v1Document(core, authority);
  return json(200, body, metadataHeaders(ctx));
}

/**
 * Instance discovery (§1.1), which MSAL calls when validating an authority:
 * the emulator's host is the only alias of its one cloud.
 */
export function instanceDiscoveryReply(core: Core, ctx: RequestContext): Reply {
  const host = new URL(core.config.url).host;
  const authorization = ctx.url.searchParams.get("authorization_endpoint") ?? "";
  const tenant = /^https?:\/\/[^/]+\/([^/?#]+)/.exec(authorization)?.[1] ?? "common";
  return json(
    200,
    {
      tenant_discovery_endpoint: `${core.config.url}/${tenant}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    },
    metadataHeaders(ctx),
  );
}
