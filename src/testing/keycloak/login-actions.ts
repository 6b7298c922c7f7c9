/**
 * `/realms/{realm}/login-actions/*`: the steps of one login after the
 * authorization (or device) request — the username/password form, required
 * actions, device consent — and the end of it: a code back to the client,
 * or an approved device flow. A step needs its tab's `AUTH_SESSION_ID`
 * cookie, as in Keycloak.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { AUTH_SESSION_COOKIE, clientRedirect } from "./authorize.js";
import { isLocked } from "./brute-force.js";
import { type Core, realmUrl } from "./core.js";
import { html, type Reply, type RequestContext, redirect } from "./http.js";
import { applicationInitiatedAction } from "./kc-action.js";
import { pendingRequiredActions, type RealmRecord, type UserRecord } from "./model.js";
import { consentPage, errorPage, infoPage, loginPage, MESSAGES, requiredActionPage } from "./pages.js";
import { passkeyLoginSection } from "./passkey-pages.js";
import type { AuthRequest, LoginTransaction, UserSession } from "./sessions.js";
import { ssoCookies, ssoSession } from "./sso.js";
import { checkLoginForm } from "./user-checks.js";

type Step = "authenticate" | "required-action" | "consent";

/**
 * `login-actions/<step>?session_code=…&execution=…&client_id=…&tab_id=…` — the shape of Keycloak's form actions;
 * `execution` names a required action (`webauthn-register-passwordless`), else a random authenticator id.
 */
export function actionUrl(
  core: Core,
  realm: RealmRecord,
  login: LoginTransaction,
  step: Step,
  execution: string = randomUUID(),
): string {
  const query = new URLSearchParams({
    session_code: randomBytes(32).toString("base64url"),
    execution,
    client_id: login.request.clientId,
    tab_id: login.tabId,
  });
  return `${realmUrl(core, realm.name)}/login-actions/${step}?${query}`;
}

export function loginFormReply(
  core: Core,
  realm: RealmRecord,
  login: LoginTransaction,
  status: number,
  message: string | undefined,
  cookies: readonly string[] = [],
  username = login.request.loginHint ?? "",
): Reply {
  const page = loginPage({
    realm: realm.name,
    action: actionUrl(core, realm, login, "authenticate"),
    username,
    ...(message === undefined ? {} : { message }),
    ...(realm.passkeys ? { passkey: passkeyLoginSection(core, realm, login) } : {}),
  });
  return html(status, page, cookies);
}

/** The login of this request, if its tab and cookie match; otherwise the page to show instead. */
export function loginOf(core: Core, ctx: RequestContext, realm: RealmRecord): LoginTransaction | Reply {
  if (!realm.enabled) return html(403, errorPage(realm.name, "Realm not enabled"));
  const tabId = ctx.url.searchParams.get("tab_id") ?? "";
  const login = core.sessions.login(tabId, core.now());
  if (!login || login.request.realm !== realm.name)
    return html(400, errorPage(realm.name, MESSAGES.expiredAction));
  if (ctx.cookies.get(AUTH_SESSION_COOKIE) !== login.browserId) {
    return html(400, errorPage(realm.name, MESSAGES.cookieNotFound));
  }
  const client = realm.clients.get(login.request.clientId);
  if (!client?.enabled) return html(400, errorPage(realm.name, "Login requester not enabled"));
  return login;
}

/** GET of a step: shows where the login stands (the device page redirects here). */
export function showStepReply(core: Core, ctx: RequestContext, realm: RealmRecord): Reply {
  const login = loginOf(core, ctx, realm);
  if (!("tabId" in login)) return login;
  const user = login.userId === undefined ? undefined : realm.users.get(login.userId);
  if (!user) return loginFormReply(core, realm, login, 200, undefined);
  return afterPassword(core, realm, login, user);
}

/** POST of the username/password form. */
export function authenticateReply(core: Core, ctx: RequestContext, realm: RealmRecord): Reply {
  const login = loginOf(core, ctx, realm);
  if (!("tabId" in login)) return login;
  const username = ctx.form.get("username") ?? "";
  const check = checkLoginForm(realm, username, ctx.form.get("password") ?? "", core.now());
  if (!check.ok) {
    const message = check.refusal === "disabled" ? MESSAGES.accountDisabled : MESSAGES.invalidUser;
    // [guess] status: the re-rendered form answers 200.
    return loginFormReply(core, realm, login, 200, message, [], username);
  }
  login.userId = check.user.id;
  return afterPassword(core, realm, login, check.user);
}

/** POST of a required-action page; only UPDATE_PASSWORD can be completed. */
export function requiredActionReply(core: Core, ctx: RequestContext, realm: RealmRecord): Reply {
  const login = loginOf(core, ctx, realm);
  if (!("tabId" in login)) return login;
  const user = login.userId === undefined ? undefined : realm.users.get(login.userId);
  if (!user) return loginFormReply(core, realm, login, 200, undefined);
  const action = pendingRequiredActions(user)[0];
  if (action === "UPDATE_PASSWORD") {
    const password = ctx.form.get("password-new") ?? "";
    const message = !password
      ? MESSAGES.missingPassword
      : password !== ctx.form.get("password-confirm")
        ? MESSAGES.passwordMismatch
        : undefined;
    if (message)
      return html(
        200,
        requiredActionPage(realm.name, action, actionUrl(core, realm, login, "required-action"), message),
      );
    user.password = password;
    user.requiredActions = user.requiredActions.filter((a) => a !== action);
  }
  return afterPassword(core, realm, login, user);
}

/** POST of the device consent form: `accept` approves the device flow, `cancel` denies it. */
export function consentReply(core: Core, ctx: RequestContext, realm: RealmRecord): Reply {
  const login = loginOf(core, ctx, realm);
  if (!("tabId" in login)) return login;
  const user = login.userId === undefined ? undefined : realm.users.get(login.userId);
  const flow =
    login.request.deviceCode === undefined ? undefined : core.sessions.deviceFlow(login.request.deviceCode);
  if (!user || !flow || flow.status !== "pending")
    return html(400, errorPage(realm.name, MESSAGES.expiredAction));
  core.sessions.endLogin(login.tabId);
  if (!ctx.form.has("accept")) {
    flow.status = "denied";
    return html(200, infoPage(realm.name, "Device Login", "Consent denied for connecting the device.")); // [guess]
  }
  const sso = ssoSession(core, ctx, realm);
  const session =
    sso && sso.user.id === user.id
      ? sso.session
      : core.sessions.startSession(realm.name, user.id, core.now());
  flow.status = "approved";
  flow.sessionId = session.id;
  return redirect(`${realmUrl(core, realm.name)}/device/status`, ssoCookies(core, realm, session));
}

/** The person is authenticated (password or passkey): required actions, `kc_action`, device consent, or done. */
export function afterPassword(
  core: Core,
  realm: RealmRecord,
  login: LoginTransaction,
  user: UserRecord,
): Reply {
  if (!user.enabled || isLocked(realm, user, core.now())) {
    const message = user.enabled ? MESSAGES.invalidUser : MESSAGES.accountDisabled;
    login.userId = undefined;
    return loginFormReply(core, realm, login, 200, message);
  }
  const action = pendingRequiredActions(user)[0];
  if (action !== undefined) {
    return html(
      200,
      requiredActionPage(realm.name, action, actionUrl(core, realm, login, "required-action")),
    );
  }
  if (login.request.kcAction !== undefined) return applicationInitiatedAction(core, realm, login, user);
  if (login.request.deviceCode !== undefined) {
    const scopes = login.request.scope.split(" ").filter(Boolean);
    return html(
      200,
      consentPage(realm.name, login.request.clientId, actionUrl(core, realm, login, "consent"), scopes),
    );
  }
  core.sessions.endLogin(login.tabId);
  const session = core.sessions.startSession(realm.name, user.id, core.now());
  return completeBrowserLogin(core, realm, login.request, session, "1");
}

/**
 * The end of a browser login: a code back to the client's redirect URI as
 * `?state=…&session_state=…&iss=…&code=…`, and the SSO cookies.
 */
export function completeBrowserLogin(
  core: Core,
  realm: RealmRecord,
  request: AuthRequest,
  session: UserSession,
  acr: "0" | "1",
  extra: readonly [string, string][] = [],
): Reply {
  const client = realm.clients.get(request.clientId);
  if (!client) return html(400, errorPage(realm.name, "Client not found."));
  const code = core.sessions.issueCode(
    {
      realm: realm.name,
      clientId: client.clientId,
      sessionId: session.id,
      request,
      expiresAt: core.now() + realm.accessCodeLifespan * 1000,
      acr,
    },
    client.id,
  );
  const pairs: [string, string][] = [];
  if (request.state !== undefined) pairs.push(["state", request.state]);
  // [guess] where `kc_action_status`/`kc_action` go among the others: before the code.
  pairs.push(["session_state", session.id], ["iss", realmUrl(core, realm.name)], ...extra, ["code", code]);
  return redirect(clientRedirect(request, pairs), ssoCookies(core, realm, session));
}
