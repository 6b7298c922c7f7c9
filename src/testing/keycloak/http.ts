/**
 * Replies as data (so faults can rewrite them before anything is written)
 * and Keycloak's answer shapes: OAuth errors as JSON
 * `{"error","error_description"}` (docs/reference/keycloak.md §4), pages as HTML,
 * redirects. The request context and body parsing are the Entra emulator's.
 */
import type { Reply, RequestContext } from "../entra/http.js";

export {
  escapeHtml,
  headerValue,
  param,
  type Reply,
  type RequestContext,
  readContext,
} from "../entra/http.js";

/**
 * An OAuth error answer, thrown by an endpoint and written as JSON by the
 * token, device and userinfo endpoints.
 */
export class OAuthProblem extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string | undefined,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${error}: ${description ?? ""}`);
    this.name = "OAuthProblem";
  }
}

export function fail(status: number, error: string, description?: string): never {
  throw new OAuthProblem(status, error, description);
}

/** `invalid_grant` with Keycloak's description, HTTP 400 — the most common refusal. */
export function invalidGrant(description: string): never {
  throw new OAuthProblem(400, "invalid_grant", description);
}

// [guess] Keycloak also sends Referrer-Policy, X-Frame-Options and friends; only the
// headers that matter to a client are reproduced.
const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

export function json(status: number, body: unknown, extra: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { "Content-Type": "application/json", ...NO_STORE, ...extra },
    body: JSON.stringify(body),
  };
}

/** Discovery and JWKS: public, cacheable [guess: Keycloak sends `no-cache` on discovery]. */
export function metadata(body: unknown): Reply {
  return {
    status: 200,
    headers: {
      "Content-Type": "application/json",
      "Cache-Control": "no-cache",
      "Access-Control-Allow-Origin": "*",
    },
    body: JSON.stringify(body),
  };
}

export function problemReply(problem: OAuthProblem): Reply {
  const body =
    problem.description === undefined
      ? { error: problem.error }
      : { error: problem.error, error_description: problem.description };
  return json(problem.status, body, { ...problem.headers });
}

export function html(status: number, body: string, cookies: readonly string[] = []): Reply {
  return {
    status,
    headers: {
      "Content-Type": "text/html;charset=utf-8",
      ...NO_STORE,
      ...(cookies.length ? { "Set-Cookie": cookies } : {}),
    },
    body,
  };
}

export function redirect(location: string, cookies: readonly string[] = []): Reply {
  return {
    status: 302,
    headers: { Location: location, ...NO_STORE, ...(cookies.length ? { "Set-Cookie": cookies } : {}) },
    body: "",
  };
}

/**
 * A cookie scoped to the realm's path, as Keycloak 26 sends its login cookies — `Secure` even over
 * plain HTTP (browsers accept it from localhost; without it Chromium drops a `SameSite=None` cookie
 * and the login page answers "Cookie not found").
 */
export function cookie(name: string, value: string, realmPath: string): string {
  return `${name}=${value}; Version=1; Path=${realmPath}/; Secure; HttpOnly; SameSite=None`;
}

export function expiredCookie(name: string, realmPath: string): string {
  return `${name}=; Version=1; Expires=Thu, 01-Jan-1970 00:00:10 GMT; Max-Age=0; Path=${realmPath}/; HttpOnly`;
}

/** Rejects a form with the same parameter twice: 400 "duplicated parameter" (docs/reference/keycloak.md §4.4). */
export function checkDuplicates(ctx: RequestContext): void {
  const seen = new Set<string>();
  for (const key of ctx.form.keys()) {
    if (seen.has(key)) fail(400, "invalid_request", "duplicated parameter");
    seen.add(key);
  }
}
