/**
 * `GET|POST /realms/{realm}/protocol/openid-connect/auth`: validates the
 * request like Keycloak's AuthorizationEndpoint (docs/reference/keycloak.md §4.2) — errors
 * about the realm, the client or the redirect URI are pages (nobody to
 * redirect to safely); the rest go back to the client as `?error=` with
 * `state` and `iss` (RFC 9207). Then the SSO cookie is honoured, or the
 * login form is shown; with `kc_action`, the action follows (kc-action.ts).
 */
import { randomUUID } from "node:crypto";
import { type Core, realmUrl } from "./core.js";
import {
  cookie,
  fail,
  html,
  OAuthProblem,
  param,
  type Reply,
  type RequestContext,
  redirect,
} from "./http.js";
import { afterPassword, completeBrowserLogin, loginFormReply } from "./login-actions.js";
import type { ClientRecord, RealmRecord } from "./model.js";
import { errorPage } from "./pages.js";
import { grantedScope } from "./scopes.js";
import type { AuthRequest } from "./sessions.js";
import { ssoSession } from "./sso.js";

/** The login transaction lives as long as Keycloak's `accessCodeLifespanLogin` default (1800 s). */
export const LOGIN_LIFESPAN_MS = 1_800_000;

export const AUTH_SESSION_COOKIE = "AUTH_SESSION_ID";

export function redirectUriAllowed(client: ClientRecord, uri: string): boolean {
  return client.redirectUris.some((allowed) =>
    allowed.endsWith("*") ? uri.startsWith(allowed.slice(0, -1)) : uri === allowed,
  );
}

/** `redirect_uri?…` with parameters in Keycloak's order, in the query or the fragment. */
export function clientRedirect(
  request: Pick<AuthRequest, "redirectUri" | "responseMode">,
  pairs: [string, string][],
): string {
  const url = new URL(request.redirectUri ?? "");
  const query = new URLSearchParams(pairs).toString();
  if (request.responseMode === "fragment") return `${url.href.replace(/#.*$/, "")}#${query}`;
  for (const [key, value] of pairs) url.searchParams.append(key, value);
  return url.href;
}

function errorRedirect(core: Core, realm: RealmRecord, request: AuthRequest, problem: OAuthProblem): Reply {
  const pairs: [string, string][] = [["error", problem.error]];
  if (problem.description) pairs.push(["error_description", problem.description]);
  if (request.state !== undefined) pairs.push(["state", request.state]);
  pairs.push(["iss", realmUrl(core, realm.name)]);
  return redirect(clientRedirect(request, pairs));
}

export async function authorizeReply(core: Core, ctx: RequestContext, realm: RealmRecord): Promise<Reply> {
  // [guess] statuses of these pages.
  if (!realm.enabled) return html(403, errorPage(realm.name, "Realm not enabled"));
  const clientId = param(ctx, "client_id");
  const client = clientId === undefined ? undefined : realm.clients.get(clientId);
  if (!client) return html(400, errorPage(realm.name, "Client not found."));
  if (!client.enabled) return html(400, errorPage(realm.name, "Login requester not enabled"));
  const redirectUri = param(ctx, "redirect_uri");
  if (redirectUri === undefined || !redirectUriAllowed(client, redirectUri)) {
    return html(400, errorPage(realm.name, "Invalid parameter: redirect_uri"));
  }
  const responseMode = param(ctx, "response_mode") === "fragment" ? "fragment" : "query";
  const challenge = param(ctx, "code_challenge");
  const method = param(ctx, "code_challenge_method") ?? (challenge ? "plain" : undefined);
  const base = {
    realm: realm.name,
    clientId: client.clientId,
    redirectUri,
    state: param(ctx, "state"),
    nonce: param(ctx, "nonce"),
    responseMode,
    loginHint: param(ctx, "login_hint"),
    kcAction: param(ctx, "kc_action"),
    deviceCode: undefined,
  } as const;
  let request: AuthRequest = { ...base, scope: "", codeChallenge: undefined };
  try {
    request = {
      ...base,
      scope: validate(ctx, client, challenge, method),
      codeChallenge: pkceOf(challenge, method),
    };
  } catch (error) {
    if (error instanceof OAuthProblem) return errorRedirect(core, realm, request, error);
    throw error;
  }
  const prompt = param(ctx, "prompt");
  const sso = prompt === "login" ? undefined : ssoSession(core, ctx, realm);
  if (sso && request.kcAction === undefined)
    return completeBrowserLogin(core, realm, request, sso.session, "0");
  if (!sso && prompt === "none")
    return errorRedirect(core, realm, request, new OAuthProblem(400, "login_required", undefined));
  if (prompt === "none" && request.kcAction !== undefined) {
    // [guess] OpenID Connect Core §3.1.2.6: an action needs a page, which prompt=none forbids.
    return errorRedirect(core, realm, request, new OAuthProblem(400, "interaction_required", undefined));
  }
  const browserId = ctx.cookies.get(AUTH_SESSION_COOKIE) ?? randomUUID();
  const login = core.sessions.beginLogin(request, browserId, core.now() + LOGIN_LIFESPAN_MS);
  const realmPath = new URL(realmUrl(core, realm.name)).pathname;
  const cookies = [cookie(AUTH_SESSION_COOKIE, browserId, realmPath)];
  if (sso) {
    // An application-initiated action (`kc_action`) in a browser already signed in: straight to the action.
    login.userId = sso.user.id;
    return withCookies(afterPassword(core, realm, login, sso.user), cookies);
  }
  return loginFormReply(core, realm, login, 200, undefined, cookies);
}

function withCookies(reply: Reply, cookies: readonly string[]): Reply {
  const set = reply.headers["Set-Cookie"];
  const existing = set === undefined ? [] : typeof set === "string" ? [set] : set;
  return { ...reply, headers: { ...reply.headers, "Set-Cookie": [...cookies, ...existing] } };
}

/** The checks that answer through the client's redirect URI; returns the granted scope. [guess] wordings. */
function validate(
  ctx: RequestContext,
  client: ClientRecord,
  challenge: string | undefined,
  method: string | undefined,
): string {
  const responseType = param(ctx, "response_type");
  if (responseType === undefined) fail(400, "invalid_request", "Missing parameter: response_type");
  if (responseType !== "code")
    fail(
      400,
      "unsupported_response_type",
      "Client is not allowed to initiate browser login with given response_type. Implicit flow is disabled for the client.",
    );
  if (!client.standardFlow) {
    fail(
      400,
      "unauthorized_client",
      "Client is not allowed to initiate browser login with given response_type. Standard flow is disabled for the client.",
    );
  }
  const mode = param(ctx, "response_mode");
  if (mode !== undefined && mode !== "query" && mode !== "fragment")
    fail(400, "invalid_request", "Invalid parameter: response_mode");
  if (method !== undefined && method !== "S256" && method !== "plain") {
    fail(
      400,
      "invalid_request",
      "Invalid parameter: code challenge method is not matching the configured one",
    );
  }
  if (client.pkce !== undefined) {
    if (!challenge) fail(400, "invalid_request", "Missing parameter: code_challenge");
    if (method !== client.pkce) {
      fail(
        400,
        "invalid_request",
        "Invalid parameter: code challenge method is not matching the configured one",
      );
    }
  }
  return grantedScope(param(ctx, "scope"));
}

function pkceOf(challenge: string | undefined, method: string | undefined): AuthRequest["codeChallenge"] {
  if (!challenge) return undefined;
  return { value: challenge, method: method === "S256" ? "S256" : "plain" };
}
