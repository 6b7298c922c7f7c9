/**
 * Application-initiated actions (Keycloak's "Application Initiated Actions"):
 * an authorization request with `kc_action=<alias>` authenticates the person
 * (SSO cookie or login form), runs that action, and returns to the client
 * with the code plus `kc_action_status` (`success`, `cancelled`, `error`) and
 * `kc_action`. The emulator knows one action: `webauthn-register-passwordless`
 * in a realm with passkeys.
 */
import type { Core } from "./core.js";
import { html, type Reply, type RequestContext } from "./http.js";
import { completeBrowserLogin } from "./login-actions.js";
import type { RealmRecord, UserRecord } from "./model.js";
import { PASSKEY_ACTION, passkeyRegistrationPage } from "./passkey-pages.js";
import type { LoginTransaction } from "./sessions.js";
import { ssoSession } from "./sso.js";

export type ActionStatus = "success" | "cancelled" | "error";

/** The action's page, once the person is authenticated. */
export function applicationInitiatedAction(
  core: Core,
  realm: RealmRecord,
  login: LoginTransaction,
  user: UserRecord,
): Reply {
  if (login.request.kcAction === PASSKEY_ACTION && realm.passkeys) {
    return html(200, passkeyRegistrationPage(core, realm, login, user));
  }
  // [guess] An action the realm does not offer: the login completes, reporting the action failed.
  return finishAction(core, undefined, realm, login, user, "error");
}

/** The end of the action: the login completes (in the browser's SSO session when it has one for this user). */
export function finishAction(
  core: Core,
  ctx: RequestContext | undefined,
  realm: RealmRecord,
  login: LoginTransaction,
  user: UserRecord,
  status: ActionStatus,
): Reply {
  core.sessions.endLogin(login.tabId);
  const sso = ctx === undefined ? undefined : ssoSession(core, ctx, realm);
  const session =
    sso && sso.user.id === user.id
      ? sso.session
      : core.sessions.startSession(realm.name, user.id, core.now());
  return completeBrowserLogin(core, realm, login.request, session, "1", [
    ["kc_action_status", status],
    ["kc_action", login.request.kcAction ?? ""],
  ]);
}
