/**
 * `grant_type=authorization_code` (docs/reference/keycloak.md §4.5): single-use codes,
 * `redirect_uri` and PKCE checked, the user re-checked at exchange time.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { type Grant, sessionActive, sessionUser } from "./grant-support.js";
import { fail, invalidGrant } from "./http.js";
import { tokenResponse } from "./tokens.js";

export const authorizationCodeGrant: Grant = async (core, ctx, realm, client) => {
  // [guess] wording, as the other "not allowed" answers.
  if (!client.standardFlow) fail(400, "unauthorized_client", "Client not allowed to exchange code");
  const value = ctx.form.get("code");
  if (!value) fail(400, "invalid_request", "Missing parameter: code");
  const code = core.sessions.code(value);
  if (!code || code.used || code.realm !== realm.name || code.clientId !== client.clientId) {
    invalidGrant("Code not valid");
  }
  code.used = true;
  if (code.expiresAt <= core.now()) invalidGrant("Code is expired");
  const session = core.sessions.session(code.sessionId);
  if (!sessionActive(core, realm, session)) invalidGrant("Code not valid");
  const user = sessionUser(realm, session);
  if (ctx.form.get("redirect_uri") !== code.request.redirectUri) invalidGrant("Incorrect redirect_uri");
  checkPkce(code.request.codeChallenge, ctx.form.get("code_verifier") ?? undefined);
  session.clients.add(client.clientId);
  return tokenResponse(
    core,
    {
      realm,
      client,
      user,
      session,
      scope: code.request.scope,
      grant: "ac",
      acr: code.acr,
      clientAddress: ctx.remoteAddress,
    },
    code.request.nonce,
  );
};

/** [guess] wordings of Keycloak's PKCE refusals (docs/reference/keycloak.md §4.5 only says "a PKCE … description"). */
function checkPkce(
  challenge: { readonly value: string; readonly method: "S256" | "plain" } | undefined,
  verifier: string | undefined,
): void {
  if (!challenge) return;
  if (!verifier) invalidGrant("PKCE code verifier not specified");
  const computed =
    challenge.method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
  const a = Buffer.from(computed);
  const b = Buffer.from(challenge.value);
  if (a.length !== b.length || !timingSafeEqual(a, b))
    invalidGrant("PKCE verification failed: Code mismatch");
}
