// Headless sign-in through Keycloak's real login pages over plain HTTP: no browser, no dependencies.
// The HTML is Keycloak's own `keycloak.v2` login theme; parsing is deliberately minimal (regexes over
// <form>/<input> tags and a few element ids that the theme has kept stable across 26.x).

import { Browser, findForm, findForms, type HtmlForm, type Page, textOf } from "./html-browser.js";

export interface Credentials {
  username: string;
  password: string;
}

/** Keycloak redirected to the client with a code (or an OAuth error) — the URL is returned, not fetched. */
export interface SignedIn {
  callbackUrl: string;
}
/** Keycloak re-rendered the login form or showed an error page; `error` is its message text. */
export interface SignInError {
  error: string;
}
/** Keycloak asked for a required action (update password, update profile, consent...). */
export interface RequiredActionShown {
  requiredAction: string;
}
export type SignInResult = SignedIn | SignInError | RequiredActionShown;

/**
 * Opens `authorizationUrl`, submits the username/password form and follows redirects until one
 * points at `redirectUriPrefix` (the client's redirect URI).
 */
export async function signInThroughLoginForm(
  authorizationUrl: string,
  credentials: Credentials,
  options: { redirectUriPrefix: string },
): Promise<SignInResult> {
  const browser = new Browser(authorizationUrl);
  const stop = options.redirectUriPrefix;
  const first = await browser.open(authorizationUrl, stop);
  if ("callbackUrl" in first) return first; // an SSO session or an OAuth error redirect

  const form = findForm(first.html, (f) => f.id === "kc-form-login");
  if (!form) return errorOrThrow(first, "no login form");

  const after = await browser.submit(form, first.url, credentialFields(credentials), stop);
  if ("callbackUrl" in after) return after;
  return classifyPageAfterLogin(after);
}

/**
 * Completes the user's side of the device authorization grant: opens `verification_uri_complete`,
 * signs in and grants consent. Keycloak 26.7 redirects a valid `?user_code=` straight to (1) the login
 * form, then shows (2) "Grant Access to <client>" (consent is asked for device logins even though the
 * client does not require consent), then (3) "Device Login Successful" at /device/status. The user-code
 * form ("Device Login") appears only for a URL without a code (filled in from the URL) or with an
 * unusable one ("Invalid code, please try again." — thrown).
 */
export async function approveDeviceLogin(
  verificationUriComplete: string,
  credentials: Credentials,
): Promise<void> {
  const browser = new Browser(verificationUriComplete);
  const userCode = new URL(verificationUriComplete).searchParams.get("user_code") ?? "";
  const done = new Set<string>(); // each step at most once, so a rejected step cannot loop
  let page = await browser.open(verificationUriComplete);

  for (let step = 0; step < 6; step++) {
    if ("callbackUrl" in page) throw new Error(`device login: unexpected redirect to ${page.callbackUrl}`);
    if (/device login successful/i.test(pageTitle(page.html))) return;

    const next = nextDeviceStep(page.html, userCode, credentials);
    if (!next || done.has(next.name)) {
      const reason = pageMessage(page.html) ?? pageText(page.html);
      throw new Error(`device login stopped at "${pageTitle(page.html)}": ${reason}`);
    }
    done.add(next.name);
    page = await browser.submit(next.form, page.url, next.fields);
  }
  throw new Error("device login: too many steps");
}

interface DeviceStep {
  name: string;
  form: HtmlForm;
  fields: Record<string, string>;
}

function nextDeviceStep(html: string, userCode: string, credentials: Credentials): DeviceStep | undefined {
  const forms = findForms(html);
  const login = forms.find((f) => f.id === "kc-form-login");
  if (login) return { name: "login", form: login, fields: credentialFields(credentials) };
  const codeForm = forms.find((f) => f.id === "kc-user-verify-device-user-code-form");
  if (codeForm) {
    // Shown with "Invalid code, please try again." when the URL's code is unknown, used or expired:
    // submitting the same code again cannot help.
    if (pageMessage(html) || !userCode) return undefined;
    return { name: "user-code", form: codeForm, fields: { device_user_code: userCode } };
  }
  // The consent form has no id; it is the one with an "accept" submit button.
  const consent = forms.find((f) => /<button\b[^>]*\bname="accept"/i.test(f.body));
  if (consent) return { name: "consent", form: consent, fields: { accept: "Yes" } };
  return undefined;
}

function credentialFields({ username, password }: Credentials): Record<string, string> {
  return { username, password };
}

function classifyPageAfterLogin(page: Page): SignInResult {
  // Wrong password, locked or disabled user: the login form comes back with a message.
  if (findForm(page.html, (f) => f.id === "kc-form-login")) {
    return { error: pageMessage(page.html) ?? "login form shown again without a message" };
  }
  if (/id="kc-error-message"/.test(page.html)) return errorOrThrow(page, "error page");
  const form = findForms(page.html)[0];
  if (form) return { requiredAction: pageTitle(page.html) || form.id || "unknown form" };
  throw new Error(`sign-in ended on an unexpected page "${pageTitle(page.html)}": ${pageText(page.html)}`);
}

function errorOrThrow(page: Page, what: string): SignInError {
  const message = pageMessage(page.html);
  if (message) return { error: message };
  throw new Error(`${what} at ${page.url} (HTTP ${page.status}): ${pageText(page.html)}`);
}

/**
 * The message Keycloak shows: a field error or alert (`kc-feedback-text`, e.g.
 * "Invalid username or password.") or the text of an error page (`kc-error-message`).
 */
function pageMessage(html: string): string | undefined {
  const feedback = /<span\b[^>]*class="[^"]*\bkc-feedback-text\b[^"]*"[^>]*>([\s\S]*?)<\/span>/i.exec(html);
  if (feedback?.[1]) return textOf(feedback[1]);
  const errorPage = /<div\b[^>]*id="kc-error-message"[^>]*>([\s\S]*?)<\/div>/i.exec(html);
  if (errorPage?.[1]) return textOf(errorPage[1]);
  return undefined;
}

function pageTitle(html: string): string {
  const title = /<h1\b[^>]*id="kc-page-title"[^>]*>([\s\S]*?)<\/h1>/i.exec(html);
  return title?.[1] ? textOf(title[1]) : "";
}

/** Visible text of the page's main area, shortened, for error messages. */
function pageText(html: string): string {
  const main = /<main\b[^>]*>([\s\S]*?)<\/main>/i.exec(html)?.[1] ?? html;
  return textOf(main.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, "")).slice(0, 500);
}
