/**
 * Signs a person in on a provider's own sign-in page, over HTTP, the way a
 * browser would: for tests and the demo. Works on the Entra emulator's page
 * (`login`/`passwd`, then a form_post or a redirect), on Keycloak's and on
 * Keycloak-lite's (`username`/`password`).
 */
import { Browser, findForms, type HtmlForm, textOf } from "./html-browser.js";

/**
 * A username and password typed into a provider's sign-in page.
 *
 * @example
 * const result = await signInWithPassword(url.href, { username: "ada", password: "pw" }, { redirectUriPrefix: "http://localhost:3000/cb" });
 */
export interface PasswordCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * The sign-in reached the app's redirect URI (with a code, or an OAuth error); or the page refused.
 *
 * @example
 * const result = await signInWithPassword(url.href, { username: "ada", password: "wrong" }, { redirectUriPrefix });
 * // The page refused (this is Keycloak's wording): no callback at all, only the message it showed.
 * if ("error" in result) expect(result.error).toMatch(/invalid username or password/i);
 */
export type PasswordSignIn = { readonly callbackUrl: string } | { readonly error: string };

const USERNAME_FIELDS = ["username", "login", "loginfmt", "email"];
const PASSWORD_FIELDS = ["password", "passwd"];

/**
 * Opens `authorizationUrl`, fills the first form with a password field,
 * submits it and follows redirects until one points at `redirectUriPrefix`.
 *
 * @example
 * const { url, state } = await identity.beginLogin();
 * const result = await signInWithPassword(url.href, { username: "ada", password: "pw" }, {
 *   redirectUriPrefix: "http://localhost:3000/callback",
 * });
 * if ("callbackUrl" in result) await identity.completeLogin(result.callbackUrl, state);
 */
export async function signInWithPassword(
  authorizationUrl: string,
  credentials: PasswordCredentials,
  options: { readonly redirectUriPrefix: string },
): Promise<PasswordSignIn> {
  const browser = new Browser(authorizationUrl);
  const stop = options.redirectUriPrefix;
  const first = await browser.open(authorizationUrl, stop);
  if ("callbackUrl" in first) return first; // a live session, or an OAuth error redirect
  const form = findForms(first.html).find((f) => fieldOf(f, PASSWORD_FIELDS) !== undefined);
  if (!form) return { error: summary(first.html) };
  const fields: Record<string, string> = {
    [fieldOf(form, PASSWORD_FIELDS) ?? "password"]: credentials.password,
  };
  const username = fieldOf(form, USERNAME_FIELDS);
  if (username) fields[username] = credentials.username;
  const after = await browser.submit(form, first.url, fields, stop);
  if ("callbackUrl" in after) return after;
  // Entra's response_mode=form_post: an auto-submitting form aimed at the redirect URI.
  const post = findForms(after.html).find((f) => f.action.startsWith(stop));
  if (post)
    return {
      callbackUrl: `${post.action}${post.action.includes("?") ? "&" : "?"}${new URLSearchParams(post.hidden)}`,
    };
  return { error: summary(after.html) };
}

function fieldOf(form: HtmlForm, candidates: readonly string[]): string | undefined {
  return form.fields.find((f) => candidates.includes(f.toLowerCase()));
}

/** The page's error message, or its text, short. */
function summary(html: string): string {
  const flagged = html.match(
    /<[^>]+(?:id|class)="[^"]*(?:error|alert|feedback)[^"]*"[^>]*>([\s\S]*?)<\/[a-z]+>/i,
  );
  return textOf(flagged?.[1] ?? html).slice(0, 200);
}
