/**
 * A browser's cookie jar over any `fetch`-shaped dispatcher: the real
 * network for Express and Fastify on 127.0.0.1, `app.fetch` for Hono.
 * Redirects are not followed, so each test sees every hop.
 */

export type Dispatch = (request: Request) => Promise<Response>;

export interface SetCookie {
  readonly name: string;
  readonly value: string;
  readonly attributes: string;
}

export class TestBrowser {
  readonly jar = new Map<string, string>();
  readonly #dispatch: Dispatch;
  readonly #origin: string;

  constructor(origin: string, dispatch: Dispatch) {
    this.#origin = origin;
    this.#dispatch = dispatch;
  }

  /** A navigation (Accept: text/html), or an API call with `{ accept: "application/json" }`. */
  async request(path: string, init: RequestInit & { accept?: string } = {}): Promise<Response> {
    const url = new URL(path, this.#origin);
    const headers = new Headers(init.headers);
    headers.set("accept", init.accept ?? "text/html");
    if (this.jar.size > 0) headers.set("cookie", [...this.jar].map(([n, v]) => `${n}=${v}`).join("; "));
    const response = await this.#dispatch(new Request(url, { ...init, headers, redirect: "manual" }));
    for (const cookie of setCookies(response)) {
      if (/max-age=0/i.test(cookie.attributes)) this.jar.delete(cookie.name);
      else this.jar.set(cookie.name, cookie.value);
    }
    return response;
  }
}

export function setCookies(response: Response): SetCookie[] {
  return response.headers.getSetCookie().map((line) => {
    const [pair = "", ...rest] = line.split(";");
    const eq = pair.indexOf("=");
    return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1), attributes: rest.join(";") };
  });
}
