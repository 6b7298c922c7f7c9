/**
 * POST of the "Passkey Registration" page
 * (`login-actions/required-action?execution=webauthn-register-passwordless`):
 * the browser's `navigator.credentials.create()` answer, verified as W3C
 * WebAuthn Level 3 §7.1 says (webauthn/registration.ts) against the challenge
 * this login was shown (used once), the emulator's origin and the realm's
 * relying-party id, and stored on the user as a `webauthn-passwordless`
 * credential. Then the login completes with `kc_action_status`.
 */
import { randomUUID } from "node:crypto";
import { type Core, rpIdOf } from "./core.js";
import type { Reply, RequestContext } from "./http.js";
import { finishAction } from "./kc-action.js";
import { loginFormReply, loginOf } from "./login-actions.js";
import type { RealmRecord } from "./model.js";
import { DEFAULT_LABEL } from "./passkey-pages.js";
import { fromBase64url, WebAuthnError } from "./webauthn/errors.js";
import { verifyRegistration } from "./webauthn/registration.js";

export function passkeyRegistrationReply(core: Core, ctx: RequestContext, realm: RealmRecord): Reply {
  const login = loginOf(core, ctx, realm);
  if (!("tabId" in login)) return login;
  const user = login.userId === undefined ? undefined : realm.users.get(login.userId);
  if (!user) return loginFormReply(core, realm, login, 200, undefined);
  const challenge = core.challenges.take(login.tabId, "create"); // taken whatever happens next: one try per page
  if (ctx.form.has("cancel-aia")) return finishAction(core, ctx, realm, login, user, "cancelled");
  const error = ctx.form.get("error");
  // [guess] NotAllowedError is what a browser reports when the person dismisses its dialog (W3C WebAuthn
  // Level 3 §5.1.3 step 22): cancelled; any other failure of create(): error.
  if (error)
    return finishAction(core, ctx, realm, login, user, error === "NotAllowedError" ? "cancelled" : "error");
  try {
    const verified = verifyRegistration(
      {
        clientDataJSON: fromBase64url(ctx.form.get("clientDataJSON") ?? "", "clientDataJSON"),
        attestationObject: fromBase64url(ctx.form.get("attestationObject") ?? "", "attestationObject"),
        credentialId: ctx.form.get("publicKeyCredentialId") ?? "",
      },
      { challenge, origin: new URL(core.url).origin, rpId: rpIdOf(core) },
    );
    // §7.1 step 26: a credential id already registered (to anyone) is refused.
    for (const other of realm.users.values()) {
      if (other.passkeys.some((p) => p.credentialId === verified.credentialId)) {
        throw new WebAuthnError("this credential id is already registered");
      }
    }
    user.passkeys.push({
      id: randomUUID(),
      credentialId: verified.credentialId,
      publicKey: verified.publicKey,
      alg: verified.alg,
      signCount: verified.signCount,
      label: ctx.form.get("authenticatorLabel")?.trim() || DEFAULT_LABEL,
      createdDate: core.now(),
    });
  } catch (err) {
    if (!(err instanceof WebAuthnError)) throw err;
    // [guess] Keycloak re-renders its page on a bad registration; in an application-initiated action the
    // emulator returns to the client with `error`, the person being authenticated either way.
    return finishAction(core, ctx, realm, login, user, "error");
  }
  return finishAction(core, ctx, realm, login, user, "success");
}
