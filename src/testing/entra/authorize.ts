/**
 * The authorize endpoint and its sign-in page (docs/reference/entra-id.md §2). Validation runs
 * in two phases, because where an error goes depends on what is known
 * (§2.3): until the client and its redirect URI are validated, refusals are
 * an HTML page; after that they go back to the redirect URI, encoded as
 * Entra does. Success is `code`, `state` and `session_state` — no RFC 9207
 * `iss` (Entra does not send it and discovery does not announce it). The v1
 * endpoint (`/oauth2/authorize`, §1.3) is the same page and flow; it names
 * the API with `resource=` instead of `scope=`.
 */

import { base64url } from "jose";
import { AADSTS, TENANT_STATE } from "./aadsts.js";
import { parseClaimsRequest } from "./claims-request.js";
import { findClient } from "./client-auth.js";
import type { Core } from "./core.js";
import { type AppRecord, type Authority, MSA_TENANT_ID } from "./directory.js";
import { describeProblem, EntraProblem, fail, pageErrorOf, problemPage } from "./errors.js";
import { dotnetQuery, html, param, type Reply, type RequestContext, redirect } from "./http.js";
import { randomBase64Url } from "./ids.js";
import { formPostPage, signInPage } from "./pages.js";
import { type Protocol, requestedScopes, resourceParameter } from "./protocol.js";
import { admits, authorityLabel, checkAccountAtSignIn, signInWithPassword } from "./sign-in.js";
import type { Authentication, SignInRequest } from "./store.js";
import { requireResourceIn } from "./tokens.js";

/** Entra's SSO cookie; its value is the session id (`sid`, `session_state`). */
export const SESSION_COOKIE = "ESTSAUTH";

interface Target {
  readonly redirectUri: string;
  readonly responseMode: SignInRequest["responseMode"];
  readonly state: string | undefined;
}

export function authorizeReply(
  core: Core,
  ctx: RequestContext,
  authority: Authority,
  protocol: Protocol = 2,
): Reply {
  let client: AppRecord;
  let target: Target;
  try {
    client = clientOf(core, ctx, authority);
    target = {
      redirectUri: redirectUriOf(ctx, client),
      responseMode: responseModeOf(ctx),
      state: param(ctx, "state"),
    };
  } catch (problem) {
    return deliver(core, ctx, problem, undefined);
  }
  const silent = param(ctx, "prompt") === "none";
  try {
    const request = signInRequestOf(core, ctx, authority, client, target, protocol);
    if (silent) return complete(core, ctx, request, silentSignIn(core, ctx, request), false);
    const transaction = core.store.beginSignIn(request, ctx.now);
    return html(200, signInPage(pageModel(request, transaction)), ctx);
  } catch (problem) {
    return deliver(core, ctx, problem, target, silent);
  }
}

/** POST of the sign-in form (`/{tenant}/login`, as on the real service). */
export function loginReply(core: Core, ctx: RequestContext): Reply {
  const transaction = ctx.form.get("ctx") ?? "";
  const request = core.store.signInRequest(transaction, ctx.now);
  if (!request) return problemPage(core.config, ctx, new EntraProblem("flow_expired"));
  try {
    const login = ctx.form.get("login") ?? "";
    const auth = signInWithPassword(
      core,
      request.authority,
      request.client,
      request.scopes.resource,
      login,
      ctx.form.get("passwd") ?? "",
    );
    core.store.endSignIn(transaction);
    return complete(core, ctx, request, auth, true);
  } catch (problem) {
    if (problem instanceof EntraProblem && AADSTS[problem.situation].authorize === "form") {
      const model = { ...pageModel(request, transaction), error: pageErrorOf(core.config, ctx, problem) };
      return html(200, signInPage({ ...model, loginHint: ctx.form.get("login") ?? "" }), ctx);
    }
    return deliver(core, ctx, problem, request);
  }
}

function pageModel(request: SignInRequest, transaction: string) {
  return {
    action: `/${request.authority.segment}/login`,
    appName: request.client.displayName,
    loginHint: request.loginHint,
    ctx: transaction,
    flowToken: randomBase64Url(32),
  };
}

// ---- phase 1: errors shown on a page ----------------------------------------------------------

function clientOf(core: Core, ctx: RequestContext, authority: Authority): AppRecord {
  if (authority.kind === "tenant") {
    const refusal = TENANT_STATE[authority.tenant.state];
    if (refusal) fail(refusal, { tenant: authority.segment });
  }
  const tenantId =
    authority.kind === "tenant"
      ? authority.tenant.id
      : authority.kind === "consumers"
        ? MSA_TENANT_ID
        : undefined;
  const app = findClient(core, param(ctx, "client_id"), tenantId, authorityLabel(authority));
  if ((authority.kind === "common" || authority.kind === "organizations") && !app.multiTenant) {
    fail("not_multi_tenant", { clientId: app.clientId, appName: app.displayName });
  }
  return app;
}

function redirectUriOf(ctx: RequestContext, app: AppRecord): string {
  const given = param(ctx, "redirect_uri");
  const uri = given ?? app.redirectUris[0]; // "if omitted one registered URI is picked" (§2.1)
  if (uri === undefined || !app.redirectUris.some((registered) => redirectMatches(registered, uri))) {
    fail("redirect_uri_mismatch", { redirectUri: given ?? "", clientId: app.clientId });
  }
  return uri;
}

/** Exact match, except that loopback `http` URIs match on any port (Entra's localhost exception). */
function redirectMatches(registered: string, candidate: string): boolean {
  if (registered === candidate) return true;
  const loopback = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/.*)?$/i;
  const a = loopback.exec(registered);
  const b = loopback.exec(candidate);
  return !!a && !!b && a[1]?.toLowerCase() === b[1]?.toLowerCase() && (a[3] ?? "/") === (b[3] ?? "/");
}

function responseModeOf(ctx: RequestContext): Target["responseMode"] {
  const mode = param(ctx, "response_mode");
  return mode === "fragment" || mode === "form_post" ? mode : "query";
}

// ---- phase 2: errors redirected to the app ----------------------------------------------------

function signInRequestOf(
  core: Core,
  ctx: RequestContext,
  authority: Authority,
  client: AppRecord,
  target: Target,
  protocol: Protocol,
): SignInRequest {
  const responseType = param(ctx, "response_type");
  if (!responseType) fail("missing_parameter", { name: "response_type" });
  if (responseType.trim() !== "code") fail("unsupported_response_type", { responseType });
  const mode = param(ctx, "response_mode");
  if (mode !== undefined && !["query", "fragment", "form_post"].includes(mode)) fail("invalid_request");
  const scopes = requestedScopes((name) => param(ctx, name), core.directory, protocol);
  if (!scopes) fail("missing_parameter", { name: resourceParameter(protocol) });
  if (authority.kind === "tenant") requireResourceIn(core, scopes.resource, authority.tenant);
  const claimsRequest = parseClaimsRequest(param(ctx, "claims"));
  if (!claimsRequest) fail("invalid_request");
  return {
    authority,
    client,
    ...target,
    nonce: param(ctx, "nonce"),
    scopes,
    codeChallenge: codeChallengeOf(ctx),
    clientInfo: param(ctx, "client_info") === "1",
    loginHint: param(ctx, "login_hint") ?? "",
    claimsRequest,
  };
}

function codeChallengeOf(ctx: RequestContext): SignInRequest["codeChallenge"] {
  const value = param(ctx, "code_challenge");
  if (value === undefined) return undefined;
  const method = param(ctx, "code_challenge_method") ?? "plain"; // RFC 7636 §4.3 default
  if (method !== "S256" && method !== "plain") fail("invalid_request");
  if (value.length < 43 || value.length > 128) fail("pkce_challenge_invalid");
  return { value, method };
}

/** `prompt=none`: only an existing session (the SSO cookie) can answer; otherwise 50058 (§2.3). */
function silentSignIn(core: Core, ctx: RequestContext, request: SignInRequest): Authentication {
  const sid = ctx.cookies.get(SESSION_COOKIE);
  const session = sid ? core.store.session(sid) : undefined;
  const user = session && !session.ended ? core.directory.user(session.auth.oid) : undefined;
  if (!session || !user || user.state === "deleted" || !admits(request.authority, user))
    fail("login_required");
  checkAccountAtSignIn(core, user, request.scopes.resource);
  return session.auth;
}

// ---- answers ------------------------------------------------------------------------------------

function complete(
  core: Core,
  ctx: RequestContext,
  request: SignInRequest,
  auth: Authentication,
  newSession: boolean,
): Reply {
  const tenant = core.directory.tenant(auth.tid);
  if (tenant) requireResourceIn(core, request.scopes.resource, tenant); // common: the user's tenant is known only now
  const code = core.store.issueCode(request, auth, ctx.now);
  const pairs: [string, string][] = [["code", code]];
  if (request.clientInfo) {
    pairs.push(["client_info", base64url.encode(JSON.stringify({ uid: auth.oid, utid: auth.tid }))]);
  }
  if (request.state !== undefined) pairs.push(["state", request.state]);
  pairs.push(["session_state", auth.sid]);
  const cookie = newSession
    ? { "Set-Cookie": `${SESSION_COOKIE}=${auth.sid}; path=/; HttpOnly; SameSite=None` }
    : {};
  return respond(ctx, request, pairs, cookie);
}

function respond(
  ctx: RequestContext,
  target: Target,
  pairs: [string, string][],
  extra: Record<string, string> = {},
): Reply {
  if (target.responseMode === "form_post")
    return html(200, formPostPage(target.redirectUri, pairs), ctx, extra);
  const query = dotnetQuery(pairs);
  const uri = target.redirectUri;
  const location =
    target.responseMode === "fragment" ? `${uri}#${query}` : `${uri}${uri.includes("?") ? "&" : "?"}${query}`;
  return redirect(location, ctx, extra);
}

/**
 * A refusal at the authorize endpoint: redirected when the row says so and
 * the redirect URI is trusted; otherwise the error page. Under
 * `prompt=none` nothing can be shown, so form errors are redirected too.
 */
function deliver(
  core: Core,
  ctx: RequestContext,
  problem: unknown,
  target: Target | undefined,
  silent = false,
): Reply {
  if (!(problem instanceof EntraProblem)) throw problem;
  const row = AADSTS[problem.situation];
  const redirected = row.authorize === "redirect" || (silent && row.authorize === "form");
  if (!target || !redirected) return problemPage(core.config, ctx, problem);
  const described = describeProblem(core.config, ctx, problem);
  const override = core.config.errorOverrides[described.code]?.error;
  const fallback =
    silent && row.authorize === "form" ? "interaction_required" : (row.redirectError ?? row.error);
  const pairs: [string, string][] = [
    ["error", override ?? fallback],
    ["error_description", described.description],
  ];
  if (described.errorUri) pairs.push(["error_uri", described.errorUri]);
  if (target.state !== undefined) pairs.push(["state", target.state]);
  return respond(ctx, target, pairs);
}
