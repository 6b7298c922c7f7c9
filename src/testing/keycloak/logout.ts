/**
 * `GET|POST …/protocol/openid-connect/logout` — RP-initiated logout
 * (docs/reference/keycloak.md §2.1): with `id_token_hint` the session ends at once and the
 * browser goes to the registered `post_logout_redirect_uri` with `state`;
 * without it Keycloak asks for confirmation. A POST with client credentials
 * and a `refresh_token` is the legacy back-end logout: 204.
 */
import { authenticateClient } from "./client-auth.js";
import { type Core, oidcBase } from "./core.js";
import {
  html,
  OAuthProblem,
  param,
  problemReply,
  type Reply,
  type RequestContext,
  redirect,
} from "./http.js";
import type { ClientRecord, RealmRecord } from "./model.js";
import { errorPage, infoPage, logoutConfirmPage } from "./pages.js";
import { clearSsoCookies } from "./sso.js";
import { readRefreshToken, readSignedToken } from "./tokens.js";

function postLogoutAllowed(client: ClientRecord, uri: string): boolean {
  return client.postLogoutRedirectUris
    .flatMap((entry) => (entry === "+" ? client.redirectUris : [entry]))
    .some((allowed) => (allowed.endsWith("*") ? uri.startsWith(allowed.slice(0, -1)) : uri === allowed));
}

export async function logoutReply(core: Core, ctx: RequestContext, realm: RealmRecord): Promise<Reply> {
  if (!realm.enabled) return html(403, errorPage(realm.name, "Realm not enabled"));
  if (ctx.method === "POST" && ctx.form.has("refresh_token")) return backendLogout(core, ctx, realm);
  if (param(ctx, "redirect_uri") !== undefined) {
    return html(400, errorPage(realm.name, "Parameter 'redirect_uri' no longer supported."));
  }
  const hint = param(ctx, "id_token_hint");
  const claims = hint === undefined ? undefined : await readSignedToken(core, realm, hint);
  // [guess] wordings of the two pages below.
  if (hint !== undefined && claims?.typ !== "ID") return html(400, errorPage(realm.name, "Invalid IDToken"));
  const clientId = param(ctx, "client_id") ?? (typeof claims?.azp === "string" ? claims.azp : undefined);
  const postLogout = param(ctx, "post_logout_redirect_uri");
  const state = param(ctx, "state");
  if (postLogout !== undefined) {
    if (clientId === undefined) return html(400, errorPage(realm.name, "Missing parameters: id_token_hint"));
    const client = realm.clients.get(clientId);
    if (!client || !postLogoutAllowed(client, postLogout))
      return html(400, errorPage(realm.name, "Invalid redirect uri"));
  }
  const confirmed = ctx.method === "POST" && ctx.form.has("confirmLogout");
  if (claims === undefined && !confirmed) {
    const fields: Record<string, string> = {};
    if (clientId !== undefined) fields.client_id = clientId;
    if (postLogout !== undefined) fields.post_logout_redirect_uri = postLogout;
    if (state !== undefined) fields.state = state;
    return html(200, logoutConfirmPage(realm.name, `${oidcBase(core, realm.name)}/logout`, fields));
  }
  const sid = typeof claims?.sid === "string" ? claims.sid : ctx.cookies.get("KEYCLOAK_IDENTITY");
  const session = sid === undefined ? undefined : core.sessions.session(sid);
  if (session && session.realm === realm.name) session.ended = true;
  const cookies = clearSsoCookies(core, realm);
  if (postLogout === undefined)
    return html(200, infoPage(realm.name, "You are logged out", "You are logged out"), cookies);
  const target = new URL(postLogout);
  if (state !== undefined) target.searchParams.set("state", state);
  return redirect(target.href, cookies);
}

async function backendLogout(core: Core, ctx: RequestContext, realm: RealmRecord): Promise<Reply> {
  try {
    const client = authenticateClient(realm, ctx);
    const claims = await readRefreshToken(realm, ctx.form.get("refresh_token") ?? "");
    if (!claims || typeof claims.sid !== "string")
      return problemReply(new OAuthProblem(400, "invalid_grant", "Invalid refresh token"));
    if (claims.azp !== client.clientId)
      return problemReply(new OAuthProblem(400, "invalid_grant", "Invalid refresh token"));
    const session = core.sessions.session(claims.sid);
    if (session) session.ended = true;
    return { status: 204, headers: {}, body: "" };
  } catch (error) {
    if (error instanceof OAuthProblem) return problemReply(error);
    throw error;
  }
}
