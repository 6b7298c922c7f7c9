/**
 * The passkey parts of the emulator's pages, standing in for Keycloak's
 * `webauthn-register.ftl` + webauthnRegister.js and the passkey button of its
 * login page (docs/reference/keycloak.md §5.9). What tests key on is
 * Keycloak's: the title "Passkey Registration", the buttons
 * `#registerWebAuthn` and `#authenticateWebAuthnButton` ("Sign in with
 * Passkey"), a label asked with window.prompt after the authenticator
 * answered, and the form fields Keycloak posts (clientDataJSON,
 * attestationObject, publicKeyCredentialId, authenticatorLabel; credentialId,
 * authenticatorData, signature, userHandle; error). Each page render issues
 * a fresh challenge. [guess] Everything else about the markup and scripts,
 * and the texts of the label prompt and the default label; conditional
 * mediation is not offered (the modal button only).
 */
import { type Core, rpIdOf } from "./core.js";
import { escapeHtml } from "./http.js";
import { actionUrl } from "./login-actions.js";
import type { RealmRecord, UserRecord } from "./model.js";
import { layout } from "./pages.js";
import type { LoginTransaction } from "./sessions.js";
import { ES256, RS256 } from "./webauthn/cose.js";

export const PASSKEY_ACTION = "webauthn-register-passwordless";
/** Keycloak's default `webAuthnPolicyPasswordlessRpEntityName`. */
const RP_NAME = "keycloak";
export const DEFAULT_LABEL = "Passkey";

/** JSON inside a <script>: `<` escaped so no value can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

const CODEC = `const b64u = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const field = (form, name, value) => { form.elements.namedItem(name).value = value; };`;

function hiddenFields(names: readonly string[]): string {
  return names.map((n) => `<input type="hidden" name="${n}" value="">`).join("\n");
}

/** "Sign in with Passkey": a modal, usernameless request (empty allowCredentials, W3C WebAuthn Level 3 §5.5). */
export function passkeyLoginSection(core: Core, realm: RealmRecord, login: LoginTransaction): string {
  const options = {
    challenge: core.challenges.issue(login.tabId, "get"),
    rpId: rpIdOf(core),
  };
  return `<form id="webauth" action="${escapeHtml(actionUrl(core, realm, login, "authenticate"))}" method="post">
${hiddenFields(["clientDataJSON", "authenticatorData", "signature", "credentialId", "userHandle", "error"])}
</form>
<div id="kc-form-passkey"><button id="authenticateWebAuthnButton" type="button" class="pf-v5-c-button pf-m-secondary pf-m-block">Sign in with Passkey</button></div>
<script type="module">
${CODEC}
const options = ${scriptJson(options)};
document.getElementById("authenticateWebAuthnButton").addEventListener("click", async () => {
  const form = document.getElementById("webauth");
  try {
    const credential = await navigator.credentials.get({ publicKey: {
      challenge: bytes(options.challenge), rpId: options.rpId, userVerification: "required", allowCredentials: [], timeout: 60000,
    } });
    field(form, "credentialId", credential.id);
    field(form, "clientDataJSON", b64u(credential.response.clientDataJSON));
    field(form, "authenticatorData", b64u(credential.response.authenticatorData));
    field(form, "signature", b64u(credential.response.signature));
    field(form, "userHandle", credential.response.userHandle ? b64u(credential.response.userHandle) : "");
  } catch (err) {
    field(form, "error", (err && err.name) || "Error");
  }
  form.submit();
});
</script>`;
}

/** The registration page of `kc_action=webauthn-register-passwordless` (or the required action of that name). */
export function passkeyRegistrationPage(
  core: Core,
  realm: RealmRecord,
  login: LoginTransaction,
  user: UserRecord,
): string {
  const displayName = [user.firstName, user.lastName].filter(Boolean).join(" ") || user.username;
  const options = {
    challenge: core.challenges.issue(login.tabId, "create"),
    rp: { id: rpIdOf(core), name: RP_NAME },
    // The user handle is the user's id (W3C WebAuthn Level 3 §5.4.3: no personal data in it).
    user: { id: Buffer.from(user.id).toString("base64url"), name: user.username, displayName },
    excludeCredentials: user.passkeys.map((p) => p.credentialId),
  };
  const action = actionUrl(core, realm, login, "required-action", PASSKEY_ACTION);
  return layout(
    realm.name,
    "Passkey Registration",
    `<h1 id="kc-page-title">Passkey Registration</h1>
<form id="register" action="${escapeHtml(action)}" method="post">
${hiddenFields(["clientDataJSON", "attestationObject", "publicKeyCredentialId", "authenticatorLabel", "transports", "error"])}
</form>
<button id="registerWebAuthn" type="button" class="pf-v5-c-button pf-m-primary pf-m-block">Register</button>
<form id="cancel" action="${escapeHtml(action)}" method="post"><button id="cancelWebAuthnAIA" name="cancel-aia" value="true" type="submit">Cancel</button></form>
<script type="module">
${CODEC}
const options = ${scriptJson(options)};
document.getElementById("registerWebAuthn").addEventListener("click", async () => {
  const form = document.getElementById("register");
  try {
    const credential = await navigator.credentials.create({ publicKey: {
      challenge: bytes(options.challenge),
      rp: options.rp,
      user: { id: bytes(options.user.id), name: options.user.name, displayName: options.user.displayName },
      pubKeyCredParams: [{ type: "public-key", alg: ${ES256} }, { type: "public-key", alg: ${RS256} }],
      authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
      excludeCredentials: options.excludeCredentials.map((id) => ({ type: "public-key", id: bytes(id) })),
      attestation: "none",
      timeout: 60000,
    } });
    field(form, "clientDataJSON", b64u(credential.response.clientDataJSON));
    field(form, "attestationObject", b64u(credential.response.attestationObject));
    field(form, "publicKeyCredentialId", credential.id);
    field(form, "transports", (credential.response.getTransports ? credential.response.getTransports() : []).join(","));
    // As webauthnRegister.js: the label is asked once the authenticator has answered.
    field(form, "authenticatorLabel", window.prompt("Please input your registered passkey's label", "${DEFAULT_LABEL}") || "");
  } catch (err) {
    field(form, "error", (err && err.name) || "Error");
  }
  form.submit();
});
</script>`,
  );
}
