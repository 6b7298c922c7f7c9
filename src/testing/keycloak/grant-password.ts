/**
 * `grant_type=password` (direct access grants) with Keycloak 26.7.3's
 * answers (docs/reference/keycloak.md §4.1 and the captured fixtures): a wrong password,
 * an unknown user and a brute-force lock all answer 400 "Invalid user
 * credentials"; only "Account disabled" is explicit.
 */

import type { Grant } from "./grant-support.js";
import { fail, invalidGrant } from "./http.js";
import { grantedScope } from "./scopes.js";
import { tokenResponse } from "./tokens.js";
import { checkDirectGrant } from "./user-checks.js";

export const passwordGrant: Grant = async (core, ctx, realm, client) => {
  if (!client.directAccessGrants)
    fail(400, "unauthorized_client", "Client not allowed for direct access grants");
  const username = ctx.form.get("username");
  if (!username) fail(401, "invalid_request", "Missing parameter: username");
  const scope = grantedScope(ctx.form.get("scope") ?? undefined);
  const check = checkDirectGrant(realm, username, ctx.form.get("password") ?? "", core.now());
  if (!check.ok) {
    if (check.refusal === "disabled") invalidGrant("Account disabled");
    if (check.refusal === "required_action") invalidGrant("Account is not fully set up");
    invalidGrant("Invalid user credentials");
  }
  const session = core.sessions.startSession(realm.name, check.user.id, core.now());
  session.clients.add(client.clientId);
  return tokenResponse(core, {
    realm,
    client,
    user: check.user,
    session,
    scope,
    grant: "ro",
    acr: "1",
    clientAddress: ctx.remoteAddress,
  });
};
