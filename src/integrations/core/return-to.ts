/**
 * `returnTo`: where the browser goes after signing in. An open redirector
 * leaks codes and sends people to phishing pages (OWASP Unvalidated Redirects;
 * RFC 9700 §4.11), so only same-origin relative paths are accepted.
 *
 * The checks run on the string that is returned, after the WHATWG URL parser
 * has normalised it, and not only on what was asked: normalising removes dot
 * segments, so `/.//evil.example` becomes `//evil.example`, which a browser
 * follows to another host.
 */

/** A base that is never served: only used to check that a path stays on its origin. */
const BASE = "https://idswitch.invalid";
const MAX_LENGTH = 2048;

/**
 * Escapes refused in the path: encoded `/` and `\` (`%2f`, `%5c`), an encoded
 * `%` (`%25`, so a router that decodes twice finds nothing new), encoded
 * control characters (`%09` is dropped inside `/%09/`, making `//`), and a `%`
 * that starts no escape (lenient decoders turn `%%32f` into `%2f`).
 */
const UNSAFE_PATH_ESCAPE = /%(?:2f|5c|25|[01][0-9a-f]|7f)|%(?![0-9a-f]{2})/i;

/**
 * A segment that is `.` or `..` once decoded and stripped of `;parameters`:
 * servlet containers climb on `/..;/` where browsers do not (RFC 3986 §3.3).
 */
const HIDDEN_DOT_SEGMENT = /^\.\.?(?:;|$)/;

/**
 * Returns `value` as a same-origin relative path (normalised by the WHATWG URL
 * parser, non-ASCII percent-encoded), otherwise `undefined`.
 *
 * What is returned starts with one `/` (never `//` or `/\`), is printable
 * ASCII, stays on the origin whatever page it is resolved against, and is a
 * fixed point: `safeReturnTo(out) === out`.
 *
 * Refused: absolute URLs (`https://evil`, `javascript:`), protocol-relative
 * (`//evil`, also when dot segments collapse into it: `/.//evil`,
 * `/%2e//evil`), backslashes anywhere (browsers read `/\evil` as `//evil`),
 * control characters (a tab or newline inside `//` is dropped by URL parsers),
 * and in the path: encoded slashes, backslashes, `%` and control characters,
 * malformed escapes, and dot segments hidden behind `;` or one more decoding.
 *
 * Encoded slashes are allowed in the query and fragment (`/search?q=%2F`):
 * they cannot change the origin or the path, and refusing them broke ordinary
 * search links. A literal `%` in the path must be avoided (`%25` is refused).
 *
 * @example
 * safeReturnTo("/orders?page=2") // "/orders?page=2"
 * safeReturnTo("/café") // "/caf%C3%A9"
 * safeReturnTo("/.//evil.example") // undefined
 */
export function safeReturnTo(value: unknown): string | undefined {
  if (!isLocalPath(value)) return undefined;
  const url = parse(value);
  if (url === undefined || !isQuietPath(url.pathname)) return undefined;
  const out = `${url.pathname}${url.search}${url.hash}`;
  // Normalising can produce `//`, lengthen the string or change it again on a
  // second pass: what leaves here must pass every check as it stands.
  if (!isLocalPath(out) || serialise(parse(out)) !== out) return undefined;
  return out;
}

/** One `/` first, no backslash, no control character, bounded length. */
function isLocalPath(value: unknown): value is string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_LENGTH) return false;
  if (!value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return !/[\u0000-\u001f\u007f]/.test(value);
}

/** Parses against a fixed base, and only keeps what stays on that base's origin. */
function parse(value: string): URL | undefined {
  const url = URL.canParse(value, BASE) ? new URL(value, BASE) : undefined;
  return url?.origin === BASE ? url : undefined;
}

function serialise(url: URL | undefined): string | undefined {
  return url && `${url.pathname}${url.search}${url.hash}`;
}

/** A normalised path that one more percent-decoding (by a router or proxy) cannot re-shape. */
function isQuietPath(pathname: string): boolean {
  if (UNSAFE_PATH_ESCAPE.test(pathname)) return false;
  // With `%25` refused, one decoding leaves no escape behind: this is what every decoder sees.
  const decoded = pathname.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
  return !decoded.split("/").some((segment) => HIDDEN_DOT_SEGMENT.test(segment));
}
