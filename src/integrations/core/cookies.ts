/**
 * Reading and writing cookies from header strings, so every framework goes
 * through the same, audited attributes (OWASP Session Management: HttpOnly,
 * Secure, SameSite, a path and a lifetime) instead of its own helpers.
 */

export interface CookieAttributes {
  /** Seconds; 0 deletes the cookie. */
  readonly maxAge: number;
  readonly secure: boolean;
  readonly path: string;
}

/** Parses a `Cookie` request header. Later duplicates never override the first (RFC 6265 §5.4 order). */
export function parseCookies(header: string | null | undefined): ReadonlyMap<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/**
 * A `Set-Cookie` value. Always HttpOnly (scripts never see tokens) and
 * SameSite=Lax: sent on the top-level GET that comes back from the provider,
 * withheld from cross-site POSTs (CSRF on logout and on the app's forms).
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  const parts = [`${name}=${value}`, `Path=${attributes.path}`, `Max-Age=${attributes.maxAge}`];
  if (attributes.maxAge === 0) parts.push("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  parts.push("HttpOnly", "SameSite=Lax");
  if (attributes.secure) parts.push("Secure");
  return parts.join("; ");
}

/**
 * Browsers keep at most about 4096 bytes per cookie (RFC 6265 §6.1), name and
 * attributes included; values are split into numbered chunks below that.
 */
export const CHUNK_SIZE = 3800;

/** Splits a long value into `name.0`, `name.1`, … (or one `name` when it fits). */
export function chunk(name: string, value: string): Array<[string, string]> {
  if (value.length <= CHUNK_SIZE) return [[name, value]];
  const chunks: Array<[string, string]> = [];
  for (let i = 0; i * CHUNK_SIZE < value.length; i += 1) {
    chunks.push([`${name}.${i}`, value.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)]);
  }
  return chunks;
}

/** Joins what `chunk` split; `undefined` when nothing (or a gap) is there. */
export function unchunk(cookies: ReadonlyMap<string, string>, name: string): string | undefined {
  const whole = cookies.get(name);
  if (whole !== undefined) return whole;
  let value = "";
  for (let i = 0; ; i += 1) {
    const part = cookies.get(`${name}.${i}`);
    if (part === undefined) return i === 0 ? undefined : value;
    value += part;
  }
}

/** Every cookie name that belongs to `name`: the whole one and its chunks. */
export function namesOf(cookies: ReadonlyMap<string, string>, name: string): string[] {
  return [...cookies.keys()].filter((n) => n === name || n.startsWith(`${name}.`));
}
