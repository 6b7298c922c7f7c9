/**
 * `grant_type=refresh_token`, with Keycloak's refusals in the order its
 * TokenManager checks them (docs/reference/keycloak.md §4.6; [guess] the order itself):
 * garbage → expiry → client → session → user → not-before.
 * Refresh tokens stay reusable (`revokeRefreshToken: false`, the default).
 */

import { type Grant, sessionActive, sessionUser } from "./grant-support.js";
import { fail, invalidGrant } from "./http.js";
import { readRefreshToken, tokenResponse } from "./tokens.js";

export const refreshTokenGrant: Grant = async (core, ctx, realm, client) => {
  const token = ctx.form.get("refresh_token");
  if (!token) fail(400, "invalid_request", "Missing parameter: refresh_token");
  const claims = await readRefreshToken(realm, token);
  if (claims?.typ !== "Refresh" || typeof claims.sid !== "string") invalidGrant("Invalid refresh token");
  if (typeof claims.exp !== "number" || claims.exp * 1000 <= core.now()) invalidGrant("Token is not active");
  if (claims.azp !== client.clientId) {
    invalidGrant("Invalid refresh token. Token client and authorized client don't match");
  }
  const session = core.sessions.session(claims.sid);
  if (!sessionActive(core, realm, session)) invalidGrant("Session not active");
  const user = sessionUser(realm, session);
  const iat = typeof claims.iat === "number" ? claims.iat : 0;
  if (iat < realm.notBefore || iat < user.notBefore) invalidGrant("Stale token");
  session.lastRefresh = core.now();
  const scope = typeof claims.scope === "string" ? claims.scope : "";
  return tokenResponse(core, {
    realm,
    client,
    user,
    session,
    scope,
    grant: "rf",
    acr: "1",
    clientAddress: ctx.remoteAddress,
  });
};
