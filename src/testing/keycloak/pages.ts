/**
 * The HTML the emulator serves in place of Keycloak's `keycloak.v2` login
 * theme. Plain forms an HTTP client can read and submit, keeping what tests
 * and tools key on in the real theme (docs/reference/keycloak.md §4.2, test/support/keycloak-login.ts):
 * the form id `kc-form-login` with fields `username`/`password`, the title
 * `#kc-page-title`, messages in `.kc-feedback-text`, error pages in
 * `#kc-error-message`, the device user-code form
 * `kc-user-verify-device-user-code-form` (`device_user_code`) and a consent
 * form with an `accept` button. The message texts are the base theme's
 * English messages. [guess] Everything else about the markup.
 */
import { escapeHtml } from "./http.js";

/** Texts of Keycloak's `messages_en.properties` used by the emulator. */
export const MESSAGES = {
  invalidUser: "Invalid username or password.",
  accountDisabled: "Account is disabled, contact your administrator.",
  invalidDeviceCode: "Invalid code, please try again.",
  // [guess] texts below: not quoted in docs/reference/keycloak.md.
  cookieNotFound: "Cookie not found. Please make sure cookies are enabled in your browser.",
  expiredAction: "Action expired. Please continue with login now.",
  passwordMismatch: "Passwords don't match.",
  missingPassword: "Please specify password.",
  passkeyFailed: "Failed to authenticate by the Passkey.",
  passkeyInvalid: "Passkey authentication result is invalid.",
  passkeyUnknownUser: "Unknown user authenticated by the Passkey.",
} as const;

export function layout(realm: string, title: string, main: string): string {
  return `<!DOCTYPE html>
<html lang="en" dir="ltr"><head><meta charset="utf-8"><meta name="robots" content="noindex, nofollow"><title>${escapeHtml(title)}</title></head>
<body id="keycloak-bg" class="">
<div id="kc-header"><div id="kc-header-wrapper">${escapeHtml(realm)}</div></div>
<main>
${main}
</main></body></html>`;
}

function feedback(message: string | undefined): string {
  if (!message) return "";
  return `<div class="pf-v5-c-alert pf-m-inline pf-m-danger" role="alert"><span class="kc-feedback-text">${escapeHtml(message)}</span></div>`;
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

export interface LoginPageModel {
  readonly realm: string;
  readonly action: string;
  readonly username: string;
  readonly message?: string;
  /** The "Sign in with Passkey" part (passkey-pages.ts), when the realm has passkeys. */
  readonly passkey?: string;
}

export function loginPage(model: LoginPageModel): string {
  return layout(
    model.realm,
    `Sign in to ${model.realm}`,
    `<h1 id="kc-page-title">Sign in to your account</h1>
${feedback(model.message)}
<form id="kc-form-login" onsubmit="login.disabled = true; return true;" action="${escapeHtml(model.action)}" method="post" novalidate="novalidate">
<label for="username">Username or email</label>
<input id="username" name="username" value="${escapeHtml(model.username)}" type="text" autocomplete="username" autofocus>
<label for="password">Password</label>
<input id="password" name="password" value="" type="password" autocomplete="current-password">
${hidden("credentialId", "")}
<button class="pf-v5-c-button pf-m-primary pf-m-block" name="login" id="kc-login" type="submit">Sign In</button>
</form>
${model.passkey ?? ""}`,
  );
}

/** An error page (`#kc-error-message`), e.g. "Client not found." or "Realm not enabled". */
export function errorPage(realm: string, message: string): string {
  return layout(
    realm,
    "We are sorry...",
    `<h1 id="kc-page-title">We are sorry...</h1>
<div id="kc-error-message"><p class="instruction">${escapeHtml(message)}</p></div>`,
  );
}

/** Titles of the required-action pages ([guess] for all but "Update password"). */
const ACTION_TITLES: Readonly<Record<string, string>> = {
  UPDATE_PASSWORD: "Update password",
  VERIFY_PROFILE: "Update Account Information",
  UPDATE_PROFILE: "Update Account Information",
  VERIFY_EMAIL: "Email verification",
  CONFIGURE_TOTP: "Mobile Authenticator Setup",
  TERMS_AND_CONDITIONS: "Terms and Conditions",
};

/**
 * A required action after a right password (docs/reference/keycloak.md §4.2: actions are
 * pages, not errors). `UPDATE_PASSWORD` can be completed here; the others
 * are shown and cannot be completed in the emulator.
 */
export function requiredActionPage(
  realm: string,
  action: string,
  formAction: string,
  message?: string,
): string {
  const title = ACTION_TITLES[action] ?? action;
  const fields =
    action === "UPDATE_PASSWORD"
      ? `<input id="password-new" name="password-new" type="password" autocomplete="new-password">
<input id="password-confirm" name="password-confirm" type="password" autocomplete="new-password">
<button name="submitAction" type="submit" value="submit">Submit</button>`
      : `<p class="instruction">The Keycloak-lite emulator cannot complete the ${escapeHtml(action)} required action.</p>`;
  return layout(
    realm,
    title,
    `<h1 id="kc-page-title">${escapeHtml(title)}</h1>
${feedback(message)}
<form id="kc-required-action-form" action="${escapeHtml(formAction)}" method="post">
${fields}
</form>`,
  );
}

/** The device page without (or with an unusable) code: asks for the user code. */
export function deviceCodePage(realm: string, action: string, message?: string): string {
  return layout(
    realm,
    "Device Login",
    `<h1 id="kc-page-title">Device Login</h1>
${feedback(message)}
<form id="kc-user-verify-device-user-code-form" action="${escapeHtml(action)}" method="post">
<label for="device-user-code">Enter the code provided by your device and click Submit</label>
<input id="device-user-code" name="device_user_code" autocomplete="off" type="text" autofocus>
<input type="submit" value="Submit">
</form>`,
  );
}

/** Device logins ask for consent even when the client does not require it (seen on 26.7.3). */
export function consentPage(
  realm: string,
  clientId: string,
  action: string,
  scopes: readonly string[],
): string {
  const items = scopes.map((s) => `<li><span>${escapeHtml(s)}</span></li>`).join("");
  return layout(
    realm,
    `Grant Access to ${clientId}`,
    `<h1 id="kc-page-title">Grant Access to ${escapeHtml(clientId)}</h1>
<div id="kc-oauth"><h3>Do you grant these access privileges?</h3><ul>${items}</ul></div>
<form class="form-actions" action="${escapeHtml(action)}" method="POST">
<button class="pf-v5-c-button pf-m-primary" name="accept" id="kc-login" type="submit" value="Yes">Yes</button>
<button class="pf-v5-c-button pf-m-secondary" name="cancel" id="kc-cancel" type="submit" value="No">No</button>
</form>`,
  );
}

export function infoPage(realm: string, title: string, message: string): string {
  return layout(
    realm,
    title,
    `<h1 id="kc-page-title">${escapeHtml(title)}</h1>
<div id="kc-info-message"><p class="instruction">${escapeHtml(message)}</p></div>`,
  );
}

/** The logout confirmation shown without `id_token_hint` (docs/reference/keycloak.md §2.1). [guess] markup. */
export function logoutConfirmPage(
  realm: string,
  action: string,
  fields: Readonly<Record<string, string>>,
): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => hidden(name, value))
    .join("\n");
  return layout(
    realm,
    "Logging out",
    `<h1 id="kc-page-title">Logging out</h1>
<p class="instruction">Do you want to log out?</p>
<form id="kc-logout-confirm" action="${escapeHtml(action)}" method="POST">
${inputs}
<button name="confirmLogout" id="kc-logout" type="submit" value="Logout">Logout</button>
</form>`,
  );
}
