/**
 * `returnTo`: where the browser goes after signing in. An open redirector
 * leaks codes and sends people to phishing pages (OWASP Unvalidated Redirects;
 * RFC 9700 §4.11), so only same-origin relative paths are accepted.
 */

/** A base that is never served: only used to check that a path stays on its origin. */
const BASE = "https://idswitch.invalid";

/**
 * Returns `value` if it is a same-origin relative path, otherwise `undefined`.
 *
 * Refused: absolute URLs (`https://evil`, `javascript:`), protocol-relative
 * (`//evil`), backslashes (`/\evil`, which browsers read as `//`), encoded
 * slashes and backslashes (decoded once by some routers), control characters
 * (a tab or newline inside `//` is dropped by URL parsers), and anything that
 * resolves to another origin.
 *
 * @example
 * safeReturnTo("/orders?page=2") // "/orders?page=2"
 * safeReturnTo("//evil.example") // undefined
 */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return undefined;
  if (!value.startsWith("/") || value.startsWith("//")) return undefined;
  if (value.includes("\\") || /%(?:2f|5c)/i.test(value)) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return undefined;
  }
  if (url.origin !== BASE) return undefined;
  return `${url.pathname}${url.search}${url.hash}`;
}
