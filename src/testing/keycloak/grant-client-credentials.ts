/**
 * `grant_type=client_credentials` (docs/reference/keycloak.md §3.1, §4.3): the client's
 * service-account user is the subject; no session, so no `sid` and no
 * refresh token.
 */

import type { Grant } from "./grant-support.js";
import { fail, invalidGrant } from "./http.js";
import { serviceAccountOf } from "./model.js";
import { grantedScope } from "./scopes.js";
import { tokenResponse } from "./tokens.js";

export const clientCredentialsGrant: Grant = async (core, ctx, realm, client) => {
  if (client.publicClient)
    fail(400, "unauthorized_client", "Public client not allowed to retrieve service account");
  const user = client.serviceAccount ? serviceAccountOf(realm, client) : undefined;
  if (!user) fail(400, "unauthorized_client", "Client not enabled to retrieve service account");
  // [guess] wording for a disabled service-account user.
  if (!user.enabled) invalidGrant("User disabled");
  const scope = grantedScope(ctx.form.get("scope") ?? undefined);
  return tokenResponse(core, {
    realm,
    client,
    user,
    session: undefined,
    scope,
    grant: "cc",
    acr: "1",
    clientAddress: ctx.remoteAddress,
  });
};
