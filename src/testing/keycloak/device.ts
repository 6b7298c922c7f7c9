/**
 * The device authorization grant (RFC 8628; docs/reference/keycloak.md §2.3):
 * - `POST …/protocol/openid-connect/auth/device` starts a flow;
 * - `GET /realms/{realm}/device?user_code=…` (the `verification_uri_complete`)
 *   goes straight to the login form, then consent, then
 *   "Device Login Successful" at `/device/status` (seen on 26.7.3, see
 *   test/support/keycloak-login.ts); without a usable code the user-code
 *   form is shown.
 */
import { randomUUID } from "node:crypto";
import { AUTH_SESSION_COOKIE, LOGIN_LIFESPAN_MS } from "./authorize.js";
import { authenticateClient } from "./client-auth.js";
import { type Core, realmUrl } from "./core.js";
import {
  checkDuplicates,
  cookie,
  fail,
  html,
  json,
  OAuthProblem,
  problemReply,
  type Reply,
  type RequestContext,
  redirect,
} from "./http.js";
import type { RealmRecord } from "./model.js";
import { deviceCodePage, errorPage, infoPage, MESSAGES } from "./pages.js";
import { grantedScope } from "./scopes.js";

export async function deviceAuthorizationReply(
  core: Core,
  ctx: RequestContext,
  realm: RealmRecord,
): Promise<Reply> {
  try {
    if (!realm.enabled) fail(403, "access_denied", "Realm not enabled");
    checkDuplicates(ctx);
    const client = authenticateClient(realm, ctx);
    if (!client.deviceFlow) {
      // [guess] wording, as at the token endpoint.
      fail(
        400,
        "unauthorized_client",
        "Client is not allowed to initiate OAuth 2.0 Device Authorization Grant. The flow is disabled for the client.",
      );
    }
    const scope = grantedScope(ctx.form.get("scope") ?? undefined);
    const flow = core.sessions.startDeviceFlow({
      realm: realm.name,
      clientId: client.clientId,
      scope,
      expiresAt: core.now() + realm.deviceCodeLifespan * 1000,
      interval: realm.devicePollingInterval,
    });
    const verificationUri = `${realmUrl(core, realm.name)}/device`;
    return json(200, {
      device_code: flow.deviceCode,
      user_code: flow.userCode,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?user_code=${flow.userCode}`,
      expires_in: realm.deviceCodeLifespan,
      interval: flow.interval,
    });
  } catch (error) {
    if (error instanceof OAuthProblem) return problemReply(error);
    throw error;
  }
}

/** `GET|POST /realms/{realm}/device`: a usable code starts the login; otherwise the user-code form. */
export function devicePageReply(core: Core, ctx: RequestContext, realm: RealmRecord): Reply {
  if (!realm.enabled) return html(403, errorPage(realm.name, "Realm not enabled"));
  const action = `${realmUrl(core, realm.name)}/device`;
  const userCode =
    ctx.method === "POST" ? ctx.form.get("device_user_code") : ctx.url.searchParams.get("user_code");
  if (!userCode) return html(200, deviceCodePage(realm.name, action));
  const flow = core.sessions.deviceFlowByUserCode(realm.name, userCode);
  const client = flow ? realm.clients.get(flow.clientId) : undefined;
  if (!flow || !client || flow.status !== "pending" || flow.expiresAt <= core.now()) {
    return html(200, deviceCodePage(realm.name, action, MESSAGES.invalidDeviceCode));
  }
  const browserId = ctx.cookies.get(AUTH_SESSION_COOKIE) ?? randomUUID();
  const login = core.sessions.beginLogin(
    {
      realm: realm.name,
      clientId: client.clientId,
      scope: flow.scope,
      redirectUri: undefined,
      state: undefined,
      nonce: undefined,
      codeChallenge: undefined,
      responseMode: "query",
      loginHint: undefined,
      kcAction: undefined,
      deviceCode: flow.deviceCode,
    },
    browserId,
    core.now() + LOGIN_LIFESPAN_MS,
  );
  const realmPath = new URL(realmUrl(core, realm.name)).pathname;
  const next = `${realmUrl(core, realm.name)}/login-actions/authenticate?${new URLSearchParams({
    client_id: client.clientId,
    tab_id: login.tabId,
  })}`;
  return redirect(next, [cookie(AUTH_SESSION_COOKIE, browserId, realmPath)]);
}

export function deviceStatusReply(_core: Core, _ctx: RequestContext, realm: RealmRecord): Reply {
  return html(
    200,
    infoPage(
      realm.name,
      "Device Login Successful",
      "Device Login Successful. You may now close this browser window.",
    ),
  );
}
