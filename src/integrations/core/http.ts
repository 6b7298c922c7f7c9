/**
 * The framework-neutral request and response every integration translates
 * to and from. Web-standard values only, so the same logic runs under
 * Express, Fastify and Hono (Node, Deno, Bun, workers).
 */
import { parseCookies } from "./cookies.js";

export interface WebRequest {
  readonly method: string;
  /** The absolute request URL (scheme and host as the app sees them). */
  readonly url: URL;
  readonly cookies: ReadonlyMap<string, string>;
  header(name: string): string | undefined;
}

export interface WebResponse {
  readonly status: number;
  /** In order; `Set-Cookie` may repeat. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** A JSON body, or none. */
  readonly body?: Readonly<Record<string, unknown>>;
}

/** Builds a WebRequest from parts a framework hands out. */
export function webRequest(method: string, url: string | URL, header: (name: string) => string | undefined) {
  return {
    method: method.toUpperCase(),
    url: new URL(url),
    cookies: parseCookies(header("cookie")),
    header,
  } satisfies WebRequest;
}

/** Never cache an answer that sets a session or carries who someone is. */
const NO_STORE: readonly [string, string] = ["Cache-Control", "no-store"];

export function redirect(location: string, setCookies: readonly string[] = [], status = 302): WebResponse {
  return {
    status,
    headers: [["Location", location], NO_STORE, ...setCookies.map((c) => ["Set-Cookie", c] as const)],
  };
}

export function json(
  status: number,
  body: Readonly<Record<string, unknown>>,
  headers: ReadonlyArray<readonly [string, string]> = [],
  setCookies: readonly string[] = [],
): WebResponse {
  return {
    status,
    headers: [NO_STORE, ...headers, ...setCookies.map((c) => ["Set-Cookie", c] as const)],
    body,
  };
}

/** A browser navigating (it will follow a redirect to a page), as opposed to a script calling an API. */
export function isNavigation(request: WebRequest): boolean {
  const method = request.method;
  return (method === "GET" || method === "HEAD") && (request.header("accept") ?? "").includes("text/html");
}

/** The path and query of the request: what to come back to after signing in. */
export function pathOf(request: WebRequest): string {
  return `${request.url.pathname}${request.url.search}`;
}
