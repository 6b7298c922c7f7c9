/**
 * POST of the login page's "Sign in with Passkey" form
 * (`login-actions/authenticate`, fields credentialId, clientDataJSON,
 * authenticatorData, signature, userHandle, error): the credential is found
 * by its id among the realm's users (a usernameless sign-in names nobody
 * else), the assertion verified as W3C WebAuthn Level 3 §7.2 says
 * (webauthn/assertion.ts) against this login's challenge (used once), and the
 * user then goes on as after a right password: disabled, locked, required
 * actions. Every refusal re-renders the login page with a message.
 */
import { type Core, rpIdOf } from "./core.js";
import type { Reply, RequestContext } from "./http.js";
import { afterPassword, loginFormReply, loginOf } from "./login-actions.js";
import type { PasskeyRecord, RealmRecord, UserRecord } from "./model.js";
import { MESSAGES } from "./pages.js";
import { verifyAssertion } from "./webauthn/assertion.js";
import { fromBase64url, WebAuthnError } from "./webauthn/errors.js";

/** The login form posts a password; the passkey form posts an assertion. */
export function isPasskeyForm(ctx: RequestContext): boolean {
  return ctx.form.has("authenticatorData") || ctx.form.has("clientDataJSON");
}

export function passkeyLoginReply(core: Core, ctx: RequestContext, realm: RealmRecord): Reply {
  const login = loginOf(core, ctx, realm);
  if (!("tabId" in login)) return login;
  const challenge = core.challenges.take(login.tabId, "get");
  // [guess] Message texts of each refusal (Keycloak's webauthn-error-* messages).
  if (!realm.passkeys || ctx.form.get("error"))
    return loginFormReply(core, realm, login, 200, MESSAGES.passkeyFailed);
  const credentialId = ctx.form.get("credentialId") ?? "";
  const found = findPasskey(realm, credentialId);
  if (!found) return loginFormReply(core, realm, login, 200, MESSAGES.passkeyUnknownUser);
  const { user, passkey } = found;
  try {
    const userHandle = ctx.form.get("userHandle");
    const { signCount } = verifyAssertion(
      {
        credentialId,
        clientDataJSON: fromBase64url(ctx.form.get("clientDataJSON") ?? "", "clientDataJSON"),
        authenticatorData: fromBase64url(ctx.form.get("authenticatorData") ?? "", "authenticatorData"),
        signature: fromBase64url(ctx.form.get("signature") ?? "", "signature"),
        userHandle: userHandle ? fromBase64url(userHandle, "userHandle") : undefined,
      },
      { ...passkey, userHandle: user.id },
      { challenge, origin: new URL(core.url).origin, rpId: rpIdOf(core) },
    );
    passkey.signCount = signCount;
  } catch (err) {
    if (!(err instanceof WebAuthnError)) throw err;
    return loginFormReply(core, realm, login, 200, MESSAGES.passkeyInvalid);
  }
  login.userId = user.id;
  return afterPassword(core, realm, login, user); // disabled or locked users are refused there
}

function findPasskey(
  realm: RealmRecord,
  credentialId: string,
): { user: UserRecord; passkey: PasskeyRecord } | undefined {
  if (!credentialId) return undefined;
  for (const user of realm.users.values()) {
    const passkey = user.passkeys.find((p) => p.credentialId === credentialId);
    if (passkey) return { user, passkey };
  }
  return undefined;
}
