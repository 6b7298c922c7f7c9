/**
 * `idswitch/hono`: sign-in routes, session and role guards, and bearer-token
 * checks as Hono middleware on Web `Request`/`Response` only — no Node API,
 * so it runs on Node, Deno, Bun and workers. Thin: it translates,
 * `createIdentity` decides.
 *
 * @example
 * import { Hono } from "hono";
 * import { bearerAuth, idswitch, type IdswitchEnv } from "idswitch/hono";
 *
 * const auth = idswitch({ identity, secret: env.SESSION_SECRET, chooserPath: "/choose" });
 * const app = new Hono<IdswitchEnv>();
 * app.route("/", auth.routes()); // GET /auth/login, GET /auth/callback/:provider, POST /auth/logout, POST /auth/backchannel-logout (+ POST /auth/signals with `signals`)
 * app.get("/me", auth.requireAuth(), (c) => c.json(c.get("idswitch")?.session?.principal));
 * app.use("/api/*", bearerAuth({ identity, audience: { entra: "api://orders", eu: "orders" } }));
 *
 * @module idswitch/hono
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { boundedText } from "../../core/bounded-body.js";
import { BearerAuth } from "../core/bearer.js";
import { type IdswitchRequest as RequestIdentity, sessionGuards } from "../core/guard.js";
import { type WebRequest, type WebResponse, webRequest } from "../core/http.js";
import type { BearerOptionsInput, WebOptionsInput } from "../core/options.js";
import { MAX_SIGNAL_BODY, WebAuth } from "../core/web-auth.js";

export type { BearerOptionsInput, WebOptionsInput } from "../core/options.js";
export { safeReturnTo } from "../core/return-to.js";

/**
 * What idswitch knows about the request, at `c.get("idswitch")`.
 *
 * @example
 * app.get("/me", auth.session(), (c) => c.json({ name: c.get("idswitch")?.principal?.name ?? null }));
 */
export type IdswitchRequest = RequestIdentity;

/**
 * The Hono environment the middleware sets: `new Hono<IdswitchEnv>()`.
 *
 * @example
 * // Typing the app with it types c.get("idswitch") in every handler.
 * const app = new Hono<IdswitchEnv>();
 * app.use("/api/*", bearerAuth({ identity, audience: { entra: "api://orders", eu: "orders" } }));
 * app.get("/api/me", (c) => c.text(c.get("idswitch")?.principal?.subject ?? ""));
 */
export interface IdswitchEnv {
  Variables: { idswitch: IdswitchRequest | undefined };
}

/**
 * What `idswitch()` returns for Hono: the routes and the middleware.
 *
 * @example
 * const auth = idswitch({ identity, secret, chooserPath: "/choose" });
 * app.route("/", auth.routes());
 * app.get("/me", auth.requireAuth(), (c) => c.json(c.get("idswitch")?.session?.principal));
 */
export interface HonoIdswitch {
  /**
   * `GET <prefix>/login`, `GET <prefix>/callback/:provider`, `POST <prefix>/logout`,
   * `POST <prefix>/backchannel-logout`, and `POST <prefix>/signals` with the
   * `signals` option: `app.route("/", auth.routes())`.
   */
  routes(): Hono<IdswitchEnv>;
  /** Reads (and refreshes) the session into `c.get("idswitch")`; lets everyone through. */
  session(): MiddlewareHandler<IdswitchEnv>;
  /** No session → redirect to sign in (browsers) or 401. */
  requireAuth(): MiddlewareHandler<IdswitchEnv>;
  /** As `requireAuth()`, then 403 unless the person holds one of `roles`. */
  requireRole(...roles: string[]): MiddlewareHandler<IdswitchEnv>;
}

/**
 * The web (cookie session) integration. Options are checked now: a mistake throws `config_invalid`.
 *
 * @example
 * // `secure: false` is for http://localhost only: requests to other hosts are refused, so it cannot reach production.
 * const auth = idswitch({ identity, secret: env.SESSION_SECRET, chooserPath: "/choose", cookie: { secure: false } });
 * app.route("/", auth.routes());
 */
export function idswitch(options: WebOptionsInput): HonoIdswitch {
  const auth = new WebAuth(options, "idswitch/hono");
  const guards = sessionGuards(
    auth,
    "idswitch/hono",
    (guard): MiddlewareHandler<IdswitchEnv> =>
      async (c, next) => {
        const { learnt, response } = await guard(toWeb(c), c.get("idswitch"));
        if (learnt) {
          for (const cookie of learnt.setCookies) c.header("Set-Cookie", cookie, { append: true });
          c.set("idswitch", learnt.state);
        }
        if (response) return toResponse(response);
        await next();
      },
  );
  return {
    ...guards,
    routes() {
      const app = new Hono<IdswitchEnv>();
      app.get(auth.loginPath, async (c) => toResponse(await auth.login(toWeb(c))));
      app.get(`${auth.callbackPath}/:provider`, async (c) =>
        toResponse(await auth.callback(toWeb(c), c.req.param("provider"))),
      );
      app.all(auth.logoutPath, async (c) => toResponse(await auth.logout(toWeb(c))));
      app.all(auth.backchannelLogoutPath, async (c) => {
        const form = c.req.method === "POST" ? await boundedText(c.req.raw, MAX_SIGNAL_BODY) : undefined;
        return toResponse(await auth.backchannelLogout(toWeb(c), form));
      });
      const signals = auth.signalsPath;
      if (signals !== undefined) app.all(signals, (c) => auth.signals(c.req.raw));
      return app;
    },
  };
}

/**
 * Middleware for APIs: verifies `Authorization: Bearer` — or
 * `Authorization: DPoP` with its `DPoP` proof (RFC 9449; option `dpop`) —
 * from any configured provider and sets `c.get("idswitch").principal`;
 * answers 401/403/503 with RFC 6750 / RFC 9449 challenges otherwise. The
 * proof is checked against the method and `c.req.url`.
 *
 * @example
 * app.use("/api/*", bearerAuth({ identity, audience: { entra: "api://orders", eu: "orders" }, realm: "orders" }));
 * app.get("/api/orders", (c) => c.json({ caller: c.get("idswitch")?.principal?.subject }));
 */
export function bearerAuth(options: BearerOptionsInput): MiddlewareHandler<IdswitchEnv> {
  const bearer = new BearerAuth(options, "idswitch/hono.bearerAuth");
  return async (c, next) => {
    const outcome = await bearer.verify({
      authorization: c.req.header("authorization"),
      dpop: c.req.header("dpop"),
      method: c.req.method,
      url: c.req.url,
    });
    if ("response" in outcome) return toResponse(outcome.response);
    c.set("idswitch", { ...c.get("idswitch"), principal: outcome.principal });
    await next();
  };
}

function toWeb(c: Context<IdswitchEnv>): WebRequest {
  return webRequest(c.req.method, c.req.url, (name) => c.req.header(name));
}

function toResponse(response: WebResponse): Response {
  const headers = new Headers();
  for (const [name, value] of response.headers) headers.append(name, value);
  if (!response.body) return new Response(null, { status: response.status, headers });
  headers.set("Content-Type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(response.body), { status: response.status, headers });
}
