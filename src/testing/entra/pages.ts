/**
 * The HTML the emulator serves in place of login.microsoftonline.com's pages.
 * Real pages are a script-driven app; these are plain forms an HTTP client
 * can read and submit, keeping the real pages' field names (`login`,
 * `passwd`, `ctx`, `flowToken`, `otc`) and element ids where they matter.
 * Every page that reports a refusal carries the AADSTS message in
 * `#error-message` and in the "Troubleshooting details" block, as the real
 * error page does ("Request Id / Correlation Id / Timestamp / Message").
 */
import { escapeHtml } from "./http.js";

export interface PageError {
  /** `AADSTSnnnn: text` */
  readonly message: string;
  /** What the person reads; defaults to the generic line of the error page. */
  readonly userText?: string;
  readonly requestId: string;
  readonly correlationId: string;
  readonly timestamp: string;
}

function layout(title: string, main: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>
<body><main>
${main}
</main></body></html>`;
}

function errorBlock(error: PageError | undefined, alertId: string): string {
  if (!error) return "";
  const text = error.userText ?? "Sorry, but we're having trouble signing you in.";
  return `<div id="${alertId}" role="alert">${escapeHtml(text)}</div>
<div id="error-message">${escapeHtml(error.message)}</div>
<div id="debugDetails">
<div>Troubleshooting details</div>
<div><span>Request Id:</span> <span id="requestId">${escapeHtml(error.requestId)}</span></div>
<div><span>Correlation Id:</span> <span id="correlationId">${escapeHtml(error.correlationId)}</span></div>
<div><span>Timestamp:</span> <span id="timestamp">${escapeHtml(error.timestamp)}</span></div>
<div><span>Message:</span> <span id="debugDetailsMessage">${escapeHtml(error.message)}</span></div>
</div>`;
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

/** The not-redirected error page (§2.3). */
export function errorPage(error: PageError): string {
  return layout(
    "Sign in to your account",
    `<div id="loginHeader" role="heading">Sign in</div>
${errorBlock(error, "errorTitle")}`,
  );
}

export interface SignInPageModel {
  readonly action: string;
  readonly appName: string;
  readonly loginHint: string;
  readonly ctx: string;
  readonly flowToken: string;
  readonly error?: PageError;
}

export function signInPage(model: SignInPageModel): string {
  return layout(
    "Sign in to your account",
    `<div id="loginHeader" role="heading">Sign in</div>
<div id="appName">to continue to ${escapeHtml(model.appName)}</div>
${errorBlock(model.error, "passwordError")}
<form name="f1" id="i0281" method="post" action="${escapeHtml(model.action)}" autocomplete="off">
<input type="email" name="login" id="i0116" value="${escapeHtml(model.loginHint)}" autocomplete="username">
<input type="password" name="passwd" id="i0118" autocomplete="current-password">
${hidden("ctx", model.ctx)}
${hidden("flowToken", model.flowToken)}
<input type="submit" id="idSIButton9" value="Sign in">
</form>`,
  );
}

/** `response_mode=form_post`: the page that posts the answer to the app (§2.2). */
export function formPostPage(action: string, fields: ReadonlyArray<readonly [string, string]>): string {
  return `<html><head><title>Working...</title></head><body><form method="POST" name="hiddenform" action="${escapeHtml(action)}">${fields
    .map(([name, value]) => hidden(name, value))
    .join(
      "",
    )}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript></form><script language="javascript">document.forms[0].submit();</script></body></html>`;
}

export function deviceCodePage(error?: PageError): string {
  return layout(
    "Enter code",
    `<div id="loginHeader" role="heading">Enter code</div>
<div id="description">Enter the code displayed on your app or device.</div>
${errorBlock(error, "otcError")}
<form name="f1" id="i0281" method="post" action="/devicelogin">
<input type="text" name="otc" id="otc" autocomplete="off">
<input type="submit" id="idSIButton9" value="Next">
</form>`,
  );
}

export interface DeviceSignInModel {
  readonly appName: string;
  readonly flow: string;
  readonly error?: PageError;
}

/** After a valid code: "Are you trying to sign in to …?", a sign-in form, and Cancel (which declines). */
export function deviceSignInPage(model: DeviceSignInModel): string {
  return layout(
    "Sign in to your account",
    `<div id="loginHeader" role="heading">Sign in</div>
<div id="appConfirmTitle">Are you trying to sign in to ${escapeHtml(model.appName)}?</div>
<div id="appConfirmDescription">Only continue if you downloaded the app from a store or website that you trust.</div>
${errorBlock(model.error, "passwordError")}
<form name="f1" id="i0281" method="post" action="/devicelogin">
<input type="email" name="login" id="i0116" autocomplete="username">
<input type="password" name="passwd" id="i0118" autocomplete="current-password">
${hidden("flow", model.flow)}
<input type="submit" id="idSIButton9" value="Sign in">
</form>
<form name="cancel" id="cancelForm" method="post" action="/devicelogin">
${hidden("flow", model.flow)}
${hidden("decline", "1")}
<input type="submit" id="idBtn_Back" value="Cancel">
</form>`,
  );
}

export function deviceDonePage(appName: string, declined: boolean): string {
  const text = declined
    ? `You have declined to sign in to ${appName} on another device. You may now close this window.`
    : `You have signed in to the ${appName} application on your device. You may now close this window.`;
  return layout(
    appName,
    `<div id="loginHeader" role="heading">${escapeHtml(appName)}</div>
<div id="${declined ? "deviceDeclined" : "deviceDone"}">${escapeHtml(text)}</div>`,
  );
}

export function signedOutPage(): string {
  return layout(
    "Sign out",
    `<div id="loginHeader" role="heading">You signed out of your account</div>
<div>It's a good idea to close all browser windows.</div>`,
  );
}

/** `error_uri` target: `/error?code=nnnn`. */
export function errorLookupPage(code: string, text: string | undefined): string {
  return layout(
    `Error ${code}`,
    `<div id="loginHeader" role="heading">AADSTS${escapeHtml(code)}</div>
<div id="error-description">${escapeHtml(text ?? "No additional information is available for this error.")}</div>`,
  );
}
