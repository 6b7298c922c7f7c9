/**
 * `POST /realms/{realm}/protocol/openid-connect/token`, checks in the order
 * of Keycloak's TokenEndpoint (docs/reference/keycloak.md §4.4): realm enabled → duplicated
 * parameters → grant type → client authentication → the grant.
 */
import { authenticateClient } from "./client-auth.js";
import type { Core } from "./core.js";
import { authorizationCodeGrant } from "./grant-authorization-code.js";
import { clientCredentialsGrant } from "./grant-client-credentials.js";
import { deviceCodeGrant } from "./grant-device-code.js";
import { passwordGrant } from "./grant-password.js";
import { refreshTokenGrant } from "./grant-refresh-token.js";
import type { Grant } from "./grant-support.js";
import {
  checkDuplicates,
  fail,
  json,
  OAuthProblem,
  problemReply,
  type Reply,
  type RequestContext,
} from "./http.js";
import type { RealmRecord } from "./model.js";

const GRANTS: Readonly<Record<string, Grant>> = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  password: passwordGrant,
  client_credentials: clientCredentialsGrant,
  "urn:ietf:params:oauth:grant-type:device_code": deviceCodeGrant,
};

export async function tokenReply(core: Core, ctx: RequestContext, realm: RealmRecord): Promise<Reply> {
  try {
    if (ctx.method !== "POST") fail(405, "invalid_request", "HTTP method not allowed"); // [guess]
    if (!realm.enabled) fail(403, "access_denied", "Realm not enabled");
    checkDuplicates(ctx);
    const grantType = ctx.form.get("grant_type");
    // [guess] wording for a missing grant_type.
    if (!grantType) fail(400, "invalid_request", "Missing form parameter: grant_type");
    const grant = GRANTS[grantType];
    if (!grant) fail(400, "unsupported_grant_type", "Unsupported grant_type");
    const client = authenticateClient(realm, ctx);
    return json(200, await grant(core, ctx, realm, client));
  } catch (error) {
    if (error instanceof OAuthProblem) return problemReply(error);
    throw error;
  }
}
