/**
 * `/.well-known/openid-configuration` of a realm, with the fields docs/reference/keycloak.md
 * §2 lists. Only endpoints the emulator serves are named; `[guess]` marks
 * the value lists that docs/reference/keycloak.md does not spell out (a real 26.7.3
 * document names more endpoints, algorithms and claims).
 */
import { type Core, oidcBase, realmUrl } from "./core.js";
import { metadata, type Reply } from "./http.js";
import type { RealmRecord } from "./model.js";

export function discoveryDocument(core: Core, realm: RealmRecord): Record<string, unknown> {
  const oidc = oidcBase(core, realm.name);
  return {
    issuer: realmUrl(core, realm.name),
    authorization_endpoint: `${oidc}/auth`,
    token_endpoint: `${oidc}/token`,
    introspection_endpoint: `${oidc}/token/introspect`,
    userinfo_endpoint: `${oidc}/userinfo`,
    end_session_endpoint: `${oidc}/logout`,
    frontchannel_logout_session_supported: true,
    frontchannel_logout_supported: true,
    jwks_uri: `${oidc}/certs`,
    grant_types_supported: [
      "authorization_code",
      "client_credentials",
      "password",
      "refresh_token",
      "urn:ietf:params:oauth:grant-type:device_code",
    ],
    acr_values_supported: ["0", "1"],
    response_types_supported: ["code"], // [guess] Keycloak lists implicit and hybrid types too
    subject_types_supported: ["public", "pairwise"],
    prompt_values_supported: ["none", "login", "consent"],
    id_token_signing_alg_values_supported: ["RS256"], // [guess] Keycloak lists every algorithm it could use
    userinfo_signing_alg_values_supported: ["RS256"],
    response_modes_supported: ["query", "fragment"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    token_endpoint_auth_signing_alg_values_supported: ["RS256"],
    claims_supported: [
      "aud",
      "sub",
      "iss",
      "auth_time",
      "name",
      "given_name",
      "family_name",
      "preferred_username",
      "email",
      "acr",
    ],
    claim_types_supported: ["normal"],
    scopes_supported: [
      "openid",
      "profile",
      "email",
      "roles",
      "web-origins",
      "acr",
      "basic",
      "offline_access",
      "address",
      "phone",
      "microprofile-jwt",
      "organization",
    ],
    code_challenge_methods_supported: ["plain", "S256"],
    revocation_endpoint: `${oidc}/revoke`,
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    // Advertised as by Keycloak; the emulator sends no back-channel logout tokens.
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    device_authorization_endpoint: `${oidc}/auth/device`,
    authorization_response_iss_parameter_supported: true,
  };
}

export function discoveryReply(core: Core, realm: RealmRecord): Reply {
  return metadata(discoveryDocument(core, realm));
}
