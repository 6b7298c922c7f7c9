/**
 * Token introspection and revocation (docs/reference/keycloak.md §2.4), for access tokens:
 * introspection needs client authentication and — since 26.6.2 — the
 * introspecting client in the token's `aud`, else `{"active":false}`.
 * Revocation ends the session of a refresh token, or puts an access token's
 * `jti` on the revoked list. [guess] Refresh tokens are never reported active
 * by the emulator's introspection.
 */
import { authenticateClient } from "./client-auth.js";
import type { Core } from "./core.js";
import { fail, json, OAuthProblem, problemReply, type Reply, type RequestContext } from "./http.js";
import type { RealmRecord } from "./model.js";
import { checkAccessToken } from "./token-checks.js";
import { readRefreshToken, readSignedToken } from "./tokens.js";

async function guarded(run: () => Promise<Reply>): Promise<Reply> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof OAuthProblem) return problemReply(error);
    throw error;
  }
}

export function introspectionReply(core: Core, ctx: RequestContext, realm: RealmRecord): Promise<Reply> {
  return guarded(async () => {
    if (!realm.enabled) fail(403, "access_denied", "Realm not enabled");
    const client = authenticateClient(realm, ctx);
    const check = await checkAccessToken(core, realm, ctx.form.get("token") ?? "");
    const audience = check.ok ? [check.claims.aud].flat() : [];
    if (!check.ok || !audience.includes(client.clientId)) return json(200, { active: false });
    const { claims } = check;
    return json(200, {
      ...claims,
      client_id: claims.azp,
      username: claims.preferred_username,
      token_type: "Bearer",
      active: true,
    });
  });
}

export function revocationReply(core: Core, ctx: RequestContext, realm: RealmRecord): Promise<Reply> {
  return guarded(async () => {
    if (!realm.enabled) fail(403, "access_denied", "Realm not enabled");
    const client = authenticateClient(realm, ctx);
    const hint = ctx.form.get("token_type_hint");
    if (hint !== null && hint !== "access_token" && hint !== "refresh_token") {
      fail(400, "unsupported_token_type", "Unsupported token type");
    }
    const token = ctx.form.get("token") ?? "";
    const refresh = await readRefreshToken(realm, token);
    const claims = refresh ?? (await readSignedToken(core, realm, token));
    if (!claims) return { status: 200, headers: {}, body: "" }; // RFC 7009: nothing to say about garbage
    if (claims.azp !== client.clientId) fail(400, "invalid_request", "Unmatching clients");
    if (refresh && typeof refresh.sid === "string") {
      const session = core.sessions.session(refresh.sid);
      if (session) session.ended = true;
    } else if (typeof claims.jti === "string") {
      core.sessions.revoke(claims.jti);
    }
    return { status: 200, headers: {}, body: "" };
  });
}
