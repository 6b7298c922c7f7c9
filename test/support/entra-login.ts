// Headless sign-in through the Entra emulator's own pages over plain HTTP (no browser): the sign-in page
// behind the authorize URL, and the device page. The pages keep the real service's field names
// (`login`, `passwd`, `ctx`, `flowToken`, `otc`); refusals carry the AADSTS message in `#error-message`.

import { Browser, decodeEntities, findForms, type Page } from "./html-browser.js";

export interface Credentials {
  username: string;
  password: string;
}

/** The emulator redirected (or form-posted) to the client: the URL is returned, not fetched. */
export interface SignedIn {
  callbackUrl: string;
  /** With `response_mode=form_post`: the fields the page would post to `callbackUrl`. */
  formPost?: Record<string, string>;
}

/** The emulator showed a refusal on its page; `error` is the AADSTS message (`AADSTS50126: …`). */
export interface SignInError {
  error: string;
}

export type SignInResult = SignedIn | SignInError;

/**
 * Opens `authorizationUrl`, submits username and password on the sign-in page and follows redirects
 * until one points at `redirectUriPrefix`. Errors that Entra redirects (`?error=…`) come back as a
 * `callbackUrl`; errors it shows on its page (unknown client, wrong password, disabled user…) as `error`.
 */
export async function signInThroughSignInPage(
  authorizationUrl: string,
  credentials: Credentials,
  options: { redirectUriPrefix: string; fetch?: typeof fetch },
): Promise<SignInResult> {
  const browser = new Browser(authorizationUrl, options.fetch);
  const stop = options.redirectUriPrefix;
  const first = await browser.open(authorizationUrl, stop);
  if ("callbackUrl" in first) return first;
  const form = findForms(first.html).find((f) => f.fields.includes("passwd"));
  if (!form) return pageError(first);
  const fields = { login: credentials.username, passwd: credentials.password };
  const after = await browser.submit(form, first.url, fields, stop);
  if ("callbackUrl" in after) return after;
  const post = findForms(after.html).find((f) => f.name === "hiddenform");
  if (post?.action.startsWith(stop)) return { callbackUrl: post.action, formPost: post.hidden };
  return pageError(after);
}

/**
 * The person's side of a device login on the emulator's device page (`${emulatorUrl}/devicelogin`):
 * enters `userCode`, then signs in. Throws with the page's message when the page refuses.
 */
export async function approveDeviceLogin(
  emulatorUrl: string,
  userCode: string,
  credentials: Credentials,
): Promise<void> {
  const { browser, page } = await enterUserCode(emulatorUrl, userCode);
  const form = findForms(page.html).find((f) => f.fields.includes("passwd"));
  if (!form) throw new Error(`device login: no sign-in form (${messageOf(page.html) ?? "no message"})`);
  const done = await browser.submit(form, page.url, {
    login: credentials.username,
    passwd: credentials.password,
  });
  if ("callbackUrl" in done || !/id="deviceDone"/.test(done.html)) {
    throw new Error(
      `device login refused: ${"html" in done ? (messageOf(done.html) ?? "no message") : done.callbackUrl}`,
    );
  }
}

/** Enters `userCode` on the device page and presses Cancel: the device then polls `authorization_declined`. */
export async function declineDeviceLogin(emulatorUrl: string, userCode: string): Promise<void> {
  const { browser, page } = await enterUserCode(emulatorUrl, userCode);
  const cancel = findForms(page.html).find((f) => f.id === "cancelForm");
  if (!cancel) throw new Error(`device login: no Cancel button (${messageOf(page.html) ?? "no message"})`);
  const done = await browser.submit(cancel, page.url, {});
  if ("callbackUrl" in done || !/id="deviceDeclined"/.test(done.html))
    throw new Error("device login: decline failed");
}

async function enterUserCode(
  emulatorUrl: string,
  userCode: string,
): Promise<{ browser: Browser; page: Page }> {
  const start = `${emulatorUrl.replace(/\/+$/, "")}/devicelogin`;
  const browser = new Browser(start);
  const codePage = await browser.open(start);
  if ("callbackUrl" in codePage) throw new Error("device login: unexpected redirect");
  const form = findForms(codePage.html).find((f) => f.fields.includes("otc"));
  if (!form) throw new Error("device login: no code form");
  const page = await browser.submit(form, codePage.url, { otc: userCode });
  if ("callbackUrl" in page) throw new Error("device login: unexpected redirect");
  const message = messageOf(page.html);
  if (message && findForms(page.html).some((f) => f.fields.includes("otc"))) {
    throw new Error(`device login: code refused: ${message}`);
  }
  return { browser, page };
}

function pageError(page: Page): SignInError {
  const message = messageOf(page.html);
  if (message) return { error: message };
  throw new Error(`sign-in ended on an unexpected page at ${page.url} (HTTP ${page.status})`);
}

/** The AADSTS message a page shows (`#error-message`). */
function messageOf(html: string): string | undefined {
  const text = /<div\b[^>]*id="error-message"[^>]*>([\s\S]*?)<\/div>/i.exec(html)?.[1];
  return text === undefined ? undefined : decodeEntities(text.replace(/<[^>]+>/g, "")).trim();
}
