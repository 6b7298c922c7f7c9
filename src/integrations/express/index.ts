/**
 * `idswitch/express`: sign-in routes for a backend-for-frontend, session and
 * role guards, and bearer-token middleware for APIs, on Express 5. Thin: it
 * translates requests and responses; `createIdentity` decides.
 *
 * @example
 * import express from "express";
 * import { bearerAuth, idswitch } from "idswitch/express";
 *
 * const auth = idswitch({ identity, secret: env.SESSION_SECRET, chooserPath: "/choose" });
 * const app = express();
 * app.use(auth.routes()); // GET /auth/login, GET /auth/callback/:provider, POST /auth/logout, POST /auth/backchannel-logout (+ POST /auth/signals with `signals`)
 * app.get("/me", auth.requireAuth(), (req, res) => res.json(req.idswitch?.session?.principal));
 * app.get("/admin", auth.requireRole("admin"), (req, res) => res.send("hello admin"));
 * app.use("/api", bearerAuth({ identity, audience: { entra: "api://orders", eu: "orders" } }));
 *
 * @module idswitch/express
 */

import { type NextFunction, type Request, type RequestHandler, type Response, Router } from "express";
import { BearerAuth, requestUrl } from "../core/bearer.js";
import { type IdswitchRequest as RequestIdentity, sessionGuards } from "../core/guard.js";
import { type WebRequest, type WebResponse, webRequest } from "../core/http.js";
import type { BearerOptionsInput, WebOptionsInput } from "../core/options.js";
import { MAX_SIGNAL_BODY, WebAuth } from "../core/web-auth.js";
import { responseParts, webRequestOf } from "../node/web-bridge.js";
import { formBody, parsedBody } from "./body.js";

export type { BearerOptionsInput, WebOptionsInput } from "../core/options.js";
export { safeReturnTo } from "../core/return-to.js";

/**
 * What idswitch knows about the request, at `req.idswitch`.
 *
 * @example
 * app.get("/me", auth.session(), (req, res) => {
 *   const principal = req.idswitch?.principal; // undefined: not signed in (session() lets everyone through)
 *   res.json(principal ? { name: principal.name } : { anonymous: true });
 * });
 */
export type IdswitchRequest = RequestIdentity;

declare module "express-serve-static-core" {
  interface Request {
    idswitch?: IdswitchRequest;
  }
}

/**
 * What `idswitch()` returns for Express: the routes and the guards.
 *
 * @example
 * const auth = idswitch({ identity, secret, chooserPath: "/choose" });
 * app.use(auth.routes());
 * app.get("/me", auth.requireAuth(), (req, res) => res.json(req.idswitch?.session?.principal));
 */
export interface ExpressIdswitch {
  /**
   * `GET <prefix>/login`, `GET <prefix>/callback/:provider`, `POST <prefix>/logout`,
   * `POST <prefix>/backchannel-logout`, and `POST <prefix>/signals` with the `signals` option.
   */
  routes(): Router;
  /** Reads (and refreshes) the session into `req.idswitch`; lets everyone through. */
  session(): RequestHandler;
  /** As `session()`, then: no session → redirect to sign in (browsers) or 401. */
  requireAuth(): RequestHandler;
  /** As `requireAuth()`, then 403 unless the person holds one of `roles`. */
  requireRole(...roles: string[]): RequestHandler;
}

/**
 * The web (cookie session) integration. Options are checked now: a mistake throws `config_invalid`.
 *
 * @example
 * // No default secret and no default chooser page: a missing one fails here, at start-up, not per request.
 * const auth = idswitch({ identity, secret: env.SESSION_SECRET, chooserPath: "/choose" });
 * app.use(auth.routes());
 * app.get("/admin", auth.requireRole("admin"), (req, res) => res.send("hello admin"));
 */
export function idswitch(options: WebOptionsInput): ExpressIdswitch {
  const auth = new WebAuth(options, "idswitch/express");
  const guards = sessionGuards(auth, "idswitch/express", (guard) =>
    handler(async (req, res, next) => {
      const { learnt, response } = await guard(toWeb(req), req.idswitch);
      if (learnt) {
        for (const cookie of learnt.setCookies) res.append("Set-Cookie", cookie);
        req.idswitch = learnt.state;
      }
      return response ? send(res, response) : next();
    }),
  );
  return {
    ...guards,
    routes() {
      const router = Router();
      router.get(
        auth.loginPath,
        handler(async (req, res) => send(res, await auth.login(toWeb(req)))),
      );
      router.get(
        `${auth.callbackPath}/:provider`,
        handler(async (req, res) => send(res, await auth.callback(toWeb(req), String(req.params.provider)))),
      );
      router.all(
        auth.logoutPath,
        handler(async (req, res) => send(res, await auth.logout(toWeb(req)))),
      );
      router.all(
        auth.backchannelLogoutPath,
        handler(async (req, res) => {
          const form = req.method === "POST" ? await formBody(req, MAX_SIGNAL_BODY) : undefined;
          send(res, await auth.backchannelLogout(toWeb(req), form));
        }),
      );
      const signals = auth.signalsPath;
      if (signals !== undefined) {
        router.all(
          signals,
          handler(async (req, res) => {
            const request = webRequestOf(urlOf(req), req, parsedBody(req));
            const { status, headers, body } = await responseParts(await auth.signals(request));
            res.status(status);
            for (const [name, value] of headers) res.setHeader(name, value);
            res.end(body);
          }),
        );
      }
      return router;
    },
  };
}

/**
 * Access-token middleware for APIs: verifies `Authorization: Bearer` — or
 * `Authorization: DPoP` with its `DPoP` proof (RFC 9449; option `dpop`) —
 * from any configured provider and sets `req.idswitch.principal`; answers
 * 401/403/503 with RFC 6750 / RFC 9449 challenges otherwise. The proof is
 * checked against `req.method` and the URL as `req.protocol` and the `Host`
 * header give it: behind a TLS-terminating proxy, set Express's `trust proxy`.
 *
 * @example
 * app.use("/api", bearerAuth({ identity, audience: { entra: "api://orders", eu: "orders" }, requiredScopes: ["orders.read"] }));
 * app.get("/api/orders", (req, res) => res.json({ caller: req.idswitch?.principal?.subject }));
 */
export function bearerAuth(options: BearerOptionsInput): RequestHandler {
  const bearer = new BearerAuth(options, "idswitch/express.bearerAuth");
  return handler(async (req, res, next) => {
    const outcome = await bearer.verify({
      authorization: req.get("authorization"),
      dpop: req.get("dpop"),
      method: req.method,
      // `req.protocol` honours the app's `trust proxy` setting; the target is the request line's.
      url: requestUrl(req.protocol, req.get("host"), req.originalUrl),
      target: req.originalUrl,
    });
    if ("response" in outcome) return send(res, outcome.response);
    req.idswitch = { ...req.idswitch, principal: outcome.principal };
    next();
  });
}

/** Express 5 forwards rejected promises to `next`, but being explicit keeps Express 4-style stacks safe. */
function handler(run: (req: Request, res: Response, next: NextFunction) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    run(req, res, next).catch(next);
  };
}

function toWeb(req: Request): WebRequest {
  return webRequest(req.method, urlOf(req), (name) => req.get(name));
}

function urlOf(req: Request): string {
  // `req.protocol` honours the app's `trust proxy` setting, as the rest of the app does.
  return `${req.protocol}://${req.get("host") ?? "localhost"}${req.originalUrl}`;
}

function send(res: Response, response: WebResponse): void {
  res.status(response.status);
  for (const [name, value] of response.headers) {
    // Both repeat: cookies, and one challenge per scheme (Bearer and DPoP).
    if (name === "Set-Cookie" || name === "WWW-Authenticate") res.append(name, value);
    else res.setHeader(name, value);
  }
  if (response.body) res.json(response.body);
  else res.end();
}
