/**
 * Continuous Access Evaluation (docs/reference/entra-id.md §8): a CAE-enabled resource refuses
 * a still-valid access token once the user was revoked, disabled or moved,
 * answering 401 with a claims challenge in `WWW-Authenticate`:
 *
 * ```
 * Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize",
 *   client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims",
 *   claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0="
 * ```
 *
 * The client drops the token and signs in again passing the *decoded*
 * `claims` as the OIDC `claims` parameter (merged with its own client
 * capabilities, `xms_cc`), so Entra re-evaluates the user and issues a token
 * newer than the event — or refuses, and the app offers the spare provider.
 */

/**
 * The parts of a claims challenge an app acts on.
 *
 * @example
 * const challenge = parseClaimsChallenge(response.headers.get("www-authenticate") ?? "");
 * // The token is dead even though unexpired: sign in again, asking for exactly what the resource wants.
 * if (challenge?.error === "insufficient_claims") return identity.beginLogin({ provider: "entra", claims: challenge.claims });
 */
export interface ClaimsChallenge {
  /** `insufficient_claims` (§8.3), or e.g. `invalid_token` in the ARM form that also carries `claims`. */
  readonly error: string;
  /** The decoded claims request, JSON text: pass it to `beginLogin({ claims })`. */
  readonly claims: string;
  readonly errorDescription?: string;
  /** The tenant, or "" for common (§8.3). */
  readonly realm?: string;
  readonly authorizationUri?: string;
  /** The resource that asked. */
  readonly clientId?: string;
}

/** Longer than any real challenge; a header past it is not parsed at all. */
const MAX_HEADER = 16 * 1024;

/**
 * Finds the Bearer claims challenge in a `WWW-Authenticate` value (several
 * challenges and header lines joined by commas are fine; parameter order is
 * free; values may be quoted with escapes), or undefined when there is none.
 * The `claims` value is base64 (§8.3; base64url and missing padding are
 * tolerated) of a JSON object; anything else is not a challenge to act on.
 *
 * @example
 * const response = await fetch(ordersApi, { headers: { authorization: `Bearer ${session.tokens.accessToken}` } });
 * const challenge = response.status === 401
 *   ? parseClaimsChallenge(response.headers.get("www-authenticate") ?? "")
 *   : undefined;
 * if (challenge) {
 *   const capabilities = '{"access_token":{"xms_cc":{"values":["cp1"]}}}';
 *   const login = await identity.beginLogin({ claims: mergeClaimsRequests(capabilities, challenge.claims) });
 *   // redirect to login.url
 * }
 */
export function parseClaimsChallenge(wwwAuthenticate: string): ClaimsChallenge | undefined {
  if (typeof wwwAuthenticate !== "string" || wwwAuthenticate.length > MAX_HEADER) return undefined;
  for (const challenge of parseChallenges(wwwAuthenticate)) {
    if (challenge.scheme !== "bearer") continue;
    const { params } = challenge;
    const error = params.get("error");
    const claims = decodeClaims(params.get("claims"));
    if (error === undefined || claims === undefined) continue;
    return {
      error,
      claims,
      ...optional("errorDescription", params.get("error_description")),
      ...optional("realm", params.get("realm")),
      ...optional("authorizationUri", params.get("authorization_uri")),
      ...optional("clientId", params.get("client_id")),
    };
  }
  return undefined;
}

/**
 * Deep-merges OIDC claims requests (JSON texts of objects), later ones
 * winning on conflicts: how a client keeps its capabilities (`xms_cc`) when
 * it answers a challenge (§8.3 "merged with xms_cc").
 *
 * @example
 * mergeClaimsRequests('{"access_token":{"xms_cc":{"values":["cp1"]}}}', challenge.claims);
 * // {"access_token":{"xms_cc":{"values":["cp1"]},"nbf":{"essential":true,"value":"1604106651"}}}
 */
export function mergeClaimsRequests(...requests: string[]): string {
  let merged: Record<string, unknown> = {};
  for (const request of requests) {
    const value = parseObject(request);
    if (!value) throw new TypeError("mergeClaimsRequests: each request must be the JSON text of an object");
    merged = deepMerge(merged, value);
  }
  return JSON.stringify(merged);
}

// ---- RFC 9110 §11.6.1 challenges ------------------------------------------------------------------

interface Challenge {
  /** Lower case. */
  readonly scheme: string;
  /** Parameter names lower case; the first occurrence wins. */
  readonly params: ReadonlyMap<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;

/** A small cursor over one header value. */
class Cursor {
  position = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.position];
  }

  skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.position++;
  }

  skipSpacesAndCommas(): void {
    while (this.peek() === " " || this.peek() === "\t" || this.peek() === ",") this.position++;
  }

  match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.position;
    const found = pattern.exec(this.text)?.[0];
    if (found !== undefined) this.position += found.length;
    return found;
  }

  /** A quoted-string with `\` escapes; undefined (cursor at the end) when unterminated. */
  quoted(): string | undefined {
    let value = "";
    for (this.position++; !this.done; this.position++) {
      const c = this.text[this.position];
      if (c === '"') {
        this.position++;
        return value;
      }
      if (c === "\\") this.position++;
      value += this.text[this.position] ?? "";
    }
    return undefined;
  }
}

function parseChallenges(header: string): Challenge[] {
  const cursor = new Cursor(header);
  const challenges: Challenge[] = [];
  while (!cursor.done) {
    cursor.skipSpacesAndCommas();
    const scheme = cursor.match(TOKEN);
    if (scheme === undefined) {
      if (!cursor.done) cursor.position++; // garbage: step over it
      continue;
    }
    challenges.push({ scheme: scheme.toLowerCase(), params: parseParams(cursor) });
  }
  return challenges;
}

/** `#auth-param` after a scheme, up to the next scheme; a token68 is skipped. */
function parseParams(cursor: Cursor): Map<string, string> {
  const params = new Map<string, string>();
  for (;;) {
    cursor.skipSpacesAndCommas();
    const start = cursor.position;
    const name = cursor.match(TOKEN);
    if (name === undefined) {
      if (cursor.match(TOKEN68) === undefined) return params;
      continue;
    }
    cursor.skipSpaces();
    if (cursor.peek() !== "=") {
      cursor.position = start; // the next challenge's scheme
      return params;
    }
    const afterName = cursor.position;
    cursor.position++;
    cursor.skipSpaces();
    const value = cursor.peek() === '"' ? cursor.quoted() : cursor.match(TOKEN);
    if (value === undefined) {
      // `name=` then a comma or the end: a token68 with padding, not a parameter.
      cursor.position = afterName;
      cursor.match(/=+/y);
      continue;
    }
    const key = name.toLowerCase();
    if (!params.has(key)) params.set(key, value);
  }
}

// ---- the claims value --------------------------------------------------------------------------------

function decodeClaims(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const standard = value.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (!/^[A-Za-z0-9+/]+$/.test(standard)) return undefined;
  let text: string;
  try {
    const binary = atob(standard + "=".repeat((4 - (standard.length % 4)) % 4));
    text = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
  return parseObject(text) ? text : undefined;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepMerge(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const existing = Object.hasOwn(result, key) ? result[key] : undefined;
    const merged = isObject(existing) && isObject(value) ? deepMerge(existing, value) : value;
    // Defined, not assigned: a "__proto__" member of the JSON stays a member, never a prototype.
    Object.defineProperty(result, key, {
      value: merged,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
