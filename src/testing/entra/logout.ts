/**
 * `GET|POST /{tenant}/oauth2/v2.0/logout` (docs/reference/entra-id.md §2.4), and the v1
 * `/{tenant}/oauth2/logout` (§1.3) with the same behaviour [guess: docs/reference/entra-id.md
 * lists the v1 route but describes only v2's parameters]: ends the SSO
 * session and returns to `post_logout_redirect_uri` when it is a registered
 * redirect URI, else shows "You signed out". Refresh tokens survive it — a
 * single sign-out revokes browser (cookie) sessions, not the tokens apps
 * hold (§7, "Single sign-out": token columns alive).
 */
import { SESSION_COOKIE } from "./authorize.js";
import type { Core } from "./core.js";
import { dotnetQuery, html, param, type Reply, type RequestContext, redirect } from "./http.js";
import { signedOutPage } from "./pages.js";

export function logoutReply(core: Core, ctx: RequestContext): Reply {
  const sid = ctx.cookies.get(SESSION_COOKIE);
  const session = sid ? core.store.session(sid) : undefined;
  if (session) session.ended = true;
  const clear = {
    "Set-Cookie": `${SESSION_COOKIE}=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly`,
  };
  const target = param(ctx, "post_logout_redirect_uri");
  const clientId = param(ctx, "client_id");
  const apps = clientId
    ? [core.directory.app(clientId)].filter((a) => a !== undefined)
    : core.directory.apps();
  if (target && apps.some((app) => app.redirectUris.includes(target))) {
    const state = param(ctx, "state");
    const location =
      state === undefined
        ? target
        : `${target}${target.includes("?") ? "&" : "?"}${dotnetQuery([["state", state]])}`;
    return redirect(location, ctx, clear);
  }
  return html(200, signedOutPage(), ctx, clear);
}
