/**
 * `GET|POST …/protocol/openid-connect/userinfo` with a Bearer access token
 * (docs/reference/keycloak.md §2.4): a bad, expired or revoked token, a disabled user or
 * an ended session → 401 `invalid_token` "Token verification failed" with
 * `WWW-Authenticate`; the token's client disabled → 400 "Client disabled";
 * the user deleted → "User not found" ([guess] 401).
 */
import { userinfoClaims } from "./claims.js";
import type { Core } from "./core.js";
import { headerValue, json, type Reply, type RequestContext } from "./http.js";
import type { RealmRecord } from "./model.js";
import { checkAccessToken } from "./token-checks.js";

function bearerOf(ctx: RequestContext): string | undefined {
  const header = headerValue(ctx.headers, "authorization");
  if (header?.toLowerCase().startsWith("bearer ")) return header.slice(7).trim();
  return ctx.form.get("access_token") ?? undefined;
}

function unauthorized(realm: RealmRecord, description: string): Reply {
  const challenge = `Bearer realm="${realm.name}", error="invalid_token", error_description="${description}"`;
  return json(
    401,
    { error: "invalid_token", error_description: description },
    { "WWW-Authenticate": challenge },
  );
}

export async function userinfoReply(core: Core, ctx: RequestContext, realm: RealmRecord): Promise<Reply> {
  if (!realm.enabled) return json(403, { error: "access_denied", error_description: "Realm not enabled" });
  const token = bearerOf(ctx);
  if (!token) return unauthorized(realm, "Token verification failed"); // [guess] Keycloak: "Missing token"?
  const check = await checkAccessToken(core, realm, token);
  if (!check.ok) {
    if (check.why === "client_disabled")
      return json(400, { error: "invalid_request", error_description: "Client disabled" });
    return unauthorized(realm, check.why === "user_missing" ? "User not found" : "Token verification failed");
  }
  return json(200, userinfoClaims(check.client, check.user));
}
